"""Llama-style decoders: rotary positions, RMSNorm (or LayerNorm), no learned position table.

Each record lists the defaults of the family's config class in transformers 5.23.0
(`models/<family>/configuration_<family>.py`) for the fields that change a count or the
attention span, and the rules (from `paramcalc.families.rules`) that map them, following that
family's `modeling_<family>.py`. A Llama-like family is a record of about ten lines.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.rules import (
    alternating_windows,
    attention_bias,
    fixed,
    head_dim,
    head_dim_if_set,
    mlp_bias,
    qwen_windows,
    sizes,
    window_every_layer,
)


def gemma3_window(c: HFConfig) -> dict[str, Any]:
    """Gemma3TextConfig.__post_init__ halves the window for bidirectional attention."""
    fields = alternating_windows("sliding_window_pattern")(c)
    window = fields.get("sliding_window")
    if window is not None and c.opt_bool("use_bidirectional_attention"):
        fields["sliding_window"] = window // 2 + 1
    return fields


def size_defaults(
    vocab: int,
    hidden: int,
    inter: int,
    layers: int,
    heads: int,
    kv: int | None,
    positions: int,
    tied: bool,
) -> dict[str, Any]:
    """The size defaults of a Llama-style config class, by their config.json names."""
    return {
        "vocab_size": vocab,
        "hidden_size": hidden,
        "intermediate_size": inter,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "max_position_embeddings": positions,
        "tie_word_embeddings": tied,
    }


QWEN_SPAN = {
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 28,
    "layer_types": None,
}
GEMMA2_SPAN = {"sliding_window": 4096, "layer_types": None}
#: Gemma 2/3 and OLMo 2 keep the default names for their post-norms (post_attention_layernorm,
#: pre/post_feedforward_layernorm): the calculator's post-norm defaults are theirs.
LLAMA = Naming()
ROTARY_BUFFER = "older checkpoints store rotary_emb.inv_freq buffers: not parameters"

FAMILIES = (
    Family(
        "llama",
        {
            **size_defaults(32000, 4096, 11008, 32, 32, None, 2048, False),
            "attention_bias": False,
            "mlp_bias": False,
        },
        (sizes, head_dim_if_set, attention_bias("attention_bias"), mlp_bias("mlp_bias")),
        naming=LLAMA,
        notes="older Llama " + ROTARY_BUFFER,
    ),
    Family(
        "mistral",
        {**size_defaults(32000, 4096, 14336, 32, 32, 8, 4096 * 32, False), "sliding_window": 4096},
        (sizes, head_dim_if_set, window_every_layer),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "qwen2",
        {**size_defaults(151936, 4096, 22016, 32, 32, 32, 32768, False), **QWEN_SPAN},
        # Qwen2Attention: biases on q/k/v only (hard-coded), none on o_proj or the MLP.
        (sizes, head_dim_if_set, fixed(qkv_bias=True), qwen_windows),
        naming=LLAMA,
    ),
    Family(
        "qwen3",
        {
            **size_defaults(151936, 4096, 22016, 32, 32, 32, 32768, False),
            **QWEN_SPAN,
            "head_dim": 128,
            "attention_bias": False,
        },
        (
            sizes,
            head_dim,
            attention_bias("attention_bias"),
            fixed(qk_norm="per_head"),
            qwen_windows,
        ),
        naming=LLAMA,
    ),
    Family(
        "gemma",
        {
            **size_defaults(256000, 3072, 24576, 28, 16, 16, 8192, True),
            "head_dim": 256,
            "attention_bias": False,
        },
        (sizes, head_dim, attention_bias("attention_bias")),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "gemma2",
        {
            **size_defaults(256000, 2304, 9216, 26, 8, 4, 8192, True),
            "head_dim": 256,
            "attention_bias": False,
            **GEMMA2_SPAN,
        },
        (
            sizes,
            head_dim,
            attention_bias("attention_bias"),
            fixed(attention_output_norm=True, ffn_output_norm=True),
            alternating_windows(2),
        ),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "gemma3_text",
        {
            **size_defaults(262208, 2304, 9216, 26, 8, 4, 131072, True),
            "head_dim": 256,
            "attention_bias": False,
            **GEMMA2_SPAN,
            "use_bidirectional_attention": False,
            "sliding_window_pattern": 6,
        },
        (
            sizes,
            head_dim,
            attention_bias("attention_bias"),
            fixed(attention_output_norm=True, ffn_output_norm=True, qk_norm="per_head"),
            gemma3_window,
        ),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "olmo",
        {**size_defaults(50304, 4096, 11008, 32, 32, None, 2048, False), "attention_bias": False},
        # OlmoLayerNorm has no learned tensor (non-parametric LayerNorm).
        (sizes, head_dim_if_set, attention_bias("attention_bias"), fixed(norm_type="none")),
        naming=LLAMA,
    ),
    Family(
        "olmo2",
        {**size_defaults(50304, 4096, 11008, 32, 32, None, 2048, False), "attention_bias": False},
        # Olmo2DecoderLayer: post-attention and post-FFN norms only; q/k norms over all heads.
        (
            sizes,
            head_dim_if_set,
            attention_bias("attention_bias"),
            fixed(
                qk_norm="full",
                attention_input_norm=False,
                attention_output_norm=True,
                ffn_input_norm=False,
                ffn_output_norm=True,
            ),
        ),
        naming=LLAMA,
    ),
    Family(
        "phi3",
        {**size_defaults(32064, 3072, 8192, 32, 32, None, 4096, False), "sliding_window": None},
        (sizes, head_dim_if_set, window_every_layer),
        # Phi3: fused qkv_proj and gate_up_proj (the sizes of separate ones).
        naming=Naming(
            fused={
                "attention.qkv_proj": ("q_proj", "k_proj", "v_proj"),
                "ffn.gate_up_proj": ("gate_proj", "up_proj"),
            }
        ),
    ),
    Family(
        "starcoder2",
        {
            **size_defaults(49152, 3072, 12288, 30, 24, 2, 4096, True),
            "use_bias": True,
            "sliding_window": None,
        },
        # Starcoder2: LayerNorm, plain GELU MLP (c_fc, c_proj), use_bias on every projection.
        (
            sizes,
            head_dim_if_set,
            attention_bias("use_bias"),
            mlp_bias("use_bias"),
            fixed(norm_type="layernorm", gated_ffn=False),
            window_every_layer,
        ),
        naming=Naming({"ffn.up_proj": "mlp.c_fc", "ffn.down_proj": "mlp.c_proj"}),
        required=KV_HEADS,
    ),
)
