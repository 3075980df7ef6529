"""Image-text-to-text families (GLM-OCR, PaddleOCR-VL, Qianfan-OCR, Granite-Docling, HunYuanVL,
EXAONE 4.5, VideoLLaMA 3, MiniCPM-V 4.6, LFM3-VL) keep a transformers fixture per branch that
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
        ("glm_ocr", "vision_config", {"attention_bias": False}),  # unbiased ViT projections
        ("glm_ocr", "text_config", {"tie_word_embeddings": True}),  # the text config ties too
        ("glm_ocr", "", {"tie_word_embeddings": False}),
        ("paddleocr_vl", "", {"text_config": None}),  # text keys at the top level
        ("paddleocr_vl", "text_config", {"tie_word_embeddings": False}),  # an lm_head
        ("paddleocr_vl", "vision_config", {"spatial_merge_size": 1}),
        ("paddleocr_vl", "text_config", {"use_bias": True}),
        ("qianfan_ocr", "text_config", {"model_type": "qwen2"}),
        ("qianfan_ocr", "vision_config", {"use_mean_pooling": False}),  # a final LayerNorm
        ("qianfan_ocr", "vision_config", {"attention_bias": False}),
        ("exaone4_5", "text_config", {"model_type": "exaone4_5_text"}),  # read as exaone4
        ("exaone4_5", "text_config", {"tie_word_embeddings": True}),  # only the top level ties
        ("exaone4_5", "vision_config", {"num_key_value_heads": 1}),  # grouped qkv
        ("video_llama_3", "text_config", {"model_type": "llama"}),
        ("video_llama_3", "", {"tie_word_embeddings": False}),
        ("minicpmv4_6", "", {"merger_times": 3}),  # two downsampling MLPs at the vision width
        ("minicpmv4_6", "vision_config", {"window_kernel_size": [3, 1]}),
        ("minicpmv4_6", "text_config", {"tie_word_embeddings": True}),  # only the top level ties
        ("granite_docling", "vision_config", {"use_fine_route": False}),  # the coarse path only
        ("granite_docling", "vision_config", {"deepstack_visual_indexes": []}),
        ("granite_docling", "", {"density_router_hidden_size": 64}),
        ("granite_docling", "text_config", {"tie_word_embeddings": True}),  # only the top ties
        ("hunyuan_vl", "", {"text_config": None}),  # text keys at the top level
        ("hunyuan_vl", "text_config", {"tie_word_embeddings": False}),  # an lm_head
        ("hunyuan_vl", "vision_config", {"head_dim": 48}),  # read with getattr
        ("hunyuan_vl", "vision_config", {"spatial_merge_size": 1}),
        ("lfm3_vl", "vision_config", {"temporal_patch_size": 1}),  # linear patch inputs
        ("lfm3_vl", "", {"projector_bias": False}),
        ("lfm3_vl", "text_config", {"tie_word_embeddings": True}),  # only the top level ties
    ],
)
def test_branch_has_a_fixture(model_type: str, sub: str, fields: dict[str, Any]) -> None:
    """A tensor-changing branch of a family is covered by a transformers fixture."""
    assert has_fixture(model_type, sub, fields)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # GlmOcrVisionAttention splits the fused qkv into num_heads heads of hidden_size.
        ({"model_type": "glm_ocr", "vision_config": {"num_heads": 7}}, "num_heads"),
        ({"model_type": "glm_ocr", "vision_config": {"model_type": "glm4v_vision"}}, "vision"),
        ({"model_type": "paddleocr_vl", "vision_config": {"num_attention_heads": 5}}, "num_att"),
        ({"model_type": "paddleocr_vl", "text_config": {"model_type": "ernie4_5"}}, "text_config"),
        ({"model_type": "qianfan_ocr", "vision_config": {"image_size": [448, 224]}}, "image_size"),
        ({"model_type": "qianfan_ocr", "text_config": {"model_type": "gemma3"}}, "text_config"),
        # Exaone4_5_VisionAttention groups num_heads over num_key_value_heads.
        ({"model_type": "exaone4_5", "vision_config": {"num_key_value_heads": 3}}, "num_key"),
        ({"model_type": "exaone4_5", "vision_config": {"num_attention_heads": 5}}, "num_att"),
        ({"model_type": "video_llama_3", "vision_config": {"num_attention_heads": 5}}, "num_att"),
        ({"model_type": "video_llama_3", "text_config": {"model_type": "gemma3"}}, "text_config"),
        ({"model_type": "video_llama_3", "vision_config": {"model_type": "siglip"}}, "vision"),
        ({"model_type": "minicpmv4_6", "vision_config": {"window_kernel_size": 2}}, "window_k"),
        ({"model_type": "minicpmv4_6", "text_config": {"model_type": "qwen3"}}, "text_config"),
        ({"model_type": "minicpmv4_6", "merger_times": 0}, "merger_times"),
        # GraniteDoclingConfig.validate_architecture: the connector writes the text width.
        ({"model_type": "granite_docling", "vision_config": {"out_hidden_size": 512}}, "out_hid"),
        (
            {
                "model_type": "granite_docling",
                "vision_config": {"use_fine_route": False},
                "density_router_hidden_size": 32,
            },
            "density_router_hidden_size",
        ),
        # the fine path halves scale_factor: 1 // 2 leaves its layers no inputs
        ({"model_type": "granite_docling", "vision_config": {"scale_factor": 1}}, "scale_factor"),
        # HunYuanVLDenseV1Attention reads text_config.head_dim as it is: the null default fails.
        ({"model_type": "hunyuan_vl"}, "head_dim"),
        ({"model_type": "lfm3_vl", "vision_config": {"layer_types": ["conv"]}}, "layer_types"),
        ({"model_type": "lfm3_vl", "vision_config": {"num_key_value_heads": 3}}, "num_key"),
        ({"model_type": "lfm3_vl", "text_config": {"model_type": "lfm2"}}, "text_config"),
        (
            {
                "model_type": "hunyuan_vl",
                "text_config": {"head_dim": 128},
                "vision_config": {"attention_heads": 5},
            },
            "attention_heads",
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


def test_spatial_short_conv_is_a_square_kernel_without_state() -> None:
    """LFM3-VL's vision convolution is hidden x 1 x k x k (k^2 weights a channel) and, run
    over an image's patch grid, keeps no state; LFM2's causal one keeps its k inputs."""
    from paramcalc.core.context import Context, NormType
    from paramcalc.core.records import Tower
    from paramcalc.core.recurrent import ShortConv

    ctx = Context(64, NormType.RMSNORM, Tower.VISION)
    spatial, causal = ShortConv(conv_kernel=3, spatial=True), ShortConv(conv_kernel=3)
    conv = spatial.records(ctx)[0]
    assert [t.shape for t in conv.tensors()] == [(64, 1, 3, 3)]
    assert spatial.state_values(64) == {}
    assert causal.state_values(64) == {"conv": 64 * 3}
