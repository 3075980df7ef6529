"""Ovis2 (`ovis2`): a visual tokenizer (an RMSNorm ViT with a gated MLP, whose head gives
logits over visual words), a table of visual words that its probabilities multiply into
text-width embeddings, and a Qwen2 text model.

Follows `modeling_ovis2.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config

#: Ovis2VisionConfig's defaults (transformers 5.23).
OVIS2_VISION = Family(
    "ovis2_vision",
    {
        "hidden_size": 1024,
        "intermediate_size": 2816,
        "num_hidden_layers": 24,
        "num_attention_heads": 8,
        "num_channels": 3,
        "image_size": 224,
        "patch_size": 14,
        "qkv_bias": False,
        "mlp_bias": False,
        "vocab_size": 16384,
        "hidden_stride": 1,
        "num_visual_indicator_tokens": 5,
    },
    (),
)


def visual_tokenizer(v: HFConfig) -> dict[str, Any]:
    """Ovis2VisionTransformer: a biased Conv2d, a position per patch, an RMSNorm of the patch
    embeddings, RMSNorm blocks (qkv_bias on q, k, v and out_proj; a gated MLP with mlp_bias)
    and a final RMSNorm."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    # Ovis2VisionAttention refuses heads that do not split the width
    v.split_heads("num_attention_heads", heads, width)
    bias = v.boolean("qkv_bias")
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "pre_norm": True,
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": heads,
                    "qkv_bias": bias,
                    "o_bias": bias,
                },
                "ffn": {
                    "kind": "gated",
                    "intermediate_size": v.integer("intermediate_size"),
                    "bias": v.boolean("mlp_bias"),
                },
            },
        },
    }


def visual_head(v: HFConfig, hidden: int) -> list[dict[str, Any]]:
    """head_linear (hidden_stride^2 patches side by side -> the visual words that are not
    indicator tokens), head_norm (a LayerNorm) and the table of every visual word."""
    width, stride = v.integer("hidden_size"), v.integer("hidden_stride")
    vocab = v.integer("vocab_size")
    words = vocab - v.integer("num_visual_indicator_tokens", minimum=0)
    if words < 1:
        raise v.error(
            "num_visual_indicator_tokens", f"must leave visual words of vocab_size={vocab}"
        )
    return [
        {"kind": "linear", "role": "head_linear", "inputs": width * stride**2, "outputs": words},
        {"kind": "norm", "role": "head_norm", "width": words, "norm_type": "layernorm"},
        # probabilities over the visual words times the table: a linear map, stored (in, out)
        {
            "kind": "linear",
            "role": "visual_embeddings_table",
            "inputs": vocab,
            "outputs": hidden,
            "transposed": True,
        },
    ]


def ovis2(c: HFConfig) -> dict[str, Any]:
    """Ovis2ForConditionalGeneration: the visual tokenizer, the visual table (vision vocab_size
    x the top-level hidden_size) and a Qwen2 text model; the top-level tie_word_embeddings
    decides. An untied lm_head is top-level vocab_size x hidden_size, which paramcalc's text
    tower holds only when they are the text model's."""
    v = spec_config(c, "vision_config", OVIS2_VISION, {"num_visual_indicator_tokens": 5})
    tied = c.boolean("tie_word_embeddings")
    text = llama_named_text(c, "qwen2", tied)
    if not tied:
        for key in ("hidden_size", "vocab_size"):
            if c.integer(key) != text[key]:
                raise c.error(
                    key,
                    f"an untied lm_head of the top-level {key} ({c.integer(key)}) beside a text "
                    f"model of {key}={text[key]} is not supported",
                )
    side = -(-v.integer("image_size") // v.integer("patch_size") // v.integer("hidden_stride"))
    return {
        "text": text,
        "vision": visual_tokenizer(v),
        "projector": {"parts": visual_head(v, c.integer("hidden_size")), "image_tokens": side**2},
    }


def under_tokenizer(role: str) -> str:
    """A vision role's module under the visual tokenizer's transformer."""
    return f"model.vision_tower.transformer.{role}"


OVIS2 = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                "patch_embedding": under_tokenizer("embeddings.patch_embedding"),
                "position_embedding": under_tokenizer("embeddings.position_embedding"),
                "pre_norm": under_tokenizer("embeddings.rms_norm"),
                "encoder.layers": under_tokenizer("encoder.layers"),
                "post_norm": under_tokenizer("rms_norm"),
                "input_norm": "rms_norm1",
                "pre_ffn_norm": "rms_norm2",
                "attention": "attention",
                "attention.o_proj": "attention.out_proj",
                "ffn": "ffn",
                "ffn.up_proj": "ffn.up_proj",
                "ffn.down_proj": "ffn.down_proj",
            }
        ),
        "projector": Naming(
            {
                "head_linear": "model.vision_tower.head_linear",
                "head_norm": "model.vision_tower.head_norm",
                "visual_embeddings_table": "model.visual_embeddings_table",
            }
        ),
    },
)

FAMILIES = (
    Family(
        "ovis2",
        {
            "text_config": None,
            "vision_config": None,
            "vocab_size": 151643,
            "hidden_size": 1536,
            "tie_word_embeddings": True,
        },
        (ovis2,),
        naming=OVIS2,
    ),
)
