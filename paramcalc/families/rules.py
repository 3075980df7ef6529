"""The small registry of rules family records are made of.

A rule reads a config (through `HFConfig`, which falls back to the family's defaults and names
the file's key in every error) and returns schema fields. Most families are a handful of these.
"""

from __future__ import annotations

from typing import Any

from paramcalc.families.base import HFConfig, Rule, attention_span, standard_sizes


def sizes(c: HFConfig) -> dict[str, Any]:
    """Vocabulary, width, depth, heads, FFN width, positions and tying under Llama's names."""
    return standard_sizes(c)


def head_dim_if_set(c: HFConfig) -> dict[str, Any]:
    """`head_dim` when the file sets it; else transformers uses hidden_size // heads."""
    # modeling_*: getattr(config, "head_dim", None) or hidden_size // num_attention_heads
    value = c.opt_int("head_dim") if c.has("head_dim") else None
    return {"head_dim": value} if value else {}


def head_dim(c: HFConfig) -> dict[str, Any]:
    """An explicit head_dim, which the config class always has (Qwen3, Gemma)."""
    return {"head_dim": c.integer("head_dim")}


def attention_bias(key: str) -> Rule:
    """Biases on q, k, v and o follow one config key (LlamaAttention's attention_bias)."""

    def rule(c: HFConfig) -> dict[str, Any]:
        bias = c.boolean(key)
        return {"qkv_bias": bias, "attention_out_bias": bias}

    rule.__doc__ = f"q/k/v/o biases follow {key}."
    return rule


def mlp_bias(key: str) -> Rule:
    """Biases on every feed-forward projection follow one config key (LlamaMLP's mlp_bias)."""

    def rule(c: HFConfig) -> dict[str, Any]:
        return {"ffn_bias": c.boolean(key)}

    rule.__doc__ = f"feed-forward biases follow {key}."
    return rule


def fixed(**fields: Any) -> Rule:
    """Fields the family's modeling code hard-codes, whatever its config says."""

    def rule(c: HFConfig) -> dict[str, Any]:
        return dict(fields)

    rule.__doc__ = "fixed: " + ", ".join(f"{k}={v!r}" for k, v in fields.items())
    return rule


def window_every_layer(c: HFConfig) -> dict[str, Any]:
    """Every layer uses the sliding window when one is set (Mistral, Phi-3, Starcoder2)."""
    return attention_span(c.opt_int("sliding_window"), None)


def qwen_windows(c: HFConfig) -> dict[str, Any]:
    """Qwen2/Qwen3Config.__post_init__: with use_sliding_window, layers from max_window_layers
    on slide."""
    window = c.opt_int("sliding_window") if c.boolean("use_sliding_window") else None
    layers, first = c.integer("num_hidden_layers"), c.integer("max_window_layers", minimum=0)
    listed = c.layer_types("layer_types", layers)
    kinds = (
        listed
        if listed is not None
        else tuple(
            "sliding_attention" if window is not None and i >= first else "full_attention"
            for i in range(layers)
        )
    )
    return attention_span(window, kinds)


def alternating_windows(period: int | str) -> Rule:
    """Gemma2/3 configs: layer i slides unless (i + 1) is a multiple of the period (a number,
    or the config key that holds it)."""

    def rule(c: HFConfig) -> dict[str, Any]:
        every = period if isinstance(period, int) else c.integer(period)
        layers = c.integer("num_hidden_layers")
        listed = c.layer_types("layer_types", layers)
        kinds = (
            listed
            if listed is not None
            else tuple(
                "sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers)
            )
        )
        return attention_span(c.opt_int("sliding_window"), kinds)

    rule.__doc__ = f"alternating sliding windows, a full layer every {period}."
    return rule
