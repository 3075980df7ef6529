"""Mixture-of-experts decoders whose attention output passes a gate of its own projection:
AFMoE (Arcee's Trinity) and Laguna, which builds on it with per-layer head counts.

Each record's rules build a schema v2 model (`paramcalc.families.v2`) following the family's
`modeling_<family>.py` in transformers 5.23; defaults are its config class's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import shared_width
from paramcalc.families.moe_windows import moe
from paramcalc.families.special_mla import mlp_kinds
from paramcalc.families.v2 import attention, gated_mlp, layer_spans, mixed_layers


def sigmoid_moe(c: HFConfig, shared: str, shared_times: int) -> dict[str, Any]:
    """Routed experts of moe_intermediate_size with a score bias (E,) held as a parameter and
    an always-built shared MLP of `shared` x shared_times (0 builds empty tensors: refused)."""
    width = c.integer("moe_intermediate_size")
    return {
        **moe(c, "num_experts", width),
        "shared_expert_intermediate_size": shared_width(c, shared) * shared_times,
        "score_bias": "vector",
    }


def afmoe(c: HFConfig) -> dict[str, Any]:
    """AfmoeDecoderLayer: norms before and after both attention and MLP; attention with
    per-head q/k norms and a sigmoid gate_proj (heads x head_dim) on its output; a dense MLP in
    the first num_dense_layers, then routed experts beside num_shared_experts shared ones.
    AfmoeConfig.__post_init__: every global_attn_every_n_layers-th layer is full, others slide."""
    layers = c.integer("num_hidden_layers")
    every = c.integer("global_attn_every_n_layers")
    spans = layer_spans(
        c,
        layers,
        ["sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers)],
    )
    first = c.integer("num_dense_layers", minimum=0)
    mixer = attention(
        c,
        bias=c.boolean("attention_bias"),
        head_dim=c.integer("head_dim"),
        qk_norm="per_head",
        gate_proj="per_channel",
    )
    mixers = {
        "full_attention": mixer,
        "sliding_attention": {**mixer, "sliding_window": c.opt_int("sliding_window")},
    }
    ffns = {
        "dense": gated_mlp(c.integer("intermediate_size")),
        "sparse": sigmoid_moe(c, "num_shared_experts", c.integer("moe_intermediate_size")),
    }
    pairs = [(s, "dense" if i < first else "sparse") for i, s in enumerate(spans)]
    return mixed_layers(c, mixers, ffns, pairs, ["input", "post_mixer", "pre_ffn", "post_ffn"])


def laguna_heads(c: HFConfig, layers: int) -> list[int]:
    """num_attention_heads_per_layer as listed, else num_attention_heads in every layer."""
    listed = c.raw("num_attention_heads_per_layer")
    if listed is None:
        return [c.integer("num_attention_heads")] * layers
    if (
        not isinstance(listed, list)
        or len(listed) != layers
        or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in listed)
    ):
        raise c.error(
            "num_attention_heads_per_layer", f"must list a positive head count per layer ({layers})"
        )
    return listed


def laguna(c: HFConfig) -> dict[str, Any]:
    """LagunaDecoderLayer: AFMoE-style attention with each layer's own query head count and a
    softplus g_proj (one gate per head when gating is true or "per-head", else per channel);
    a dense MLP or routed experts with a shared MLP of shared_expert_intermediate_size by
    mlp_layer_types (default: the first layer dense). LagunaConfig.__post_init__: every layer
    is full attention unless layer_types says otherwise."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(c, layers, ["full_attention"] * layers)
    mlps = mlp_kinds(c, layers, ["dense"] + ["sparse"] * (layers - 1))
    gating = c.raw("gating")
    if not isinstance(gating, (bool, str)):
        raise c.error("gating", "must be true, false or a gating mode string")
    gate = "per_head" if gating is True or gating == "per-head" else "per_channel"
    heads = laguna_heads(c, layers)
    base = attention(
        c,
        bias=c.boolean("attention_bias"),
        head_dim=c.integer("head_dim"),
        qk_norm="per_head",
        gate_proj=gate,
    )
    window = c.opt_int("sliding_window")
    mixers = {
        f"{span}/{h}": {
            **base,
            "num_attention_heads": h,
            "sliding_window": window if span == "sliding_attention" else None,
        }
        for span, h in zip(spans, heads, strict=True)
    }
    ffns = {
        "dense": gated_mlp(c.integer("intermediate_size")),
        "sparse": sigmoid_moe(c, "shared_expert_intermediate_size", 1),
    }
    pairs = [(f"{s}/{h}", m) for s, h, m in zip(spans, heads, mlps, strict=True)]
    return mixed_layers(c, mixers, ffns, pairs)


#: AfmoeDecoderLayer's norms; its router is `mlp.router.gate`, its score bias `mlp.expert_bias`.
AFMOE = Naming(
    {
        "pre_ffn_norm": "pre_mlp_layernorm",
        "post_ffn_norm": "post_mlp_layernorm",
        "ffn.router": "mlp.router.gate",
        "ffn.shared_expert": "mlp.shared_experts",
        "ffn.score_bias": "mlp.expert_bias",
    }
)
#: LagunaAttention's gate is `g_proj`; the router `mlp.gate` holds e_score_correction_bias.
LAGUNA = Naming(
    {
        "attention.gate_proj": "self_attn.g_proj",
        "ffn.shared_expert": "mlp.shared_experts",
        "ffn.score_bias": "mlp.gate.e_score_correction_bias",
    }
)

FAMILIES = (
    Family(
        "afmoe",
        {
            **size_defaults(200192, 2048, 6144, 32, 16, None, 16384, False),
            "moe_intermediate_size": 1408,
            "num_dense_layers": 1,
            "head_dim": 128,
            "num_experts": 64,
            "num_experts_per_tok": 6,
            "num_shared_experts": 2,
            "global_attn_every_n_layers": 4,
            "sliding_window": 1024,
            "layer_types": None,
            "attention_bias": False,
        },
        (afmoe,),
        naming=AFMOE,
    ),
    Family(
        "laguna",
        {
            **size_defaults(100352, 2048, 8192, 40, 48, 8, 131072, False),
            "sliding_window": 512,
            "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 512,
            "num_experts_per_tok": 8,
            "num_experts": 256,
            "layer_types": None,
            "head_dim": 128,
            "attention_bias": False,
            "gating": True,
            "num_attention_heads_per_layer": None,
            "mlp_layer_types": None,
        },
        (laguna,),
        naming=LAGUNA,
        required=KV_HEADS,
    ),
)
