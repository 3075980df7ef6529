"""EncoderDecoderModel beyond its fixtures: the pairs paramcalc refuses, by key, and the
projection between two widths in closed form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.sources import load

SMALL = {"vocab_size": 100, "num_hidden_layers": 1, "num_attention_heads": 2}
BERT_ENCODER = {"model_type": "bert", "hidden_size": 64, "intermediate_size": 96, **SMALL}
BERT_DECODER = {**BERT_ENCODER, "is_decoder": True, "add_cross_attention": True}


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "encoder-decoder", **config}))
    return load(str(path))


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # AutoModel builds GPT2Model, whose names paramcalc's gpt2 record (the LM) does not use
        ({"encoder": {"model_type": "gpt2"}}, "encoder"),
        ({"encoder": [1]}, "encoder"),
        # LlamaForCausalLM reads no encoder states: EncoderDecoderModel refuses it
        ({"decoder": {"model_type": "llama"}}, "decoder"),
        # DistilBERT has no causal-LM class that reads add_cross_attention
        ({"decoder": {"model_type": "distilbert"}}, "decoder"),
        # tables beside the token table, or a stack of its own, have no place in the encoder
        ({"encoder": {"model_type": "mobilebert", **SMALL}}, "encoder"),
        ({"encoder": {"model_type": "esm", **SMALL}}, "encoder"),
        ({"encoder": {"model_type": "canine", **SMALL}}, "encoder"),
        # RMSNorm in the encoder, LayerNorm in the decoder: one norm kind per model
        ({"encoder": {"model_type": "eurobert", **SMALL}}, "encoder"),
        # the side's own schema refuses it, under the side's key
        ({"decoder": {**BERT_DECODER, "num_attention_heads": 3}}, "decoder: num_attention_heads"),
        ({"encoder": {**BERT_DECODER}, "decoder": BERT_DECODER}, "encoder"),
        (
            {
                "encoder": BERT_ENCODER,
                "decoder": {**BERT_DECODER, "cross_attention_hidden_size": 8},
            },
            "decoder",
        ),
        (
            {
                "encoder": {**BERT_ENCODER, "hidden_size": 32},
                "decoder": {**BERT_DECODER, "cross_attention_hidden_size": 32},
            },
            "decoder",
        ),
    ],
)
def test_pairs_paramcalc_cannot_build_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """An unsupported side, or a decoder paramcalc cannot say, is an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


@pytest.mark.parametrize(
    ("model_type", "field"),
    [("esm", "contact_head"), ("luke", "extras"), ("canine", "hash_embeddings")],
)
def test_a_refused_encoder_names_what_it_holds(tmp_path: Path, model_type: str, field: str) -> None:
    """The error says which part of the encoder's model the encoder stack cannot hold."""
    with pytest.raises(InputError, match=field):
        loaded(tmp_path, {"encoder": {"model_type": model_type, **SMALL}})


def bert_encoder_size(width: int, ffn: int = 96, vocab: int = 100) -> int:
    """BertModel of one layer: tables (512 positions, 2 types) and their LayerNorm, four biased
    attention projections, a biased MLP, two LayerNorms, the pooler."""
    tables = (vocab + 512 + 2) * width + 2 * width
    layer = 4 * (width * width + width) + 2 * width * ffn + ffn + width + 2 * 2 * width
    return tables + layer + width * width + width


def test_two_widths_add_the_projection_and_nothing_else(tmp_path: Path) -> None:
    """enc_to_dec_proj (encoder width -> decoder width, biased, attention) is the only tensor a
    narrower encoder adds beyond its own; the decoder's cross-attention reads its own width."""
    same = count(loaded(tmp_path, {"encoder": BERT_ENCODER, "decoder": BERT_DECODER}))
    (tmp_path / "narrow").mkdir()
    narrow_encoder = {**BERT_ENCODER, "hidden_size": 32}
    narrow = count(
        loaded(tmp_path / "narrow", {"encoder": narrow_encoder, "decoder": BERT_DECODER})
    )
    h, e = 64, 32
    projection = e * h + h
    assert same.total - narrow.total == bert_encoder_size(h) - bert_encoder_size(e) - projection
    attention = narrow.groups[Group.ATTENTION] - same.groups[Group.ATTENTION]
    assert attention == projection - 4 * (h * h + h) + 4 * (e * e + e)


def test_a_narrow_embedding_adds_its_projection_in(tmp_path: Path) -> None:
    """An ELECTRA encoder as wide as the BERT one but with 32-wide tables: the tables and
    their LayerNorm shrink to 32 columns, embeddings_project (32 -> 64, biased) is added, and
    ElectraModel has no pooler; the layers are BERT's."""
    bert = count(loaded(tmp_path, {"encoder": BERT_ENCODER, "decoder": BERT_DECODER}))
    (tmp_path / "electra").mkdir()
    electra_encoder = {**BERT_ENCODER, "model_type": "electra", "embedding_size": 32}
    electra = count(
        loaded(tmp_path / "electra", {"encoder": electra_encoder, "decoder": BERT_DECODER})
    )
    h, e, rows = 64, 32, 100 + 512 + 2
    tables = rows * (h - e) + 2 * (h - e)
    assert bert.total - electra.total == tables - (e * h + h) + (h * h + h)
    embedding = bert.groups[Group.EMBEDDING] - electra.groups[Group.EMBEDDING]
    assert embedding == rows * (h - e) - (e * h + h)
