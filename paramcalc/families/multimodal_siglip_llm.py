"""SigLIP encoders feeding a Llama-named text model through a small projector: LLaVA-OneVision
(LLaVA-NeXT's MLP and image_newline over a Qwen2 model), Aya Vision and Command A Vision
(`cohere2_vision`; a pixel-shuffle SwiGLU projector over a Cohere 2 model), and LFM2-VL
(SigLIP 2, a pixel-unshuffle MLP, an LFM2 model).

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.hybrid_more import LFM2
from paramcalc.families.multimodal import SIGLIP_VISION, siglip, text_model, vision_encoder_block
from paramcalc.families.multimodal_more import (
    LANGUAGE_MODEL,
    llama_named_text,
    llava_projector,
    spec_config,
    under,
)

#: What LlavaOnevisionConfig passes to SiglipVisionConfig when vision_config is null.
ONEVISION_SIGLIP = {
    "hidden_size": 1152,
    "intermediate_size": 4304,
    "patch_size": 14,
    "image_size": 384,
    "num_hidden_layers": 26,
    "num_attention_heads": 16,
    "vision_use_head": False,
}
#: What AyaVisionConfig passes to SiglipVisionConfig when vision_config is null.
AYA_SIGLIP = {**ONEVISION_SIGLIP, "num_attention_heads": 14}
#: What Cohere2VisionConfig passes to SiglipVisionConfig when vision_config is null.
COHERE2_SIGLIP = {
    "hidden_size": 1152,
    "intermediate_size": 3072,
    "image_size": 512,
    "num_hidden_layers": 27,
    "num_attention_heads": 12,
}


def text_type(c: HFConfig, default: str) -> str:
    """The model_type of text_config (`default` when it names none)."""
    sub = c.raw("text_config")
    return sub.get("model_type", default) if isinstance(sub, Mapping) else default


def llava_onevision(c: HFConfig) -> dict[str, Any]:
    """LlavaOnevisionForConditionalGeneration: SigLIP (with its head when the vision config
    asks), linear_1/linear_2 over the selected layers side by side, image_newline and the text
    model; tied when the top level or (__post_init__) the text config ties."""
    from paramcalc.families import families

    v = spec_config(c, "vision_config", SIGLIP_VISION, ONEVISION_SIGLIP)
    model_type = text_type(c, "qwen2")
    family = families().get(model_type)
    if family is None:
        raise c.error("text_config", f"text model_type {model_type!r} is not supported here")
    tied = c.boolean("tie_word_embeddings") or spec_config(c, "text_config", family).boolean(
        "tie_word_embeddings"
    )
    text = llama_named_text(c, "qwen2", tied)
    parts = llava_projector(c, v.integer("hidden_size"), text["hidden_size"])
    parts.append({"kind": "token", "role": "image_newline", "width": text["hidden_size"]})
    return {"text": text, "vision": siglip(v), "projector": {"parts": parts}}


def alignment_width(c: HFConfig, text_width: int) -> int:
    """The SwiGLU's width: Aya Vision reads getattr(config, "alignment_intermediate_size",
    text width), Cohere2VisionConfig has the field; SwiGLU halves it, so it must be even."""
    if c.raw("alignment_intermediate_size") is None and c.family.model_type == "aya_vision":
        return text_width
    width = c.integer("alignment_intermediate_size", minimum=2)
    if width % 2:
        raise c.error(
            "alignment_intermediate_size", f"must be even (SwiGLU halves it), got {width}"
        )
    return width


def swiglu_projector(
    c: HFConfig, vision_width: int, text_width: int, norm: bool
) -> list[dict[str, Any]]:
    """A LayerNorm (Aya Vision only) and linear_1 over downsample_factor^2 shuffled patches,
    SwiGLU (halving the alignment width), then linear_2 to the text width."""
    merged = vision_width * c.integer("downsample_factor") ** 2
    middle = alignment_width(c, text_width)
    parts: list[dict[str, Any]] = []
    if norm:
        parts.append(
            {"kind": "norm", "role": "layernorm", "width": merged, "norm_type": "layernorm"}
        )
    return [
        *parts,
        {"kind": "linear", "role": "linear_1", "inputs": merged, "outputs": middle, "bias": True},
        {
            "kind": "linear",
            "role": "linear_2",
            "inputs": middle // 2,
            "outputs": text_width,
            "bias": True,
        },
    ]


def aya_vision(c: HFConfig) -> dict[str, Any]:
    """AyaVisionForConditionalGeneration: SigLIP, the normed SwiGLU projector and the text model
    (Cohere 2 by default); the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", SIGLIP_VISION, AYA_SIGLIP)
    text = llama_named_text(c, "cohere2", c.boolean("tie_word_embeddings"))
    parts = swiglu_projector(c, v.integer("hidden_size"), text["hidden_size"], norm=True)
    return {"text": text, "vision": siglip(v), "projector": {"parts": parts}}


def cohere2_vision(c: HFConfig) -> dict[str, Any]:
    """Cohere2VisionForConditionalGeneration: SigLIP (with its head unless the vision config
    drops it), the SwiGLU projector without a norm and the text model (Cohere 2 by default);
    the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", SIGLIP_VISION, COHERE2_SIGLIP)
    text = llama_named_text(c, "cohere2", c.boolean("tie_word_embeddings"))
    parts = swiglu_projector(c, v.integer("hidden_size"), text["hidden_size"], norm=False)
    return {"text": text, "vision": siglip(v), "projector": {"parts": parts}}


PROJECTOR = "model.multi_modal_projector."
ONEVISION = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.vision_tower.", VISION_NAMES)),
        "projector": Naming(
            {
                "linear_1": PROJECTOR + "linear_1",
                "linear_2": PROJECTOR + "linear_2",
                "image_newline": "model.image_newline",
            }
        ),
    },
)
AYA = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": ONEVISION.towers["vision"],
        "projector": Naming(
            {role: PROJECTOR + role for role in ("layernorm", "linear_1", "linear_2")}
        ),
    },
)
TEXT_NOTE = "the text model is the family text_config names ({}), named under model.language_model"

FAMILIES: tuple[Family, ...] = (
    Family(
        "llava_onevision",
        {
            "text_config": None,
            "vision_config": None,
            "vision_feature_layer": -1,
            "multimodal_projector_bias": True,
            "tie_word_embeddings": False,
        },
        (llava_onevision,),
        naming=ONEVISION,
        notes=TEXT_NOTE.format("Qwen2 by default"),
    ),
    Family(
        "aya_vision",
        {
            "text_config": None,
            "vision_config": None,
            "downsample_factor": 2,
            # not a field of AyaVisionConfig: read with getattr, the text width when absent
            "alignment_intermediate_size": None,
            "tie_word_embeddings": True,
        },
        (aya_vision,),
        naming=AYA,
        notes=TEXT_NOTE.format("Cohere 2 by default"),
    ),
    Family(
        "cohere2_vision",
        {
            "text_config": None,
            "vision_config": None,
            "downsample_factor": 2,
            "alignment_intermediate_size": 36864,
            "tie_word_embeddings": True,
        },
        (cohere2_vision,),
        naming=AYA,
        notes=TEXT_NOTE.format("Cohere 2 by default"),
    ),
)

#: Siglip2VisionConfig's defaults (transformers 5.23).
SIGLIP2_VISION = Family(
    "siglip2_vision_model",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "patch_size": 16,
        "num_patches": 256,
        "vision_use_head": True,
    },
    (),
)


def siglip2(v: HFConfig) -> dict[str, Any]:
    """Siglip2VisionModel: SigLIP with a linear patch embedding over flattened patches and a
    num_patches position table resampled to each image (any resolution)."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    v.split_heads("num_attention_heads", heads, width)
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "patch_size": v.integer("patch_size"),
        "patch_embedding": "linear",
        "position_rows": v.integer("num_patches"),
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
        "head": "attention_pool" if v.boolean("vision_use_head") else "none",
        "head_intermediate_size": v.integer("intermediate_size"),
    }


def lfm2_vl(c: HFConfig) -> dict[str, Any]:
    """Lfm2VlForConditionalGeneration: SigLIP 2, an optional LayerNorm and linear_1/linear_2 over
    downsample_factor^2 unshuffled patches, and an LFM2 text model; the top-level
    tie_word_embeddings (or its legacy tie_embedding) decides."""
    v = spec_config(c, "vision_config", SIGLIP2_VISION)
    if text_type(c, "lfm2") != "lfm2":
        raise c.error("text_config", f"text model_type {text_type(c, 'lfm2')!r} is not supported")
    text = text_model(c, "lfm2", c.boolean("tie_word_embeddings"))
    merged = v.integer("hidden_size") * c.integer("downsample_factor") ** 2
    middle, bias = c.integer("projector_hidden_size"), c.boolean("projector_bias")
    parts: list[dict[str, Any]] = []
    if c.boolean("projector_use_layernorm"):
        parts.append(
            {"kind": "norm", "role": "layer_norm", "width": merged, "norm_type": "layernorm"}
        )
    parts += [
        {"kind": "linear", "role": "linear_1", "inputs": merged, "outputs": middle, "bias": bias},
        {
            "kind": "linear",
            "role": "linear_2",
            "inputs": middle,
            "outputs": text["hidden_size"],
            "bias": bias,
        },
    ]
    return {"text": text, "vision": siglip2(v), "projector": {"parts": parts}}


LFM2_VL = Naming(
    {
        **LFM2.names,
        "embed_tokens": "model.language_model.embed_tokens",
        "decoder.layers": "model.language_model.layers",
        "decoder.final_norm": "model.language_model.embedding_norm",
    },
    leaves=LFM2.leaves,
    towers={
        "vision": ONEVISION.towers["vision"],
        "projector": Naming(
            {role: PROJECTOR + role for role in ("layer_norm", "linear_1", "linear_2")}
        ),
    },
)
FAMILIES += (
    Family(
        "lfm2_vl",
        {
            "text_config": None,
            "vision_config": None,
            "projector_hidden_size": 2560,
            "projector_bias": True,
            "projector_use_layernorm": True,
            "downsample_factor": 2,
            "tie_word_embeddings": True,
        },
        (lfm2_vl,),
        # Lfm2VlConfig.__post_init__ pops the legacy name, which then wins.
        aliases={"tie_word_embeddings": ("tie_embedding",)},
        naming=LFM2_VL,
        notes="the text model is LFM2, named under model.language_model",
    ),
)
