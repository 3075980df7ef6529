"""Kimi delta attention between latent-attention layers: Kimi Linear and Ling's bailing_hybrid.

Both put KDA layers and DeepSeek MLA layers under `self_attn`, then a gated MLP in the first
layers and a DeepSeek-style MoE (router `mlp.gate`, its score-correction bias a buffer, fused
experts, `mlp.shared_experts`) after, as `modeling_kimi_linear.py` and
`modeling_bailing_hybrid.py` of transformers 5.23 build them.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.hybrid import kinds_listed
from paramcalc.families.v2 import gated_mlp, mixed_layers

MIXER_KINDS = {"linear_attention", "full_attention"}
FFN_KINDS = {"dense", "sparse"}


def listed_or(c: HFConfig, key: str, allowed: set[str], default: list[str]) -> list[str]:
    """A per-layer kind list from the config, checked against the depth, else the default."""
    listed = kinds_listed(c, key, allowed)
    if listed is None:
        return default
    if len(listed) != len(default):
        raise c.error(key, f"has {len(listed)} entries for {len(default)} layers")
    return listed


def mla(c: HFConfig, **extra: Any) -> dict[str, Any]:
    """DeepSeek latent attention; attention_bias adds biases to the down projections and
    o_proj."""
    bias = c.boolean("attention_bias")
    return {
        "kind": "mla",
        "num_attention_heads": c.integer("num_attention_heads"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
        "qkv_bias": bias,
        "o_bias": bias,
        **extra,
    }


def ffns(c: HFConfig) -> dict[str, dict[str, Any]]:
    """The dense gated MLP and the MoE with n_shared_experts shared experts' width."""
    width = c.integer("moe_intermediate_size")
    return {
        "dense": gated_mlp(c.integer("intermediate_size")),
        "sparse": {
            "kind": "moe",
            "num_experts": c.integer("num_local_experts"),
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": width,
            "shared_expert_intermediate_size": width * c.integer("n_shared_experts"),
        },
    }


def dense_first(c: HFConfig, first: int, layers: int) -> list[str]:
    """mlp_layer_types, else dense below `first` and sparse from there."""
    default = ["dense" if i < first else "sparse" for i in range(layers)]
    return listed_or(c, "mlp_layer_types", FFN_KINDS, default)


def untied(fields: dict[str, Any]) -> dict[str, Any]:
    """Both causal-LM classes tie nothing (`_tied_weights_keys = {}`), whatever
    tie_word_embeddings says."""
    return {**fields, "text": {**fields["text"], "tie_word_embeddings": False}}


def kimi_linear_config(c: HFConfig) -> dict[str, Any]:
    """KimiLinearConfig.__post_init__: the checkpoint's linear_attn_config sub-dict wins over
    the linear_* fields."""
    sub = c.raw("linear_attn_config")
    if sub is None:
        return {}
    if not isinstance(sub, dict):
        raise c.error("linear_attn_config", f"must be a mapping, got {sub!r}")
    return sub


def kimi_layers(c: HFConfig, sub: dict[str, Any], layers: int) -> list[str]:
    """layer_types, else the 1-indexed full_attn_layers of linear_attn_config (every other
    layer KDA), else full attention on every fourth layer after the first."""
    default = ["full_attention" if i and i % 4 == 0 else "linear_attention" for i in range(layers)]
    if c.raw("layer_types") is None and "full_attn_layers" in sub and "kda_layers" in sub:
        full = sub["full_attn_layers"]
        if not isinstance(full, list) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= layers for i in full
        ):
            raise c.error("linear_attn_config", f"full_attn_layers must be layers 1..{layers}")
        default = ["full_attention" if i + 1 in full else "linear_attention" for i in range(layers)]
    return listed_or(c, "layer_types", MIXER_KINDS, default)


def sub_int(c: HFConfig, sub: dict[str, Any], key: str, field: str) -> int:
    """An integer of linear_attn_config, else the config's own field."""
    if key not in sub:
        return c.integer(field)
    value = sub[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise c.error("linear_attn_config", f"{key} must be a positive integer, got {value!r}")
    return value


def kimi_linear(c: HFConfig) -> dict[str, Any]:
    """KimiLinearDecoderLayer: KDA (low-rank forget and output gates) or MLA, then a gated MLP
    or the MoE; first_k_dense_replace (a keyword only, 1 by default) layers are dense."""
    layers, sub = c.integer("num_hidden_layers"), kimi_linear_config(c)
    head_dim = sub_int(c, sub, "head_dim", "linear_head_dim")
    mixers = {
        "linear_attention": {
            "kind": "kda",
            "num_heads": sub_int(c, sub, "num_heads", "linear_num_heads"),
            "head_dim": head_dim,
            "conv_kernel": sub_int(c, sub, "short_conv_kernel_size", "linear_conv_kernel_dim"),
            "gate_rank": head_dim,
            "a_log_broadcast": True,
        },
        "full_attention": mla(c, q_lora_rank=c.opt_int("q_lora_rank")),
    }
    mlps = dense_first(c, c.integer("first_k_dense_replace", minimum=0), layers)
    pairs = list(zip(kimi_layers(c, sub, layers), mlps, strict=True))
    return untied(mixed_layers(c, mixers, ffns(c), pairs))


def bailing_hybrid(c: HFConfig) -> dict[str, Any]:
    """BailingHybridDecoderLayer: KDA (full-width gates) or MLA with a plain q_proj and a gate
    per head, every layer_group_size-th layer MLA; dense MLPs below first_k_dense_replace."""
    layers = c.integer("num_hidden_layers")
    group = c.integer("layer_group_size")
    default = [
        "full_attention" if (i + 1) % group == 0 else "linear_attention" for i in range(layers)
    ]
    # BailingHybridConfig.__post_init__ copies head_dim, num_attention_heads and
    # short_conv_kernel_size to the linear_* attributes; linear_* keys in the file win.
    linear = {
        "kind": "kda",
        "num_heads": c.integer(
            "linear_num_heads" if c.has("linear_num_heads") else "num_attention_heads"
        ),
        "head_dim": c.integer("linear_head_dim" if c.has("linear_head_dim") else "head_dim"),
        "conv_kernel": c.integer(
            "linear_conv_kernel_dim"
            if c.has("linear_conv_kernel_dim")
            else "short_conv_kernel_size"
        ),
    }
    mixers = {"linear_attention": linear, "full_attention": mla(c, head_gate=True)}
    mlps = dense_first(c, c.integer("first_k_dense_replace", minimum=0), layers)
    pairs = list(zip(listed_or(c, "layer_types", MIXER_KINDS, default), mlps, strict=True))
    return untied(mixed_layers(c, mixers, ffns(c), pairs))


#: Both mixers sit under `self_attn`; the shared expert MLP is `mlp.shared_experts`.
KDA_HYBRID = Naming({"linear_attention": "self_attn", "ffn.shared_expert": "mlp.shared_experts"})
MOE_ALIASES = {
    "num_local_experts": ("num_experts",),
    "num_experts_per_tok": ("num_experts_per_token",),
    "n_shared_experts": ("num_shared_experts",),
}
MLA_DEFAULTS = {
    "kv_lora_rank": 512,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
    "qk_nope_head_dim": 128,
    "attention_bias": False,
    "tie_word_embeddings": False,
    "layer_types": None,
    "mlp_layer_types": None,
}

FAMILIES = (
    Family(
        "kimi_linear",
        {
            **MLA_DEFAULTS,
            "vocab_size": 163840,
            "hidden_size": 2304,
            "intermediate_size": 9216,
            "moe_intermediate_size": 1024,
            "num_hidden_layers": 27,
            "num_attention_heads": 32,
            "n_shared_experts": 1,
            "q_lora_rank": None,
            "num_experts_per_tok": 8,
            "num_local_experts": 256,
            "linear_head_dim": 128,
            "linear_num_heads": 32,
            "linear_conv_kernel_dim": 4,
            "linear_attn_config": None,
            # read from the keyword arguments by __post_init__ when mlp_layer_types is null
            "first_k_dense_replace": 1,
        },
        (kimi_linear,),
        aliases=MOE_ALIASES,
        naming=KDA_HYBRID,
        notes="each router's e_score_correction_bias is a buffer, not a parameter",
    ),
    Family(
        "bailing_hybrid",
        {
            **MLA_DEFAULTS,
            "vocab_size": 157184,
            "hidden_size": 2560,
            "intermediate_size": 6144,
            "moe_intermediate_size": 768,
            "num_hidden_layers": 42,
            "num_attention_heads": 32,
            "n_shared_experts": 1,
            "num_experts_per_tok": 8,
            "first_k_dense_replace": 2,
            "num_local_experts": 512,
            "head_dim": 128,
            "short_conv_kernel_size": 4,
            "layer_group_size": 6,
        },
        (bailing_hybrid,),
        aliases=MOE_ALIASES,
        naming=KDA_HYBRID,
        notes="each router's e_score_correction_bias is a buffer; checkpoints may also store "
        "num_mtp_layers multi-token-prediction layers, which transformers does not build",
    ),
)
