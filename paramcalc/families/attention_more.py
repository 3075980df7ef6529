"""Attention decoders written as the difference from a supported parent: Mellum and Beam
(Qwen3-MoE's parts with per-layer kinds), Aria's text model (an MoE beside shared experts) and
Cohere Compass's text model (Cohere 2 with full attention by default), Doge (attention with a
dynamic mask and scaled residuals).

Mellum and Beam list each layer's attention span (`layer_types`) and feed-forward
(`mlp_layer_types`: `dense` a gated MLP of intermediate_size, `sparse` the MoE block). Each
record's rules build a
schema v2 model (`paramcalc.families.v2`) following the family's `modeling_<family>.py` in
transformers 5.23; defaults are its config class's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.dense_v2 import COHERE, cohere_block, set_head_dim, windowed_kinds
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import routed_experts
from paramcalc.families.v2 import attention, gated_mlp, layer_spans, text_tower

SPANS = ("full_attention", "sliding_attention")
MLP_KINDS = ("dense", "sparse")


def per_layer(c: HFConfig, key: str, allowed: tuple[str, ...], default: list[str]) -> list[str]:
    """A per-layer kind list as the config gives it (checked), else the config class's default."""
    listed = c.raw(key)
    if listed is None:
        return default
    layers = c.integer("num_hidden_layers")
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - set(allowed):
        raise c.error(key, f"must list one of {list(allowed)} per layer ({layers})")
    return listed


def qwen3_moe_layers(
    c: HFConfig,
    mixer: dict[str, Any],
    layers: list[tuple[str, str]],
    experts: str,
    norms: tuple[str, ...] = ("input", "pre_ffn"),
) -> dict[str, Any]:
    """Layers of `mixer` over their (span, mlp kind), each with the MoE block or a dense gated
    MLP, and the given norms."""
    mixers = {
        "full_attention": mixer,
        "sliding_attention": {**mixer, "sliding_window": c.opt_int("sliding_window")},
    }
    moe = {"kind": "moe", **routed_experts(c, experts, c.integer("moe_intermediate_size"))}
    ffns = {"sparse": moe, "dense": gated_mlp(c.integer("intermediate_size"))}
    kinds = {
        f"{span}+{mlp}": {"mixer": mixers[span], "ffn": ffns[mlp], "norms": list(norms)}
        for span, mlp in layers
    }
    return {"text": text_tower(c, kinds, [f"{span}+{mlp}" for span, mlp in layers])}


def mellum(c: HFConfig) -> dict[str, Any]:
    """MellumDecoderLayer: Qwen3-MoE attention (per-head q/k norms, attention_bias on q/k/v/o);
    MellumConfig.__post_init__: every layer full and sparse unless listed. The MTP layer
    (num_mtp_layers) is not built (`mtp.` keys are ignored on loading)."""
    layers = c.integer("num_hidden_layers")
    mixer = attention(
        c, bias=c.boolean("attention_bias"), head_dim=c.integer("head_dim"), qk_norm="per_head"
    )
    spans = per_layer(c, "layer_types", SPANS, ["full_attention"] * layers)
    mlps = per_layer(c, "mlp_layer_types", MLP_KINDS, ["sparse"] * layers)
    return qwen3_moe_layers(c, mixer, list(zip(spans, mlps, strict=True)), "num_local_experts")


def beam_spans(layers: int) -> list[str]:
    """BeamConfig.__post_init__: every 6th layer and the last are full, the others slide."""
    spans = ["sliding_attention" if (i + 1) % 6 else "full_attention" for i in range(layers)]
    return spans[:-1] + ["full_attention"]


def beam(c: HFConfig) -> dict[str, Any]:
    """BeamAttention: Qwen3-MoE attention plus a sigmoid gate per head (gate_proj, gate_bias);
    BeamDecoderLayer: four norms (Gemma 2's layout); the first three layers dense by default.
    The router's e_score_correction_bias is a buffer."""
    layers = c.integer("num_hidden_layers")
    mixer = attention(
        c,
        bias=c.boolean("attention_bias"),
        head_dim=c.integer("head_dim"),
        qk_norm="per_head",
        gate_proj="per_channel",
        gate_head_bias=True,
    )
    spans = per_layer(c, "layer_types", SPANS, beam_spans(layers))
    dense = min(3, layers)
    mlps = per_layer(
        c, "mlp_layer_types", MLP_KINDS, ["dense"] * dense + ["sparse"] * (layers - dense)
    )
    norms = ("input", "post_mixer", "pre_ffn", "post_ffn")
    return qwen3_moe_layers(c, mixer, list(zip(spans, mlps, strict=True)), "num_experts", norms)


def aria_text(c: HFConfig) -> dict[str, Any]:
    """AriaTextDecoderLayer: Llama attention, then in every layer an MoE of intermediate_size
    experts beside shared experts (moe_num_shared_experts x intermediate_size wide, with
    mlp_bias); AriaTextConfig.__post_init__: a null head_dim is hidden_size // heads."""
    width = c.integer("intermediate_size")
    moe = {
        "kind": "moe",
        "num_experts": c.integer("moe_num_experts"),
        "num_experts_per_tok": c.integer("moe_topk"),
        "moe_intermediate_size": width,
        "shared_expert_intermediate_size": width * c.integer("moe_num_shared_experts"),
        "shared_expert_bias": c.boolean("mlp_bias"),
    }
    mixer = attention(c, bias=c.boolean("attention_bias"), head_dim=c.opt_int("head_dim"))
    layers = c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"block": {"mixer": mixer, "ffn": moe}}, ["block"] * layers)}


def cohere_compass_text(c: HFConfig) -> dict[str, Any]:
    """CohereCompassDecoderLayer: Cohere 2's parallel block (one bias-free LayerNorm feeding
    attention and the MLP); CohereCompassTextConfig.__post_init__: every layer full unless
    layer_types says otherwise (sliding layers use sliding_window)."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(c, layers, ["full_attention"] * layers)
    block = cohere_block(c, set_head_dim(c), "none")
    return {"text": text_tower(c, windowed_kinds(c, block), spans, norm_type="layernorm_no_bias")}


def doge(c: HFConfig) -> dict[str, Any]:
    """DogeDecoderLayer: attention with per-head q/k norms and a dynamic mask (A, dt_proj), a
    gated MLP (mlp_bias), and a learned scale on each residual branch. The sliding window (a
    mask, every layer) is config.sliding_window."""
    if c.boolean("is_moe"):
        raise c.error(
            "is_moe",
            "true builds DogeCDMoE, whose experts are rows of two embedding tables "
            "(up_embed, down_embed), which paramcalc cannot represent",
        )
    mixer = attention(
        c,
        bias=c.boolean("attention_bias"),
        head_dim=set_head_dim(c),
        qk_norm="per_head",
        dynamic_mask=True,
        sliding_window=c.opt_int("sliding_window"),
    )
    block = {
        "mixer": mixer,
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
        "scales": ["input_residual", "post_attention_residual"],
    }
    layers = c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"block": block}, ["block"] * layers)}


#: AriaTextMoELayer: `mlp.router`, stacked experts stored (E, in, out), `mlp.shared_experts`.
ARIA = Naming(
    {"ffn.router": "mlp.router", "ffn.shared_expert": "mlp.shared_experts"},
    experts_transposed=True,
)
#: Qwen3-MoE's fields beyond the sizes (its config class's defaults).
QWEN3_MOE = {
    "attention_bias": False,
    "num_experts_per_tok": 8,
    "layer_types": None,
    "mlp_layer_types": None,
}

FAMILIES = (
    Family(
        "mellum",
        {
            **size_defaults(98304, 2304, 7168, 28, 32, 4, 131072, False),
            **QWEN3_MOE,
            "head_dim": 128,
            "sliding_window": 1024,
            "num_local_experts": 64,
            "moe_intermediate_size": 896,
        },
        (mellum,),
        aliases={"num_local_experts": ("num_experts",)},
        notes="checkpoints may store a multi-token-prediction layer (mtp.*, num_mtp_layers), "
        "which transformers does not build",
        required=KV_HEADS,
    ),
    Family(
        "aria_text",
        {
            **size_defaults(32000, 4096, 4096, 32, 32, None, 2048, False),
            "head_dim": None,
            "attention_bias": False,
            "mlp_bias": False,
            "moe_num_experts": 8,
            "moe_topk": 2,
            "moe_num_shared_experts": 2,
        },
        (aria_text,),
        naming=ARIA,
    ),
    Family(
        "cohere_compass_text",
        {**COHERE, "sliding_window": 4096, "layer_types": None},
        (cohere_compass_text,),
    ),
    Family(
        "doge",
        {
            **size_defaults(32768, 1024, 2048, 32, 8, None, 2048, False),
            "attention_bias": False,
            "mlp_bias": False,
            "sliding_window": None,
            "is_moe": False,
        },
        (doge,),
    ),
    Family(
        "beam",
        {
            **size_defaults(151936, 5120, 20480, 52, 48, 8, 8192, False),
            **QWEN3_MOE,
            "head_dim": 128,
            "sliding_window": 512,
            "num_experts": 256,
            "moe_intermediate_size": 2560,
        },
        (beam,),
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers)",
        required=KV_HEADS,
    ),
)
