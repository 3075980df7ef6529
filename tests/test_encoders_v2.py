"""Encoders in the v2 form (ELECTRA, RemBERT, Longformer...): what the fixtures cannot show.

The fixtures of data/hf prove each family exact at its defaults and at random variants; these
tests pin the configs the families' models refuse or paramcalc cannot say (each an error naming
the file's key) and derive the factorized embeddings in closed form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.errors import InputError


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # the layers refuse cross-attention outside a decoder
        ({"model_type": "electra", "add_cross_attention": True}, "add_cross_attention"),
        # ElectraSelfAttention skips its divisibility check; paramcalc refuses the odd width
        ({"model_type": "electra", "num_attention_heads": 5}, "num_attention_heads"),
        ({"model_type": "rembert", "type_vocab_size": 0}, "type_vocab_size"),
        ({"model_type": "longformer", "attention_window": 3}, "attention_window"),
        ({"model_type": "longformer", "attention_window": [4, 4]}, "attention_window"),
    ],
)
def test_configs_refused_name_their_key(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """A config the family's model cannot build is an error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_electra_embeds_at_embedding_size(tmp_path: Path) -> None:
    """ElectraEmbeddings: tokens, positions, types and LayerNorm at E, then E -> H with bias."""
    v, e, h, p, t = 1000, 32, 64, 128, 2
    config = {
        "model_type": "electra",
        "vocab_size": v,
        "embedding_size": e,
        "hidden_size": h,
        "max_position_embeddings": p,
        "type_vocab_size": t,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
    }
    groups = count(loaded(tmp_path, config)).groups
    assert groups[Group.EMBEDDING] == (v + p + t) * e + e * h + h
    assert groups[Group.OUTPUT] == 0


def test_rembert_maps_in_even_at_equal_widths(tmp_path: Path) -> None:
    """RemBertEncoder always builds embedding_hidden_mapping_in, even when E == H."""
    v, h, p, t = 1000, 64, 128, 2
    config = {
        "model_type": "rembert",
        "vocab_size": v,
        "input_embedding_size": h,
        "hidden_size": h,
        "max_position_embeddings": p,
        "type_vocab_size": t,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
    }
    groups = count(loaded(tmp_path, config)).groups
    assert groups[Group.EMBEDDING] == (v + p + t) * h + h * h + h
    assert groups[Group.OUTPUT] == h * h + h  # the pooler


def test_layoutlm_adds_four_box_tables(tmp_path: Path) -> None:
    """LayoutLMEmbeddings: x, y, h and w tables of max_2d_position_embeddings rows each."""
    base = {"model_type": "layoutlm", "hidden_size": 64, "num_attention_heads": 2}
    small = count(loaded(tmp_path, {**base, "max_2d_position_embeddings": 10})).total
    large = count(loaded(tmp_path, {**base, "max_2d_position_embeddings": 30})).total
    assert large - small == 4 * 20 * 64


def test_roformer_position_table_is_one_head_wide(tmp_path: Path) -> None:
    """RoFormerEncoder.embed_positions: max_position_embeddings x (hidden // heads)."""
    v, h, heads, p, t = 1000, 64, 4, 128, 2
    config = {
        "model_type": "roformer",
        "vocab_size": v,
        "hidden_size": h,
        "num_attention_heads": heads,
        "max_position_embeddings": p,
        "type_vocab_size": t,
        "num_hidden_layers": 1,
    }
    groups = count(loaded(tmp_path, config)).groups
    assert groups[Group.EMBEDDING] == (v + t) * h + p * (h // heads)


def test_mpnet_holds_one_relative_bias_for_all_layers(tmp_path: Path) -> None:
    """MPNetEncoder.relative_attention_bias: num_buckets x heads, once, whatever the depth."""
    base = {"model_type": "mpnet", "hidden_size": 64, "num_attention_heads": 4}
    totals = [
        count(loaded(tmp_path, {**base, "relative_attention_num_buckets": b})).groups
        for b in (8, 40)
    ]
    assert totals[1][Group.ATTENTION] - totals[0][Group.ATTENTION] == 32 * 4
    with pytest.raises(InputError, match="relative_attention_num_buckets"):
        loaded(tmp_path, {**base, "relative_attention_num_buckets": 0})


def test_esm_contact_head_counts_but_runs_no_forward_flops(tmp_path: Path) -> None:
    """EsmContactPredictionHead: Linear(layers x heads, 1), used by predict_contacts only."""
    from paramcalc.flops import projection_flops

    layers, heads, h, i, b, s = 3, 4, 64, 128, 2, 16
    config = {
        "model_type": "esm",
        "vocab_size": 33,
        "hidden_size": h,
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "intermediate_size": i,
    }
    counted = count(loaded(tmp_path, config))
    assert counted.groups[Group.OUTPUT] == (h * h + h) + (layers * heads + 1)
    # every layer's q/k/v/o and MLP per token, the pooler once per sequence, no contact head
    expected = 2 * b * s * layers * (4 * h * h + 2 * h * i) + 2 * b * h * h
    assert projection_flops(counted, b, s, s) == expected
    with pytest.raises(InputError, match="position_embedding_type"):
        loaded(tmp_path, {**config, "position_embedding_type": "relative_key"})


def test_squeezebert_grouped_convolutions(tmp_path: Path) -> None:
    """SqueezeBertModule: each Conv1d(cin, cout, 1, groups=g) holds cin x cout / g weights and
    a bias of cout, and costs 2 x those weights per token."""
    from paramcalc.flops import projection_flops

    h, i, layers, b, s = 64, 128, 2, 2, 8
    groups = {"q": 2, "k": 4, "v": 8, "post_attention": 1, "intermediate": 4, "output": 2}
    config = {
        "model_type": "squeezebert",
        "hidden_size": h,
        "embedding_size": h,
        "intermediate_size": i,
        "num_attention_heads": 4,
        "num_hidden_layers": layers,
        **{f"{key}_groups": g for key, g in groups.items()},
    }
    counted = count(loaded(tmp_path, config))
    attention = sum(h * h // groups[k] for k in ("q", "k", "v", "post_attention"))
    mlp = h * i // groups["intermediate"] + i * h // groups["output"]
    assert counted.groups[Group.ATTENTION] == layers * (attention + 4 * h)
    assert counted.groups[Group.FEEDFORWARD] == layers * (mlp + i + h)
    pooler = 2 * b * h * h
    assert projection_flops(counted, b, s, s) == 2 * b * s * layers * (attention + mlp) + pooler
    with pytest.raises(InputError, match="k_groups"):
        loaded(tmp_path, {**config, "k_groups": 3})
    with pytest.raises(InputError, match="embedding_size"):
        loaded(tmp_path, {**config, "embedding_size": 32})


@pytest.mark.parametrize("model_type", ["xlm", "flaubert"])
def test_xlm_language_table_and_encoder_only(tmp_path: Path, model_type: str) -> None:
    """XLMModel: lang_embeddings (n_langs x emb_dim) only with several languages and
    use_lang_emb; is_encoder false raises NotImplementedError there."""
    base = {"model_type": model_type, "emb_dim": 64, "n_heads": 4, "n_layers": 1}
    one = count(loaded(tmp_path, {**base, "n_langs": 1})).groups[Group.EMBEDDING]
    five = count(loaded(tmp_path, {**base, "n_langs": 5})).groups[Group.EMBEDDING]
    unused = {**base, "n_langs": 5, "use_lang_emb": False}
    assert five - one == 5 * 64
    assert count(loaded(tmp_path, unused)).groups[Group.EMBEDDING] == one
    with pytest.raises(InputError, match="is_encoder"):
        loaded(tmp_path, {**base, "is_encoder": False})


def test_roc_bert_maps_the_concatenated_tables_in(tmp_path: Path) -> None:
    """RoCBertEmbeddings: both tables always built; map_inputs_layer reads H plus each
    enabled table's width under concat_input."""
    h, p_dim, p_rows, s_dim, s_rows = 64, 16, 10, 32, 20
    base = {
        "model_type": "roc_bert",
        "vocab_size": 100,
        "hidden_size": h,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "max_position_embeddings": 8,
        "type_vocab_size": 1,
        "pronunciation_embed_dim": p_dim,
        "pronunciation_vocab_size": p_rows,
        "shape_embed_dim": s_dim,
        "shape_vocab_size": s_rows,
    }
    tables = (100 + 8 + 1) * h + p_rows * p_dim + s_rows * s_dim
    plain = count(loaded(tmp_path, {**base, "concat_input": False})).groups[Group.EMBEDDING]
    shape_only = {**base, "enable_pronunciation": False}
    mapped = count(loaded(tmp_path, shape_only)).groups[Group.EMBEDDING]
    assert plain == tables
    assert mapped == tables + (h + s_dim) * h + h
