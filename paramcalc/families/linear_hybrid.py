"""Gated DeltaNet hybrids beyond Qwen3-Next: Qwen3.5 (dense and MoE) and OLMo Hybrid.

Their linear-attention layers are Qwen3-Next's gated DeltaNet with the input projections
stored otherwise (split in Qwen3.5, one per input in OLMo Hybrid), between attention layers,
each as its `modeling_<family>.py` in transformers 5.23 builds it.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.hybrid import kinds_listed, qwen3_next_mixers
from paramcalc.families.v2 import attention, gated_mlp, mixed_layers, text_tower

GDN_KINDS = {"linear_attention", "full_attention"}


def deltanet(c: HFConfig, projections: str) -> dict[str, Any]:
    """A gated DeltaNet mixer from the `linear_*` keys."""
    return {
        "kind": "gated_deltanet",
        "num_key_heads": c.integer("linear_num_key_heads"),
        "num_value_heads": c.integer("linear_num_value_heads"),
        "key_head_dim": c.integer("linear_key_head_dim"),
        "value_head_dim": c.integer("linear_value_head_dim"),
        "conv_kernel": c.integer("linear_conv_kernel_dim"),
        "projections": projections,
    }


def qwen3_5_mixers(c: HFConfig) -> dict[str, dict[str, Any]]:
    """Qwen3_5GatedDeltaNet (split projections) and Qwen3-Next's gated attention."""
    return {
        "linear_attention": deltanet(c, "split"),
        # Qwen3_5Attention is Qwen3NextAttention: q_proj also computes the output gate.
        "full_attention": attention(
            c,
            bias=c.boolean("attention_bias"),
            head_dim=c.integer("head_dim"),
            qk_norm="per_head",
            output_gate=True,
        ),
    }


def qwen3_5_text(c: HFConfig) -> dict[str, Any]:
    """Qwen3_5DecoderLayer: a DeltaNet or attention layer, then a gated MLP, in every layer."""
    layers = c.integer("num_hidden_layers")
    ffns = {"mlp": gated_mlp(c.integer("intermediate_size"))}
    pairs = [(mixer, "mlp") for mixer in qwen3_next_mixers(c, layers)]
    return mixed_layers(c, qwen3_5_mixers(c), ffns, pairs)


def qwen3_5_moe_text(c: HFConfig) -> dict[str, Any]:
    """Qwen3_5MoeDecoderLayer: every layer's feed-forward is the sparse MoE block (router, routed
    experts, a shared expert and its sigmoid gate)."""
    layers = c.integer("num_hidden_layers")
    moe = {
        "kind": "moe",
        "num_experts": c.integer("num_experts"),
        "num_experts_per_tok": c.integer("num_experts_per_tok"),
        "moe_intermediate_size": c.integer("moe_intermediate_size"),
        "shared_expert_intermediate_size": c.integer("shared_expert_intermediate_size"),
        "shared_expert_gate": True,
    }
    pairs = [(mixer, "moe") for mixer in qwen3_next_mixers(c, layers)]
    return mixed_layers(c, qwen3_5_mixers(c), {"moe": moe}, pairs)


def olmo_hybrid_layers(c: HFConfig, layers: int) -> list[str]:
    """OlmoHybridConfig.__post_init__: every fourth layer is attention (the last one when the
    stack is shorter), unless layer_types lists them."""
    listed = kinds_listed(c, "layer_types", GDN_KINDS)
    if listed is not None:
        if len(listed) != layers:
            raise c.error("layer_types", f"has {len(listed)} entries for {layers} layers")
        kinds = listed
    else:
        kinds = ["full_attention" if i % 4 == 3 else "linear_attention" for i in range(layers)]
        if "full_attention" not in kinds:
            kinds[-1] = "full_attention"
    # OlmoHybridConfig.validate_architecture: both kinds must occur.
    if set(kinds) != GDN_KINDS:
        raise c.error("layer_types", "must hold linear_attention and full_attention layers")
    return kinds


def olmo_hybrid_deltanet(c: HFConfig) -> dict[str, Any]:
    """OlmoHybridGatedDeltaNet with OlmoHybridConfig.__post_init__'s derived sizes: as many key
    and value heads as attention heads, keys 0.75 x hidden_size wide in all, values twice as
    wide as keys."""
    heads = c.integer("num_attention_heads")
    key_heads = c.opt_int("linear_num_key_heads") or heads
    key_dim = c.opt_int("linear_key_head_dim") or int(0.75 * c.integer("hidden_size") / key_heads)
    return {
        "kind": "gated_deltanet",
        "conv_kernel": c.integer("linear_conv_kernel_dim"),
        "projections": "separate",
        "num_key_heads": key_heads,
        "num_value_heads": c.opt_int("linear_num_value_heads") or heads,
        "key_head_dim": key_dim,
        "value_head_dim": c.opt_int("linear_value_head_dim") or 2 * key_dim,
    }


def olmo_hybrid(c: HFConfig) -> dict[str, Any]:
    """OlmoHybrid decoder layers: DeltaNet layers are pre-norm (input and pre-FFN norms);
    attention layers are OLMo 2's, with norms after the mixer and after the MLP and q/k norms
    over all heads."""
    layers = c.integer("num_hidden_layers")
    # OlmoHybridAttention: getattr(config, "head_dim", hidden_size // num_attention_heads)
    head_dim = c.opt_int("head_dim") if c.has("head_dim") else None
    bias = c.boolean("attention_bias")
    kinds: dict[str, dict[str, Any]] = {
        "linear_attention": {
            "mixer": olmo_hybrid_deltanet(c),
            "ffn": gated_mlp(c.integer("intermediate_size")),
        },
        "full_attention": {
            "mixer": attention(c, bias=bias, head_dim=head_dim, qk_norm="full"),
            "ffn": gated_mlp(c.integer("intermediate_size")),
            "norms": ["post_mixer", "post_ffn"],
        },
    }
    return {"text": text_tower(c, kinds, olmo_hybrid_layers(c, layers))}


#: OlmoHybridGatedDeltaNet calls its output projection o_proj and its gated norm o_norm.
OLMO_HYBRID = Naming(
    {
        "linear_attention.out_proj": "linear_attn.o_proj",
        "linear_attention.norm": "linear_attn.o_norm",
    }
)

QWEN3_5_TEXT_DEFAULTS = {
    "vocab_size": 248320,
    "hidden_size": 4096,
    "intermediate_size": 12288,
    "num_hidden_layers": 32,
    "num_attention_heads": 16,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "attention_bias": False,
    "tie_word_embeddings": False,
    "linear_conv_kernel_dim": 4,
    "linear_key_head_dim": 128,
    "linear_value_head_dim": 128,
    "linear_num_key_heads": 16,
    "linear_num_value_heads": 32,
    "layer_types": None,
    # popped from the keyword arguments by __post_init__ when layer_types is null
    "full_attention_interval": 4,
}

FAMILIES = (
    Family("qwen3_5_text", QWEN3_5_TEXT_DEFAULTS, (qwen3_5_text,), required=KV_HEADS),
    Family(
        "qwen3_5_moe_text",
        {
            **{k: v for k, v in QWEN3_5_TEXT_DEFAULTS.items() if k != "intermediate_size"},
            "hidden_size": 2048,
            "num_hidden_layers": 40,
            "num_key_value_heads": 2,
            "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 512,
            "num_experts_per_tok": 8,
            "num_experts": 256,
        },
        (qwen3_5_moe_text,),
        required=KV_HEADS,
    ),
    Family(
        "olmo_hybrid",
        {
            "vocab_size": 100352,
            "hidden_size": 3840,
            "intermediate_size": 11008,
            "num_hidden_layers": 32,
            "num_attention_heads": 30,
            "num_key_value_heads": None,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "layer_types": None,
            "linear_num_key_heads": None,
            "linear_num_value_heads": None,
            "linear_key_head_dim": None,
            "linear_value_head_dim": None,
            "linear_conv_kernel_dim": 4,
        },
        (olmo_hybrid,),
        naming=OLMO_HYBRID,
    ),
)
