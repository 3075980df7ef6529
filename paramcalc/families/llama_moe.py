"""Llama-like decoders with a mixture of experts in every layer (Solar Open).

Defaults are the config class's in transformers 5.23.0; the rule follows the family's
`modeling_<family>.py`. Experts are stacked 3-D tensors there (`experts.gate_up_proj`).
"""

from __future__ import annotations

from typing import Any

from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import DEEPSEEK, routed_experts
from paramcalc.families.rules import head_dim


def solar_open(c: HFConfig) -> dict[str, Any]:
    """SolarOpenMoE in every layer: a bias-free router, routed experts and one shared MLP of
    moe_intermediate_size x n_shared_experts; SolarOpenAttention biases q/k/v only."""
    heads, width = c.integer("num_attention_heads"), c.integer("moe_intermediate_size")
    sizes = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": heads,
        "num_key_value_heads": c.opt_int("num_key_value_heads") or heads,
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
    }
    return {
        **sizes,
        **routed_experts(c, "n_routed_experts", width),
        "intermediate_size": width,
        "shared_expert_intermediate_size": width * c.integer("n_shared_experts"),
        "qkv_bias": c.boolean("attention_bias"),
        "attention_out_bias": False,
    }


#: SolarOpenConfig has no intermediate_size (every layer is MoE).
SOLAR_SIZES = {
    k: v
    for k, v in size_defaults(196608, 4096, 0, 48, 64, 8, 131072, False).items()
    if k != "intermediate_size"
}

FAMILIES = (
    Family(
        "solar_open",
        {
            **SOLAR_SIZES,
            "head_dim": 128,
            "attention_bias": False,
            "moe_intermediate_size": 1280,
            "num_experts_per_tok": 8,
            "n_shared_experts": 1,
            "n_routed_experts": 128,
        },
        (head_dim, solar_open),
        # SolarOpenMoE: the router is `mlp.gate`, the shared MLP `mlp.shared_experts`.
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DEEPSEEK,
        notes="each router's e_score_correction_bias is a buffer, not a parameter",
        required=KV_HEADS,
    ),
)
