"""EXAONE 4.5: Qwen2.5-VL's ViT with grouped key/value heads in its fused qkv, Qwen2.5-VL's
patch merger, and an EXAONE 4 text model.

Follows `modeling_exaone4_5.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import llama_named_text, spec_config
from paramcalc.families.multimodal_qwen import QWEN2_5_VL, QWEN2_5_VL_VISION, merger, qwen_vision

#: Exaone4_5_VisionConfig: Qwen2_5_VLVisionConfig plus num_key_value_heads, and its
#: attribute_map.
EXAONE4_5_VISION = Family(
    "exaone4_5_vision",
    {**QWEN2_5_VL_VISION.defaults, "num_key_value_heads": 8},
    (),
    aliases={"num_heads": ("num_attention_heads",), "depth": ("num_hidden_layers",)},
)


def vision(v: HFConfig) -> dict[str, Any]:
    """Exaone4_5_VisionModel: Qwen2.5-VL's RMSNorm blocks of a biased gated MLP, whose fused
    qkv holds num_heads query and num_key_value_heads key and value heads of
    hidden_size // num_heads."""
    width, heads = v.integer("hidden_size"), v.integer("num_heads")
    kv = v.integer("num_key_value_heads")
    v.split_heads("num_heads", heads, width)
    if heads % kv:
        raise v.error("num_key_value_heads", f"{kv} does not divide num_heads={heads}")
    ffn = {"kind": "gated", "intermediate_size": v.integer("intermediate_size"), "bias": True}
    fields = qwen_vision(v, width, ffn, "rmsnorm")
    fields["stack"]["block"]["mixer"]["num_key_value_heads"] = kv
    return fields


def exaone4_5(c: HFConfig) -> dict[str, Any]:
    """Exaone4_5_ForConditionalGeneration: the ViT, the merger (to out_hidden_size) and the
    EXAONE 4 text model (Exaone4_5_Config.__post_init__ reads an old "exaone4_5_text" as
    exaone4); the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", EXAONE4_5_VISION)
    sub = c.raw("text_config")
    if isinstance(sub, Mapping) and sub.get("model_type") == "exaone4_5_text":
        c = HFConfig({**c.data, "text_config": {**sub, "model_type": "exaone4"}}, c.where, c.family)
    return {
        "text": llama_named_text(c, "exaone4", c.boolean("tie_word_embeddings")),
        "vision": vision(v),
        "projector": merger(v, v.integer("hidden_size"), v.integer("out_hidden_size"), "rmsnorm"),
    }


FAMILIES = (
    Family(
        "exaone4_5",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": False},
        (exaone4_5,),
        naming=QWEN2_5_VL,
        notes="the text model is the family text_config names (EXAONE 4 by default), named under "
        "model.language_model",
    ),
)
