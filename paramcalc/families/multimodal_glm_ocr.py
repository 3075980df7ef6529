"""GLM-OCR: GLM-4V's ViT without its position table and post-conv norm, with biased q/k/v and
output projections, per-head q/k RMSNorms and a gated MLP of intermediate_size; its merger is
out_hidden_size x in_channels wide; a GLM-4 text model without q/k/v biases.

Follows `modeling_glm_ocr.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.families.base import Family, HFConfig
from paramcalc.families.moe_shared import floor_head_dim
from paramcalc.families.multimodal_glm import NAMING as GLM4V_NAMING
from paramcalc.families.multimodal_glm import VISION_ALIASES, text
from paramcalc.families.multimodal_glm import projector as glm4v_projector
from paramcalc.families.multimodal_more import spec_config
from paramcalc.families.rules import fixed, sizes

#: GlmOcrTextConfig: no head_dim field; GlmOcrTextAttention reads it with getattr.
GLM_OCR_TEXT = Family(
    "glm_ocr_text",
    {
        "vocab_size": 59392,
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_hidden_layers": 16,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "max_position_embeddings": 131072,
        # not a field of the text config: the top level decides (see glm_ocr)
        "tie_word_embeddings": False,
    },
    (
        sizes,
        floor_head_dim,
        fixed(
            qkv_bias=False,
            attention_out_bias=False,
            attention_output_norm=True,
            ffn_output_norm=True,
        ),
    ),
)
#: GlmOcrVisionConfig's defaults (the attribute_map is GLM-4V's).
GLM_OCR_VISION = Family(
    "glm_ocr_vision",
    {
        "depth": 24,
        "hidden_size": 1024,
        "attention_bias": True,
        "num_heads": 16,
        "in_channels": 3,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": 1536,
        "intermediate_size": 4096,
    },
    (),
    aliases=VISION_ALIASES,
)


def vision(v: HFConfig) -> dict[str, Any]:
    """GlmOcrVisionModel: Conv3d patches (rotary positions only), RMSNorm blocks whose
    attention and gated MLP are biased by attention_bias, per-head q/k norms, post_layernorm."""
    width, heads = v.integer("hidden_size"), v.integer("num_heads")
    v.split_heads("num_heads", heads, width)
    bias = v.boolean("attention_bias")
    return {
        "hidden_size": width,
        "num_channels": v.integer("in_channels"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "position_embedding": "none",
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("depth"),
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": heads,
                    "qkv_bias": bias,
                    "o_bias": bias,
                    "qk_norm": "per_head",
                },
                "ffn": {
                    "kind": "gated",
                    "intermediate_size": v.integer("intermediate_size"),
                    "bias": bias,
                },
            },
        },
    }


def projector(v: HFConfig) -> dict[str, Any]:
    """GLM-4V's downsample and merger (GlmOcrVisionPatchMerger), its gated MLP of
    out_hidden_size x in_channels (its context_dim)."""
    return glm4v_projector(v, v.integer("out_hidden_size") * v.integer("in_channels"))


def glm_ocr(c: HFConfig) -> dict[str, Any]:
    """GlmOcrForConditionalGeneration: the ViT, the downsample and merger, the text model; tied
    when the top level or (GlmOcrConfig.__post_init__) the text config ties."""
    v = spec_config(c, "vision_config", GLM_OCR_VISION)
    return {"text": text(c, GLM_OCR_TEXT), "vision": vision(v), "projector": projector(v)}


FAMILIES = (
    Family(
        "glm_ocr",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": False},
        (glm_ocr,),
        naming=GLM4V_NAMING,
    ),
)
