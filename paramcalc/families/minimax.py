"""MiniMax-Text-01 (`minimax`, schema v2): lightning (linear) attention layers between softmax
attention layers, every layer with a routed mixture of experts.

Each layer as `MiniMaxDecoderLayer` in transformers 5.23 builds it; the lightning mixer lives in
`core/rnn.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.hybrid import kinds_listed
from paramcalc.families.v2 import attention, mixed_layers

LAYER_KINDS = {"full_attention", "linear_attention"}


def minimax_layers(c: HFConfig, layers: int) -> list[str]:
    """MiniMaxConfig.__post_init__: layer_types, else full attention on even layers and
    lightning attention on odd ones."""
    listed = kinds_listed(c, "layer_types", LAYER_KINDS)
    if listed is None:
        return ["full_attention" if (i + 1) % 2 else "linear_attention" for i in range(layers)]
    if len(listed) != layers:
        raise c.error("layer_types", f"has {len(listed)} entries for {layers} layers")
    return listed


def minimax(c: HFConfig) -> dict[str, Any]:
    """MiniMaxDecoderLayer: input norm, lightning or softmax attention (no biases), the
    post-attention norm, then a MoE (router `gate`, stacked gated experts)."""
    if c.raw("sliding_window") is not None:
        # MiniMaxCache is a DynamicCache without the config: it keeps every token while the
        # attention slides, which paramcalc's memory and FLOPs cannot both say.
        raise c.error(
            "sliding_window", "is not supported for minimax (its cache keeps every token)"
        )
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    head_dim = c.opt_int("head_dim") or hidden // heads
    mixers = {
        "linear_attention": {"kind": "lightning", "num_heads": heads, "head_dim": head_dim},
        "full_attention": attention(c, head_dim=head_dim),
    }
    experts = c.integer("num_local_experts")
    ffns = {
        "moe": {
            "kind": "moe",
            "num_experts": experts,
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": c.integer("intermediate_size"),
        }
    }
    pairs = [(kind, "moe") for kind in minimax_layers(c, c.integer("num_hidden_layers"))]
    return mixed_layers(c, mixers, ffns, pairs)


#: MiniMaxForCausalLM: Llama's names; lightning attention under self_attn as well.
MINIMAX = Naming({"lightning": "self_attn"})

FAMILIES = (
    Family(
        "minimax",
        {
            "vocab_size": 32000,
            "hidden_size": 4096,
            "intermediate_size": 14336,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "head_dim": None,
            "tie_word_embeddings": False,
            "sliding_window": None,
            "num_experts_per_tok": 2,
            "num_local_experts": 8,
            "layer_types": None,
        },
        (minimax,),
        naming=MINIMAX,
        required=KV_HEADS,
    ),
)
