"""JetMoE (`jetmoe`): a mixture of attention heads (routed query/output projection experts
around one shared key/value projection) and a mixture of MLP experts, both with their own
router and output bias.

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_jetmoe.py` in transformers 5.23; defaults are JetMoeConfig's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import routed_experts
from paramcalc.families.v2 import text_tower


def jetmoe(c: HFConfig) -> dict[str, Any]:
    """JetMoeDecoderLayer: JetMoeAttention (num_local_experts query/output experts of
    num_key_value_heads x kv_channels, num_experts_per_tok per token; JetMoeConfig sets
    num_attention_heads to their product whatever the file says) and JetMoeMoE (experts of
    intermediate_size, gate and up fused)."""
    routed = routed_experts(c, "num_local_experts")
    kv, top_k = c.integer("num_key_value_heads"), routed["num_experts_per_tok"]
    mixer = {
        "kind": "attention",
        "num_attention_heads": kv * top_k,
        "num_key_value_heads": kv,
        "head_dim": c.integer("kv_channels"),
        "query_experts": routed["num_experts"],
    }
    ffn = {
        "kind": "moe",
        **routed,
        "moe_intermediate_size": c.integer("intermediate_size"),
        "output_bias": True,
    }
    layers = c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"block": {"mixer": mixer, "ffn": ffn}}, ["block"] * layers)}


#: JetMoe: `self_attention`, experts as `input_linear` / `output_linear` under `mlp`, routers
#: `router.layer`.
JETMOE = Naming(
    {"attention": "self_attention", "ffn.experts": "mlp", "ffn.router": "mlp.router.layer"},
    expert_weights={"gate_up_proj": "input_linear.weight", "down_proj": "output_linear.weight"},
)

FAMILIES = (
    Family(
        "jetmoe",
        {
            **size_defaults(32000, 2048, 5632, 12, 32, 16, 4096, True),
            "kv_channels": 128,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
        },
        (jetmoe,),
        aliases={"kv_channels": ("head_dim",)},
        naming=JETMOE,
        required=KV_HEADS,
    ),
)
