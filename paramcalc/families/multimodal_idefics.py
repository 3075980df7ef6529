"""Idefics3 and SmolVLM: a SigLIP-style vision model without a pooling head, a pixel-shuffle
connector (one unbiased projection) and a Llama-named text model under model.text_model.

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import siglip
from paramcalc.families.multimodal_more import TEXT_NOTE, llama_named_text, spec_config, under

#: Idefics3VisionConfig / SmolVLMVisionConfig (the same fields and defaults).
VISION_DEFAULTS = {
    "hidden_size": 1152,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 16,
    "num_channels": 3,
    "image_size": 224,
    "patch_size": 32,
    # not a field of these configs: the vision transformer has no pooling head
    "vision_use_head": False,
}


def connected(vision_type: str) -> Any:
    """The rule of a family whose vision config is `vision_type`."""
    vision_family = Family(vision_type, VISION_DEFAULTS, ())

    def rule(c: HFConfig) -> dict[str, Any]:
        v = spec_config(c, "vision_config", vision_family)
        text = llama_named_text(c, "llama", c.boolean("tie_word_embeddings"))
        scale = c.integer("scale_factor")
        projection = {
            "kind": "linear",
            "role": "modality_projection.proj",
            # pixel shuffle: scale_factor^2 patches side by side
            "inputs": v.integer("hidden_size") * scale**2,
            "outputs": text["hidden_size"],
        }
        return {
            "text": text,
            "vision": {**siglip(v), "head": "none"},
            "projector": {"parts": [projection]},
        }

    rule.__doc__ = (
        f"SigLIP-style {vision_type} (no head), the connector and the text model; the top-level "
        "tie_word_embeddings decides."
    )
    return rule


NAMING = Naming(
    {
        "embed_tokens": "model.text_model.embed_tokens",
        "decoder.layers": "model.text_model.layers",
        "decoder.final_norm": "model.text_model.norm",
    },
    towers={
        "vision": Naming(under("model.vision_model.", VISION_NAMES)),
        "projector": Naming(
            {"modality_projection.proj": "model.connector.modality_projection.proj"}
        ),
    },
)
DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "scale_factor": 2,
    "tie_word_embeddings": False,
}
NOTE = TEXT_NOTE.replace("model.language_model", "model.text_model")

FAMILIES = (
    Family("idefics3", DEFAULTS, (connected("idefics3_vision"),), naming=NAMING, notes=NOTE),
    Family("smolvlm", DEFAULTS, (connected("smolvlm_vision"),), naming=NAMING, notes=NOTE),
)
