"""CLIP's, TIPSv2's and Molmo 2's text models beyond their fixtures: the configs their models
refuse, by key, and their counts in closed form (`modeling_clip.py`, `modeling_tipsv2.py`,
`modeling_molmo2.py`)."""

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
        # CLIPAttention and Tipsv2TextConfig refuse heads that do not split the width
        ({"model_type": "clip_text_model", "num_attention_heads": 7}, "num_attention_heads"),
        ({"model_type": "tipsv2_text_model", "num_attention_heads": 5}, "num_attention_heads"),
        # Molmo2TextConfig.validate_architecture knows two q/k norm layouts
        ({"model_type": "molmo2_text", "qk_norm_type": "gemma"}, "qk_norm_type"),
        ({"model_type": "molmo2_text", "additional_vocab_size": -1}, "additional_vocab_size"),
        # typed int: a null is refused, not read as one head per query head
        ({"model_type": "molmo2_text", "num_key_value_heads": None}, "num_key_value_heads"),
    ],
)
def test_configs_the_models_refuse_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config the model class refuses is an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def clip_sized(model_type: str) -> dict[str, Any]:
    """A small CLIP-layout text config."""
    return {
        "model_type": model_type,
        "vocab_size": 100,
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "max_position_embeddings": 20,
    }


@pytest.mark.parametrize(
    ("model_type", "positions"), [("clip_text_model", 20), ("tipsv2_text_model", 0)]
)
def test_clip_layout_in_closed_form(tmp_path: Path, model_type: str, positions: int) -> None:
    """Token rows (plus CLIP's learned positions; TIPSv2's are sinusoidal), four biased
    projections, a biased fc1/fc2 MLP and two biased LayerNorms per layer, a final LayerNorm."""
    d, ff, layers = 64, 96, 3
    counted = count(loaded(tmp_path, clip_sized(model_type)))
    assert counted.groups[Group.EMBEDDING] == (100 + positions) * d
    assert counted.groups[Group.ATTENTION] == layers * 4 * (d * d + d)
    assert counted.groups[Group.FEEDFORWARD] == layers * (2 * d * ff + ff + d)
    assert counted.groups[Group.NORM] == layers * 2 * 2 * d + 2 * d
    assert counted.groups[Group.OUTPUT] == 0


@pytest.mark.parametrize(("norm", "width"), [("qwen3", 16), ("olmo", None)])
def test_molmo2_text_in_closed_form(tmp_path: Path, norm: str, width: int | None) -> None:
    """additional_vocab_size more token rows; q/k norms of head_dim (qwen3) or of all heads'
    width (olmo); q/k/v biased by qkv_bias, o_proj never; no head."""
    d, heads, kv, hd, layers = 64, 4, 2, 16, 2
    config = {
        "model_type": "molmo2_text",
        "vocab_size": 100,
        "additional_vocab_size": 12,
        "hidden_size": d,
        "intermediate_size": 96,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "head_dim": hd,
        "qk_norm_type": norm,
        "qkv_bias": True,
    }
    counted = count(loaded(tmp_path, config))
    q_norm, k_norm = (width, width) if width else (heads * hd, kv * hd)
    projections = d * heads * hd * 2 + 2 * d * kv * hd + heads * hd + 2 * kv * hd
    assert counted.groups[Group.EMBEDDING] == 112 * d
    assert counted.groups[Group.ATTENTION] == layers * projections
    assert counted.groups[Group.NORM] == layers * (2 * d + q_norm + k_norm) + d
    assert counted.groups[Group.OUTPUT] == 0
