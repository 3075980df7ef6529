"""Mixture-of-experts decoders: Mixtral, Qwen2-MoE, Qwen3-MoE, DeepSeek-V2 and -V3.

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
`modeling_<family>.py`. Experts are fused 3-D tensors there (`experts.gate_up_proj`,
`experts.down_proj`), the same element count as separate gate/up/down projections, and none
has a bias. Which layers are MoE is resolved here into `mlp_only_layers`, so each family's own
rule is applied exactly.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig, attention_span, standard_sizes
from paramcalc.families.llama import size_defaults as sizes
from paramcalc.families.rules import head_dim_if_set

#: Why a width of 0 is refused: transformers builds the module all the same, with tensors of
#: zero elements in `named_parameters()`, and paramcalc's records hold no empty tensor.
EMPTY = "0 builds {} of zero-element tensors, which paramcalc does not list"


def shared_width(c: HFConfig, name: str) -> int:
    """A shared expert's width (or count) key, which must build a non-empty shared expert."""
    value = c.integer(name, minimum=0)
    if value == 0:
        raise c.error(name, EMPTY.format("a shared expert"))
    return value


def routed_experts(c: HFConfig, experts: str, width: int | None = None) -> dict[str, Any]:
    """Expert count, top-k and expert width; top-k must be known to count active parameters."""
    top_k = c.opt_int("num_experts_per_tok")
    if top_k is None:
        raise c.error(
            "num_experts_per_tok",
            "must be set for a mixture-of-experts model "
            "(experts each token is routed to), got None",
        )
    fields = {"num_experts": c.integer(experts), "num_experts_per_tok": top_k}
    return fields | ({"moe_intermediate_size": width} if width is not None else {})


def mixtral(c: HFConfig) -> dict[str, Any]:
    """MixtralSparseMoeBlock in every layer: router without bias, experts of intermediate_size."""
    return {
        **standard_sizes(c),
        **head_dim_if_set(c),
        **routed_experts(c, "num_local_experts"),
        **attention_span(c.opt_int("sliding_window"), None),
    }


def qwen_dense_layers(c: HFConfig) -> tuple[int, ...]:
    """Qwen2/3-MoE decoder layers: MoE unless listed in mlp_only_layers or off the sparse step."""
    layers, step = c.integer("num_hidden_layers"), c.integer("decoder_sparse_step")
    only = set(c.int_list("mlp_only_layers"))
    # modeling_qwen2_moe.Qwen2MoeDecoderLayer: (layer_idx + 1) % decoder_sparse_step == 0
    return tuple(i for i in range(layers) if i in only or (i + 1) % step)


def qwen_moe_ffn(c: HFConfig) -> dict[str, Any]:
    """Routed experts of moe_intermediate_size; with num_experts 0 every layer is dense."""
    if c.integer("num_experts", minimum=0) == 0:
        return {}
    return {
        **routed_experts(c, "num_experts", c.integer("moe_intermediate_size")),
        "mlp_only_layers": qwen_dense_layers(c),
    }


def qwen2_moe_span(c: HFConfig) -> dict[str, Any]:
    """Qwen2MoeConfig.__post_init__: odd-numbered layers below max_window_layers slide."""
    if not c.boolean("use_sliding_window"):
        return {}
    layers, below = c.integer("num_hidden_layers"), c.integer("max_window_layers", minimum=0)
    kinds = c.layer_types("layer_types", layers) or tuple(
        "sliding_attention" if (i + 1) % 2 and i < below else "full_attention"
        for i in range(layers)
    )
    return attention_span(c.opt_int("sliding_window"), kinds)


def qwen2_moe(c: HFConfig) -> dict[str, Any]:
    """Qwen2-MoE: qkv_bias on q/k/v; a shared expert with a sigmoid gate beside the routed ones."""
    fields = {
        **standard_sizes(c),
        **head_dim_if_set(c),
        "qkv_bias": c.boolean("qkv_bias"),
        **qwen_moe_ffn(c),
        **qwen2_moe_span(c),
    }
    if fields.get("num_experts") and len(fields["mlp_only_layers"]) < fields["num_hidden_layers"]:
        # Qwen2MoeSparseMoeBlock: shared_expert MLP and shared_expert_gate (hidden -> 1)
        fields["shared_expert_intermediate_size"] = shared_width(
            c, "shared_expert_intermediate_size"
        )
        fields["shared_expert_gate"] = True
    return fields


def qwen3_moe(c: HFConfig) -> dict[str, Any]:
    """Qwen3-MoE: Qwen3 attention (per-head q/k norms), routed experts only."""
    bias = c.boolean("attention_bias")
    window = c.opt_int("sliding_window") if c.boolean("use_sliding_window") else None
    return {
        **standard_sizes(c),
        **head_dim_if_set(c),
        "qk_norm": "per_head",
        "qkv_bias": bias,
        "attention_out_bias": bias,
        **qwen_moe_ffn(c),
        **attention_span(window, None),
    }


def deepseek(c: HFConfig, experts: str) -> dict[str, Any]:
    """DeepSeek MLA attention, dense first layers, routed plus shared experts."""
    bias = c.boolean("attention_bias")
    fields = {
        key: value for key, value in standard_sizes(c).items() if key != "num_key_value_heads"
    }  # MLA: one latent, no per-head K/V projections
    fields |= {
        "q_lora_rank": c.opt_int("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
        # DeepseekV2/V3Attention: attention_bias on q_a_proj, kv_a_proj_with_mqa and o_proj
        "qkv_bias": bias,
        "attention_out_bias": bias,
    }
    first_dense = c.integer("first_k_dense_replace", minimum=0)
    if first_dense >= fields["num_hidden_layers"]:
        return fields  # no MoE layer is built
    # DecoderLayer: MoE when layer_idx >= first_k_dense_replace; moe_layer_freq is not read
    width = c.integer("moe_intermediate_size")
    return (
        fields
        | routed_experts(c, experts, width)
        | {
            "first_k_dense_replace": first_dense,
            "shared_expert_intermediate_size": width * shared_width(c, "n_shared_experts"),
        }
    )


def deepseek_v2(c: HFConfig) -> dict[str, Any]:
    """DeepSeek-V2: mlp_bias reaches dense and shared MLPs but not the fused routed experts."""
    fields = deepseek(c, "n_routed_experts")
    if c.boolean("mlp_bias"):
        # DeepseekV2MLP (dense and shared) takes mlp_bias; the stacked routed experts never do.
        fields |= {"ffn_bias": True, "expert_bias": False}
    return fields


def deepseek_v3(c: HFConfig) -> dict[str, Any]:
    """DeepSeek-V3: as V2; the router's e_score_correction_bias is a buffer, not a parameter."""
    return deepseek(c, "n_routed_experts")


#: Mixtral checkpoints keep Mistral's MoE names (`block_sparse_moe.gate`, experts' w1 (gate),
#: w3 (up), w2 (down)); transformers 5.23 loads them into `mlp.gate` and stacked experts.
MIXTRAL = Naming(
    checkpoint_renames=(
        (r"\.block_sparse_moe\.gate\.", ".mlp.gate."),
        (r"\.block_sparse_moe\.experts\.(\d+)\.w1\.", r".mlp.experts.\1.gate_proj."),
        (r"\.block_sparse_moe\.experts\.(\d+)\.w3\.", r".mlp.experts.\1.up_proj."),
        (r"\.block_sparse_moe\.experts\.(\d+)\.w2\.", r".mlp.experts.\1.down_proj."),
    )
)
#: DeepSeek calls its shared expert MLP `shared_experts`.
DEEPSEEK = Naming({"ffn.shared_expert": "mlp.shared_experts"})

DEEPSEEK_MLA = {
    "kv_lora_rank": 512,
    "q_lora_rank": 1536,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
    "attention_bias": False,
}

FAMILIES = (
    Family(
        "mixtral",
        {
            **sizes(32000, 4096, 14336, 32, 32, 8, 4096 * 32, False),
            "sliding_window": None,
            "num_experts_per_tok": 2,
            "num_local_experts": 8,
        },
        (mixtral,),
        aliases={"num_local_experts": ("num_experts",)},
        naming=MIXTRAL,
        required=KV_HEADS,
    ),
    Family(
        "qwen2_moe",
        {
            **sizes(151936, 2048, 5632, 24, 16, 16, 32768, False),
            "use_sliding_window": False,
            "sliding_window": 4096,
            "max_window_layers": 28,
            "layer_types": None,
            "qkv_bias": True,
            "decoder_sparse_step": 1,
            "moe_intermediate_size": 1408,
            "shared_expert_intermediate_size": 5632,
            "num_experts_per_tok": 4,
            "num_experts": 60,
            "mlp_only_layers": None,
        },
        (qwen2_moe,),
        required=KV_HEADS,
    ),
    Family(
        "qwen3_moe",
        {
            **sizes(151936, 2048, 6144, 24, 32, 4, 32768, False),
            "attention_bias": False,
            "use_sliding_window": False,
            "sliding_window": 4096,
            "decoder_sparse_step": 1,
            "moe_intermediate_size": 768,
            "num_experts_per_tok": 8,
            "num_experts": 128,
            "mlp_only_layers": None,
        },
        (qwen3_moe,),
        aliases={"num_experts": ("num_local_experts",)},
        required=KV_HEADS,
    ),
    Family(
        "deepseek_v2",
        {
            **sizes(102400, 4096, 11008, 32, 32, None, 2048, False),
            **DEEPSEEK_MLA,
            "mlp_bias": False,
            "first_k_dense_replace": 0,
            "n_routed_experts": 64,
            "n_shared_experts": 2,
            "num_experts_per_tok": None,
            "moe_intermediate_size": 1407,
        },
        (deepseek_v2,),
        aliases={"n_routed_experts": ("num_experts",)},
        naming=DEEPSEEK,
    ),
    Family(
        "deepseek_v3",
        {
            **sizes(129280, 7168, 18432, 61, 128, 128, 4096, False),
            **DEEPSEEK_MLA,
            "first_k_dense_replace": 3,
            "n_routed_experts": 256,
            "n_shared_experts": 1,
            "num_experts_per_tok": 8,
            "moe_intermediate_size": 2048,
        },
        (deepseek_v3,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DEEPSEEK,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers) and the multi-token-prediction layers (num_nextn_predict_layers),"
        " which transformers does not build",
    ),
)
