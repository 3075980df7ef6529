"""The dense Llama-like families keep a transformers fixture for each branch that changes tensors.

The counts themselves are checked fixture by fixture in test_tensors.py and test_hf_families.py;
this file pins that the branches stay exercised, and that configs transformers cannot build are
errors naming their key rather than a count.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from paramcalc.errors import InputError
from paramcalc.sources import load

FIXTURES = [json.loads(p.read_text()) for p in sorted((DATA / "hf").glob("*.json"))]


def has_fixture(model_type: str, **fields: Any) -> bool:
    """Whether some fixture of `model_type` sets every given field to the given value."""
    return any(
        f["model_type"] == model_type
        and all(f["config"].get(k, "<absent>") == v for k, v in fields.items())
        for f in FIXTURES
    )


@pytest.mark.parametrize(
    ("model_type", "fields"),
    [
        ("cohere", {"use_qk_norm": True}),  # q_norm/k_norm weights of (heads, head_dim)
        ("stablelm", {"qk_layernorm": True}),  # q_layernorm.norms.{h}, one per head
        ("stablelm", {"use_parallel_residual": True}),  # no post_attention_layernorm
        ("apertus", {"hidden_act": "xielu"}),  # act_fn.alpha_p and alpha_n
        ("apertus", {"hidden_act": "silu"}),  # no learned activation scalars
        ("hyperclovax", {"use_post_norm": False}),  # no post_norm1/post_norm2
        ("persimmon", {"qk_layernorm": False}),
        ("youtu", {"q_lora_rank": None}),  # plain q_proj instead of q_a/q_b
        ("internlm3", {"qkv_bias": True, "bias": True}),  # attribute_map aliases
        ("seed_oss", {"attention_out_bias": True}),
    ],
)
def test_branch_has_a_fixture(model_type: str, fields: dict[str, Any]) -> None:
    """A tensor-changing branch of a dense family is covered by a transformers fixture."""
    assert has_fixture(model_type, **fields)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "ministral"}, "head_dim"),  # MinistralAttention reads a null head_dim
        ({"model_type": "hunyuan_v1_dense"}, "head_dim"),
        ({"model_type": "nemotron"}, "num_key_value_heads"),  # NemotronAttention divides by it
        ({"model_type": "internlm3", "attention_bias": True}, "mlp_bias"),  # one bias setting
        ({"model_type": "helium", "head_dim": 64}, "head_dim"),  # o_proj reads hidden_size
    ],
)
def test_unbuildable_config_is_an_error_naming_its_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config transformers 5.23 refuses or cannot build gives an error naming the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(InputError) as caught:
        load(str(path))
    assert key in str(caught.value)
