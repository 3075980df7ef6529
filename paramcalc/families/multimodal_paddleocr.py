"""PaddleOCR-VL: a SigLIP-style ViT without a pooling head (rotary positions beside its learned
table), a projector over spatial_merge_size^2 patches and an ERNIE 4.5 text model.

Follows `modeling_paddleocr_vl.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.moe_more import ernie4_5
from paramcalc.families.multimodal import vision_encoder_block
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config, under
from paramcalc.families.rules import sizes

#: PaddleOCRTextConfig: ERNIE 4.5's decoder and defaults (use_bias on every projection).
PADDLEOCR_TEXT = Family(
    "paddleocr_vl_text",
    {
        "vocab_size": 103424,
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_hidden_layers": 18,
        "num_attention_heads": 16,
        "num_key_value_heads": 2,
        "max_position_embeddings": 131072,
        "tie_word_embeddings": True,
        "use_bias": False,
        "head_dim": 128,
    },
    (sizes, ernie4_5),
)
#: PaddleOCRVisionConfig's defaults.
PADDLEOCR_VISION = Family(
    "paddleocr_vl_vision",
    {
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "num_hidden_layers": 27,
        "num_attention_heads": 16,
        "num_channels": 3,
        "image_size": 384,
        "patch_size": 14,
        "spatial_merge_size": 2,
    },
    (),
)


def text(c: HFConfig) -> dict[str, Any]:
    """The text model of text_config or, when it is null, of the top-level keys
    (PaddleOCRVLConfig.__post_init__ moves them there); tied when either level ties, so a
    config saved flat always ties (its text config keeps the default True)."""
    nested = c.raw("text_config") is not None
    t = spec_config(c, "text_config", PADDLEOCR_TEXT) if nested else None
    tied = c.boolean("tie_word_embeddings") or t is None or t.boolean("tie_word_embeddings")
    t = t or HFConfig(c.data, c.where, PADDLEOCR_TEXT)
    return t.text_tower({**PADDLEOCR_TEXT.build(t), "tie_word_embeddings": tied})


def vision(v: HFConfig) -> dict[str, Any]:
    """PaddleOCRVisionTransformer: a biased Conv2d patch embedding, a table of
    (image_size // patch_size)^2 positions, SigLIP's encoder layers and post_layernorm."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    v.split_heads("num_attention_heads", heads, width)
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
    }


def projector(v: HFConfig, text_width: int) -> dict[str, Any]:
    """PaddleOCRProjector: pre_norm (a LayerNorm of the vision width), then biased linear_1
    over spatial_merge_size^2 patches side by side and linear_2 to the text width."""
    width = v.integer("hidden_size")
    merged = width * v.integer("spatial_merge_size") ** 2
    linear = {"kind": "linear", "bias": True}
    return {
        "parts": [
            {"kind": "norm", "role": "pre_norm", "width": width, "norm_type": "layernorm"},
            {**linear, "role": "linear_1", "inputs": merged, "outputs": merged},
            {**linear, "role": "linear_2", "inputs": merged, "outputs": text_width},
        ]
    }


def paddleocr_vl(c: HFConfig) -> dict[str, Any]:
    """PaddleOCRVLForConditionalGeneration: the ViT, the projector and the text model."""
    # PaddleOCRVLConfig.__post_init__ reads a vision_config typed "paddleocr_vl" as its own.
    v = spec_config(c, "vision_config", PADDLEOCR_VISION, also=("paddleocr_vl",))
    fields = text(c)
    return {"text": fields, "vision": vision(v), "projector": projector(v, fields["hidden_size"])}


NAMING = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.visual.vision_model.", VISION_NAMES)),
        "projector": Naming(
            {role: f"model.projector.{role}" for role in ("pre_norm", "linear_1", "linear_2")}
        ),
    },
)

FAMILIES = (
    Family(
        "paddleocr_vl",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": True},
        (paddleocr_vl,),
        naming=NAMING,
        notes="a config saved flat (text_config null) reads the text model's keys at the top "
        "level, and then always ties",
    ),
)
