"""Kosmos-2 (Kosmos2ForConditionalGeneration): a CLIP vision model under vision_model.model,
latent queries that cross-attend to its features after one dense layer into the text width
(image_to_text_projection), and an XGLM-like text model under text_model: pre-LayerNorm
blocks whose attention and MLP each norm their inner activations (inner_attn_ln,
ffn_layernorm), sinusoidal positions (a buffer) and a final LayerNorm.

Follows `modeling_kosmos2.py` and `configuration_kosmos2.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_granite_speech import dense
from paramcalc.families.multimodal_more import clip, clip_under, spec_config

#: Kosmos2VisionConfig's defaults (transformers 5.23).
KOSMOS_2_VISION = Family(
    "kosmos_2_vision_model",
    {
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "num_channels": 3,
        "image_size": 224,
        "patch_size": 14,
    },
    (),
)
#: Kosmos2TextConfig's defaults (transformers 5.23).
KOSMOS_2_TEXT = Family(
    "kosmos_2_text_model",
    {
        "vocab_size": 65037,
        "embed_dim": 2048,
        "layers": 24,
        "ffn_dim": 8192,
        "attention_heads": 32,
        "tie_word_embeddings": True,
        "add_cross_attention": False,
    },
    (),
)


def text_model(c: HFConfig) -> dict[str, Any]:
    """Kosmos2TextForCausalLM: biased attention with inner_attn_ln before out_proj, a biased
    fc1/fc2 MLP with ffn_layernorm before fc2, LayerNorms before each and a final one; the
    head is tied unless both tie_word_embeddings flags are false (either ties the model)."""
    t = spec_config(c, "text_config", KOSMOS_2_TEXT)
    width, heads = t.integer("embed_dim"), t.integer("attention_heads")
    if width % heads:
        raise t.error("attention_heads", f"{heads} does not divide embed_dim={width}")
    if t.boolean("add_cross_attention"):
        raise t.error(
            "add_cross_attention",
            "true adds encoder_attn blocks that this model never feeds, which paramcalc does "
            "not build",
        )
    attention = {"kind": "attention", "num_attention_heads": heads, "qkv_bias": True}
    ffn = {"kind": "mlp", "intermediate_size": t.integer("ffn_dim"), "bias": True, "sub_norm": True}
    block = {"mixer": {**attention, "o_bias": True, "sub_norm": True}, "ffn": ffn}
    return {
        "vocab_size": t.integer("vocab_size"),
        "hidden_size": width,
        "tie_word_embeddings": c.boolean("tie_word_embeddings") or t.boolean("tie_word_embeddings"),
        "norm_type": "layernorm",
        "stacks": [{"num_hidden_layers": t.integer("layers"), "block": block}],
    }


def image_to_text(c: HFConfig, vision_width: int, width: int) -> list[dict[str, Any]]:
    """Kosmos2ImageToTextProjection: dense (vision width -> text width), latent_query_num
    learned queries, and x_attn (biased q, k, v, out_proj at the text width; attention)."""
    root = "image_to_text_projection"
    queries = c.integer("latent_query_num")
    token = {"kind": "token", "role": f"{root}.latent_query", "width": width, "lead": (queries,)}
    mixer = [
        dense(f"{root}.x_attn.{p}", width, width, mixer=True)
        for p in ("q_proj", "k_proj", "v_proj", "out_proj")
    ]
    return [dense(f"{root}.dense", vision_width, width), token, *mixer]


def kosmos_2(c: HFConfig) -> dict[str, Any]:
    """Kosmos2ForConditionalGeneration: the vision model, the projection, the text model."""
    vision = clip(spec_config(c, "vision_config", KOSMOS_2_VISION))
    text = text_model(c)
    parts = image_to_text(c, vision["hidden_size"], text["hidden_size"])
    return {"text": text, "vision": vision, "projector": {"parts": parts}}


KOSMOS_2 = Naming(
    {
        "embed_tokens": "text_model.model.embed_tokens",
        "decoder.layers": "text_model.model.layers",
        "decoder.final_norm": "text_model.model.layer_norm",
        "lm_head": "text_model.lm_head",
        "input_norm": "self_attn_layer_norm",
        "attention.o_proj": "self_attn.out_proj",
        "attention.sub_norm": "self_attn.inner_attn_ln",
        "pre_ffn_norm": "final_layer_norm",
        "ffn.up_proj": "ffn.fc1",
        "ffn.down_proj": "ffn.fc2",
        "ffn.sub_norm": "ffn.ffn_layernorm",
    },
    towers={"vision": clip_under("vision_model.model.")},
)

FAMILIES = (
    Family(
        "kosmos-2",
        {
            "text_config": None,
            "vision_config": None,
            "latent_query_num": 64,
            "tie_word_embeddings": True,
        },
        (kosmos_2,),
        naming=KOSMOS_2,
        notes="the vision model and the projection run once per image, not per text token; "
        "the text model's sinusoidal position table is a buffer, not a parameter",
    ),
)
