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
        ("llava_next_video", "", {"spatial_pool_mode": "conv"}),  # a Conv2d pooler
        ("vipllava", "", {"vision_feature_layer": -2}),  # one layer's features
        ("lighton_ocr", "", {"spatial_merge_size": 1}),
        ("lighton_ocr", "", {"tie_word_embeddings": False}),
        ("shieldgemma2", "text_config", {"tie_word_embeddings": False}),  # an lm_head
        ("glm46v", "text_config", {"model_type": "glm4v_moe_text"}),
        ("glm46v", "text_config", {"tie_word_embeddings": True}),  # only the top level ties
        ("qwen3_5", "vision_config", {"deepstack_visual_indexes": [0, 1]}),  # ignored
        ("qwen3_5", "text_config", {"tie_word_embeddings": True}),  # only the top level ties
        ("qwen3_5_moe", "vision_config", {"deepstack_visual_indexes": [1, 0, 1]}),
        ("deepseek_vl", "vision_config", {"vision_use_head": False}),  # no pooling head
        ("deepseek_vl", "", {"tie_word_embeddings": False}),
        ("aria", "", {"projector_patch_to_query_dict": {"16": 8}}),  # 8 learned queries
        ("aria", "", {"projector_patch_to_query_dict": None}),  # 256, the default's largest
        ("idefics2", "perceiver_config", {"resampler_depth": 1}),
        ("idefics2", "perceiver_config", {"num_key_value_heads": 1}),  # grouped queries
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
        # LlavaNextVideoPooler raises on a mode other than average, max and conv.
        ({"model_type": "llava_next_video", "spatial_pool_mode": "area"}, "spatial_pool_mode"),
        ({"model_type": "vipllava", "vision_feature_layer": []}, "vision_feature_layer"),
        ({"model_type": "lighton_ocr", "text_config": {"model_type": "gemma3"}}, "text_config"),
        ({"model_type": "glm46v", "text_config": {"model_type": "llama"}}, "text_config"),
        ({"model_type": "qwen3_5", "vision_config": {"model_type": "siglip"}}, "vision_config"),
        # SiglipAttention refuses heads that do not split the width.
        ({"model_type": "deepseek_vl", "vision_config": {"num_attention_heads": 5}}, "num_att"),
        ({"model_type": "aria", "projector_patch_to_query_dict": {}}, "projector_patch"),
        ({"model_type": "idefics2", "perceiver_config": {"resampler_n_latents": 0}}, "n_latents"),
        ({"model_type": "idefics2", "perceiver_config": [64]}, "perceiver_config"),
        ({"model_type": "aria", "projector_patch_to_query_dict": {"16": 0}}, "projector_patch"),
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


def test_projector_query_table_and_mixer_projection() -> None:
    """A projector's table of learned queries is rows x width of embedding; a projection of a
    token mixer inside the projector (Aria's cross-attention in_proj) is attention, with its
    own parameter names."""
    from paramcalc.core.records import Group, Tower
    from paramcalc.core.vision import Projector

    projector = Projector.model_validate(
        {
            "parts": [
                {"kind": "token", "role": "query", "width": 64, "lead": (8,)},
                {
                    "kind": "linear",
                    "role": "attn",
                    "inputs": 64,
                    "outputs": 192,
                    "bias": True,
                    "mixer": True,
                    "weight_name": "in_proj_weight",
                    "bias_name": "in_proj_bias",
                },
            ]
        }
    )
    (table,), (linear,) = (part.records() for part in projector.parts)
    assert (table.size, table.group, table.tower) == (8 * 64, Group.EMBEDDING, Tower.PROJECTOR)
    assert linear.group == Group.ATTENTION
    shapes = {t.name.rpartition(".")[2]: t.shape for t in linear.tensors()}
    assert shapes == {"in_proj_weight": (192, 64), "in_proj_bias": (192,)}
