"""Mistral's MLA models: Mistral 4 (DeepSeek-V3's attention and MoE under Mistral's defaults).

The fixtures (data/hf) prove each family's tensors against transformers; these tests pin the
refusals, which name the config key paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.api import count
from paramcalc.errors import InputError
from paramcalc.sources import load


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_mistral4_defaults_match_a_closed_form(tmp_path: Path) -> None:
    """Mistral4Config() (Mistral-Small-4-119B): 36 layers of MLA and a MoE of 128 routed
    experts plus one shared expert, untied head."""
    hidden, heads, layers, vocab = 4096, 32, 36, 131072
    q_rank, kv_rank, nope, rope, v = 1024, 256, 64, 64, 128
    attention = (
        hidden * q_rank
        + q_rank  # q_a_proj, q_a_layernorm
        + q_rank * heads * (nope + rope)  # q_b_proj
        + hidden * (kv_rank + rope)
        + kv_rank  # kv_a_proj_with_mqa, kv_a_layernorm
        + kv_rank * heads * (nope + v)  # kv_b_proj
        + heads * v * hidden  # o_proj
    )
    moe = 128 * hidden + 128 * 3 * hidden * 2048 + 3 * hidden * 2048  # router, experts, shared
    expected = 2 * vocab * hidden + layers * (attention + moe + 2 * hidden) + hidden
    assert count(load(write(tmp_path, {"model_type": "mistral4"}))).total == expected


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"num_experts_per_tok": None}, "num_experts_per_tok"),
        ({"v_head_dim": None}, "v_head_dim"),
        ({"n_shared_experts": 0}, "n_shared_experts"),
    ],
)
def test_mistral4_refusals_name_the_key(
    tmp_path: Path, config: dict[str, object], key: str
) -> None:
    """A null top-k (active parameters unknown), a null value width (transformers cannot build
    kv_b_proj) and an empty shared expert are refused by key."""
    with pytest.raises(InputError, match=key):
        load(write(tmp_path, {"model_type": "mistral4", **config}))
