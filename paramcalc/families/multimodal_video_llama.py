"""VideoLLaMA 3: a SigLIP-style ViT with rotary positions only (no position table, no pooling
head), a two-layer readout projector and the text model text_config names (Qwen2 by default).

Follows `modeling_video_llama_3.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import vision_encoder_block
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config, under

#: VideoLlama3VisionConfig's defaults.
VIDEO_LLAMA_3_VISION = Family(
    "video_llama_3_vision",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "patch_size": 16,
    },
    (),
)


def text_ties(c: HFConfig, text_type: str) -> bool:
    """The text config's tie_word_embeddings, its family's default when unset."""
    from paramcalc.families import families

    family = families().get(text_type)
    if family is None:
        raise c.error("text_config", f"text model_type {text_type!r} is not supported here")
    return spec_config(c, "text_config", family).boolean("tie_word_embeddings")


def vision(v: HFConfig) -> dict[str, Any]:
    """VideoLlama3VisionModel: a biased Conv2d patch embedding, SigLIP's encoder layers and
    post_layernorm."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    v.split_heads("num_attention_heads", heads, width)
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "patch_size": v.integer("patch_size"),
        "position_embedding": "none",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
    }


def video_llama_3(c: HFConfig) -> dict[str, Any]:
    """VideoLlama3ForConditionalGeneration: the ViT, the readout (biased vision -> text width,
    then text -> text) and the text model; VideoLlama3Config.__post_init__ ties when the text
    config does."""
    v = spec_config(c, "vision_config", VIDEO_LLAMA_3_VISION)
    sub = c.raw("text_config")
    text_type = sub.get("model_type", "qwen2") if isinstance(sub, Mapping) else "qwen2"
    tied = c.boolean("tie_word_embeddings") or text_ties(c, text_type)
    text = llama_named_text(c, text_type, tied)
    vh, th = v.integer("hidden_size"), text["hidden_size"]
    parts = [
        {"kind": "linear", "role": "readout.0", "inputs": vh, "outputs": th, "bias": True},
        {"kind": "linear", "role": "readout.2", "inputs": th, "outputs": th, "bias": True},
    ]
    return {"text": text, "vision": vision(v), "projector": {"parts": parts}}


NAMING = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.vision_model.", VISION_NAMES)),
        "projector": Naming(
            {role: f"model.projector.{role}" for role in ("readout.0", "readout.2")}
        ),
    },
)

FAMILIES = (
    Family(
        "video_llama_3",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": False},
        (video_llama_3,),
        naming=NAMING,
        notes="the text model is the family text_config names (Qwen2 by default), named under "
        "model.language_model",
    ),
)
