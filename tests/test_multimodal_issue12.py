"""The image-text-to-text families of issue #12 keep a transformers fixture per branch that
changes tensors, and refuse the values paramcalc cannot represent with an error naming the key.

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
    (or the top level for an empty `sub`)."""
    for f in FIXTURES:
        if f["model_type"] != family:
            continue
        where = f["config"].get(sub, {}) if sub else f["config"]
        if all(where.get(k, "<absent>") == v for k, v in fields.items()):
            return True
    return False


@pytest.mark.parametrize(
    ("model_type", "sub", "fields"),
    [
        ("qwen3_vl", "vision_config", {"deepstack_visual_indexes": []}),  # no deepstack merger
        ("qwen3_vl", "", {"tie_word_embeddings": True}),
        ("qwen3_vl_moe", "text_config", {"num_experts": 0}),  # every layer dense
        ("qwen3_vl_moe", "text_config", {"head_dim": None}),  # hidden_size // heads
        ("internvl", "vision_config", {"use_qk_norm": True}),  # full-width q/k RMSNorms
        ("internvl", "vision_config", {"use_mean_pooling": False}),  # a final LayerNorm
        ("internvl", "vision_config", {"norm_type": "rms_norm"}),
        ("internvl", "text_config", {"model_type": "qwen3"}),
        ("lfm2_vl", "", {"projector_use_layernorm": False}),
        ("lfm2_vl", "vision_config", {"vision_use_head": False}),
        ("mllama", "text_config", {"cross_attention_layers": []}),  # self-attention only
        ("mllama", "vision_config", {"num_global_layers": 0}),  # no global transformer
        ("mllama", "vision_config", {"max_num_tiles": 4}),  # the default 8 layouts
        ("gemma4", "", {"vision_config": None}),  # the language model alone
        ("gemma4", "", {"tie_word_embeddings": False}),  # its own lm_head
        ("gemma4", "vision_config", {"use_clipped_linears": True}),  # bounds are buffers
        ("gemma4_unified", "", {"vision_config": None}),  # no vision embedder
        ("gemma4_unified", "", {"audio_config": None}),  # no audio projection
        ("gemma4_unified", "", {"tie_word_embeddings": False}),
    ],
)
def test_branch_has_a_fixture(model_type: str, sub: str, fields: dict[str, Any]) -> None:
    """A tensor-changing branch of a family is covered by a transformers fixture."""
    assert has_fixture(model_type, sub, fields)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # Qwen3VLVisionPatchEmbed builds a Conv3d of kernel (t, p, p) from plain integers.
        ({"model_type": "qwen3_vl", "vision_config": {"patch_size": [16, 16]}}, "patch_size"),
        ({"model_type": "qwen3_vl", "vision_config": {"model_type": "siglip"}}, "vision_config"),
        ({"model_type": "qwen3_vl_moe", "text_config": {"num_key_value_heads": None}}, "num_key"),
        # paramcalc counts square images: a rectangular one is refused, not miscounted.
        ({"model_type": "internvl", "vision_config": {"image_size": [448, 224]}}, "image_size"),
        ({"model_type": "internvl", "vision_config": {"norm_type": "batch_norm"}}, "norm_type"),
        ({"model_type": "internvl", "downsample_ratio": 0}, "downsample_ratio"),
        # AyaVisionConfig's own null vision_config: 14 heads do not split SigLIP's 1152.
        ({"model_type": "aya_vision"}, "num_attention_heads"),
        (
            {
                "model_type": "aya_vision",
                "vision_config": {},
                "alignment_intermediate_size": 63,
            },
            "alignment_intermediate_size",
        ),
        ({"model_type": "cohere2_vision", "alignment_intermediate_size": None}, "alignment"),
        ({"model_type": "lfm2_vl", "text_config": {"model_type": "llama"}}, "text_config"),
        ({"model_type": "glm4v", "vision_config": {"num_heads": 7}}, "num_heads"),
        # Glm4vMoeTextMoE builds zero-width shared experts: tensors of no elements.
        ({"model_type": "glm4v_moe", "text_config": {"n_shared_experts": 0}}, "n_shared_experts"),
        # MllamaVisionConfig refuses other tile counts with its default aspect ratios.
        ({"model_type": "mllama", "vision_config": {"max_num_tiles": 2}}, "max_num_tiles"),
        (
            {"model_type": "mllama", "vision_config": {"supported_aspect_ratios": "wide"}},
            "supported_aspect_ratios",
        ),
        # more heads than columns: MllamaVisionAttention's heads would be 0 wide
        ({"model_type": "mllama", "vision_config": {"attention_heads": 2048}}, "attention_heads"),
        ({"model_type": "mllama", "vision_config": {"image_size": [448, 224]}}, "image_size"),
        # Gemma 4's audio conformer is not represented; its vision encoder is Gemma 4's own.
        ({"model_type": "gemma4", "audio_config": {}}, "audio_config"),
        ({"model_type": "gemma4", "vision_config": {"model_type": "siglip"}}, "model_type"),
        # properties that write another key: paramcalc reads the key itself
        ({"model_type": "gemma4_unified", "audio_config": {"hidden_size": 64}}, "hidden_size"),
        (
            {"model_type": "gemma4_unified", "vision_config": {"model_patch_size": 32}},
            "model_patch_size",
        ),
        (
            {"model_type": "mllama", "text_config": {"cross_attention_layers": [1.5]}},
            "cross_attention_layers",
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
