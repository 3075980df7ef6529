"""HunYuanVL: a SigLIP-style ViT with a resampled position table, a convolutional patch merger
with learned separator tokens (the projector), and HunYuan's dense text model.

Follows `modeling_hunyuan_vl.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.dense_norms import HUNYUAN
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config, under
from paramcalc.families.rules import attention_bias, fixed, head_dim, sizes

#: HunYuanVLTextConfig: HunYuan dense; head_dim is read as it is (a null one cannot be built).
HUNYUAN_VL_TEXT = Family(
    "hunyuan_vl_text",
    {
        "vocab_size": 290943,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": None,
        "max_position_embeddings": 2048,
        "tie_word_embeddings": True,
        "attention_bias": False,
        "head_dim": None,
    },
    (sizes, head_dim, attention_bias("attention_bias"), fixed(qk_norm="per_head")),
    aliases={"head_dim": ("attention_head_dim",), "vocab_size": ("org_vocab_size",)},
)
#: HunYuanVLVisionConfig's defaults and attribute_map.
HUNYUAN_VL_VISION = Family(
    "hunyuan_vl_vision",
    {
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "num_attention_heads": 16,
        "num_channels": 3,
        "num_hidden_layers": 27,
        "patch_size": 16,
        "spatial_merge_size": 2,
        "max_image_size": 2048,
    },
    (),
    aliases={"num_attention_heads": ("attention_heads",)},
)


def text(c: HFConfig) -> dict[str, Any]:
    """The text model of text_config or, when it is null, of the top-level keys
    (HunYuanVLConfig.__post_init__ moves them there); tied when either level ties, so a config
    saved flat always ties (its text config keeps the default True)."""
    nested = c.raw("text_config") is not None
    t = spec_config(c, "text_config", HUNYUAN_VL_TEXT) if nested else None
    tied = c.boolean("tie_word_embeddings") or t is None or t.boolean("tie_word_embeddings")
    t = t or HFConfig(c.data, c.where, HUNYUAN_VL_TEXT)
    return t.text_tower({**HUNYUAN_VL_TEXT.build(t), "tie_word_embeddings": tied})


def vision(v: HFConfig) -> dict[str, Any]:
    """HunYuanVLVisionTransformer: a biased Conv2d patch embedding, a table of
    (max_image_size // patch_size)^2 + 1 positions, LayerNorm blocks of biased attention
    (heads of a head_dim key if the file sets one, else hidden_size // heads) and an fc1/fc2
    MLP, no final norm."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    size = v.opt_int("head_dim") if v.has("head_dim") else None
    if size is None and width % heads:
        raise v.error("num_attention_heads", f"{heads} does not divide hidden_size={width}")
    mixer = {"kind": "attention", "num_attention_heads": heads, "qkv_bias": True, "o_bias": True}
    side = v.integer("max_image_size") // v.integer("patch_size")
    if side < 1:
        raise v.error("max_image_size", "must hold at least one patch")
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "patch_size": v.integer("patch_size"),
        "position_rows": side * side + 1,
        "post_norm": False,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": {
                "mixer": {**mixer, **({"head_dim": size} if size else {})},
                "ffn": {
                    "kind": "mlp",
                    "intermediate_size": v.integer("intermediate_size"),
                    "bias": True,
                },
            },
        },
    }


def patch_merger(v: HFConfig, text_width: int) -> dict[str, Any]:
    """HunYuanVLVisionPatchMerger: before_rms, a spatial_merge_size-strided Conv2d to 2 x width,
    a 1 x 1 Conv2d to 4 x width, a biased mlp to the text width (the vision config's
    text_hidden_size, which HunYuanVLConfig.__post_init__ sets to it), after_rms, and the learned
    image_newline (4 x width) and image_begin, image_end and image_sep (text width)."""
    width = v.integer("hidden_size")
    role = "patch_merger."
    token = {"kind": "token", "width": text_width}
    return {
        "parts": [
            {"kind": "norm", "role": role + "before_rms", "width": width},
            {
                "kind": "conv",
                "role": role + "proj_conv",
                "in_channels": width,
                "out_channels": 2 * width,
                "kernel_size": v.integer("spatial_merge_size"),
            },
            {
                "kind": "conv",
                "role": role + "proj_out",
                "in_channels": 2 * width,
                "out_channels": 4 * width,
                "kernel_size": 1,
            },
            {
                "kind": "linear",
                "role": role + "mlp",
                "inputs": 4 * width,
                "outputs": text_width,
                "bias": True,
            },
            {"kind": "token", "role": role + "image_newline", "width": 4 * width},
            *({**token, "role": role + name} for name in ("image_begin", "image_end", "image_sep")),
            {"kind": "norm", "role": role + "after_rms", "width": text_width},
        ]
    }


def hunyuan_vl(c: HFConfig) -> dict[str, Any]:
    """HunYuanVLForConditionalGeneration: the ViT, its patch merger and the text model."""
    v = spec_config(c, "vision_config", HUNYUAN_VL_VISION)
    fields = text(c)
    return {
        "text": fields,
        "vision": vision(v),
        "projector": patch_merger(v, fields["hidden_size"]),
    }


VISION = "model.vision_tower."
NAMING = Naming(
    {**LANGUAGE_MODEL, **HUNYUAN.names},
    towers={
        "vision": Naming(
            {
                **under(VISION, VISION_NAMES),
                "encoder.layers": VISION + "layers",
                "attention.o_proj": "self_attn.o_proj",
            }
        ),
        "projector": Naming({"patch_merger": VISION + "patch_merger"}),
    },
)

FAMILIES = (
    Family(
        "hunyuan_vl",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": True},
        (hunyuan_vl,),
        naming=NAMING,
        notes="a config saved flat (text_config null) reads the text model's keys at the top "
        "level, and then always ties; text_config.head_dim must be set (transformers cannot "
        "build the null default)",
    ),
)
