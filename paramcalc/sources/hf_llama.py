"""Llama-style decoders: rotary positions, RMSNorm (or LayerNorm), no learned position table.

Each table lists the defaults of the family's config class in transformers 5.23.0
(`models/<family>/configuration_<family>.py`) for the fields that change a count or the
attention span; each build function follows that family's `modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.sources.hf_config import Family, HFConfig, attention_span, standard_sizes


def head_dim_if_set(c: HFConfig) -> dict[str, Any]:
    """`head_dim` when the file sets it; else transformers uses hidden_size // heads."""
    # modeling_*: getattr(config, "head_dim", None) or hidden_size // num_attention_heads
    head_dim = c.opt_int("head_dim") if c.has("head_dim") else None
    return {"head_dim": head_dim} if head_dim else {}


def llama(c: HFConfig) -> dict[str, Any]:
    """LlamaAttention: attention_bias on q/k/v/o; LlamaMLP: mlp_bias on all three."""
    bias = c.boolean("attention_bias")
    return {**standard_sizes(c), **head_dim_if_set(c), "qkv_bias": bias,
            "attention_out_bias": bias, "ffn_bias": c.boolean("mlp_bias")}


def mistral(c: HFConfig) -> dict[str, Any]:
    """Llama without biases; every layer uses the sliding window when one is set."""
    return {**standard_sizes(c), **head_dim_if_set(c),
            **attention_span(c.opt_int("sliding_window"), None)}


def qwen_layer_types(c: HFConfig, window: int | None) -> tuple[str, ...]:
    """Qwen2/Qwen3Config.__post_init__: layers from max_window_layers on slide, if any do."""
    layers, first = c.integer("num_hidden_layers"), c.integer("max_window_layers", minimum=0)
    listed = c.layer_types("layer_types", layers)
    if listed is not None:
        return listed
    return tuple("sliding_attention" if window is not None and i >= first else "full_attention"
                 for i in range(layers))


def qwen_window(c: HFConfig) -> int | None:
    """The window is used only when use_sliding_window is true."""
    return c.opt_int("sliding_window") if c.boolean("use_sliding_window") else None


def qwen2(c: HFConfig) -> dict[str, Any]:
    """Qwen2Attention: biases on q/k/v only (hard-coded), none on o_proj or the MLP."""
    window = qwen_window(c)
    return {**standard_sizes(c), **head_dim_if_set(c), "qkv_bias": True,
            **attention_span(window, qwen_layer_types(c, window))}


def qwen3(c: HFConfig) -> dict[str, Any]:
    """Qwen3Attention: RMSNorm q_norm/k_norm per head; attention_bias on all four projections."""
    window, bias = qwen_window(c), c.boolean("attention_bias")
    return {**standard_sizes(c), "head_dim": c.integer("head_dim"), "qk_norm": "per_head",
            "qkv_bias": bias, "attention_out_bias": bias,
            **attention_span(window, qwen_layer_types(c, window))}


def gemma(c: HFConfig) -> dict[str, Any]:
    """Gemma: explicit head_dim (256), tied head; the embedding scale is a buffer."""
    bias = c.boolean("attention_bias")
    return {**standard_sizes(c), "head_dim": c.integer("head_dim"), "qkv_bias": bias,
            "attention_out_bias": bias}


def alternating(c: HFConfig, period: int) -> tuple[str, ...]:
    """Gemma2/3 configs: layer i slides unless (i + 1) is a multiple of `period`."""
    layers = c.integer("num_hidden_layers")
    listed = c.layer_types("layer_types", layers)
    if listed is not None:
        return listed
    return tuple("sliding_attention" if (i + 1) % period else "full_attention"
                 for i in range(layers))


def gemma2(c: HFConfig) -> dict[str, Any]:
    """Gemma2DecoderLayer: norms before and after both attention and MLP."""
    return {**gemma(c), "attention_output_norm": True, "ffn_output_norm": True,
            **attention_span(c.opt_int("sliding_window"), alternating(c, 2))}


def gemma3_text(c: HFConfig) -> dict[str, Any]:
    """Gemma3: Gemma2's four norms plus q_norm/k_norm of size head_dim."""
    window = c.opt_int("sliding_window")
    if window is not None and c.opt_bool("use_bidirectional_attention"):
        window = window // 2 + 1  # Gemma3TextConfig.__post_init__
    kinds = alternating(c, c.integer("sliding_window_pattern"))
    return {**gemma(c), "attention_output_norm": True, "ffn_output_norm": True,
            "qk_norm": "per_head", **attention_span(window, kinds)}


def olmo(c: HFConfig) -> dict[str, Any]:
    """OlmoLayerNorm has no learned tensor (non-parametric LayerNorm)."""
    bias = c.boolean("attention_bias")
    return {**standard_sizes(c), **head_dim_if_set(c), "norm_type": "none",
            "qkv_bias": bias, "attention_out_bias": bias}


def olmo2(c: HFConfig) -> dict[str, Any]:
    """Olmo2DecoderLayer: post-attention and post-FFN norms only; q/k norms over all heads."""
    bias = c.boolean("attention_bias")
    return {**standard_sizes(c), **head_dim_if_set(c), "qkv_bias": bias,
            "attention_out_bias": bias, "qk_norm": "full", "attention_input_norm": False,
            "attention_output_norm": True, "ffn_input_norm": False, "ffn_output_norm": True}


def phi3(c: HFConfig) -> dict[str, Any]:
    """Phi3: fused qkv_proj and gate_up_proj (same sizes as separate ones), no biases."""
    return {**standard_sizes(c), **head_dim_if_set(c),
            **attention_span(c.opt_int("sliding_window"), None)}


def starcoder2(c: HFConfig) -> dict[str, Any]:
    """Starcoder2: LayerNorm, plain GELU MLP (c_fc, c_proj), use_bias on every projection."""
    bias = c.boolean("use_bias")
    return {**standard_sizes(c), **head_dim_if_set(c), "norm_type": "layernorm",
            "gated_ffn": False, "qkv_bias": bias, "attention_out_bias": bias, "ffn_bias": bias,
            **attention_span(c.opt_int("sliding_window"), None)}


def sizes(vocab: int, hidden: int, inter: int, layers: int, heads: int, kv: int | None,
          positions: int, tied: bool) -> dict[str, Any]:
    """The size defaults of a Llama-style config class, by their config.json names."""
    return {"vocab_size": vocab, "hidden_size": hidden, "intermediate_size": inter,
            "num_hidden_layers": layers, "num_attention_heads": heads,
            "num_key_value_heads": kv, "max_position_embeddings": positions,
            "tie_word_embeddings": tied}


QWEN_SPAN = {"use_sliding_window": False, "sliding_window": 4096, "max_window_layers": 28,
             "layer_types": None}
GEMMA2_SPAN = {"sliding_window": 4096, "layer_types": None}

FAMILIES = (
    Family("llama", {**sizes(32000, 4096, 11008, 32, 32, None, 2048, False),
                     "attention_bias": False, "mlp_bias": False}, llama),
    Family("mistral", {**sizes(32000, 4096, 14336, 32, 32, 8, 4096 * 32, False),
                       "sliding_window": 4096}, mistral),
    Family("qwen2", {**sizes(151936, 4096, 22016, 32, 32, 32, 32768, False), **QWEN_SPAN},
           qwen2),
    Family("qwen3", {**sizes(151936, 4096, 22016, 32, 32, 32, 32768, False), **QWEN_SPAN,
                     "head_dim": 128, "attention_bias": False}, qwen3),
    Family("gemma", {**sizes(256000, 3072, 24576, 28, 16, 16, 8192, True), "head_dim": 256,
                     "attention_bias": False}, gemma),
    Family("gemma2", {**sizes(256000, 2304, 9216, 26, 8, 4, 8192, True), "head_dim": 256,
                      "attention_bias": False, **GEMMA2_SPAN}, gemma2),
    Family("gemma3_text", {**sizes(262208, 2304, 9216, 26, 8, 4, 131072, True),
                           "head_dim": 256, "attention_bias": False, **GEMMA2_SPAN,
                           "use_bidirectional_attention": False,
                           "sliding_window_pattern": 6}, gemma3_text),
    Family("olmo", {**sizes(50304, 4096, 11008, 32, 32, None, 2048, False),
                    "attention_bias": False}, olmo),
    Family("olmo2", {**sizes(50304, 4096, 11008, 32, 32, None, 2048, False),
                     "attention_bias": False}, olmo2),
    Family("phi3", {**sizes(32064, 3072, 8192, 32, 32, None, 4096, False),
                    "sliding_window": None}, phi3),
    Family("starcoder2", {**sizes(49152, 3072, 12288, 30, 24, 2, 4096, True),
                          "use_bias": True, "sliding_window": None}, starcoder2),
)
