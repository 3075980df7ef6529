"""Encoders with convolutions in their layers, as `AutoModel` builds them (transformers 5.23).

ConvBERT keeps ELECTRA's embeddings (every table and the LayerNorm at embedding_size, then
embeddings_project when it differs from hidden_size) and BERT's post-norm layers, but its
attention mixes num_attention_heads // head_ratio self-attention heads of half the usual width
with as many span-based dynamic convolution heads, and num_groups > 1 makes both MLP
projections grouped linear layers. ConvBertModel has no pooler. The table holds
ConvBertConfig's defaults; the build follows `modeling_convbert.py`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, table_rows
from paramcalc.families.encoders_v2 import ELECTRA_MLM, cross_attention


def convbert_attention(c: HFConfig) -> dict[str, Any]:
    """ConvBertSelfAttention: heads // head_ratio (at least one) attention heads of
    (hidden // heads) // 2, and as many dynamic convolution heads beside them."""
    hidden, ratio = c.integer("hidden_size"), c.integer("head_ratio")
    heads = max(c.integer("num_attention_heads") // ratio, 1)
    if hidden % heads:
        # ConvBertSelfAttention raises "hidden_size should be divisible by num_attention_heads"
        raise c.error("head_ratio", f"leaves {heads} heads, which must divide hidden_size={hidden}")
    if (hidden // heads) % 2:
        # the two halves (attention and convolution) side by side must be hidden_size wide
        # for the output projection; an odd head width loses a channel and the forward fails
        raise c.error(
            "head_ratio", f"leaves {heads} heads of odd width {hidden // heads}; ConvBERT halves it"
        )
    kernel = c.integer("conv_kernel_size")
    if kernel % 2 == 0:
        # SeparableConv1D pads kernel // 2 on each side: an even kernel yields one position
        # more than the query has, and the forward pass fails
        raise c.error("conv_kernel_size", f"must be odd, got {kernel}")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "head_dim": hidden // heads // 2,
        "qkv_bias": True,
        "o_bias": True,
        "span_conv": {"conv_kernel_size": kernel},
    }


def convbert_ffn(c: HFConfig) -> dict[str, Any]:
    """ConvBertIntermediate / ConvBertOutput: biased, grouped when num_groups > 1."""
    hidden, width, groups = (
        c.integer("hidden_size"),
        c.integer("intermediate_size"),
        c.integer("num_groups"),
    )
    if hidden % groups or width % groups:
        # GroupedLinearLayer would drop the remainder and its forward reshape fails
        raise c.error(
            "num_groups", f"{groups} must divide hidden_size={hidden} and intermediate_size={width}"
        )
    return {"kind": "mlp", "intermediate_size": width, "bias": True, "linear_groups": groups}


def convbert(c: HFConfig) -> dict[str, Any]:
    """ConvBertModel: ELECTRA's embeddings, post-norm layers of mixed attention, no pooler."""
    width, hidden = c.integer("embedding_size"), c.integer("hidden_size")
    projected: dict[str, Any] = (
        {"embedding_size": width, "embedding_projection": "in"} if width != hidden else {}
    )
    mixer, cross = convbert_attention(c), cross_attention(c)
    block = {
        "mixer": mixer,
        # ConvBertLayer's crossattention is a second ConvBertAttention, convolution included
        "cross_attention": mixer if cross else None,
        "ffn": convbert_ffn(c),
        "norms": ["post_mixer", "post_cross", "post_ffn"] if cross else ["post_mixer", "post_ffn"],
    }
    stack = {"num_hidden_layers": c.integer("num_hidden_layers"), "block": block}
    return {
        "text": {
            "vocab_size": c.integer("vocab_size"),
            "hidden_size": hidden,
            "position_embeddings": c.integer("max_position_embeddings"),
            "type_vocab_size": table_rows(c, "type_vocab_size"),
            "embedding_norm": True,
            "norm_type": "layernorm",
            "stacks": [{**stack, "final_norm": False}],
            "lm_head": False,
            **projected,
        }
    }


#: ConvBertSelfAttention's convolution modules beside query, key and value.
SPAN_LEAVES = {
    f"{mixer}.{role}": name
    for mixer in ("attention", "cross_attention")
    for role, name in (
        ("span_conv", "key_conv_attn_layer"),
        ("span_kernel", "conv_kernel_layer"),
        ("span_values", "conv_out_layer"),
    )
}
CONVBERT = Naming(
    {**BERT.names, "embedding_projection": "embeddings_project"}, {**BERT.leaves, **SPAN_LEAVES}
)

FAMILIES = (
    Family(
        "convbert",
        {
            **BERT_DEFAULTS,
            "embedding_size": 768,
            "head_ratio": 2,
            "conv_kernel_size": 9,
            "num_groups": 1,
        },
        (convbert,),
        naming=CONVBERT,
        notes="pre-training checkpoints also hold the generator head (generator_predictions.*, "
        "generator_lm_head.*), which AutoModel does not build",
        # ConvBertForMaskedLM copies ELECTRA's generator head
        mlm=replace(ELECTRA_MLM, prefix="convbert"),
    ),
)
