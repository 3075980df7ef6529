"""T5Gemma: an encoder and a decoder of Gemma 2 layers, as `AutoModelForSeq2SeqLM` builds it.

`T5GemmaConfig` nests two `T5GemmaModuleConfig`s, `encoder` and `decoder`, which may differ in
width, depth, heads and vocabulary; the decoder's cross-attention reads the encoder's width
(`cross_attention_hidden_size`). Each stack has its own token table; the head
(`lm_head.out_proj`) ties to the decoder's. Built as `modeling_t5gemma.py` (5.23) builds it.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import sub_config

#: T5GemmaModuleConfig's defaults (transformers 5.23).
MODULE_DEFAULTS: dict[str, Any] = {
    "vocab_size": 256000,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "attention_bias": False,
    "sliding_window": 4096,
    "layer_types": None,
}
MODULE = Family("t5gemma_module", MODULE_DEFAULTS, ())


def module_layer_spans(m: HFConfig) -> list[str]:
    """layer_types, by default sliding on even layers and full on odd ones."""
    layers = m.integer("num_hidden_layers")
    listed = m.layer_types("layer_types", layers)
    if listed is not None:
        return list(listed)
    return ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(layers)]


def module_attention(m: HFConfig, window: int | None) -> dict[str, Any]:
    """T5GemmaSelfAttention / CrossAttention: GQA heads of head_dim, attention_bias."""
    bias = m.boolean("attention_bias")
    return {
        "kind": "attention",
        "num_attention_heads": m.integer("num_attention_heads"),
        "num_key_value_heads": m.integer("num_key_value_heads"),
        "head_dim": m.integer("head_dim"),
        "qkv_bias": bias,
        "o_bias": bias,
        "sliding_window": window,
    }


def module_stack(m: HFConfig, name: str, own_tokens: int, width: int | None) -> dict[str, Any]:
    """One stack: Gemma 2 layers (norms before and after each sub-layer), a final norm."""
    decoder = name == "decoder"
    spans = module_layer_spans(m)
    window = m.opt_int("sliding_window")
    ffn = {"kind": "gated", "intermediate_size": m.integer("intermediate_size")}
    norms = ["input", "post_mixer", "pre_ffn", "post_ffn"]
    if decoder:
        norms = ["input", "post_mixer", "pre_cross", "post_cross", "pre_ffn", "post_ffn"]
    kinds = {
        span: {
            "mixer": module_attention(m, window if span == "sliding_attention" else None),
            "cross_attention": module_attention(m, None) if decoder else None,
            "ffn": ffn,
            "norms": norms,
        }
        for span in dict.fromkeys(spans)
    }
    return {
        "name": name,
        "num_hidden_layers": len(spans),
        "kinds": kinds,
        "layer_kinds": spans,
        "hidden_size": width,
        "token_embeddings": own_tokens,
    }


def t5gemma(c: HFConfig) -> dict[str, Any]:
    """T5GemmaForConditionalGeneration: the two stacks, each with its table, and the head."""
    encoder, decoder = sub_config(c, "encoder", MODULE), sub_config(c, "decoder", MODULE)
    width = decoder.integer("hidden_size")
    encoder_width = encoder.integer("hidden_size")
    text = {
        "vocab_size": decoder.integer("vocab_size"),
        "hidden_size": width,
        "norm_type": "rmsnorm",
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "stacks": [
            module_stack(
                encoder,
                "encoder",
                encoder.integer("vocab_size"),
                encoder_width if encoder_width != width else None,
            ),
            module_stack(decoder, "decoder", 0, None),
        ],
    }
    return {"text": text}


T5GEMMA = Naming(
    {
        "embed_tokens": "model.decoder.embed_tokens",
        "encoder.embed_tokens": "model.encoder.embed_tokens",
        "encoder.layers": "model.encoder.layers",
        "decoder.layers": "model.decoder.layers",
        "lm_head": "lm_head.out_proj",
        "input_norm": "pre_self_attn_layernorm",
        "post_mixer_norm": "post_self_attn_layernorm",
        "pre_cross_norm": "pre_cross_attn_layernorm",
        "post_cross_norm": "post_cross_attn_layernorm",
        "pre_ffn_norm": "pre_feedforward_layernorm",
        "post_ffn_norm": "post_feedforward_layernorm",
    }
)

FAMILIES = (
    Family(
        "t5gemma",
        {"encoder": None, "decoder": None, "tie_word_embeddings": True},
        (t5gemma,),
        naming=T5GEMMA,
    ),
)
