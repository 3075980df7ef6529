"""BLIP-2 (Blip2ForConditionalGeneration): a ViT-g-style vision model (`vision_config`), learned
query tokens read by a Q-Former with cross-attention to the image (`qformer_config`), a
projection into the text width and a language model (`text_config`: OPT's causal LM by default,
or T5's encoder-decoder LM), each under its module at the model's root.

Follows `modeling_blip_2.py` and `configuration_blip_2.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.classic import OPT
from paramcalc.families.encoders import T5, T5_GATED
from paramcalc.families.multimodal import vision_encoder_block
from paramcalc.families.multimodal_granite_speech import dense, qformer
from paramcalc.families.multimodal_more import spec_config, under

#: Blip2VisionConfig's defaults (transformers 5.23).
BLIP_2_VISION = Family(
    "blip_2_vision_model",
    {
        "hidden_size": 1408,
        "intermediate_size": 6144,
        "num_hidden_layers": 39,
        "num_attention_heads": 16,
        "image_size": 224,
        "patch_size": 14,
        "qkv_bias": True,
    },
    (),
)
#: The language models Blip2ForConditionalGeneration builds (AutoModelForCausalLM for OPT,
#: AutoModelForSeq2SeqLM for T5), by text_config model_type, with their naming variants.
TEXT_TYPES = ("opt", "t5")


def vision(c: HFConfig, key: str, family: Family) -> dict[str, Any]:
    """Blip2VisionModel: a biased Conv2d patch embedding, a class token and a position table
    held as (1, rows, width) parameters, blocks with one fused qkv (its bias only with
    qkv_bias: q and v learned, k's third stored as zeros) and a biased projection, a
    post-LayerNorm; no pre-norm."""
    v = spec_config(c, key, family)
    block = vision_encoder_block(v)
    block["mixer"]["qkv_bias"] = v.boolean("qkv_bias")
    return {
        "hidden_size": v.integer("hidden_size"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "class_token": True,
        "position_embedding": "parameter",
        "batched_tokens": True,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": block,
        },
    }


def language_model(c: HFConfig, family_key: str) -> tuple[dict[str, Any], str]:
    """The text tower of text_config's family (OPT when null) and the naming key of that
    family's variant under `family_key`."""
    from paramcalc.families import families

    sub = c.raw("text_config")
    model_type = sub.get("model_type", "opt") if isinstance(sub, Mapping) else "opt"
    if model_type not in TEXT_TYPES:
        raise c.error(
            "text_config",
            f"text model_type {model_type!r} is not supported here (one of: "
            f"{', '.join(TEXT_TYPES)})",
        )
    family = families()[model_type]
    fields = family.build(spec_config(c, "text_config", family))
    naming = str(fields.pop("naming", model_type))
    t = spec_config(c, "text_config", family)
    return t.text_tower(fields), f"{family_key}/{naming}"


def blip_2(c: HFConfig) -> dict[str, Any]:
    """Blip2ForConditionalGeneration: query_tokens, the vision model, the Q-Former (its keys and
    values read the vision width: Blip2Config.__post_init__ sets encoder_hidden_size), the
    language projection and the language model."""
    image = vision(c, "vision_config", BLIP_2_VISION)
    parts, width, _ = qformer(c, "qformer_config", image["hidden_size"])
    text, naming = language_model(c, c.family.model_type)
    queries = c.integer("num_query_tokens")
    token = {"kind": "token", "role": "query_tokens", "width": width, "lead": (1, queries)}
    projection = dense("language_projection", width, text["hidden_size"])
    return {
        "text": text,
        "vision": image,
        "projector": {"parts": [token, *parts, projection]},
        "naming": naming,
    }


def blip_vision_naming(root: str) -> Naming:
    """Blip2VisionModel's names under `root` (vision_model.)."""
    return Naming(
        {
            **under(root, VISION_NAMES),
            "encoder.layers": f"{root}encoder.layers",
            "attention.o_proj": "self_attn.projection",
        },
        fused={"attention.qkv": ("q_proj", "k_proj", "v_proj")},
    )


#: The language models' namings (by their families' naming keys) under language_model.
TEXT_NAMINGS = {"opt": OPT, "t5": T5, "t5/gated": T5_GATED}


def text_variants(towers: Mapping[str, Naming]) -> dict[str, Naming]:
    """Each language model's naming under language_model., with the model's other towers."""
    return {
        key: replace(naming, prefix="language_model", towers=towers)
        for key, naming in TEXT_NAMINGS.items()
    }


BLIP_2_VARIANTS = text_variants({"vision": blip_vision_naming("vision_model.")})
NOTES = (
    "the language model is the family text_config names (OPT by default, or T5); the vision "
    "model and the Q-Former run once per image, not per text token"
)

FAMILIES = (
    Family(
        "blip-2",
        {
            "text_config": None,
            "vision_config": None,
            "qformer_config": None,
            "num_query_tokens": 32,
        },
        (blip_2,),
        naming=BLIP_2_VARIANTS["opt"],
        variants=BLIP_2_VARIANTS,
        notes=NOTES,
    ),
)
