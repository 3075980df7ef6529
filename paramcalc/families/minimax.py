"""MiniMax-Text-01 (`minimax`): lightning (linear) attention layers between softmax attention
layers, routed experts in every layer.

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_minimax.py` in transformers 5.23; defaults are MiniMaxConfig's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import routed_experts
from paramcalc.families.v2 import attention, mixed_layers

KINDS = ("full_attention", "linear_attention")


def minimax_kinds(c: HFConfig, layers: int) -> list[str]:
    """layer_types, else MiniMaxConfig.__post_init__'s: even layers full, odd ones linear."""
    listed = c.raw("layer_types")
    if listed is None:
        return [KINDS[i % 2] for i in range(layers)]
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - set(KINDS):
        raise c.error("layer_types", f"must list one of {list(KINDS)} per layer ({layers})")
    return listed


def minimax(c: HFConfig) -> dict[str, Any]:
    """MiniMaxDecoderLayer: MiniMaxAttention (no biases, the sliding window on every full
    layer when set) or MiniMaxLightningAttention by layer_types, then experts of
    intermediate_size; head_dim null means hidden_size // heads for both mixers."""
    layers = c.integer("num_hidden_layers")
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    head_dim = c.opt_int("head_dim") or hidden // heads
    mixers = {
        "full_attention": attention(
            c, head_dim=head_dim, sliding_window=c.opt_int("sliding_window")
        ),
        "linear_attention": {
            "kind": "lightning",
            "num_attention_heads": heads,
            "head_dim": head_dim,
        },
    }
    ffn = {
        "kind": "moe",
        **routed_experts(c, "num_local_experts"),
        "moe_intermediate_size": c.integer("intermediate_size"),
    }
    pairs = [(kind, "moe") for kind in minimax_kinds(c, layers)]
    return mixed_layers(c, mixers, {"moe": ffn}, pairs)


FAMILIES = (
    Family(
        "minimax",
        {
            **size_defaults(32000, 4096, 14336, 32, 32, 8, 4096 * 32, False),
            "head_dim": None,
            "sliding_window": None,
            "num_experts_per_tok": 2,
            "num_local_experts": 8,
            "layer_types": None,
        },
        (minimax,),
        aliases={"num_local_experts": ("num_experts",)},
        naming=Naming(),
        notes="lightning attention layers hold slope_rate and decay buffers (not parameters)",
        required=KV_HEADS,
    ),
)
