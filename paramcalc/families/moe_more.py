"""More mixture-of-experts decoders: OLMoE, PhiMoE, Granite-MoE, FlexOlmo and their kin.

Tables hold the defaults of each config class in transformers 5.23.0 (`configuration_*.py`);
rules follow each `modeling_<family>.py`. Every one stores its routed experts as fused 3-D
tensors (`experts.gate_up_proj`, `experts.down_proj`) and routes every layer.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults as sizes
from paramcalc.families.moe import routed_experts
from paramcalc.families.rules import (
    attention_bias,
    fixed,
    head_dim_if_set,
    window_every_layer,
)
from paramcalc.families.rules import sizes as standard


def experts(key: str) -> Any:
    """Routed experts of intermediate_size in every layer, their count under `key`."""

    def rule(c: HFConfig) -> dict[str, Any]:
        return routed_experts(c, key)

    rule.__doc__ = f"routed experts ({key}) of intermediate_size in every layer."
    return rule


def olmoe_norms(c: HFConfig) -> dict[str, Any]:
    """OlmoeAttention: q_norm is hidden_size wide and k_norm (hidden_size // heads) x kv heads,
    whatever head_dim says; paramcalc's full q/k norms are heads x head_dim wide."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    if c.has("head_dim") and c.opt_int("head_dim") not in (None, hidden // heads):
        raise c.error(
            "head_dim",
            "OLMoE sizes its q/k norms from hidden_size // "
            "num_attention_heads: head_dim must equal it",
        )
    return {"qk_norm": "full"}


def lm_head_bias(c: HFConfig) -> dict[str, Any]:
    """PhimoeForCausalLM: lm_head has a bias when lm_head_bias is set."""
    return {"lm_head_bias": c.boolean("lm_head_bias")}


def granite_shared(c: HFConfig) -> dict[str, Any]:
    """GraniteMoeSharedDecoderLayer: a shared MLP beside the experts unless its width is 0."""
    return {"shared_expert_intermediate_size": c.integer("shared_intermediate_size", minimum=0)}


def ernie4_5(c: HFConfig) -> dict[str, Any]:
    """Ernie4_5Config.__post_init__ fills a null head_dim with hidden_size // heads; use_bias
    (null meaning none) reaches every attention and MLP projection."""
    bias = bool(c.opt_bool("use_bias"))
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    return {
        "head_dim": c.opt_int("head_dim") or hidden // heads,
        "qkv_bias": bias,
        "attention_out_bias": bias,
        "ffn_bias": bias,
    }


#: GraniteMoe: the MoE block is `block_sparse_moe` with its `router`; GraniteMoeShared adds
#: `shared_mlp` with gate and up fused in `input_linear`, down as `output_linear`.
GRANITE_MOE = Naming(
    {
        "ffn": "block_sparse_moe",
        "ffn.router": "block_sparse_moe.router",
        "ffn.shared_expert": "shared_mlp",
    },
    leaves={"ffn.shared_expert.down_proj": "output_linear"},
    fused={"ffn.shared_expert.input_linear": ("gate_proj", "up_proj")},
)
GRANITE_DEFAULTS = {
    **sizes(32000, 4096, 11008, 32, 32, None, 2048, False),
    "attention_bias": False,
    "num_local_experts": 8,
    "num_experts_per_tok": 2,
}
#: FlexOlmo keeps OLMo 2's block: norms after attention and after the MoE, none before.
OLMO2_NORMS = fixed(
    attention_input_norm=False,
    attention_output_norm=True,
    ffn_input_norm=False,
    ffn_output_norm=True,
)

FAMILIES = (
    # ERNIE 4.5 dense: the Llama block, here beside its MoE sibling's relatives.
    Family(
        "ernie4_5",
        {
            **sizes(103424, 1024, 3072, 18, 16, 2, 131072, True),
            "use_bias": False,
            "head_dim": 128,
        },
        (standard, ernie4_5),
    ),
    Family(
        "olmoe",
        {
            **sizes(50304, 2048, 2048, 16, 16, None, 4096, False),
            "attention_bias": False,
            "num_experts": 64,
            "num_experts_per_tok": 8,
        },
        (standard, attention_bias("attention_bias"), olmoe_norms, experts("num_experts")),
        aliases={"num_experts": ("num_local_experts",)},
    ),
    Family(
        "phimoe",
        {
            **sizes(32064, 4096, 6400, 32, 32, 8, 4096 * 32, False),
            "attention_bias": False,
            "lm_head_bias": False,
            "sliding_window": None,
            "num_local_experts": 16,
            "num_experts_per_tok": 2,
        },
        # PhimoeDecoderLayer: nn.LayerNorm (with bias) everywhere; the router is mlp.router.
        (
            standard,
            head_dim_if_set,
            attention_bias("attention_bias"),
            lm_head_bias,
            fixed(norm_type="layernorm"),
            window_every_layer,
            experts("num_local_experts"),
        ),
        naming=Naming({"ffn.router": "mlp.router"}),
        required=KV_HEADS,
    ),
    Family(
        "granitemoe",
        GRANITE_DEFAULTS,
        (standard, head_dim_if_set, attention_bias("attention_bias"), experts("num_local_experts")),
        naming=GRANITE_MOE,
    ),
    Family(
        "granitemoeshared",
        {**GRANITE_DEFAULTS, "shared_intermediate_size": 0},
        (
            standard,
            head_dim_if_set,
            attention_bias("attention_bias"),
            experts("num_local_experts"),
            granite_shared,
        ),
        naming=GRANITE_MOE,
    ),
    Family(
        "flex_olmo",
        {
            **sizes(100352, 4096, 11008, 32, 32, None, 4096, False),
            "attention_bias": False,
            "num_experts": 7,
            "num_experts_per_tok": 5,
        },
        # FlexOlmoAttention: q/k norms over all heads (heads x head_dim, kv x head_dim).
        (
            standard,
            head_dim_if_set,
            attention_bias("attention_bias"),
            OLMO2_NORMS,
            fixed(qk_norm="full"),
            experts("num_experts"),
        ),
        aliases={"num_experts": ("num_local_experts",)},
    ),
)
