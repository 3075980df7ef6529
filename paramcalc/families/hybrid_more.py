"""State-space decoders and their hybrids with attention (schema v2 models).

Mamba and Mamba-2 stacks (`mamba`, `falcon_mamba`, `mamba2`) and the hybrids that put attention
layers between Mamba layers (Jamba, Bamba, Granite 4.0's `granitemoehybrid`), each block as
its `modeling_<family>.py` in transformers 5.23 builds it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.moe_more import GRANITE_MOE
from paramcalc.families.v2 import attention, gated_mlp, mixed_layers, text_tower


def dt_rank(c: HFConfig, key: str) -> int:
    """The time-step rank; "auto" is ceil(hidden_size / 16) (the config's __post_init__)."""
    if c.raw(key) == "auto":
        return -(-c.integer("hidden_size") // 16)
    return c.integer(key)


def mamba(c: HFConfig) -> dict[str, Any]:
    """MambaBlock: an RMSNorm and a Mamba mixer per layer (Falcon-Mamba's extra norms on dt, B
    and C hold no weights)."""
    # MambaConfig.__post_init__ sets intermediate_size = expand x hidden_size, but an
    # intermediate_size in the file is applied after it and wins.
    if c.has("intermediate_size"):
        inner = c.integer("intermediate_size")
    else:
        inner = c.integer("expand") * c.integer("hidden_size")
    mixer = {
        "kind": "mamba",
        "intermediate_size": inner,
        "state_size": c.integer("state_size"),
        "time_step_rank": dt_rank(c, "time_step_rank"),
        "conv_kernel": c.integer("conv_kernel"),
        "conv_bias": c.boolean("use_conv_bias"),
        "bias": c.boolean("use_bias"),
    }
    kinds = {"mamba": {"mixer": mixer, "norms": ["input"]}}
    return {"text": text_tower(c, kinds, ["mamba"] * c.integer("num_hidden_layers"))}


def jamba(c: HFConfig) -> dict[str, Any]:
    """Jamba{Mamba,Attention}DecoderLayer: attention where i % attn_layer_period is the offset,
    else Mamba with dt/B/C norms; routed experts where i % expert_layer_period is the offset
    (and num_experts > 1), else a gated MLP."""
    layers = c.integer("num_hidden_layers")
    attn_period, attn_offset = c.integer("attn_layer_period"), c.integer("attn_layer_offset", 0)
    moe_period, moe_offset = c.integer("expert_layer_period"), c.integer("expert_layer_offset", 0)
    if attn_offset >= attn_period:
        raise c.error("attn_layer_offset", f"must be below attn_layer_period={attn_period}")
    if moe_offset >= moe_period:
        raise c.error("expert_layer_offset", f"must be below expert_layer_period={moe_period}")
    width, experts = c.integer("intermediate_size"), c.integer("num_experts")
    mixers = {
        "mamba": {
            "kind": "mamba",
            "intermediate_size": c.integer("mamba_expand") * c.integer("hidden_size"),
            "state_size": c.integer("mamba_d_state"),
            "time_step_rank": dt_rank(c, "mamba_dt_rank"),
            "conv_kernel": c.integer("mamba_d_conv"),
            "conv_bias": c.boolean("mamba_conv_bias"),
            "bias": c.boolean("mamba_proj_bias"),
            "inner_norms": True,
        },
        "attention": attention_getattr_head_dim(c, False),
    }
    ffns = {
        "mlp": gated_mlp(width),
        "moe": {
            "kind": "moe",
            "num_experts": experts,
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": width,
        },
    }
    pairs = [
        (
            "attention" if i % attn_period == attn_offset else "mamba",
            "moe" if experts > 1 and i % moe_period == moe_offset else "mlp",
        )
        for i in range(layers)
    ]
    return mixed_layers(c, mixers, ffns, pairs)


#: JambaForCausalLM: `mamba` or `self_attn`, then `feed_forward` (its router `router`).
JAMBA = Naming(
    {
        "decoder.final_norm": "model.final_layernorm",
        "mamba": "mamba",
        "ffn": "feed_forward",
        "ffn.router": "feed_forward.router",
        "pre_ffn_norm": "pre_ff_layernorm",
    }
)
MAMBA_DEFAULTS = {
    "vocab_size": 50280,
    "hidden_size": 768,
    "state_size": 16,
    "num_hidden_layers": 32,
    "expand": 2,
    "conv_kernel": 4,
    "use_bias": False,
    "use_conv_bias": True,
    "time_step_rank": "auto",
    "tie_word_embeddings": True,
}


def mamba2_heads(c: HFConfig, expand: str, heads: str, head_dim: str) -> tuple[int, int]:
    """Mamba-2 heads and head width; the mixer's inner width is expand x hidden_size, which the
    config classes' validate_architecture requires to equal heads x head width."""
    inner = c.integer(expand) * c.integer("hidden_size")
    n = c.integer(heads)
    width = c.raw(head_dim)
    width = inner // n if width == "auto" else c.integer(head_dim)
    if n * width != inner:
        raise c.error(head_dim, f"{n} heads x {width} must equal {expand} x hidden_size = {inner}")
    return n, width


def mamba2(c: HFConfig) -> dict[str, Any]:
    """Mamba2Block: an RMSNorm and a Mamba-2 mixer per layer, nothing else."""
    heads, head_dim = mamba2_heads(c, "expand", "num_heads", "head_dim")
    mixer = {
        "kind": "mamba2",
        "num_heads": heads,
        "head_dim": head_dim,
        "state_size": c.integer("state_size"),
        "n_groups": c.integer("n_groups"),
        "conv_kernel": c.integer("conv_kernel"),
        "conv_bias": c.boolean("use_conv_bias"),
        "bias": c.boolean("use_bias"),
    }
    kinds = {"mamba2": {"mixer": mixer, "norms": ["input"]}}
    layers = ["mamba2"] * c.integer("num_hidden_layers")
    return {"text": text_tower(c, kinds, layers)}


#: Mamba(2)ForCausalLM: backbone.embeddings, backbone.layers.{i}.norm / .mixer, backbone.norm_f.
MAMBA2 = Naming(
    {
        "embed_tokens": "backbone.embeddings",
        "decoder.layers": "backbone.layers",
        "decoder.final_norm": "backbone.norm_f",
        "input_norm": "norm",
        "mamba": "mixer",
    }
)


def mamba2_mixer(c: HFConfig) -> dict[str, Any]:
    """The Mamba-2 mixer of Bamba and Granite-MoE-Hybrid, from their `mamba_*` keys."""
    heads, head_dim = mamba2_heads(c, "mamba_expand", "mamba_n_heads", "mamba_d_head")
    return mamba2_keys(c, heads, head_dim)


def mamba2_keys(c: HFConfig, heads: int, head_dim: int) -> dict[str, Any]:
    """A Mamba-2 mixer of the given heads, the rest read from the `mamba_*` keys (Bamba,
    Granite-MoE-Hybrid, Falcon-H1)."""
    return {
        "kind": "mamba2",
        "num_heads": heads,
        "head_dim": head_dim,
        "state_size": c.integer("mamba_d_state"),
        "n_groups": c.integer("mamba_n_groups"),
        "conv_kernel": c.integer("mamba_d_conv"),
        "conv_bias": c.boolean("mamba_conv_bias"),
        "bias": c.boolean("mamba_proj_bias"),
    }


def attention_getattr_head_dim(c: HFConfig, bias: bool) -> dict[str, Any]:
    """Attention whose head_dim is getattr(config, "head_dim", hidden_size // heads)."""
    width = c.opt_int("head_dim") if c.has("head_dim") else None
    return attention(c, bias=bias, head_dim=width)


def bamba(c: HFConfig) -> dict[str, Any]:
    """BambaDecoderLayer: input norm, Mamba-2 (or attention on attn_layer_indices), pre-FFN
    norm and a gated MLP."""
    layers = c.integer("num_hidden_layers")
    attn_layers = set(c.int_list("attn_layer_indices"))
    ffn = gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias"))
    mamba = mamba2_mixer(c)
    attn = attention_getattr_head_dim(c, c.boolean("attention_bias"))
    kinds = {
        "linear_attention": {"mixer": mamba, "ffn": ffn},
        "full_attention": {"mixer": attn, "ffn": ffn},
    }
    layer_kinds = [
        "full_attention" if i in attn_layers else "linear_attention" for i in range(layers)
    ]
    return {"text": text_tower(c, kinds, layer_kinds)}


#: BambaForCausalLM: `mamba` or `self_attn`, then `feed_forward` behind `pre_ff_layernorm`.
BAMBA = Naming(
    {
        "decoder.final_norm": "model.final_layernorm",
        "mamba": "mamba",
        "ffn": "feed_forward",
        "pre_ffn_norm": "pre_ff_layernorm",
    }
)

#: configuration_utils._LEGACY_LAYER_TYPE_REMAP: the older names of the two layer kinds.
HYBRID_LAYER_TYPES = {
    "linear_attention": "linear_attention",
    "mamba": "linear_attention",
    "full_attention": "full_attention",
    "attention": "full_attention",
}


def granitemoehybrid(c: HFConfig) -> dict[str, Any]:
    """GraniteMoeHybridDecoderLayer: input norm, Mamba-2 or attention (by layer_types),
    post-attention norm, then routed experts beside a shared MLP (the shared MLP alone when
    num_local_experts is 0)."""
    layers = c.integer("num_hidden_layers")
    listed = c.raw("layer_types")
    if listed is None:
        listed = ["linear_attention"] * layers
    if (
        not isinstance(listed, list)
        or len(listed) != layers
        or any(not isinstance(v, str) or v not in HYBRID_LAYER_TYPES for v in listed)
    ):
        raise c.error(
            "layer_types", f"must list one of {sorted(HYBRID_LAYER_TYPES)} per layer ({layers})"
        )
    shared = c.integer("shared_intermediate_size")
    experts = c.integer("num_local_experts", minimum=0)
    if experts:
        ffn: dict[str, Any] = {
            "kind": "moe",
            "num_experts": experts,
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": c.integer("intermediate_size"),
            "shared_expert_intermediate_size": shared,
        }
    else:
        ffn = gated_mlp(shared)
    kinds = {
        "linear_attention": {"mixer": mamba2_mixer(c), "ffn": ffn},
        "full_attention": {
            "mixer": attention_getattr_head_dim(c, c.boolean("attention_bias")),
            "ffn": ffn,
        },
    }
    layer_kinds = [HYBRID_LAYER_TYPES[v] for v in listed]
    fields: dict[str, Any] = {"text": text_tower(c, kinds, layer_kinds)}
    return fields if experts else {**fields, "naming": "granitemoehybrid/dense"}


#: GraniteMoeHybrid: Granite-MoE-Shared's names, with the Mamba-2 mixer as `mamba`.
GRANITE_HYBRID = replace(GRANITE_MOE, names={**GRANITE_MOE.names, "mamba": "mamba"})
#: GraniteMoeHybrid without experts: the feed-forward is `shared_mlp` alone.
GRANITE_HYBRID_DENSE = Naming(
    {"ffn": "shared_mlp", "mamba": "mamba"},
    leaves={"ffn.down_proj": "output_linear"},
    fused={"ffn.input_linear": ("gate_proj", "up_proj")},
)


def lfm2_width(c: HFConfig) -> int:
    """Lfm2MLP: with block_auto_adjust_ff_dim, 2/3 of intermediate_size, times
    block_ffn_dim_multiplier (when set) and rounded up to block_multiple_of."""
    width = c.integer("intermediate_size")
    if not c.boolean("block_auto_adjust_ff_dim"):
        return width
    width = int(2 * width / 3)
    multiplier = c.raw("block_ffn_dim_multiplier")
    if multiplier is None:
        return width
    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float)):
        raise c.error("block_ffn_dim_multiplier", f"must be a number, got {multiplier!r}")
    step = c.integer("block_multiple_of")
    return step * -(-int(multiplier * width) // step)


def lfm2_layers(c: HFConfig) -> list[str]:
    """Lfm2Config.__post_init__: layer_types, else full attention on full_attn_idxs (every layer
    when that is null too) and short convolutions elsewhere; any kind but conv is attention."""
    layers = c.integer("num_hidden_layers")
    listed = c.raw("layer_types")
    if listed is None:
        full = c.raw("full_attn_idxs")
        chosen = set(range(layers)) if full is None else set(c.int_list("full_attn_idxs"))
        return ["full_attention" if i in chosen else "conv" for i in range(layers)]
    if not isinstance(listed, list) or len(listed) != layers:
        raise c.error("layer_types", f"must list one layer kind per layer ({layers})")
    if any(not isinstance(v, str) or v not in ("conv", "full_attention") for v in listed):
        raise c.error("layer_types", "paramcalc reads conv and full_attention layers only")
    return listed


def lfm2(c: HFConfig) -> dict[str, Any]:
    """Lfm2DecoderLayer: operator norm, a short convolution or attention with per-head q/k
    norms, FFN norm and a gated MLP (w1, w3, w2); the final norm is `embedding_norm`."""
    width = c.opt_int("head_dim") if c.has("head_dim") else None
    mixers = {
        "conv": {
            "kind": "short_conv",
            "conv_kernel": c.integer("conv_L_cache"),
            "bias": c.boolean("conv_bias"),
        },
        "full_attention": attention(c, head_dim=width, qk_norm="per_head"),
    }
    ffn = gated_mlp(lfm2_width(c))
    kinds = {k: {"mixer": m, "ffn": ffn} for k, m in mixers.items()}
    return {"text": text_tower(c, kinds, lfm2_layers(c))}


def lfm2_moe(c: HFConfig) -> dict[str, Any]:
    """Lfm2MoeDecoderLayer: LFM2's mixers; a gated MLP in the first num_dense_layers layers,
    then routed experts (router `gate`; its expert_bias is a buffer)."""
    layers = c.integer("num_hidden_layers")
    listed = c.raw("layer_types")
    if listed is None:
        raise c.error("layer_types", "is required: Lfm2MoeDecoderLayer reads layer_types[i]")
    if not isinstance(listed, list) or len(listed) != layers:
        raise c.error("layer_types", f"must list one layer kind per layer ({layers})")
    if any(not isinstance(v, str) or v not in ("conv", "full_attention") for v in listed):
        raise c.error("layer_types", "paramcalc reads conv and full_attention layers only")
    width = c.opt_int("head_dim") if c.has("head_dim") else None
    mixers = {
        "conv": {
            "kind": "short_conv",
            "conv_kernel": c.integer("conv_L_cache"),
            "bias": c.boolean("conv_bias"),
        },
        "full_attention": attention(c, head_dim=width, qk_norm="per_head"),
    }
    ffns = {
        "mlp": gated_mlp(c.integer("intermediate_size")),
        "moe": {
            "kind": "moe",
            "num_experts": c.integer("num_experts"),
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": c.integer("moe_intermediate_size"),
        },
    }
    dense = c.integer("num_dense_layers", minimum=0)
    pairs = [(mixer, "mlp" if i < dense else "moe") for i, mixer in enumerate(listed)]
    return mixed_layers(c, mixers, ffns, pairs)


#: Lfm2ForCausalLM: `conv` or `self_attn` (out_proj, q/k_layernorm), `feed_forward` (w1, w3,
#: w2); its only norm after the stack is called `embedding_norm`.
LFM2 = Naming(
    {
        "decoder.final_norm": "model.embedding_norm",
        "input_norm": "operator_norm",
        "pre_ffn_norm": "ffn_norm",
        "attention.o_proj": "self_attn.out_proj",
        "attention.q_norm": "self_attn.q_layernorm",
        "attention.k_norm": "self_attn.k_layernorm",
        "ffn": "feed_forward",
    },
    leaves={"ffn.gate_proj": "w1", "ffn.up_proj": "w3", "ffn.down_proj": "w2"},
)
#: Lfm2MoeForCausalLM: LFM2's names, the router as `feed_forward.gate`.
LFM2_MOE = Naming(
    {**LFM2.names, "ffn.router": "feed_forward.gate"},
    leaves=LFM2.leaves,
)

FAMILIES = (
    Family(
        "mamba2",
        {
            "vocab_size": 32768,
            "hidden_size": 4096,
            "num_hidden_layers": 64,
            "num_heads": 128,
            "head_dim": 64,
            "state_size": 128,
            "expand": 2,
            "conv_kernel": 4,
            "n_groups": 8,
            "use_bias": False,
            "use_conv_bias": True,
            "tie_word_embeddings": False,
        },
        (mamba2,),
        naming=MAMBA2,
    ),
    Family(
        "bamba",
        {
            "vocab_size": 128000,
            "tie_word_embeddings": False,
            "hidden_size": 4096,
            "intermediate_size": 14336,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "attn_layer_indices": None,
            "mamba_n_heads": 128,
            "mamba_d_head": "auto",
            "mamba_n_groups": 1,
            "mamba_d_state": 256,
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
            "attention_bias": False,
            "mlp_bias": False,
        },
        (bamba,),
        naming=BAMBA,
    ),
    Family(
        "granitemoehybrid",
        {
            "vocab_size": 32000,
            "hidden_size": 4096,
            "intermediate_size": 11008,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": None,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "num_local_experts": 8,
            "num_experts_per_tok": 2,
            "shared_intermediate_size": 1024,
            "layer_types": None,
            "mamba_n_heads": 128,
            "mamba_n_groups": 1,
            "mamba_d_state": 256,
            "mamba_d_head": "auto",
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
        },
        (granitemoehybrid,),
        aliases={"layer_types": ("layers_block_type",)},
        naming=GRANITE_HYBRID,
        variants={"dense": GRANITE_HYBRID_DENSE},
    ),
    Family("mamba", MAMBA_DEFAULTS, (mamba,), naming=MAMBA2),
    Family(
        "falcon_mamba",
        MAMBA_DEFAULTS,
        (mamba,),
        naming=MAMBA2,
        notes="the mixer's dt, B and C RMSNorms hold no weights (FalconMambaWeightlessRMSNorm)",
    ),
    Family(
        "jamba",
        {
            "vocab_size": 65536,
            "tie_word_embeddings": False,
            "hidden_size": 4096,
            "intermediate_size": 14336,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "num_experts_per_tok": 2,
            "num_experts": 16,
            "expert_layer_period": 2,
            "expert_layer_offset": 1,
            "attn_layer_period": 8,
            "attn_layer_offset": 4,
            "mamba_d_state": 16,
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_dt_rank": "auto",
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
        },
        (jamba,),
        aliases={"num_experts": ("num_local_experts",)},
        naming=JAMBA,
        required=KV_HEADS,
    ),
    Family(
        "lfm2",
        {
            "vocab_size": 65536,
            "hidden_size": 2560,
            "intermediate_size": 12288,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "tie_word_embeddings": True,
            "conv_bias": False,
            "conv_L_cache": 3,
            "block_multiple_of": 256,
            "block_ffn_dim_multiplier": 1.0,
            "block_auto_adjust_ff_dim": True,
            "full_attn_idxs": None,
            "layer_types": None,
        },
        (lfm2,),
        # Lfm2Config.__post_init__ pops the legacy names, which then win.
        aliases={
            "tie_word_embeddings": ("tie_embedding",),
            "intermediate_size": ("block_ff_dim",),
        },
        naming=LFM2,
        required=KV_HEADS,
    ),
    Family(
        "lfm2_moe",
        {
            "vocab_size": 65536,
            "hidden_size": 2048,
            "intermediate_size": 7168,
            "moe_intermediate_size": 1792,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "tie_word_embeddings": True,
            "conv_bias": False,
            "conv_L_cache": 3,
            "num_dense_layers": 2,
            "num_experts_per_tok": 4,
            "num_experts": 32,
            "layer_types": None,
        },
        (lfm2_moe,),
        aliases={"tie_word_embeddings": ("tie_embedding",)},
        naming=LFM2_MOE,
        notes="each MoE block's expert_bias (num_experts) is a buffer, not a parameter",
        required=KV_HEADS,
    ),
)
