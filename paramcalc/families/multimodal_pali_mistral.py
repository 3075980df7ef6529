"""PaliGemma (SigLIP, one projection and a Gemma text model) and Mistral 3 (Pixtral, a
patch-merging projector and a Mistral text model).

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import SIGLIP_VISION, siglip
from paramcalc.families.multimodal_more import (
    LANGUAGE_MODEL,
    TEXT_NOTE,
    llama_named_text,
    llava_projector,
    spec_config,
    under,
)

#: What PaliGemmaConfig passes to SiglipVisionConfig and GemmaConfig when they are null.
PALIGEMMA_SIGLIP = {
    "intermediate_size": 4096,
    "hidden_size": 1152,
    "patch_size": 14,
    "image_size": 224,
    "num_hidden_layers": 27,
    "num_attention_heads": 16,
    "vision_use_head": False,
}
PALIGEMMA_GEMMA = {
    "hidden_size": 2048,
    "num_hidden_layers": 18,
    "intermediate_size": 16384,
    "num_attention_heads": 8,
    "num_key_value_heads": 1,
    "vocab_size": 257152,
}


def paligemma(c: HFConfig) -> dict[str, Any]:
    """PaliGemmaForConditionalGeneration: SigLIP, one biased linear to projection_dim (the
    top-level value, which __post_init__ copies into vision_config) and a Gemma (or Gemma 2)
    text model; the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", SIGLIP_VISION, PALIGEMMA_SIGLIP)
    text = llama_named_text(c, "gemma", c.boolean("tie_word_embeddings"), PALIGEMMA_GEMMA)
    projection = {
        "kind": "linear",
        "role": "linear",
        "inputs": v.integer("hidden_size"),
        "outputs": c.integer("projection_dim"),
        "bias": True,
    }
    image_tokens = (v.integer("image_size") // v.integer("patch_size")) ** 2
    return {
        "text": text,
        "vision": siglip(v),
        # one row per patch: SigLIP has no class token, the projection reads them all
        "projector": {"parts": [projection], "image_tokens": image_tokens, "image_rows": {}},
    }


PIXTRAL = Family(
    "pixtral",
    {
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "num_channels": 3,
        "patch_size": 16,
    },
    (),
)
#: What Mistral3Config passes to PixtralVisionConfig and MistralConfig when they are null.
MISTRAL3_PIXTRAL = {
    "intermediate_size": 4096,
    "hidden_size": 1024,
    "patch_size": 14,
    "num_hidden_layers": 24,
    "num_attention_heads": 16,
}
MISTRAL3_MISTRAL = {
    "head_dim": 128,
    "hidden_size": 5120,
    "intermediate_size": 32768,
    "max_position_embeddings": 131072,
    "num_attention_heads": 32,
    "num_hidden_layers": 40,
    "num_key_value_heads": 8,
    "sliding_window": None,
    "vocab_size": 131072,
}


def pixtral(v: HFConfig) -> dict[str, Any]:
    """PixtralVisionModel: an unbiased Conv2d, ln_pre, RMSNorm blocks of unbiased attention
    (head_dim is always hidden_size // heads) and a gated MLP; rotary, so no position table."""
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("num_channels"),
        "patch_size": v.integer("patch_size"),
        "patch_bias": False,
        "position_embedding": "none",
        "pre_norm": True,
        "post_norm": False,
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": v.integer("num_attention_heads"),
                },
                "ffn": {"kind": "gated", "intermediate_size": v.integer("intermediate_size")},
            },
        },
    }


def mistral3(c: HFConfig) -> dict[str, Any]:
    """Mistral3ForConditionalGeneration: Pixtral, a projector (RMSNorm, the patch merger's
    merging_layer over spatial_merge_size^2 patches, linear_1, linear_2) and a Mistral text
    model; the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", PIXTRAL, MISTRAL3_PIXTRAL)
    text = llama_named_text(c, "mistral", c.boolean("tie_word_embeddings"), MISTRAL3_MISTRAL)
    vh = v.integer("hidden_size")
    merge = c.integer("spatial_merge_size") ** 2
    parts = [
        {"kind": "norm", "role": "norm", "width": vh},
        {
            "kind": "linear",
            "role": "patch_merger.merging_layer",
            "inputs": vh * merge,
            "outputs": vh,
        },
        *llava_projector(c, vh, text["hidden_size"]),
    ]
    # the patch merger unfolds spatial_merge_size x spatial_merge_size patches into a row
    rows = {"merge": c.integer("spatial_merge_size"), "drops_partial": True}
    return {"text": text, "vision": pixtral(v), "projector": {"parts": parts, "image_rows": rows}}


MISTRAL3 = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                "patch_embedding": "model.vision_tower.patch_conv",
                "pre_norm": "model.vision_tower.ln_pre",
                "encoder.layers": "model.vision_tower.transformer.layers",
                "input_norm": "attention_norm",
                "pre_ffn_norm": "ffn_norm",
                "attention": "attention",
                "attention.o_proj": "attention.o_proj",
                "ffn": "feed_forward",
                "ffn.up_proj": "feed_forward.up_proj",
                "ffn.down_proj": "feed_forward.down_proj",
            }
        ),
        "projector": Naming(
            {
                role: f"model.multi_modal_projector.{role}"
                for role in ("norm", "patch_merger.merging_layer", "linear_1", "linear_2")
            }
        ),
    },
)
PALIGEMMA = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.vision_tower.", VISION_NAMES)),
        "projector": Naming({"linear": "model.multi_modal_projector.linear"}),
    },
)

FAMILIES = (
    Family(
        "mistral3",
        {
            "text_config": None,
            "vision_config": None,
            "vision_feature_layer": -1,
            "multimodal_projector_bias": False,
            "spatial_merge_size": 2,
            "tie_word_embeddings": True,
        },
        (mistral3,),
        naming=MISTRAL3,
        notes=TEXT_NOTE.replace("Llama", "Mistral"),
    ),
    Family(
        "paligemma",
        {
            "text_config": None,
            "vision_config": None,
            "projection_dim": 2048,
            "tie_word_embeddings": True,
        },
        (paligemma,),
        naming=PALIGEMMA,
        notes=TEXT_NOTE.replace("Llama", "Gemma"),
    ),
)
