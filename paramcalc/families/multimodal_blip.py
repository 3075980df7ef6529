"""BLIP-2 (Blip2ForConditionalGeneration) and InstructBLIP (InstructBlipForConditionalGeneration,
and its video twin, the same tensors): a ViT-g-style vision model (`vision_config`), learned
query tokens read by a Q-Former with cross-attention to the image (`qformer_config`), a
projection into the text width and a language model (`text_config`: OPT's causal LM by default,
T5's encoder-decoder LM, or a Llama-named causal LM such as Vicuna), each under its module at
the model's root. InstructBLIP's Q-Former also reads the instruction: it has word and position
embeddings and runs every layer's text MLP.

Follows `modeling_blip_2.py`, `modeling_instructblip.py`, `modeling_instructblipvideo.py` and
their configurations in transformers 5.23.
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
from paramcalc.families.multimodal_granite_speech import (
    QFORMER,
    dense,
    layer_norm,
    qformer,
    qformer_config,
    qformer_layers,
)
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
#: InstructBlipQFormerConfig's defaults (transformers 5.23): Blip2QFormerConfig's, with the
#: tables of its text embeddings.
INSTRUCTBLIP_QFORMER = {**QFORMER.defaults, "vocab_size": 30522, "max_position_embeddings": 512}
#: The language models paramcalc builds here, as AutoModelForCausalLM (OPT) or
#: AutoModelForSeq2SeqLM (T5) does; any family named as Llama is named under "llama".
TEXT_TYPES = ("opt", "t5")


def vision(c: HFConfig, key: str, family: Family, qkv_bias: bool | None = None) -> dict[str, Any]:
    """Blip2VisionModel (BlipVisionModel's layout): a biased Conv2d patch embedding, a class
    token and a position table held as (1, rows, width) parameters, blocks with one fused qkv
    (its bias `qkv_bias`, else the config's: q and v learned, k's third stored as zeros) and a
    biased projection, a post-LayerNorm; no pre-norm."""
    v = spec_config(c, key, family)
    block = vision_encoder_block(v)
    block["mixer"]["qkv_bias"] = v.boolean("qkv_bias") if qkv_bias is None else qkv_bias
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
    family = families().get(model_type)
    llama_named = family is not None and family.naming == Naming() and not family.variants
    if family is None or not (model_type in TEXT_TYPES or llama_named):
        raise c.error(
            "text_config",
            f"text model_type {model_type!r} is not supported here (one of: "
            f"{', '.join(TEXT_TYPES)}, or a family named as Llama)",
        )
    t = spec_config(c, "text_config", family)
    fields = family.build(t)
    naming = "llama" if llama_named else str(fields.pop("naming", model_type))
    tower = fields["text"] if "text" in fields else t.text_tower(fields)
    return tower, f"{family_key}/{naming}"


def blip_2(c: HFConfig) -> dict[str, Any]:
    """Blip2ForConditionalGeneration: query_tokens, the vision model, the Q-Former (its keys and
    values read the vision width: Blip2Config.__post_init__ sets encoder_hidden_size), the
    language projection and the language model."""
    image = vision(c, "vision_config", BLIP_2_VISION)
    parts, width, _ = qformer(c, "qformer_config", image["hidden_size"])
    return joined(c, image, parts, width)


def instructblip(c: HFConfig) -> dict[str, Any]:
    """InstructBlipForConditionalGeneration (and the video model): BLIP-2's parts, the Q-Former
    with word and position embeddings and their LayerNorm in place of its final LayerNorm, and
    every layer's text MLP beside the queries'."""
    vision_family, qformer_family = SUB_CONFIGS[c.family.model_type]
    image = vision(c, "vision_config", vision_family)
    q = qformer_config(c, "qformer_config", qformer_family)
    width = q.integer("hidden_size")
    rows = {"vocab_size": "word_embeddings", "max_position_embeddings": "position_embeddings"}
    tables = [
        {
            "kind": "token",
            "role": f"qformer.embeddings.{table}.weight",
            "width": width,
            "lead": (q.integer(key),),
        }
        for key, table in rows.items()
    ]
    embeddings = [*tables, layer_norm("qformer.embeddings.layernorm", width)]
    parts = [*embeddings, *qformer_layers(q, image["hidden_size"], text_path=True)]
    return joined(c, image, parts, width)


def joined(
    c: HFConfig, image: dict[str, Any], parts: list[dict[str, Any]], width: int
) -> dict[str, Any]:
    """The vision model, query_tokens, the Q-Former's `parts`, the language projection and the
    language model."""
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
TEXT_NAMINGS = {"opt": OPT, "t5": T5, "t5/gated": T5_GATED, "llama": Naming()}


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

#: Each InstructBLIP model_type's vision and Q-Former config classes (same defaults).
SUB_CONFIGS = {
    model_type: (
        Family(f"{model_type}_vision_model", BLIP_2_VISION.defaults, ()),
        Family(f"{model_type}_qformer", INSTRUCTBLIP_QFORMER, ()),
    )
    for model_type in ("instructblip", "instructblipvideo")
}
BLIP_DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "qformer_config": None,
    "num_query_tokens": 32,
}

FAMILIES = (
    Family(
        "blip-2",
        BLIP_DEFAULTS,
        (blip_2,),
        naming=BLIP_2_VARIANTS["opt"],
        variants=BLIP_2_VARIANTS,
        notes=NOTES,
    ),
    *(
        Family(
            model_type,
            BLIP_DEFAULTS,
            (instructblip,),
            naming=BLIP_2_VARIANTS["opt"],
            variants=BLIP_2_VARIANTS,
            notes=NOTES,
        )
        for model_type in SUB_CONFIGS
    ),
)
