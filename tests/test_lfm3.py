"""LFM3: the per-head output gate, sandwich norms and the layer kinds it reads.

The fixtures (data/hf) prove the family's tensors against transformers; these tests pin the
gate in closed form and the error that names the key paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.core.attention import Attention
from paramcalc.core.context import Context
from paramcalc.errors import ParamcalcError
from paramcalc.sources import load


def test_head_gate_is_one_unbiased_projection_to_the_heads() -> None:
    """g_proj: hidden -> heads, no bias, whatever attention's own biases are."""
    plain = Attention(num_attention_heads=4, num_key_value_heads=2, qkv_bias=True, o_bias=True)
    gated = plain.model_copy(update={"head_gate": True})
    hidden = 64
    extra = sum(r.size for r in gated.records(Context(hidden))) - sum(
        r.size for r in plain.records(Context(hidden))
    )
    assert extra == hidden * 4


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"num_hidden_layers": 2, "layer_types": ["conv", "mamba"]}, "layer_types"),
        ({"num_hidden_layers": 2, "layer_types": ["conv"]}, "layer_types"),
        ({"num_key_value_heads": None}, "num_key_value_heads"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """A layer kind LFM3 does not build, or a layer list of the wrong length, names its key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "lfm3", **fields}))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))
