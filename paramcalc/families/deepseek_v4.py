"""DeepSeek-V4 (`deepseek_v4`): shared-KV sliding-window attention with sinks and a grouped
output projection, compressed in CSA layers (an overlapping compressor and a lightning indexer)
and HCA layers (a heavier compressor); routed experts beside one shared MLP in every layer;
manifold-constrained hyper-connections (mHC) of hc_mult streams around every sublayer.

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_deepseek_v4.py` in transformers 5.23; defaults are DeepseekV4Config's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import mixed_layers

CSA, HCA, SLIDING = (
    "compressed_sparse_attention",
    "heavily_compressed_attention",
    "sliding_attention",
)
#: DeepseekV4Config.__post_init__: legacy per-layer compress_ratios and the kinds they name.
RATIO_KINDS = {0: SLIDING, 4: CSA, 128: HCA}
MLP_KINDS = ("hash_moe", "moe")


def listed_kinds(c: HFConfig, key: str, allowed: tuple[str, ...], layers: int) -> list[str] | None:
    """A per-layer list validate_layer_type accepts (one allowed kind per layer), or None."""
    listed = c.raw(key)
    if listed is None:
        return None
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - set(allowed):
        raise c.error(key, f"must list one of {list(allowed)} for each of the {layers} layers")
    return listed


def v4_layer_types(c: HFConfig, layers: int) -> list[str]:
    """layer_types, else the legacy compress_ratios (0, 4 or 128 per layer, cut to the depth),
    else two HCA layers then CSA and HCA in turn."""
    listed = listed_kinds(c, "layer_types", (SLIDING, CSA, HCA), layers)
    if listed is not None:
        return listed
    ratios = c.raw("compress_ratios")
    if ratios is not None:
        if (
            not isinstance(ratios, list)
            or len(ratios) < layers
            or any(isinstance(r, bool) or r not in RATIO_KINDS for r in ratios)
        ):
            raise c.error("compress_ratios", f"must list 0, 4 or 128 for each of {layers} layers")
        return [RATIO_KINDS[r] for r in ratios][:layers]
    interleave = [CSA if i % 2 else HCA for i in range(max(layers - 2, 0))]
    return [HCA] * min(layers, 2) + interleave


def compress_rate(c: HFConfig, kind: str) -> int:
    """compress_rates[kind], after the legacy compress_rate_csa / compress_rate_hca."""
    legacy = {CSA: "compress_rate_csa", HCA: "compress_rate_hca"}[kind]
    rates = c.raw("compress_rates")
    if rates is None:
        rates = {CSA: 4, HCA: 128}
    if not isinstance(rates, dict):
        raise c.error("compress_rates", "must map attention kinds to their rates")
    key, rate = ("compress_rates", rates.get(kind))
    if c.raw(legacy) is not None:
        key, rate = legacy, c.raw(legacy)
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise c.error(key, f"must give {kind} a positive rate, got {rate!r}")
    return rate


def v4_attention(c: HFConfig, kind: str) -> dict[str, Any]:
    """DeepseekV4Attention with the compressor its layer type builds."""
    heads, head_dim, groups = (
        c.integer("num_attention_heads"),
        c.integer("head_dim"),
        c.integer("o_groups"),
    )
    if (heads * head_dim) % groups:
        raise c.error(
            "o_groups", f"must divide num_attention_heads x head_dim = {heads * head_dim}"
        )
    mixer: dict[str, Any] = {
        "kind": "compressed",
        "num_attention_heads": heads,
        "head_dim": head_dim,
        "q_lora_rank": c.integer("q_lora_rank"),
        "o_groups": groups,
        "o_lora_rank": c.integer("o_lora_rank"),
        "sliding_window": c.integer("sliding_window"),
        "layer_type": kind,
    }
    if kind == CSA:
        indexer = {
            "num_heads": c.integer("index_n_heads"),
            "head_dim": c.integer("index_head_dim"),
            "top_k": c.integer("index_topk"),
        }
        mixer["compressor"] = {"rate": compress_rate(c, CSA), "overlap": True, "indexer": indexer}
    elif kind == HCA:
        mixer["compressor"] = {"rate": compress_rate(c, HCA)}
    return mixer


def deepseek_v4(c: HFConfig) -> dict[str, Any]:
    """DeepseekV4DecoderLayer: attn_hc and ffn_hc (mHC over hc_mult streams) around the
    attention and the MoE: n_routed_experts of moe_intermediate_size (a hash_moe layer's router
    has the same weight, and a tid2eid buffer) beside one shared MLP as wide (mlp_bias);
    hc_head collapses the streams before the final norm."""
    layers = c.integer("num_hidden_layers")
    kinds = v4_layer_types(c, layers)
    listed_kinds(c, "mlp_layer_types", MLP_KINDS, layers)
    experts, top_k = c.integer("n_routed_experts"), c.integer("num_experts_per_tok")
    if top_k > experts:
        raise c.error("num_experts_per_tok", f"must be at most n_routed_experts={experts}")
    width = c.integer("moe_intermediate_size")
    moe = {
        "kind": "moe",
        "num_experts": experts,
        "num_experts_per_tok": top_k,
        "moe_intermediate_size": width,
        "shared_expert_intermediate_size": width,
        "shared_expert_bias": c.boolean("mlp_bias"),
    }
    mixers = {kind: v4_attention(c, kind) for kind in dict.fromkeys(kinds)}
    model = mixed_layers(c, mixers, {"moe": moe}, ((kind, "moe") for kind in kinds))
    streams = c.integer("hc_mult")
    stack = model["text"]["stacks"][0]
    for block in [stack["block"]] if "block" in stack else stack["kinds"].values():
        block["hyper_connections"] = streams
        block["hyper_mixing"] = True
    model["text"]["hyper_head"] = streams
    return model


#: DeepseekV4: the mixer's hyper-connection is `attn_hc`, the head `model.hc_head`.
DEEPSEEK_V4 = Naming(
    {
        "mixer_hc": "attn_hc",
        "hyper_head": "model.hc_head",
        "ffn.shared_expert": "mlp.shared_experts",
    }
)

FAMILIES = (
    Family(
        "deepseek_v4",
        {
            "vocab_size": 129280,
            "hidden_size": 4096,
            "moe_intermediate_size": 2048,
            "num_hidden_layers": 43,
            "num_attention_heads": 64,
            "head_dim": 512,
            "q_lora_rank": 1024,
            "num_experts_per_tok": 6,
            "n_routed_experts": 256,
            "tie_word_embeddings": False,
            "mlp_bias": False,
            "layer_types": None,
            "compress_rates": None,
            "mlp_layer_types": None,
            "hc_mult": 4,
            "sliding_window": 128,
            "o_groups": 8,
            "o_lora_rank": 1024,
            "index_n_heads": 64,
            "index_head_dim": 128,
            "index_topk": 512,
            # not fields: __post_init__ pops these legacy keywords
            "compress_ratios": None,
            "compress_rate_csa": None,
            "compress_rate_hca": None,
        },
        (deepseek_v4,),
        aliases={
            "n_routed_experts": ("num_local_experts",),
            "moe_intermediate_size": ("intermediate_size",),
        },
        naming=DEEPSEEK_V4,
        notes="checkpoints also store each top-k router's e_score_correction_bias and each "
        "hash router's tid2eid table (buffers in transformers, not parameters), and the "
        "multi-token-prediction layers, which transformers does not build",
    ),
)
