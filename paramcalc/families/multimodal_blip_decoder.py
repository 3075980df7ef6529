"""BLIP (BlipForConditionalGeneration): BLIP-2's vision model layout (`vision_config`, its qkv
always biased) and a BERT-named text decoder (`text_config`) whose every layer cross-attends to
the image features, with BERT's prediction head; no projector.

Follows `modeling_blip.py`, `modeling_blip_text.py` and `configuration_blip.py` in
transformers 5.23.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, POST_NORM_ENCODER
from paramcalc.families.multimodal_blip import BLIP_2_VISION, blip_vision_naming, vision
from paramcalc.families.multimodal_more import spec_config

#: BlipVisionConfig's defaults (transformers 5.23); it has no qkv_bias field.
BLIP_VISION = Family(
    "blip_vision_model",
    {
        **BLIP_2_VISION.defaults,
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "image_size": 384,
        "patch_size": 16,
    },
    (),
)
#: BlipTextConfig's defaults (transformers 5.23).
BLIP_TEXT = Family(
    "blip_text_model",
    {
        "vocab_size": 30524,
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 8,
        "max_position_embeddings": 512,
        "is_decoder": True,
        "tie_word_embeddings": True,
    },
    (),
)


def text_decoder(c: HFConfig, image_width: int) -> dict[str, Any]:
    """BlipTextLMHeadModel: BERT's post-norm layers without token types or pooler, a
    cross-attention over `image_width` features in every layer of a decoder (is_decoder), and
    the prediction head (dense, LayerNorm, a decoder tied to the word embeddings whose bias is
    the head's)."""
    t = spec_config(c, "text_config", BLIP_TEXT)
    width, heads = t.integer("hidden_size"), t.integer("num_attention_heads")
    if width % heads:
        raise t.error("num_attention_heads", f"{heads} does not divide hidden_size={width}")
    if not c.boolean("tie_word_embeddings") and not t.boolean("tie_word_embeddings"):
        # BlipForConditionalGeneration ties when either config does
        raise t.error(
            "tie_word_embeddings",
            "false at both levels unties cls.predictions.decoder.bias from cls.predictions.bias, "
            "leaving an unused bias of its own, which paramcalc does not represent",
        )
    cross = t.boolean("is_decoder")
    fields = {
        **POST_NORM_ENCODER,
        "cross_attention": cross,
        "vocab_size": t.integer("vocab_size"),
        "hidden_size": width,
        "num_hidden_layers": t.integer("num_hidden_layers"),
        "num_attention_heads": heads,
        "intermediate_size": t.integer("intermediate_size"),
        "max_position_embeddings": t.integer("max_position_embeddings"),
        "type_vocab_size": 0,
        "pooler": False,
    }
    tower = t.text_tower(fields)
    if cross:
        # BlipConfig.__post_init__: the keys and values read the vision width
        for stack in tower["stacks"]:
            stack["block"]["cross_attention"]["kv_input_size"] = image_width
    head = {"lm_head": True, "lm_head_bias": True, "head_transform": {"bias": True}}
    return {**tower, **head, "tie_word_embeddings": True}


def blip(c: HFConfig) -> dict[str, Any]:
    """BlipForConditionalGeneration: the vision model and the text decoder."""
    image = vision(c, "vision_config", BLIP_VISION, qkv_bias=True)
    return {"text": text_decoder(c, image["hidden_size"]), "vision": image}


def lm_head_naming(model: str, head: str, transform: str, norm: str) -> Naming:
    """BERT's names under `model.`, the prediction head's under `head` (BertLMHeadModel's
    layout, which BLIP's text decoder keeps)."""
    roots = ("embed_tokens", "embed_positions", "token_type_embeddings", "embedding_norm")
    return Naming(
        {
            **BERT.names,
            **{role: f"{model}.{BERT.names[role]}" for role in roots},
            "decoder.layers": f"{model}.{BERT.names['decoder.layers']}",
            "head_transform": f"{head}.{transform}",
            "head_transform_norm": f"{head}.{norm}",
            "lm_head": head,
        },
        leaves=BERT.leaves,
    )


BLIP = replace(
    lm_head_naming("bert", "cls.predictions", "transform.dense", "transform.LayerNorm"),
    prefix="text_decoder",
    towers={"vision": blip_vision_naming("vision_model.")},
)

FAMILIES = (
    Family(
        "blip",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": True},
        (blip,),
        naming=BLIP,
        notes="the vision model runs once per image, not per text token; checkpoints also "
        "hold the question-answering and retrieval heads of the other BLIP classes",
    ),
)
