"""GLM-4V: a ViT with a biased Conv3d patch embedding, RMSNorm blocks of fused qkv attention and
a gated MLP, a strided-conv downsample and a gated merger (the projector), and a GLM-4 text
model (four norms per layer, fused gate_up_proj, q/k/v biases).

Follows `modeling_glm4v.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.dense import GLM4
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.multimodal_qwen import QWEN_VISUAL
from paramcalc.families.rules import fixed, sizes

#: Glm4vTextConfig: heads of hidden_size // num_attention_heads (no head_dim field).
GLM4V_TEXT = Family(
    "glm4v_text",
    {
        "vocab_size": 151552,
        "hidden_size": 4096,
        "intermediate_size": 13696,
        "num_hidden_layers": 40,
        "num_attention_heads": 32,
        "num_key_value_heads": 2,
        "max_position_embeddings": 32768,
        # not a field of the text config: the top level decides (pre-v5 saves, see glm4v)
        "tie_word_embeddings": False,
    },
    # Glm4vTextAttention: biases on q/k/v always, none on o_proj.
    (
        sizes,
        fixed(
            qkv_bias=True,
            attention_out_bias=False,
            attention_output_norm=True,
            ffn_output_norm=True,
        ),
    ),
)
#: Glm4vVisionConfig's defaults and attribute_map.
GLM4V_VISION = Family(
    "glm4v_vision",
    {
        "depth": 24,
        "hidden_size": 1536,
        "attention_bias": False,
        "num_heads": 12,
        "in_channels": 3,
        "image_size": 336,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": 4096,
        "intermediate_size": 13696,
    },
    (),
    aliases={"num_heads": ("num_attention_heads",), "depth": ("num_hidden_layers",)},
)


def vision(v: HFConfig) -> dict[str, Any]:
    """Glm4vVisionModel: Conv3d patches, post_conv_layernorm, a position table of
    (image_size // patch_size)^2 rows, blocks whose gated MLP is out_hidden_size wide, and
    post_layernorm (all norms RMSNorm)."""
    width, heads = v.integer("hidden_size"), v.integer("num_heads")
    if width % heads:
        raise v.error("num_heads", f"{heads} does not divide hidden_size={width}")
    return {
        "hidden_size": width,
        "num_channels": v.integer("in_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "pre_norm": True,
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("depth"),
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": heads,
                    "qkv_bias": v.boolean("attention_bias"),
                },
                "ffn": {"kind": "gated", "intermediate_size": v.integer("out_hidden_size")},
            },
        },
    }


def projector(v: HFConfig) -> dict[str, Any]:
    """The downsample (a spatial_merge_size-strided Conv2d to out_hidden_size) and
    Glm4vVisionPatchMerger: proj, a LayerNorm, then a gated MLP of intermediate_size (no
    biases)."""
    width, out, middle = (
        v.integer("hidden_size"),
        v.integer("out_hidden_size"),
        v.integer("intermediate_size"),
    )
    merge = v.integer("spatial_merge_size")
    linear = {"kind": "linear", "bias": False}
    return {
        "parts": [
            {
                "kind": "conv",
                "role": "downsample",
                "in_channels": width,
                "out_channels": out,
                "kernel_size": merge,
            },
            {**linear, "role": "merger.proj", "inputs": out, "outputs": out},
            {
                "kind": "norm",
                "role": "merger.post_projection_norm",
                "width": out,
                "norm_type": "layernorm",
            },
            {**linear, "role": "merger.gate_proj", "inputs": out, "outputs": middle},
            {**linear, "role": "merger.up_proj", "inputs": out, "outputs": middle},
            {**linear, "role": "merger.down_proj", "inputs": middle, "outputs": out},
        ]
    }


def text(c: HFConfig, family: Family) -> dict[str, Any]:
    """The text model of text_config; tied when the top level or (Glm4vConfig.__post_init__,
    pre-v5 saves) the text config ties."""
    from paramcalc.schema import Architecture

    t = spec_config(c, "text_config", family)
    tied = c.boolean("tie_word_embeddings") or t.boolean("tie_word_embeddings")
    fields = {**family.build(t), "tie_word_embeddings": tied}
    return Architecture.model_validate(fields).to_model().text.model_dump()


def glm4v(c: HFConfig) -> dict[str, Any]:
    """Glm4vForConditionalGeneration: the ViT, the downsample and merger, GLM-4's text model."""
    v = spec_config(c, "vision_config", GLM4V_VISION)
    return {"text": text(c, GLM4V_TEXT), "vision": vision(v), "projector": projector(v)}


NAMING = Naming(
    {**LANGUAGE_MODEL, **GLM4.names},
    fused=GLM4.fused,
    towers={
        "vision": Naming(
            {
                **QWEN_VISUAL,
                "position_embedding": "model.visual.embeddings.position_embedding",
                "pre_norm": "model.visual.post_conv_layernorm",
                "post_norm": "model.visual.post_layernorm",
            },
            fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
        ),
        "projector": Naming(
            {"downsample": "model.visual.downsample", "merger": "model.visual.merger"}
        ),
    },
)

FAMILIES = (
    Family(
        "glm4v",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": False},
        (glm4v,),
        naming=NAMING,
    ),
)
