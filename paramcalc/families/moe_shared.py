"""Mixture-of-experts decoders with DeepSeek-style blocks: dense first layers, then a router
(`mlp.gate`), fused routed experts and a shared expert MLP (`mlp.shared_experts`).

GLM-4.5 (glm4_moe), MiniMax-M2, EXAONE-MoE and Hunyuan (hy_v3). Tables hold the defaults of each
config class in transformers 5.23.0; rules follow each `modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig, attention_span
from paramcalc.families.llama import size_defaults as sizes
from paramcalc.families.moe import routed_experts
from paramcalc.families.moe_more import experts
from paramcalc.families.rules import attention_bias, fixed, head_dim
from paramcalc.families.rules import sizes as standard


def mlp_kinds(c: HFConfig, default: list[str]) -> tuple[int, ...]:
    """The dense layers of `mlp_layer_types` ("dense" / "sparse" per layer), else of `default`."""
    layers = c.integer("num_hidden_layers")
    listed = c.raw("mlp_layer_types")
    kinds = default if listed is None else listed
    if not isinstance(kinds, list) or len(kinds) != layers or set(kinds) - {"dense", "sparse"}:
        raise c.error("mlp_layer_types", f"must list 'dense' or 'sparse' per layer ({layers})")
    return tuple(i for i, kind in enumerate(kinds) if kind == "dense")


def first_dense(c: HFConfig, count: str) -> list[str]:
    """The first `count` layers dense, the rest sparse (the configs' default mlp_layer_types)."""
    first = c.integer(count, minimum=0)
    return ["dense" if i < first else "sparse" for i in range(c.integer("num_hidden_layers"))]


def floor_head_dim(c: HFConfig) -> dict[str, Any]:
    """`getattr(config, "head_dim", hidden_size // heads)`: the floor when widths do not divide
    (GLM-4.5's 96 heads over 4096)."""
    value = c.opt_int("head_dim") if c.has("head_dim") else None
    return {"head_dim": value or c.integer("hidden_size") // c.integer("num_attention_heads")}


def glm4_moe(c: HFConfig) -> dict[str, Any]:
    """Glm4MoeDecoderLayer: q/k/v biased by attention_bias (never o_proj), optional per-head q/k
    norms, dense below first_k_dense_replace, then routed plus shared experts."""
    width = c.integer("moe_intermediate_size")
    return {
        "qkv_bias": c.boolean("attention_bias"),
        "qk_norm": "per_head" if c.boolean("use_qk_norm") else "none",
        **routed_experts(c, "n_routed_experts", width),
        "first_k_dense_replace": c.integer("first_k_dense_replace", minimum=0),
        "shared_expert_intermediate_size": width * c.integer("n_shared_experts", minimum=0),
    }


def exaone_moe(c: HFConfig) -> dict[str, Any]:
    """ExaoneMoeDecoderLayer: per-head q/k norms, no biases, a dense MLP or routed plus shared
    experts per mlp_layer_types; sliding layers every sliding_window_pattern."""
    width = c.integer("moe_intermediate_size")
    fields = {
        "qk_norm": "per_head",
        **routed_experts(c, "num_experts", width),
        "mlp_only_layers": mlp_kinds(c, first_dense(c, "first_k_dense_replace")),
        "shared_expert_intermediate_size": width * c.integer("num_shared_experts", minimum=0),
    }
    window = c.opt_int("sliding_window")
    layers = c.integer("num_hidden_layers")
    kinds = c.layer_types("layer_types", layers)
    if window is not None and kinds is None:
        period = c.raw("sliding_window_pattern")
        if isinstance(period, bool) or not isinstance(period, int) or period < 1:
            raise c.error(
                "sliding_window_pattern",
                "must be a positive integer (the period of "
                "full-attention layers) when layer_types is not given",
            )
        kinds = tuple(
            "sliding_attention" if (i + 1) % period else "full_attention" for i in range(layers)
        )
    return fields | attention_span(window, kinds)


def hy_v3(c: HFConfig) -> dict[str, Any]:
    """HYV3DecoderLayer: per-head q/k norms, a dense MLP or routed plus shared experts per
    mlp_layer_types; mlp_bias reaches dense and shared MLPs, never the fused experts."""
    width = c.integer("moe_intermediate_size")
    shared = c.integer("num_shared_experts", minimum=0)
    return {
        "qk_norm": "per_head",
        **routed_experts(c, "num_experts", width),
        "mlp_only_layers": mlp_kinds(c, first_dense_one(c)),
        # HYV3MLP: `intermediate_size or config.intermediate_size`, so 0 shared experts still
        # build a shared MLP of intermediate_size.
        "shared_expert_intermediate_size": width * shared or c.integer("intermediate_size"),
        "ffn_bias": c.boolean("mlp_bias"),
        "expert_bias": False,
    }


def first_dense_one(c: HFConfig) -> list[str]:
    """HYV3Config.__post_init__: the first layer dense, the rest sparse."""
    layers = c.integer("num_hidden_layers")
    return ["dense"] + ["sparse"] * (layers - 1)


def dots1(c: HFConfig) -> dict[str, Any]:
    """Dots1DecoderLayer: q/k/v/o biased by attention_bias, per-head q/k norms, dense below
    first_k_dense_replace, then routed plus shared experts; Qwen-style sliding layers."""
    width = c.integer("moe_intermediate_size")
    layers = c.integer("num_hidden_layers")
    window, first = c.opt_int("sliding_window"), c.integer("max_window_layers", minimum=0)
    kinds = c.layer_types("layer_types", layers) or tuple(
        "sliding_attention" if window is not None and i >= first else "full_attention"
        for i in range(layers)
    )
    return {
        "qk_norm": "per_head",
        **routed_experts(c, "n_routed_experts", width),
        "first_k_dense_replace": c.integer("first_k_dense_replace", minimum=0),
        "shared_expert_intermediate_size": width * c.integer("n_shared_experts", minimum=0),
        **attention_span(window, kinds),
    }


def glm4_moe_lite(c: HFConfig) -> dict[str, Any]:
    """Glm4MoeLiteDecoderLayer: DeepSeek MLA (attention_bias on q_a_proj, kv_a_proj_with_mqa and
    o_proj), a dense MLP or routed plus shared experts per mlp_layer_types."""
    width = c.integer("moe_intermediate_size")
    bias = c.boolean("attention_bias")
    sizes = {k: v for k, v in standard(c).items() if k != "num_key_value_heads"}
    return sizes | {
        "q_lora_rank": c.opt_int("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
        "qkv_bias": bias,
        "attention_out_bias": bias,
        **routed_experts(c, "n_routed_experts", width),
        "mlp_only_layers": mlp_kinds(c, first_dense_one(c)),
        "shared_expert_intermediate_size": width * c.integer("n_shared_experts", minimum=0),
    }


#: DeepSeek-style MoE blocks: `mlp.gate` routes, `mlp.shared_experts` is the shared MLP.
SHARED_EXPERTS = Naming({"ffn.shared_expert": "mlp.shared_experts"})
ROUTER_BUFFER = (
    "checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
    "transformers, not a parameter)"
)

FAMILIES = (
    Family(
        "dots1",
        {
            **sizes(152064, 4608, 10944, 62, 32, 32, 2048, False),
            "attention_bias": False,
            "moe_intermediate_size": 1408,
            "n_shared_experts": None,
            "n_routed_experts": None,
            "num_experts_per_tok": None,
            "first_k_dense_replace": 0,
            "sliding_window": 4096,
            "max_window_layers": 62,
            "layer_types": None,
        },
        (standard, floor_head_dim, attention_bias("attention_bias"), dots1),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=SHARED_EXPERTS,
        notes=ROUTER_BUFFER,
    ),
    Family(
        "glm4_moe_lite",
        {
            **sizes(154880, 2048, 10240, 47, 20, 20, 202752, False),
            "moe_intermediate_size": 1536,
            "n_shared_experts": 1,
            "n_routed_experts": 64,
            "num_experts_per_tok": 4,
            "kv_lora_rank": 512,
            "q_lora_rank": 768,
            "qk_rope_head_dim": 64,
            "v_head_dim": 256,
            "qk_nope_head_dim": 192,
            "mlp_layer_types": None,
            "attention_bias": False,
        },
        (glm4_moe_lite,),
        # Glm4MoeLiteConfig.attribute_map: head_dim stands for qk_rope_head_dim.
        aliases={"n_routed_experts": ("num_local_experts",), "qk_rope_head_dim": ("head_dim",)},
        naming=SHARED_EXPERTS,
        notes=ROUTER_BUFFER,
        required=KV_HEADS,
    ),
    Family(
        "glm4_moe",
        {
            **sizes(151552, 4096, 10944, 46, 96, 8, 131072, False),
            "attention_bias": False,
            "use_qk_norm": False,
            "moe_intermediate_size": 1408,
            "num_experts_per_tok": 8,
            "n_shared_experts": 1,
            "n_routed_experts": 128,
            "first_k_dense_replace": 1,
        },
        (standard, floor_head_dim, glm4_moe),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=SHARED_EXPERTS,
        notes=ROUTER_BUFFER + "; and the num_mtp_layers multi-token-prediction layers, which "
        "transformers does not build",
        required=KV_HEADS,
    ),
    Family(
        "minimax_m2",
        {
            **sizes(200064, 3072, 1536, 62, 48, 8, 196608, False),
            "head_dim": 128,
            "num_local_experts": 256,
            "num_experts_per_tok": 8,
        },
        # MiniMaxM2Attention: q/k norms over all heads; no biases anywhere.
        (standard, head_dim, fixed(qk_norm="full"), experts("num_local_experts")),
        aliases={"num_local_experts": ("num_experts",)},
        required=KV_HEADS,
    ),
    Family(
        "exaone_moe",
        {
            **sizes(102400, 4096, 16384, 32, 32, 32, 2048, False),
            "sliding_window": 4096,
            "sliding_window_pattern": 4,
            "layer_types": None,
            "mlp_layer_types": None,
            "first_k_dense_replace": 1,
            "moe_intermediate_size": 1024,
            "num_experts": 64,
            "num_experts_per_tok": 8,
            "num_shared_experts": 1,
        },
        (standard, floor_head_dim, exaone_moe),
        naming=SHARED_EXPERTS,
        notes=ROUTER_BUFFER,
        required=KV_HEADS,
    ),
    Family(
        "hy_v3",
        {
            **sizes(120832, 4096, 13312, 80, 64, 8, 131072, False),
            "head_dim": 128,
            "attention_bias": False,
            "mlp_bias": False,
            "num_experts": 192,
            "num_experts_per_tok": 8,
            "num_shared_experts": 1,
            "moe_intermediate_size": 1536,
            "mlp_layer_types": None,
        },
        (standard, head_dim, attention_bias("attention_bias"), hy_v3),
        aliases={"num_experts": ("num_local_experts",)},
        naming=SHARED_EXPERTS,
        notes=ROUTER_BUFFER,
        required=KV_HEADS,
    ),
)
