"""Llama-like dense decoders: Llama's blocks with a family's few differences.

Each record lists the defaults of the family's config class in transformers 5.23.0
(`models/<family>/configuration_<family>.py`) for the fields that change a shape or a layer's
kind, and the rules that map them, following that family's `modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig, Rule, attention_span
from paramcalc.families.llama import size_defaults
from paramcalc.families.rules import (
    attention_bias,
    fixed,
    head_dim,
    head_dim_if_set,
    mlp_bias,
    sizes,
    window_every_layer,
)


def head_dim_or_width(c: HFConfig) -> dict[str, Any]:
    """`head_dim`, which __post_init__ sets to hidden_size // heads when it is null."""
    value = c.opt_int("head_dim")
    return {"head_dim": value} if value else {}


def qkv_bias(key: str, o_key: str | None = None) -> Rule:
    """Biases on q, k and v follow one config key, o_proj's another or none (GLM, Seed-OSS)."""

    def rule(c: HFConfig) -> dict[str, Any]:
        return {
            "qkv_bias": c.boolean(key),
            "attention_out_bias": c.boolean(o_key) if o_key else False,
        }

    rule.__doc__ = f"q/k/v biases follow {key}; o_proj's " + (
        f"follow {o_key}." if o_key else "never exist."
    )
    return rule


def o_proj_is_hidden_wide(c: HFConfig) -> dict[str, Any]:
    """HeliumAttention builds o_proj hidden_size -> hidden_size: heads x head_dim must match."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    if c.integer("head_dim") * heads != hidden:
        raise c.error(
            "head_dim",
            f"x num_attention_heads={heads} must equal hidden_size="
            f"{hidden} (o_proj reads hidden_size features)",
        )
    return {}


def one_bias(c: HFConfig) -> dict[str, Any]:
    """InternLM3Config.validate_architecture: one bias setting for attention and MLP."""
    bias = c.boolean("attention_bias")
    if c.boolean("mlp_bias") != bias:
        raise c.error(
            "mlp_bias",
            f"must equal attention_bias={bias} (InternLM3 builds Llama "
            "layers with one bias setting)",
        )
    return {"qkv_bias": bias, "attention_out_bias": bias, "ffn_bias": bias}


def listed_or(c: HFConfig, default: list[str]) -> dict[str, Any]:
    """The attention span of `layer_types` as the file lists it, else of the default list."""
    layers = c.integer("num_hidden_layers")
    kinds = c.layer_types("layer_types", layers) or tuple(default)
    if "sliding_attention" not in kinds:
        return {}
    return attention_span(c.opt_int("sliding_window"), kinds)


def ministral_windows(c: HFConfig) -> dict[str, Any]:
    """MinistralConfig.__post_init__: every layer slides when sliding_window is set."""
    kind = "full_attention" if c.opt_int("sliding_window") is None else "sliding_attention"
    return listed_or(c, [kind] * c.integer("num_hidden_layers"))


def cwm_windows(c: HFConfig) -> dict[str, Any]:
    """CwmConfig.__post_init__: every 4th layer (from the first) is full, the others slide."""
    layers = c.integer("num_hidden_layers")
    return listed_or(c, ["sliding_attention" if i % 4 else "full_attention" for i in range(layers)])


def smollm3_windows(c: HFConfig) -> dict[str, Any]:
    """SmolLM3Config.__post_init__: with use_sliding_window, the NoPE layers slide."""
    # SmolLM3Attention: a layer slides only with use_sliding_window, whatever layer_types says.
    if not c.boolean("use_sliding_window") or c.opt_int("sliding_window") is None:
        return {}
    layers = c.integer("num_hidden_layers")
    has_rope = c.int_list("no_rope_layers") or tuple(
        int((i + 1) % c.integer("no_rope_layer_interval") != 0) for i in range(layers)
    )
    if len(has_rope) != layers:
        raise c.error("no_rope_layers", f"has {len(has_rope)} entries for {layers} layers")
    return listed_or(c, ["full_attention" if rope else "sliding_attention" for rope in has_rope])


#: Fused gate and up projections (GlmMLP's gate_up_proj), the size of separate ones.
GATE_UP = {"ffn.gate_up_proj": ("gate_proj", "up_proj")}
LLAMA = Naming()
GLM = Naming(fused=GATE_UP)
#: Glm4DecoderLayer: a norm after attention and after the MLP besides Llama's two.
GLM4 = Naming(
    {
        "post_mixer_norm": "post_self_attn_layernorm",
        "pre_ffn_norm": "post_attention_layernorm",
        "post_ffn_norm": "post_mlp_layernorm",
    },
    fused=GATE_UP,
)
#: HyperCLOVAXDecoderLayer (use_post_norm): post_norm1 after attention, post_norm2 after the MLP.
HYPERCLOVAX = Naming(
    {
        "post_mixer_norm": "post_norm1",
        "pre_ffn_norm": "post_attention_layernorm",
        "post_ffn_norm": "post_norm2",
    }
)
BIASES = {"attention_bias": False, "mlp_bias": False}
#: LlamaAttention / LlamaMLP: biases on q/k/v/o follow attention_bias, on the MLP mlp_bias.
LLAMA_BIASES = (attention_bias("attention_bias"), mlp_bias("mlp_bias"))
FOUR_NORMS = fixed(attention_output_norm=True, ffn_output_norm=True)


def hyperclovax_norms(c: HFConfig) -> dict[str, Any]:
    """use_post_norm adds a norm after attention and after the MLP."""
    post = c.boolean("use_post_norm")
    return {"attention_output_norm": post, "ffn_output_norm": post}


FAMILIES = (
    Family(
        "granite",
        {**size_defaults(32000, 4096, 11008, 32, 32, None, 2048, False), **BIASES},
        (sizes, head_dim_if_set, *LLAMA_BIASES),
        naming=LLAMA,
    ),
    Family(
        "helium",
        {**size_defaults(48000, 2560, 7040, 24, 20, 20, 4096, False), **BIASES, "head_dim": 128},
        # HeliumAttention: q/k/v biases follow attention_bias; o_proj never has one.
        (sizes, head_dim, qkv_bias("attention_bias"), mlp_bias("mlp_bias"), o_proj_is_hidden_wide),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "arcee",
        {
            **size_defaults(32000, 2560, 18432, 32, 32, None, 4096, False),
            **BIASES,
            "head_dim": None,
        },
        # ArceeMLP: up and down projections around ReLU^2, no gate.
        (sizes, head_dim_or_width, *LLAMA_BIASES, fixed(gated_ffn=False)),
        naming=LLAMA,
    ),
    Family(
        "internlm3",
        {**size_defaults(128512, 4096, 10240, 48, 32, 2, 32768, False), **BIASES, "head_dim": 128},
        (sizes, head_dim_or_width, one_bias),
        # InternLM3Config.attribute_map; transformers builds LlamaForCausalLM.
        aliases={"attention_bias": ("qkv_bias",), "mlp_bias": ("bias",)},
        naming=LLAMA,
    ),
    Family(
        "iquestcoder",
        {**size_defaults(76800, 5120, 27648, 80, 40, 8, 131072, False), **BIASES, "head_dim": 128},
        (sizes, head_dim_or_width, *LLAMA_BIASES),
        naming=LLAMA,
    ),
    Family(
        "ministral",
        {
            **size_defaults(32000, 4096, 14336, 32, 32, 8, 131072, False),
            "head_dim": None,
            "sliding_window": 4096,
            "layer_types": None,
        },
        # MinistralAttention reads config.head_dim as it is: a null one cannot be built.
        (sizes, head_dim, ministral_windows),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "ministral3",
        {
            **size_defaults(131072, 4096, 14336, 34, 32, 8, 262144, False),
            "head_dim": 128,
            "sliding_window": None,
        },
        (sizes, head_dim_or_width, window_every_layer),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "cwm",
        {
            **size_defaults(128256, 6144, 21504, 64, 48, 8, 131072, False),
            "mlp_bias": False,
            "head_dim": 128,
            "sliding_window": 8192,
            "layer_types": None,
        },
        # CwmAttention: no biases; CwmMLP's follow mlp_bias.
        (sizes, head_dim_or_width, mlp_bias("mlp_bias"), cwm_windows),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "seed_oss",
        {
            **size_defaults(155136, 4096, 27648, 64, 80, 8, 524288, False),
            "attention_bias": True,
            "attention_out_bias": False,
            "mlp_bias": False,
            "head_dim": 128,
        },
        (
            sizes,
            head_dim_or_width,
            qkv_bias("attention_bias", "attention_out_bias"),
            mlp_bias("mlp_bias"),
        ),
        naming=LLAMA,
    ),
    Family(
        "smollm3",
        {
            **size_defaults(128256, 2048, 11008, 36, 16, 4, 32768, True),
            **BIASES,
            "use_sliding_window": False,
            "sliding_window": None,
            "no_rope_layers": None,
            "no_rope_layer_interval": 4,
            "layer_types": None,
        },
        (sizes, head_dim_if_set, *LLAMA_BIASES, smollm3_windows),
        naming=LLAMA,
    ),
    Family(
        "jais2",
        {
            **size_defaults(150272, 3328, 26624, 32, 26, None, 8192, False),
            "attention_bias": True,
            "mlp_bias": True,
            "head_dim": None,
        },
        # Jais2DecoderLayer: nn.LayerNorm (with bias); Jais2MLP: up and down, no gate.
        (sizes, head_dim_or_width, *LLAMA_BIASES, fixed(norm_type="layernorm", gated_ffn=False)),
        naming=LLAMA,
    ),
    Family(
        "glm",
        {
            **size_defaults(151552, 4096, 13696, 40, 32, 2, 131072, False),
            "head_dim": 128,
            "attention_bias": True,
        },
        (sizes, head_dim, qkv_bias("attention_bias")),
        naming=GLM,
        required=KV_HEADS,
    ),
    Family(
        "glm4",
        {
            **size_defaults(151552, 4096, 13696, 40, 32, 2, 131072, False),
            "head_dim": 128,
            "attention_bias": True,
        },
        (sizes, head_dim, qkv_bias("attention_bias"), FOUR_NORMS),
        naming=GLM4,
        required=KV_HEADS,
    ),
    Family(
        "hyperclovax",
        {
            **size_defaults(32000, 4096, 11008, 32, 32, None, 2048, False),
            **BIASES,
            "head_dim": None,
            "use_post_norm": True,
        },
        (sizes, head_dim_or_width, *LLAMA_BIASES, hyperclovax_norms),
        naming=HYPERCLOVAX,
    ),
)
