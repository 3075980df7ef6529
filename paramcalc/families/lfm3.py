"""LFM3 (`lfm3`, schema v2): LFM2's short convolutions beside full and sliding-window attention
with a sigmoid gate per head, sandwich norms around both halves of each layer.

Each layer as `Lfm3DecoderLayer` in transformers 5.23 builds it.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.hybrid_more import LFM2
from paramcalc.families.v2 import attention, gated_mlp, text_tower

LAYER_KINDS = ("conv", "full_attention", "sliding_attention")


def lfm3_layers(c: HFConfig, layers: int) -> list[str]:
    """Lfm3Config.__post_init__: layer_types, else full attention where i % 4 == 2, a sliding
    window where i % 4 == 0 (but layer 0) and a short convolution elsewhere."""
    listed = c.raw("layer_types")
    if listed is None:
        return [
            "full_attention" if i % 4 == 2 else "sliding_attention" if i % 4 == 0 and i else "conv"
            for i in range(layers)
        ]
    if (
        not isinstance(listed, list)
        or len(listed) != layers
        or any(not isinstance(v, str) or v not in LAYER_KINDS for v in listed)
    ):
        raise c.error(
            "layer_types", f"must list one of {', '.join(LAYER_KINDS)} per layer ({layers})"
        )
    return listed


def lfm3(c: HFConfig) -> dict[str, Any]:
    """Lfm3DecoderLayer: operator norm, a short convolution or gated attention with per-head
    q/k norms, then the MLP (w1, w3, w2); post-operator and post-FFN norms with
    use_sandwich_norm."""
    layers = c.integer("num_hidden_layers")
    window = c.opt_int("sliding_window")
    bias, gate = c.boolean("attention_bias"), c.boolean("use_attention_gate")

    def attn(sliding: bool) -> dict[str, Any]:
        return attention(
            c,
            bias=bias,
            head_dim=c.integer("head_dim"),
            qk_norm="per_head",
            head_gate=gate,
            sliding_window=window if sliding else None,
        )

    mixers = {
        "conv": {
            "kind": "short_conv",
            "conv_kernel": c.integer("conv_L_cache"),
            "bias": c.boolean("conv_bias"),
        },
        "full_attention": attn(False),
        "sliding_attention": attn(True),
    }
    norms = ["input", "post_mixer", "pre_ffn", "post_ffn"]
    if not c.boolean("use_sandwich_norm"):
        norms = ["input", "pre_ffn"]
    ffn = gated_mlp(c.integer("intermediate_size"))
    kinds = {k: {"mixer": m, "ffn": ffn, "norms": norms} for k, m in mixers.items()}
    return {"text": text_tower(c, kinds, lfm3_layers(c, layers))}


#: Lfm3ForCausalLM: LFM2's layer names (operator_norm, conv, feed_forward.w1/w3/w2, the final
#: norm `embedding_norm`), but attention's own o_proj, q_norm and k_norm, and sandwich norms.
LFM3 = Naming(
    {
        **{
            k: v
            for k, v in LFM2.names.items()
            if k not in ("attention.o_proj", "attention.q_norm", "attention.k_norm")
        },
        "post_mixer_norm": "post_operator_norm",
        "post_ffn_norm": "post_ffn_norm",
    },
    leaves=LFM2.leaves,
)

FAMILIES = (
    Family(
        "lfm3",
        {
            "vocab_size": 128_000,
            "hidden_size": 2048,
            "intermediate_size": 7680,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "num_key_value_heads": 4,
            "tie_word_embeddings": True,
            "conv_bias": False,
            "conv_L_cache": 7,
            "layer_types": None,
            "head_dim": 128,
            "sliding_window": 256,
            "use_sandwich_norm": True,
            "use_attention_gate": True,
            "attention_bias": False,
        },
        (lfm3,),
        naming=LFM3,
        required=KV_HEADS,
    ),
)
