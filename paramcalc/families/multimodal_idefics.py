"""Idefics3 and SmolVLM: a SigLIP-style vision model without a pooling head, a pixel-shuffle
connector (one unbiased projection) and a Llama-named text model under model.text_model;
Idefics2: the same vision model, a connector of a gated MLP and a perceiver resampler, and a
Mistral text model.

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
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
            # the pixel shuffle puts scale_factor x scale_factor patches in one row
            "projector": {"parts": [projection], "image_rows": {"merge": scale}},
        }

    rule.__doc__ = (
        f"SigLIP-style {vision_type} (no head), the connector and the text model; the top-level "
        "tie_word_embeddings decides."
    )
    return rule


#: Idefics2VisionConfig and Idefics2PerceiverConfig (transformers 5.23).
IDEFICS2_VISION = Family(
    "idefics2_vision",
    {**VISION_DEFAULTS, "hidden_size": 768, "num_attention_heads": 12},
    (),
)
IDEFICS2_PERCEIVER = Family(
    "idefics2_perceiver",
    {
        "resampler_n_latents": 64,
        "resampler_depth": 3,
        "resampler_n_heads": 16,
        "resampler_head_dim": 96,
        "num_key_value_heads": 4,
    },
    (),
)


def gated(role: str, width: int, middle: int, out: int) -> list[dict[str, Any]]:
    """Idefics2MLP: unbiased gate, up and down projections."""
    linear = {"kind": "linear"}
    return [
        {**linear, "role": f"{role}.gate_proj", "inputs": width, "outputs": middle},
        {**linear, "role": f"{role}.up_proj", "inputs": width, "outputs": middle},
        {**linear, "role": f"{role}.down_proj", "inputs": middle, "outputs": out},
    ]


def perceiver_layer(p: HFConfig, role: str, width: int) -> list[dict[str, Any]]:
    """Idefics2PerceiverLayer: RMSNorms of latents and context, unbiased GQA projections,
    a post-attention RMSNorm and a 4x gated MLP."""
    q = p.integer("resampler_n_heads") * p.integer("resampler_head_dim")
    kv = p.integer("num_key_value_heads") * p.integer("resampler_head_dim")
    attn = {"kind": "linear", "mixer": True}
    norms = ("input_latents_norm", "input_context_norm", "post_attention_layernorm")
    return [
        *({"kind": "norm", "role": f"{role}.{n}", "width": width} for n in norms[:2]),
        {**attn, "role": f"{role}.self_attn.q_proj", "inputs": width, "outputs": q},
        {**attn, "role": f"{role}.self_attn.k_proj", "inputs": width, "outputs": kv},
        {**attn, "role": f"{role}.self_attn.v_proj", "inputs": width, "outputs": kv},
        {**attn, "role": f"{role}.self_attn.o_proj", "inputs": q, "outputs": width},
        {"kind": "norm", "role": f"{role}.{norms[2]}", "width": width},
        *gated(f"{role}.mlp", width, 4 * width, width),
    ]


def typeless(c: HFConfig, key: str, family: Family) -> HFConfig:
    """A nested config read against `family` whatever model_type it names (dropped)."""
    value = c.raw(key)
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise c.error(key, f"must be a mapping, got {type(value).__name__}")
    fields = {k: v for k, v in value.items() if k != "model_type"}
    return HFConfig(fields, f"{c.where}: {key}", family)


def idefics2(c: HFConfig) -> dict[str, Any]:
    """Idefics2ForConditionalGeneration: the vision transformer (no head), the connector (a
    gated MLP of the text's intermediate_size, then the perceiver resampler: latents, layers,
    an RMSNorm, all at the text width, which __post_init__ forces on the perceiver) and a
    Mistral text model; the top-level tie_word_embeddings decides. __post_init__ drops the
    model_type of vision_config and perceiver_config."""
    v, p = (
        typeless(c, "vision_config", IDEFICS2_VISION),
        typeless(c, "perceiver_config", IDEFICS2_PERCEIVER),
    )
    text = llama_named_text(c, "mistral", c.boolean("tie_word_embeddings"))
    th, vh = text["hidden_size"], v.integer("hidden_size")
    middle = text_intermediate(c)
    resampler = "perceiver_resampler"
    parts = [
        *gated("modality_projection", vh, middle, th),
        {
            "kind": "token",
            "role": f"{resampler}.latents",
            "width": th,
            "lead": (p.integer("resampler_n_latents"),),
        },
    ]
    for i in range(p.integer("resampler_depth", minimum=0)):
        parts += perceiver_layer(p, f"{resampler}.layers.{i}", th)
    parts.append({"kind": "norm", "role": f"{resampler}.norm", "width": th})
    return {
        "text": text,
        "vision": {**siglip(v), "head": "none"},
        "projector": {"parts": parts},
    }


def text_intermediate(c: HFConfig) -> int:
    """text_config's intermediate_size (its family's default when unset), which the
    connector's gated MLP takes."""
    from paramcalc.families import families

    sub = c.raw("text_config")
    model_type = sub.get("model_type", "mistral") if isinstance(sub, Mapping) else "mistral"
    return spec_config(c, "text_config", families()[model_type]).integer("intermediate_size")


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
IDEFICS2 = Naming(
    NAMING.names,
    towers={
        "vision": NAMING.towers["vision"],
        "projector": Naming(
            {
                "modality_projection": "model.connector.modality_projection",
                "perceiver_resampler": "model.connector.perceiver_resampler",
            }
        ),
    },
)

FAMILIES = (
    Family("idefics3", DEFAULTS, (connected("idefics3_vision"),), naming=NAMING, notes=NOTE),
    Family("smolvlm", DEFAULTS, (connected("smolvlm_vision"),), naming=NAMING, notes=NOTE),
    Family(
        "idefics2",
        {
            "text_config": None,
            "vision_config": None,
            "perceiver_config": None,
            "tie_word_embeddings": False,
        },
        (idefics2,),
        naming=IDEFICS2,
        notes=NOTE.replace("Llama", "Mistral"),
    ),
)
