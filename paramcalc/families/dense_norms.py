"""Dense decoders whose norms or attention differ from Llama's (still the flat form).

Post-norm blocks (OLMo 3, EXAONE 4), Gemma-style pre-norms (VaultGemma), per-head q/k norms
(Hunyuan, Persimmon), parameter-free norms (nanochat), LayerNorm with bias (Persimmon,
Nemotron) and latent attention in a dense model (Youtu). Defaults are the config classes' in
transformers 5.23.0; each rule follows the family's `modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig, attention_span
from paramcalc.families.dense import head_dim_or_width
from paramcalc.families.llama import size_defaults
from paramcalc.families.rules import (
    alternating_windows,
    attention_bias,
    fixed,
    head_dim,
    head_dim_if_set,
    mlp_bias,
    sizes,
)

#: OLMo 2's block: norms after attention and after the MLP only; q/k norms over all heads.
POST_NORMS_ONLY = {
    "attention_input_norm": False,
    "attention_output_norm": True,
    "ffn_input_norm": False,
    "ffn_output_norm": True,
}


def olmo3_windows(c: HFConfig) -> dict[str, Any]:
    """Olmo3Config.__post_init__: every 4th layer is full, the others slide."""
    layers = c.integer("num_hidden_layers")
    kinds = c.layer_types("layer_types", layers) or tuple(
        "sliding_attention" if (i + 1) % 4 else "full_attention" for i in range(layers)
    )
    return attention_span(c.opt_int("sliding_window"), kinds)


def exaone4_windows(c: HFConfig) -> dict[str, Any]:
    """Exaone4Config.__post_init__: without a window every layer is full; with one, every
    sliding_window_pattern-th layer is."""
    window = c.opt_int("sliding_window")
    if window is None:
        return {}
    layers = c.integer("num_hidden_layers")
    kinds = c.layer_types("layer_types", layers)
    if kinds is None:
        every = c.integer("sliding_window_pattern")
        kinds = tuple(
            "sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers)
        )
    return attention_span(window, kinds)


def kv_heads(c: HFConfig) -> dict[str, Any]:
    """num_key_value_heads as it is: NemotronAttention divides by it, so null cannot build."""
    return {"num_key_value_heads": c.integer("num_key_value_heads")}


def latent_attention(c: HFConfig) -> dict[str, Any]:
    """YoutuAttention: DeepSeek-V2's latent attention; attention_bias on q_a, kv_a and o.
    Key/value heads change no shape (the latent is shared)."""
    return {
        "num_key_value_heads": None,
        "q_lora_rank": c.opt_int("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
    }


#: VaultGemmaDecoderLayer: input_layernorm and pre_feedforward_layernorm, no post-norms.
VAULTGEMMA = Naming({"pre_ffn_norm": "pre_feedforward_layernorm"})
#: HunYuanDenseV1Attention: its per-head q/k norms are query_layernorm and key_layernorm.
HUNYUAN = Naming(
    {"attention.q_norm": "self_attn.query_layernorm", "attention.k_norm": "self_attn.key_layernorm"}
)
#: NanoChatMLP: fc1 and fc2.
NANOCHAT = Naming({"ffn.up_proj": "mlp.fc1", "ffn.down_proj": "mlp.fc2"})
#: PersimmonForCausalLM: GPT-NeoX-like names (fused query_key_value, dense, dense_h_to_4h).
PERSIMMON = Naming(
    {
        "attention.qkv_proj": "self_attn.query_key_value",
        "attention.o_proj": "self_attn.dense",
        "attention.q_norm": "self_attn.q_layernorm",
        "attention.k_norm": "self_attn.k_layernorm",
        "ffn.up_proj": "mlp.dense_h_to_4h",
        "ffn.down_proj": "mlp.dense_4h_to_h",
        "decoder.final_norm": "model.final_layernorm",
    },
    fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
)
LLAMA = Naming()


def persimmon_qk_norm(c: HFConfig) -> dict[str, Any]:
    """qk_layernorm adds a LayerNorm (with bias) of one head's width on queries and keys."""
    return {"qk_norm": "per_head" if c.boolean("qk_layernorm") else "none"}


FAMILIES = (
    Family(
        "olmo3",
        {
            **size_defaults(50304, 4096, 11008, 32, 32, None, 2048, False),
            "attention_bias": False,
            "sliding_window": 4096,
            "layer_types": None,
        },
        # Olmo3MLP has no biases; Olmo3Attention's follow attention_bias.
        (
            sizes,
            head_dim_if_set,
            attention_bias("attention_bias"),
            fixed(qk_norm="full", **POST_NORMS_ONLY),
            olmo3_windows,
        ),
        naming=LLAMA,
    ),
    Family(
        "exaone4",
        {
            **size_defaults(102400, 4096, 16384, 32, 32, 32, 2048, False),
            "sliding_window": 4096,
            "sliding_window_pattern": 4,
            "layer_types": None,
        },
        # Exaone4Attention: no biases, per-head q/k norms; post-norms only, as OLMo 2.
        (sizes, head_dim_if_set, fixed(qk_norm="per_head", **POST_NORMS_ONLY), exaone4_windows),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "vaultgemma",
        {
            **size_defaults(256000, 2304, 9216, 26, 8, 4, 8192, True),
            "head_dim": 256,
            "attention_bias": False,
            "sliding_window": 4096,
            "layer_types": None,
        },
        (sizes, head_dim, attention_bias("attention_bias"), alternating_windows(2)),
        naming=VAULTGEMMA,
        required=KV_HEADS,
    ),
    Family(
        "hunyuan_v1_dense",
        {
            **size_defaults(290943, 4096, 11008, 32, 32, None, 2048, False),
            "attention_bias": False,
            "head_dim": None,
        },
        # HunYuanDenseV1Attention reads config.head_dim as it is: a null one cannot be built.
        (sizes, head_dim, attention_bias("attention_bias"), fixed(qk_norm="per_head")),
        naming=HUNYUAN,
    ),
    Family(
        "nanochat",
        {**size_defaults(50304, 768, 8192, 12, 6, None, 2048, False), "attention_bias": False},
        # NanoChatRMSNorm has no weight; NanoChatMLP is fc1 and fc2 without biases.
        (
            sizes,
            head_dim_if_set,
            attention_bias("attention_bias"),
            fixed(norm_type="none", gated_ffn=False),
        ),
        naming=NANOCHAT,
    ),
    Family(
        "youtu",
        {
            **size_defaults(128256, 2048, 6144, 32, 16, 16, 131072, True),
            "attention_bias": False,
            "kv_lora_rank": 512,
            "q_lora_rank": 1536,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "qk_nope_head_dim": 128,
        },
        (sizes, attention_bias("attention_bias"), latent_attention),
        naming=LLAMA,
        required=KV_HEADS,
    ),
    Family(
        "persimmon",
        {**size_defaults(262144, 4096, 16384, 36, 64, None, 16384, False), "qk_layernorm": True},
        # PersimmonAttention: heads of hidden_size // heads, every projection biased.
        # num_key_value_heads and head_dim are not read: every head is its own key/value head.
        (
            sizes,
            persimmon_qk_norm,
            fixed(
                num_key_value_heads=None,
                norm_type="layernorm",
                gated_ffn=False,
                qkv_bias=True,
                attention_out_bias=True,
                ffn_bias=True,
            ),
        ),
        naming=PERSIMMON,
    ),
    Family(
        "nemotron",
        {
            **size_defaults(256000, 6144, 24576, 32, 48, None, 4096, False),
            "head_dim": None,
            "attention_bias": False,
            "mlp_bias": False,
        },
        # NemotronLayerNorm1P is a LayerNorm with bias; NemotronMLP is up and down (ReLU^2).
        (
            sizes,
            kv_heads,
            head_dim_or_width,
            attention_bias("attention_bias"),
            mlp_bias("mlp_bias"),
            fixed(norm_type="layernorm", gated_ffn=False),
        ),
        naming=LLAMA,
        required=KV_HEADS,
    ),
)
