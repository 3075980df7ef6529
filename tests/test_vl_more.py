"""More image-text-to-text families (GLM-GA, MiniCPM-V 4.7, MiniCPM-OCR,
HyperCLOVA X Vision V2, DeepSeek-VL hybrid, Cohere Compass,
MiniMax-M3 VL) keep a transformers fixture per
branch that changes tensors, and refuse the values paramcalc cannot represent with an error
naming the key.

The counts themselves are checked fixture by fixture in test_tensors.py and test_hf_families.py.
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


def has_fixture(family: str, sub: str, fields: dict[str, Any]) -> bool:
    """Whether a fixture of model_type `family` sets every field to the value in config[sub]
    (or the top level for an empty `sub`; a null sub-config sets nothing)."""
    for f in FIXTURES:
        if f["model_type"] != family:
            continue
        where = (f["config"].get(sub) or {}) if sub else f["config"]
        if all(where.get(k, "<absent>") == v for k, v in fields.items()):
            return True
    return False


@pytest.mark.parametrize(
    ("model_type", "sub", "fields"),
    [
        ("glmga", "text_config", {"model_type": "glm4v_moe_text"}),  # GLM-4.5's MoE text model
        ("glmga", "", {"tie_word_embeddings": True}),
        ("minicpmv4_7", "", {"merger_times": 3}),  # two downsampling MLPs at the vision width
        ("minicpmv4_7", "", {"tie_word_embeddings": True}),
        ("minicpm_ocr", "", {"tie_word_embeddings": False}),  # its own lm_head
        ("minicpm_ocr", "", {"merger_times": 2}),
        ("hyperclovax_vision_v2", "", {"tie_word_embeddings": False}),  # its own lm_head
        ("hyperclovax_vision_v2", "text_config", {"tie_word_embeddings": True}),  # top decides
        ("hyperclovax_vision_v2", "vision_config", {"model_type": "qwen2_5_vl"}),
        ("hyperclovax_vision_v2", "text_config", {"use_post_norm": False}),
        ("deepseek_vl_hybrid", "high_res_vision_config", {"mlp_dim": None}),  # from mlp_ratio
        ("deepseek_vl_hybrid", "high_res_vision_config", {"use_rel_pos": False}),
        ("deepseek_vl_hybrid", "vision_config", {"vision_use_head": False}),
        ("deepseek_vl_hybrid", "", {"tie_word_embeddings": False}),
        ("cohere_compass", "", {"tie_word_embeddings": True}),
        ("cohere_compass", "text_config", {"attention_bias": True}),
        ("minimax_m3_vl", "", {"tie_word_embeddings": True}),
        ("minimax_m3_vl", "text_config", {"tie_word_embeddings": True}),  # either level ties
        ("minimax_m3_vl", "vision_config", {"spatial_merge_size": 3}),
    ],
)
def test_branch_has_a_fixture(model_type: str, sub: str, fields: dict[str, Any]) -> None:
    """A tensor-changing branch of a family is covered by a transformers fixture."""
    assert has_fixture(model_type, sub, fields)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "glmga", "text_config": {"model_type": "llama"}}, "text_config"),
        ({"model_type": "minicpmv4_7", "vision_config": {"window_kernel_size": 2}}, "window_k"),
        ({"model_type": "minicpmv4_7", "text_config": {"model_type": "qwen3"}}, "text_config"),
        ({"model_type": "minicpmv4_7", "merger_times": 0}, "merger_times"),
        ({"model_type": "minicpm_ocr", "text_config": {"model_type": "qwen3"}}, "text_config"),
        # MiniCPMV4_7Config builds its vision config from its own class.
        (
            {"model_type": "minicpmv4_7", "vision_config": {"model_type": "siglip"}},
            "vision_config",
        ),
        ({"model_type": "hyperclovax_vision_v2", "text_config": {"model_type": "llama"}}, "text"),
        (
            {"model_type": "hyperclovax_vision_v2", "vision_config": {"model_type": "siglip"}},
            "vision_config",
        ),
        (
            {"model_type": "deepseek_vl_hybrid", "high_res_vision_config": {"model_type": "clip"}},
            "high_res_vision_config",
        ),
        (
            {"model_type": "deepseek_vl_hybrid", "high_res_vision_config": {"mlp_ratio": "4"}},
            "mlp_ratio",
        ),
        ({"model_type": "cohere_compass", "text_config": {"model_type": "cohere2"}}, "text_config"),
        ({"model_type": "cohere_compass", "vision_config": {"model_type": "siglip"}}, "vision"),
        ({"model_type": "minimax_m3_vl", "text_config": {"model_type": "minimax_m2"}}, "text"),
        ({"model_type": "minimax_m3_vl", "projector_hidden_size": 0}, "projector_hidden_size"),
        # SamVisionAttention's qkv is hidden_size wide; paramcalc's heads must split it.
        (
            {
                "model_type": "deepseek_vl_hybrid",
                "high_res_vision_config": {"num_attention_heads": 5},
            },
            "num_attention_heads",
        ),
    ],
)
def test_unrepresentable_config_is_an_error_naming_its_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A value transformers 5.23 cannot build, or paramcalc cannot represent, names its key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(InputError) as caught:
        load(str(path))
    assert key in str(caught.value)
