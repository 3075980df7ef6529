"""Mixture-of-experts decoders that are a known dense or MoE family plus a little: Granite-MoE
with sliding windows and sinks, Cohere 2's parallel block with experts, ERNIE 4.5's MoE and
Hunyuan's MoE.

Each record's rules build a schema v2 model (`paramcalc.families.v2`) following the family's
`modeling_<family>.py` in transformers 5.23; defaults are its config class's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.dense_v2 import set_head_dim
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe_more import GRANITE_MOE
from paramcalc.families.special_mla import mlp_kinds
from paramcalc.families.v2 import attention, gated_mlp, layer_spans, mixed_layers


def moe(c: HFConfig, experts: str, width: int, top_k: int | None = None) -> dict[str, Any]:
    """Routed experts (their count under `experts`) of `width`, a bias-free router."""
    return {
        "kind": "moe",
        "num_experts": c.integer(experts),
        "num_experts_per_tok": top_k or c.integer("num_experts_per_tok"),
        "moe_intermediate_size": width,
    }


def spans_mixers(c: HFConfig, mixer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The mixer as a full-attention and as a sliding-window layer."""
    return {
        "full_attention": mixer,
        "sliding_attention": {**mixer, "sliding_window": c.opt_int("sliding_window")},
    }


def granitemoe_swa(c: HFConfig) -> dict[str, Any]:
    """GraniteMoeSWADecoderLayer: Granite SWA attention (biases by attention_bias, a sink per
    head), every 4th layer from the first full; GraniteMoe experts of intermediate_size and a
    shared MLP unless shared_intermediate_size is 0."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(
        c, layers, ["sliding_attention" if i % 4 else "full_attention" for i in range(layers)]
    )
    mixer = attention(c, bias=c.boolean("attention_bias"), head_dim=set_head_dim(c), sinks=True)
    ffn = {
        **moe(c, "num_local_experts", c.integer("intermediate_size")),
        "shared_expert_intermediate_size": c.integer("shared_intermediate_size", minimum=0),
    }
    return mixed_layers(c, spans_mixers(c, mixer), {"moe": ffn}, ((s, "moe") for s in spans))


def cohere2_moe_spans(c: HFConfig, layers: int, first: int) -> list[str]:
    """Cohere2MoeConfig.__post_init__: the first_k_dense_replace dense layers slide but each
    prefix_dense_sliding_window_pattern-th, the others but each sliding_window_pattern-th."""
    prefix = c.integer("prefix_dense_sliding_window_pattern")
    every = c.integer("sliding_window_pattern")
    default = [
        "sliding_attention" if (i + 1) % prefix else "full_attention" for i in range(first)
    ] + [
        "sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers - first)
    ]
    return layer_spans(c, layers, default)


def cohere2_moe(c: HFConfig) -> dict[str, Any]:
    """Cohere2MoeDecoderLayer: one input norm feeds attention and the MLP in parallel; the MLP
    is dense (prefix_dense_intermediate_size) or routed experts of intermediate_size with
    num_shared_experts x intermediate_size shared; RMSNorm when rms_norm_eps is set, else a
    bias-free LayerNorm (one weight either way)."""
    layers = c.integer("num_hidden_layers")
    # first_k_dense_replace is no field: __post_init__ pops it from the kwargs (default 0).
    first = min(c.integer("first_k_dense_replace", minimum=0), layers)
    spans = cohere2_moe_spans(c, layers, first)
    mlps = mlp_kinds(c, layers, ["dense"] * first + ["sparse"] * (layers - first))
    width = c.integer("intermediate_size")
    mixer = attention(c, bias=c.boolean("attention_bias"), head_dim=c.integer("head_dim"))
    ffns = {
        "dense": gated_mlp(c.opt_int("prefix_dense_intermediate_size") or width),
        "sparse": {
            **moe(c, "num_experts", width),
            "shared_expert_intermediate_size": width * c.integer("num_shared_experts", minimum=0),
        },
    }
    norm = "rmsnorm" if c.raw("rms_norm_eps") is not None else "layernorm_no_bias"
    pairs = zip(spans, mlps, strict=True)
    return mixed_layers(c, spans_mixers(c, mixer), ffns, pairs, ["input"], norm_type=norm)


def ernie4_5_moe(c: HFConfig) -> dict[str, Any]:
    """Ernie4_5_MoeDecoderLayer: routed experts where (i + 1) % moe_layer_interval == 0 and i
    lies in [moe_layer_start_index, moe_layer_end_index] (-1: the last layer), else a dense MLP;
    use_bias reaches attention, dense and shared MLPs and lm_head, never the fused experts; the
    router holds e_score_correction_bias (1, E) as a parameter."""
    layers = c.integer("num_hidden_layers")
    start = c.integer("moe_layer_start_index", minimum=0)
    end = c.raw("moe_layer_end_index")
    end = layers - 1 if end == -1 else c.integer("moe_layer_end_index", minimum=0)
    every = c.integer("moe_layer_interval")
    bias = bool(c.opt_bool("use_bias"))
    width = c.integer("moe_intermediate_size")
    shared = c.integer("moe_num_shared_experts", minimum=0)
    ffns = {
        "dense": gated_mlp(c.integer("intermediate_size"), bias),
        "sparse": {
            **moe(c, "moe_num_experts", width, c.integer("moe_k")),
            "shared_expert_intermediate_size": width * shared,
            "shared_expert_bias": bias,
            "score_bias": "row",
        },
    }
    mlps = [
        "sparse" if (i + 1) % every == 0 and start <= i <= end else "dense" for i in range(layers)
    ]
    mixer = attention(c, bias=bias, head_dim=set_head_dim(c))
    model = mixed_layers(c, {"attention": mixer}, ffns, (("attention", m) for m in mlps))
    model["text"]["lm_head_bias"] = bias
    return model


def hunyuan_v1_moe(c: HFConfig) -> dict[str, Any]:
    """HunYuanMoEV1DecoderLayer: Hunyuan attention (per-head query/key norms, biases by
    attention_bias) and in every layer experts of intermediate_size beside a shared MLP of the
    same width; moe_topk may differ per layer (the expert count may not: the fused experts
    read it as one number)."""
    layers = c.integer("num_hidden_layers")
    top_k = c.raw("moe_topk")
    per_layer = top_k if isinstance(top_k, list) else [top_k] * layers
    if len(per_layer) != layers or any(
        isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in per_layer
    ):
        raise c.error("moe_topk", f"must be a positive integer or one per layer ({layers})")
    width = c.integer("intermediate_size")
    ffns = {
        str(k): {**moe(c, "num_experts", width, k), "shared_expert_intermediate_size": width}
        for k in set(per_layer)
    }
    mixer = attention(
        c, bias=c.boolean("attention_bias"), head_dim=c.integer("head_dim"), qk_norm="per_head"
    )
    return mixed_layers(c, {"attention": mixer}, ffns, (("attention", str(k)) for k in per_layer))


#: GraniteMoeSWA keeps GraniteMoeShared's names (block_sparse_moe, shared_mlp.input_linear).
GRANITE_MOE_SWA = GRANITE_MOE
#: Cohere 2 MoE: DeepSeek's `shared_experts`.
SHARED_EXPERTS = Naming({"ffn.shared_expert": "mlp.shared_experts"})
#: ERNIE 4.5 MoE: the router's score bias sits in its `moe_statics` module.
ERNIE_MOE = Naming(
    {
        "ffn.shared_expert": "mlp.shared_experts",
        "ffn.score_bias": "mlp.gate.moe_statics.e_score_correction_bias",
    }
)
#: HunYuanMoEV1: query/key_layernorm, the router is `mlp.gate.wg`, the shared MLP `shared_mlp`.
HUNYUAN_MOE = Naming(
    {
        "attention.q_norm": "self_attn.query_layernorm",
        "attention.k_norm": "self_attn.key_layernorm",
        "ffn.router": "mlp.gate.wg",
        "ffn.shared_expert": "mlp.shared_mlp",
    }
)

FAMILIES = (
    Family(
        "granitemoe_swa",
        {
            **size_defaults(32000, 4096, 11008, 32, 32, None, 2048, False),
            "attention_bias": False,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
            "shared_intermediate_size": 0,
            "sliding_window": 128,
            "layer_types": None,
        },
        (granitemoe_swa,),
        naming=GRANITE_MOE_SWA,
    ),
    Family(
        "cohere2_moe",
        {
            **size_defaults(256000, 8192, 22528, 40, 64, None, 8192, True),
            "head_dim": 128,
            "attention_bias": False,
            "sliding_window": 4096,
            "num_experts_per_tok": 2,
            "num_experts": 8,
            "num_shared_experts": 0,
            "layer_types": None,
            "mlp_layer_types": None,
            "prefix_dense_sliding_window_pattern": 1,
            "prefix_dense_intermediate_size": None,
            "rms_norm_eps": None,
            "sliding_window_pattern": 4,
            "first_k_dense_replace": 0,
        },
        (cohere2_moe,),
        naming=SHARED_EXPERTS,
    ),
    Family(
        "ernie4_5_moe",
        {
            **size_defaults(103424, 2560, 12288, 28, 20, 4, 131072, True),
            "use_bias": False,
            "moe_intermediate_size": 1536,
            "moe_k": 6,
            "moe_num_experts": 64,
            "moe_num_shared_experts": 2,
            "moe_layer_start_index": 1,
            "moe_layer_end_index": -1,
            "moe_layer_interval": 1,
        },
        (ernie4_5_moe,),
        aliases={"moe_num_experts": ("num_experts",), "moe_k": ("num_experts_per_tok",)},
        naming=ERNIE_MOE,
        required=KV_HEADS,
    ),
    Family(
        "hunyuan_v1_moe",
        {
            **size_defaults(290943, 4096, 11008, 32, 32, None, 2048, False),
            "attention_bias": False,
            "num_experts": 1,
            "moe_topk": 1,
            "head_dim": None,
        },
        # HunYuanMoEV1Attention reads config.head_dim as it is: a null one cannot be built.
        (hunyuan_v1_moe,),
        aliases={"num_experts": ("num_local_experts",), "moe_topk": ("num_experts_per_tok",)},
        naming=HUNYUAN_MOE,
    ),
)
