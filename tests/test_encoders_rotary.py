"""Rotary encoders (GTE, NomicBERT, Jina-v3, EuroBERT, ModernBERT) beyond their fixtures.

The fixtures pin every tensor against transformers; these tests pin what the fixtures cannot:
configs the models refuse (each an error naming the file's key), ModernBERT's local window as
its mask keeps it, and GTE's MLP biases in closed form.
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
        # NomicBertEmbeddings and JinaEmbeddingsV3Embeddings build nn.Embedding(0, hidden)
        ({"model_type": "nomic_bert", "type_vocab_size": 0}, "type_vocab_size"),
        ({"model_type": "jina_embeddings_v3", "type_vocab_size": 0}, "type_vocab_size"),
        # ModernBertAttention raises when the heads do not divide hidden_size
        ({"model_type": "modernbert", "num_attention_heads": 5}, "num_attention_heads"),
        ({"model_type": "modernbert", "layer_types": ["full_attention"]}, "layer_types"),
    ],
)
def test_configs_the_models_refuse_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config the family's model cannot build is an error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_modernbert_local_layers_see_both_sides_of_the_window(tmp_path: Path) -> None:
    """A local layer keeps |q - k| <= local_attention // 2: 2 x 64 + 1 = 129 keys per query;
    every third layer (from the first) is global, and the first has no attn_norm."""
    model = loaded(tmp_path, {"model_type": "modernbert", "num_hidden_layers": 4})
    stack = model.text.stacks[0]
    kinds = [stack.kinds[k] for k in stack.layer_kinds]
    assert [k.mixer.sliding_window for k in kinds] == [None, 129, 129, None]
    assert [k.norms for k in kinds] == [("pre_ffn",)] + [("input", "pre_ffn")] * 3


def test_gte_mlp_biases_only_its_down_projection(tmp_path: Path) -> None:
    """GteMLP: gate_proj and up_proj without bias, down_proj with one (hidden outputs)."""
    hidden, width, layers = 64, 96, 2
    config = {
        "model_type": "gte",
        "vocab_size": 100,
        "hidden_size": hidden,
        "num_attention_heads": 4,
        "intermediate_size": width,
        "num_hidden_layers": layers,
    }
    breakdown = count(loaded(tmp_path, config))
    assert breakdown.groups[Group.FEEDFORWARD] == layers * (3 * hidden * width + hidden)
