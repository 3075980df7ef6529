"""Inkling's language model (inkling_text) as transformers 5.23's InklingForCausalLM builds it.

Every layer is attention with short convolutions and a relative bias (`ConvRelativeAttention`),
full (`hybrid`) or over a sliding window (`hybrid_sliding`, with its own head counts and the
window as the bias's extent), then a dense MLP or a mixture of experts whose router also scores
the shared experts. The token embedding carries its own RMSNorm; the head is never tied
(`_tied_weights_keys = {}`). Multi-token-prediction layers are not built by the model.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.v2 import text_tower

#: InklingTextConfig's layer kinds: full attention and sliding-window attention.
ATTENTION_KINDS = ("hybrid", "hybrid_sliding")
MLP_KINDS = ("dense", "sparse")


def listed(c: HFConfig, key: str, kinds: tuple[str, ...], layers: int) -> list[str] | None:
    """A per-layer list of one of `kinds`, or None when the file leaves it null."""
    value = c.raw(key)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != layers or any(v not in kinds for v in value):
        raise c.error(key, f"must list one of {list(kinds)} per layer ({layers}), got {value!r}")
    return value


def attention_kinds(c: HFConfig, layers: int) -> list[str]:
    """InklingTextConfig.__post_init__: layer_types, else sliding for local_layer_ids (by
    default every layer but each sixth)."""
    kinds = listed(c, "layer_types", ATTENTION_KINDS, layers)
    if kinds is not None:
        return kinds
    local = set(c.int_list("local_layer_ids")) if c.raw("local_layer_ids") is not None else None
    if local is None:
        local = {i for i in range(layers) if (i + 1) % 6}
    return ["hybrid_sliding" if i in local else "hybrid" for i in range(layers)]


def mlp_kinds(c: HFConfig, layers: int) -> list[str]:
    """mlp_layer_types, else dense below the dense_mlp_idx keyword (default 0: all sparse)."""
    kinds = listed(c, "mlp_layer_types", MLP_KINDS, layers)
    if kinds is not None:
        return kinds
    first = c.integer("dense_mlp_idx", minimum=0)
    return ["dense" if i < first else "sparse" for i in range(layers)]


def widths(c: HFConfig) -> tuple[int, int]:
    """(dense MLP width, expert width): a dense_intermediate_size keyword makes
    intermediate_size the experts' width and itself the dense MLP's."""
    if c.raw("dense_intermediate_size") is not None:
        return c.integer("dense_intermediate_size"), c.integer("intermediate_size")
    return c.integer("intermediate_size"), c.integer("moe_intermediate_size")


def mixer(c: HFConfig, sliding: bool) -> dict[str, Any]:
    """InklingAttention of a full or sliding layer: the swa_ keys and the window in sliding
    ones, which is also the relative bias's extent there."""
    prefix = "swa_" if sliding else ""
    window = c.integer("sliding_window_size")
    return {
        "kind": "conv_relative",
        "num_attention_heads": c.integer(f"{prefix}num_attention_heads"),
        "num_key_value_heads": c.integer(f"{prefix}num_key_value_heads"),
        "head_dim": c.integer(f"{prefix}head_dim"),
        "qk_norm": "per_head",
        "d_rel": c.integer("d_rel"),
        "rel_extent": window if sliding else c.integer("rel_extent"),
        "conv_kernel": c.integer("conv_kernel_size"),
        "sliding_window": window if sliding else None,
    }


def ffn(c: HFConfig, kind: str) -> dict[str, Any]:
    """InklingMLP (with its global_scale) or InklingMoE."""
    dense, expert = widths(c)
    if kind == "dense":
        return {"kind": "scaled_gated", "intermediate_size": dense}
    experts = c.integer("n_routed_experts")
    top_k = c.integer("num_experts_per_tok")
    if top_k > experts:
        raise c.error("num_experts_per_tok", f"{top_k} exceeds n_routed_experts={experts}")
    return {
        "kind": "sink_moe",
        "num_experts": experts,
        "num_experts_per_tok": top_k,
        "moe_intermediate_size": expert,
        # the router slices its scores at -n_shared_experts: 0 would leave no routed score
        "num_shared_experts": c.integer("n_shared_experts"),
    }


def inkling_text(c: HFConfig) -> dict[str, Any]:
    """InklingDecoderLayer by layer: attention kind and MLP kind as the config lists them."""
    layers = c.integer("num_hidden_layers")
    pairs = list(zip(attention_kinds(c, layers), mlp_kinds(c, layers), strict=True))
    kinds = {
        f"{a}+{m}": {"mixer": mixer(c, a == "hybrid_sliding"), "ffn": ffn(c, m)}
        for a, m in dict.fromkeys(pairs)
    }
    tower = text_tower(
        c, kinds, [f"{a}+{m}" for a, m in pairs], embedding_norm=True, tie_word_embeddings=False
    )
    return {"text": tower}


def inkling2_mixer(c: HFConfig, sliding: bool) -> dict[str, Any]:
    """Inkling2SlidingAttention / Inkling2FullAttention: Inkling's attention with a gate and a
    sink per head, clip scales in place of q/k norms; full layers add dynamic k/v convolutions
    and read three normed inputs."""
    return {
        **mixer(c, sliding),
        "qk_norm": "none",
        "gate_proj": "per_channel",
        "sink_proj": True,
        "clip_scales": True,
        "dynamic_kv_conv": not sliding,
        "split_input_norms": not sliding,
    }


def inkling2_kinds(c: HFConfig, layers: int) -> list[str]:
    """Inkling2TextConfig.__post_init__: layer_types, else every sixth layer full."""
    kinds = listed(c, "layer_types", ATTENTION_KINDS, layers)
    if kinds is not None:
        return kinds
    return ["hybrid" if (i + 1) % 6 == 0 else "hybrid_sliding" for i in range(layers)]


def inkling2_text(c: HFConfig) -> dict[str, Any]:
    """Inkling2TextModel: sliding or full decoder layers, each with block attention residuals
    (none before the first layer's attention), an MoE in every layer, and the model's final
    residual query."""
    layers = c.integer("num_hidden_layers")
    experts, top_k = c.integer("n_routed_experts"), c.integer("num_experts_per_tok")
    if top_k > experts:
        raise c.error("num_experts_per_tok", f"{top_k} exceeds n_routed_experts={experts}")
    moe = {
        "kind": "moe",
        "num_experts": experts,
        "num_experts_per_tok": top_k,
        "moe_intermediate_size": c.integer("moe_intermediate_size"),
    }
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for i, kind in enumerate(inkling2_kinds(c, layers)):
        sliding = kind == "hybrid_sliding"
        queries = 0 if i == 0 else 1 if sliding else 3
        key = f"{kind}+first" if i == 0 else kind
        kinds[key] = {
            "mixer": inkling2_mixer(c, sliding),
            "ffn": moe,
            "norms": ["input", "pre_ffn"] if sliding else ["pre_ffn"],
            "extras": [{"kind": "block_residual", "attention_queries": queries}],
        }
        layer_kinds.append(key)
    tower = text_tower(
        c,
        kinds,
        layer_kinds,
        embedding_norm=True,
        tie_word_embeddings=False,
        extras=[{"kind": "final_block_residual"}],
    )
    return {"text": tower}


INKLING_TEXT = Naming(
    {
        "embedding_norm": "model.embed_tokens.embed_norm",
        # the decoder layer's residual convolutions sit beside self_attn, not inside it
        "attention.attn_sconv": "attn_sconv",
        "attention.mlp_sconv": "mlp_sconv",
    }
)

INKLING2_TEXT = Naming(
    {
        "embedding_norm": "model.embed_tokens.embed_norm",
        "attention.attn_sconv": "post_attention_convolution",
        "attention.mlp_sconv": "post_mlp_convolution",
        **{f"attention.{x}_input_norm": f"{x}_input_layernorm" for x in "qkv"},
        "final_input": "model.final_input",
    }
)

FAMILIES = (
    Family(
        "inkling_text",
        {
            "vocab_size": 201024,
            "hidden_size": 6144,
            "num_hidden_layers": 66,
            "num_attention_heads": 64,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "swa_num_attention_heads": 64,
            "swa_num_key_value_heads": 16,
            "swa_head_dim": 128,
            "sliding_window_size": 512,
            "d_rel": 16,
            "rel_extent": 1024,
            "local_layer_ids": None,
            "layer_types": None,
            "conv_kernel_size": 4,
            "mlp_layer_types": None,
            "intermediate_size": 24576,
            "moe_intermediate_size": 3072,
            "n_routed_experts": 256,
            "num_experts_per_tok": 6,
            "n_shared_experts": 2,
            # not a field of the class: the head is never tied, whatever a file says
            "tie_word_embeddings": False,
            # keywords __post_init__ pops (absent from the class's fields)
            "dense_mlp_idx": 0,
            "dense_intermediate_size": None,
        },
        (inkling_text,),
        aliases={
            "sliding_window_size": ("sliding_window",),
            "n_routed_experts": ("num_local_experts",),
            "conv_kernel_size": ("sconv_kernel_size",),
        },
        naming=INKLING_TEXT,
        required=KV_HEADS | {"swa_num_key_value_heads"},
    ),
    Family(
        "inkling2_text",
        {
            "vocab_size": 201024,
            "hidden_size": 4608,
            "num_hidden_layers": 48,
            "num_attention_heads": 48,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "swa_num_attention_heads": 48,
            "swa_num_key_value_heads": 8,
            "swa_head_dim": 128,
            "sliding_window_size": 1024,
            "d_rel": 16,
            "rel_extent": 1024,
            "layer_types": None,
            "conv_kernel_size": 4,
            "moe_intermediate_size": 2304,
            "n_routed_experts": 384,
            "num_experts_per_tok": 8,
            # not a field of the class: the head is never tied, whatever a file says
            "tie_word_embeddings": False,
        },
        (inkling2_text,),
        aliases={
            "sliding_window_size": ("sliding_window",),
            "n_routed_experts": ("num_local_experts",),
            "conv_kernel_size": ("sconv_kernel_size",),
            "moe_intermediate_size": ("intermediate_size",),
        },
        naming=INKLING2_TEXT,
        required=KV_HEADS | {"swa_num_key_value_heads"},
    ),
)
