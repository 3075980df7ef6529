"""Dense decoders the flat form cannot say: parallel blocks with per-head q/k norms (Cohere,
StableLM) and sliding windows with attention sinks (Granite SWA).

Each record's rules build a schema v2 model (`paramcalc.families.v2`) following the family's
`modeling_<family>.py` in transformers 5.23; defaults are its config class's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.modern import windowed
from paramcalc.families.v2 import attention, gated_mlp, layer_spans, text_tower


def set_head_dim(c: HFConfig) -> int | None:
    """A head_dim key the config class has no field for (getattr finds it), else none."""
    return c.opt_int("head_dim") if c.has("head_dim") else None


def windowed_kinds(c: HFConfig, block: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The block as a full-attention and as a sliding-window layer."""
    return {
        "full_attention": block,
        "sliding_attention": windowed(block, c.opt_int("sliding_window")),
    }


def granite_swa(c: HFConfig) -> dict[str, Any]:
    """GraniteSWAAttention: Llama attention with a learned sink per head in every layer;
    GraniteSWAConfig.__post_init__: every 4th layer (from the first) is full, the others slide."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(
        c, layers, ["sliding_attention" if i % 4 else "full_attention" for i in range(layers)]
    )
    block = {
        "mixer": attention(
            c, bias=c.boolean("attention_bias"), head_dim=set_head_dim(c), sinks=True
        ),
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
    }
    return {"text": text_tower(c, windowed_kinds(c, block), spans)}


def cohere_block(c: HFConfig, head_dim: int | None, qk_norm: str) -> dict[str, Any]:
    """CohereDecoderLayer: one input_layernorm feeds attention and the MLP (in parallel)."""
    return {
        "mixer": attention(c, bias=c.boolean("attention_bias"), head_dim=head_dim, qk_norm=qk_norm),
        "ffn": gated_mlp(c.integer("intermediate_size")),
        "norms": ["input"],
    }


def cohere(c: HFConfig) -> dict[str, Any]:
    """Cohere: parallel blocks, LayerNorm without bias; use_qk_norm adds CohereLayerNorm over
    (heads, head_dim) on queries and keys."""
    qk_norm = "stacked" if c.boolean("use_qk_norm") else "none"
    block = cohere_block(c, set_head_dim(c), qk_norm)
    layers = c.integer("num_hidden_layers")
    return {
        "text": text_tower(c, {"block": block}, ["block"] * layers, norm_type="layernorm_no_bias")
    }


def cohere2(c: HFConfig) -> dict[str, Any]:
    """Cohere2: Cohere's block (without q/k norms) with sliding windows; without layer_types
    every layer slides but each sliding_window_pattern-th. (__post_init__ sets head_dim to
    hidden_size // heads, but a head_dim key of the file is set after it and wins.)"""
    layers = c.integer("num_hidden_layers")
    every = c.integer("sliding_window_pattern")
    spans = layer_spans(
        c,
        layers,
        ["sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers)],
    )
    block = cohere_block(c, set_head_dim(c), "none")
    return {"text": text_tower(c, windowed_kinds(c, block), spans, norm_type="layernorm_no_bias")}


def stablelm(c: HFConfig) -> dict[str, Any]:
    """StableLmDecoderLayer: LayerNorm with bias; use_parallel_residual drops the MLP's norm;
    qk_layernorm adds a bias-free LayerNorm per head; biases on q/k/v only (use_qkv_bias)."""
    qk_norm = "separate" if c.boolean("qk_layernorm") else "none"
    mixer = attention(
        c,
        bias=c.boolean("use_qkv_bias"),
        o_bias=False,
        qk_norm=qk_norm,
        qk_norm_type="layernorm_no_bias",
    )
    norms = ["input"] if c.boolean("use_parallel_residual") else ["input", "pre_ffn"]
    block = {"mixer": mixer, "ffn": gated_mlp(c.integer("intermediate_size")), "norms": norms}
    layers = c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"block": block}, ["block"] * layers, norm_type="layernorm")}


def apertus(c: HFConfig) -> dict[str, Any]:
    """ApertusDecoderLayer: Llama's block with per-head q/k norms and an up/down MLP whose xIELU
    activation (hidden_act "xielu") learns two scalars, alpha_p and alpha_n."""
    scalars = ["alpha_p", "alpha_n"] if c.string("hidden_act") == "xielu" else []
    mixer = attention(
        c, bias=c.boolean("attention_bias"), head_dim=set_head_dim(c), qk_norm="per_head"
    )
    ffn = {
        "kind": "mlp",
        "intermediate_size": c.integer("intermediate_size"),
        "activation_scalars": scalars,
    }
    layers = c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"block": {"mixer": mixer, "ffn": ffn}}, ["block"] * layers)}


LLAMA = Naming()
#: ApertusDecoderLayer: attention_layernorm and feedforward_layernorm.
APERTUS = Naming({"input_norm": "attention_layernorm", "pre_ffn_norm": "feedforward_layernorm"})
#: StableLmAttention: q_layernorm and k_layernorm, each a ModuleList `norms` of one per head.
STABLELM = Naming(
    {"attention.q_norm": "self_attn.q_layernorm", "attention.k_norm": "self_attn.k_layernorm"}
)
COHERE = {**size_defaults(256000, 8192, 22528, 40, 64, None, 8192, True), "attention_bias": False}

FAMILIES = (
    Family(
        "apertus",
        {
            **size_defaults(131072, 4096, 14336, 32, 32, None, 65536, False),
            "attention_bias": False,
            "hidden_act": "xielu",
        },
        (apertus,),
        naming=APERTUS,
    ),
    Family(
        "granite_swa",
        {
            **size_defaults(100352, 2560, 8192, 24, 20, 4, 8192, True),
            "attention_bias": False,
            "mlp_bias": False,
            "sliding_window": 128,
            "layer_types": None,
        },
        (granite_swa,),
        naming=LLAMA,
    ),
    Family("cohere", {**COHERE, "use_qk_norm": False}, (cohere,), naming=LLAMA),
    # sliding_window_pattern is not a field: __post_init__ pops it from the kwargs (default 4).
    Family(
        "cohere2",
        {**COHERE, "sliding_window": 4096, "layer_types": None, "sliding_window_pattern": 4},
        (cohere2,),
        naming=LLAMA,
    ),
    Family(
        "stablelm",
        {
            **size_defaults(50304, 2560, 6912, 32, 32, 32, 4096, False),
            "use_qkv_bias": False,
            "qk_layernorm": False,
            "use_parallel_residual": False,
        },
        (stablelm,),
        naming=STABLELM,
        required=KV_HEADS,
    ),
)
