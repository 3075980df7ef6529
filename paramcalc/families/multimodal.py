"""Multimodal language models: a text family's model plus a vision tower and a projector.

The text tower reuses the text family's record on `text_config` (`gemma3_text`,
`llama4_text`); vision encoders are records of their own (SigLIP, Llama 4's vision model),
read from `vision_config` with their config classes' defaults; projectors follow each model's
`modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import isqrt
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig


def sub_config(c: HFConfig, key: str, family: Family) -> HFConfig:
    """A nested config (`text_config`, `vision_config`) read against its own family's defaults."""
    value = c.raw(key)
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise c.error(key, f"must be a mapping, got {type(value).__name__}")
    return HFConfig(value, f"{c.where}: {key}", family)


def text_model(c: HFConfig, model_type: str, tied: bool) -> dict[str, Any]:
    """The language model of `text_config`, built by its text family's record."""
    from paramcalc.families import families

    family = families()[model_type]
    t = sub_config(c, "text_config", family)
    fields = family.build(t)
    if "text" in fields:
        return {**fields["text"], "tie_word_embeddings": tied}
    return t.text_tower({**fields, "tie_word_embeddings": tied})


def vision_encoder_block(v: HFConfig, heads_key: str = "num_attention_heads") -> dict[str, Any]:
    """A ViT block: biased attention and a biased fc1/fc2 MLP, LayerNorms before each."""
    heads = v.integer(heads_key)
    return {
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "qkv_bias": True,
            "o_bias": True,
        },
        "ffn": {"kind": "mlp", "intermediate_size": v.integer("intermediate_size"), "bias": True},
    }


SIGLIP_VISION = Family(
    "siglip_vision_model",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "image_size": 224,
        "patch_size": 16,
        "vision_use_head": True,
    },
    (),
)


def siglip(v: HFConfig) -> dict[str, Any]:
    """SiglipVisionTransformer: a Conv2d patch embedding, positions, encoder, post-norm, and the
    attention-pooling head when vision_use_head."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    # SiglipAttention refuses heads that do not split the width
    v.split_heads("num_attention_heads", heads, width)
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("num_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
        "head": "attention_pool" if v.boolean("vision_use_head") else "none",
        "head_intermediate_size": v.integer("intermediate_size"),
    }


def gemma3(c: HFConfig) -> dict[str, Any]:
    """Gemma3ForConditionalGeneration: SigLIP, a projection to the text width with a soft
    embedding norm, and Gemma 3's text model; the top-level tie_word_embeddings decides."""
    return gemma3_model(c, c.boolean("tie_word_embeddings"))


def shieldgemma2(c: HFConfig) -> dict[str, Any]:
    """ShieldGemma 2, built as Gemma3ForConditionalGeneration; ShieldGemma2Config.__post_init__
    ties when text_config does (Gemma 3 text ties by default)."""
    from paramcalc.families import families

    text_family = families()["gemma3_text"]
    text_tied = sub_config(c, "text_config", text_family).boolean("tie_word_embeddings")
    return gemma3_model(c, c.boolean("tie_word_embeddings") or text_tied)


def gemma3_model(c: HFConfig, tied: bool) -> dict[str, Any]:
    """SigLIP, Gemma 3's projector and text model, tied as the caller's config decides."""
    v = sub_config(c, "vision_config", SIGLIP_VISION)
    text = text_model(c, "gemma3_text", tied)
    vh = v.integer("hidden_size")
    return {
        "text": text,
        "vision": siglip(v),
        "projector": {
            "parts": [
                {
                    "kind": "linear",
                    "role": "mm_input_projection",
                    "inputs": vh,
                    "outputs": text["hidden_size"],
                    "weight_name": "mm_input_projection_weight",
                    "transposed": True,
                },
                {"kind": "norm", "role": "mm_soft_emb_norm", "width": vh},
            ],
            "image_tokens": c.integer("mm_tokens_per_image", minimum=0),
            "image_rows": pooled_rows(c.integer("mm_tokens_per_image", minimum=0)),
        },
    }


def shuffled_rows(c: HFConfig, key: str, class_token: bool) -> dict[str, Any] | None:
    """The projector's rows after a pixel shuffle by the ratio `key` names, the class token
    cropped unless `class_token` and vision_feature_select_strategy is not "default" (where
    the model reads it); none for a ratio whose inverse is not a whole side, which paramcalc
    does not lay out."""
    ratio = c.raw(key)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
        raise c.error(key, f"must be in (0, 1], got {describe(ratio)}")
    side = 1 / ratio
    if not side.is_integer():
        return None
    keep = class_token and c.raw("vision_feature_select_strategy") != "default"
    return {"class_token": keep, "merge": int(side)}


def pooled_rows(tokens: int) -> dict[str, Any] | None:
    """Gemma3MultiModalProjector's AvgPool2d to int(mm_tokens_per_image ** 0.5) a side; none
    for no image tokens (the model cannot pool)."""
    per_side = isqrt(tokens)
    return {"pooled_side": per_side} if per_side else None


LLAMA4_VISION = Family(
    "llama4_vision_model",
    {
        "hidden_size": 768,
        "num_hidden_layers": 34,
        "num_attention_heads": 16,
        "num_channels": 3,
        "intermediate_size": 5632,
        "vision_output_dim": 7680,
        "image_size": 448,
        "patch_size": 14,
        "projector_input_dim": 4096,
        "projector_output_dim": 4096,
        "pixel_shuffle_ratio": 0.5,
    },
    (),
)


def llama4(c: HFConfig) -> dict[str, Any]:
    """Llama4ForConditionalGeneration: the vision model (linear patch embedding, class token,
    positions, pre/post norms), its adapter MLP and linear_1 into Llama 4's text model."""
    from paramcalc.families import families

    v = sub_config(c, "vision_config", LLAMA4_VISION)
    text_family = families()["llama4_text"]
    tied = sub_config(c, "text_config", text_family).boolean("tie_word_embeddings")
    text = text_model(c, "llama4_text", tied)
    vision = {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("num_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "patch_embedding": "linear",
        "patch_bias": False,
        "class_token": True,
        "position_embedding": "parameter",
        "pre_norm": True,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
    }
    projector_in, projector_out = (
        v.integer("projector_input_dim"),
        v.integer("projector_output_dim"),
    )
    return {
        "text": text,
        "vision": vision,
        "projector": {
            "parts": [
                # Llama4VisionMLP2: fc1 reads the vision intermediate width.
                {
                    "kind": "linear",
                    "role": "adapter.fc1",
                    "inputs": v.integer("intermediate_size"),
                    "outputs": projector_in,
                },
                {
                    "kind": "linear",
                    "role": "adapter.fc2",
                    "inputs": projector_out,
                    "outputs": projector_out,
                },
                {
                    "kind": "linear",
                    "role": "linear_1",
                    "inputs": v.integer("vision_output_dim"),
                    "outputs": text["hidden_size"],
                },
            ],
            # the class token (appended last) cropped, then the adapter's pixel shuffle
            "image_rows": shuffled_rows(v, "pixel_shuffle_ratio", class_token=False),
        },
    }


GEMMA3_PROJECTOR = Naming(
    {
        "mm_input_projection": "model.multi_modal_projector",
        "mm_soft_emb_norm": "model.multi_modal_projector.mm_soft_emb_norm",
    }
)
GEMMA3 = Naming(
    {
        "embed_tokens": "model.language_model.embed_tokens",
        "decoder.layers": "model.language_model.layers",
        "decoder.final_norm": "model.language_model.norm",
    },
    towers={
        "vision": Naming(
            {
                k: v.replace("vision_tower.", "model.vision_tower.", 1)
                for k, v in VISION_NAMES.items()
                if v.startswith("vision_tower.")
            }
        ),
        "projector": GEMMA3_PROJECTOR,
    },
)
LLAMA4 = Naming(
    {
        "embed_tokens": "language_model.model.embed_tokens",
        "decoder.layers": "language_model.model.layers",
        "decoder.final_norm": "language_model.model.norm",
        "lm_head": "language_model.lm_head",
        "ffn": "feed_forward",
        "ffn.router": "feed_forward.router",
    },
    experts_transposed=True,
    towers={
        "vision": Naming(
            {
                "patch_embedding": "vision_model.patch_embedding.linear",
                "class_embedding": "vision_model.class_embedding",
                "position_embedding": "vision_model.positional_embedding_vlm",
                "pre_norm": "vision_model.layernorm_pre",
                "post_norm": "vision_model.layernorm_post",
                "encoder.layers": "vision_model.model.layers",
                "input_norm": "input_layernorm",
                "pre_ffn_norm": "post_attention_layernorm",
                "attention.o_proj": "self_attn.o_proj",
            }
        ),
        "projector": Naming(
            {
                "adapter.fc1": "vision_model.vision_adapter.mlp.fc1",
                "adapter.fc2": "vision_model.vision_adapter.mlp.fc2",
                "linear_1": "multi_modal_projector.linear_1",
            }
        ),
    },
)

FAMILIES = (
    Family(
        "gemma3",
        {
            "text_config": None,
            "vision_config": None,
            "mm_tokens_per_image": 256,
            "tie_word_embeddings": True,
        },
        (gemma3,),
        naming=GEMMA3,
    ),
    Family(
        "shieldgemma2",
        {
            "text_config": None,
            "vision_config": None,
            "mm_tokens_per_image": 256,
            "tie_word_embeddings": False,
        },
        (shieldgemma2,),
        naming=GEMMA3,
    ),
    Family(
        "llama4",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": False},
        (llama4,),
        naming=LLAMA4,
    ),
)
