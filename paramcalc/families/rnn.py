"""Gated linear recurrences: RecurrentGemma (Griffin) and RWKV-4 (schema v2 models).

Each block as its `modeling_<family>.py` in transformers 5.23 builds it; the mixers live in
`core/rnn.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import attention, text_tower

#: RecurrentGemmaConfig.block_types: what each entry builds (anything but "recurrent" is
#: attention in `layers_block_type`; paramcalc reads the two names the config documents).
BLOCK_TYPES = {"recurrent": "recurrent", "attention": "sliding_attention"}


def recurrent_gemma_layers(c: HFConfig) -> list[str]:
    """RecurrentGemmaConfig.layers_block_type: block_types repeated to num_hidden_layers."""
    layers = c.integer("num_hidden_layers")
    listed = c.raw("block_types")
    if (
        not isinstance(listed, (list, tuple))
        or not listed
        or any(v not in BLOCK_TYPES for v in listed)
    ):
        raise c.error("block_types", f"must list {' or '.join(BLOCK_TYPES)} blocks")
    return [BLOCK_TYPES[listed[i % len(listed)]] for i in range(layers)]


def recurrent_gemma(c: HFConfig) -> dict[str, Any]:
    """RecurrentGemmaDecoderLayer: temporal norm, an RG-LRU recurrent block or local attention
    (o_proj always biased), channel norm, a biased GeGLU MLP of
    intermediate_size // 2."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    lru = c.opt_int("lru_width") or hidden
    mixers = {
        "recurrent": {
            "kind": "rg_lru",
            "lru_width": lru,
            "num_heads": heads,
            "conv_kernel": c.integer("conv1d_width"),
        },
        # RecurrentGemmaConfig.__post_init__ sets head_dim = hidden_size // heads; a head_dim
        # in the file is applied after it and wins.
        "sliding_attention": attention(
            c,
            bias=c.boolean("attention_bias"),
            o_bias=True,
            head_dim=c.integer("head_dim") if c.has("head_dim") else hidden // heads,
            sliding_window=c.integer("attention_window_size"),
        ),
    }
    width = c.integer("intermediate_size") // 2
    if width < 1:
        raise c.error("intermediate_size", "must be at least 2 (the MLP is half as wide)")
    ffn = {"kind": "gated", "intermediate_size": width, "bias": True}
    kinds = {k: {"mixer": m, "ffn": ffn} for k, m in mixers.items()}
    return {"text": text_tower(c, kinds, recurrent_gemma_layers(c))}


#: RecurrentGemmaForCausalLM: model.layers.{i}.temporal_block (recurrent or attention),
#: mlp_block, temporal_pre_norm / channel_pre_norm; model.final_norm.
RECURRENT_GEMMA = Naming(
    {
        "decoder.final_norm": "model.final_norm",
        "input_norm": "temporal_pre_norm",
        "pre_ffn_norm": "channel_pre_norm",
        "attention": "temporal_block",
        "recurrent": "temporal_block",
        "ffn": "mlp_block",
    }
)


def rwkv(c: HFConfig) -> dict[str, Any]:
    """RwkvBlock: ln1, time mixing, ln2, channel mixing (LayerNorms with biases); block 0 also
    holds pre_ln, the norm of the embeddings."""
    hidden = c.integer("hidden_size")
    block = {
        "mixer": {
            "kind": "rwkv",
            "attention_hidden_size": c.opt_int("attention_hidden_size") or hidden,
        },
        "ffn": {
            "kind": "rwkv_channel_mix",
            "intermediate_size": c.opt_int("intermediate_size") or 4 * hidden,
        },
    }
    layers = ["rwkv"] * c.integer("num_hidden_layers")
    tower = text_tower(c, {"rwkv": block}, layers, norm_type="layernorm", embedding_norm=True)
    return {"text": tower}


#: RwkvForCausalLM: rwkv.embeddings, rwkv.blocks.{i}.{ln1, attention, ln2, feed_forward},
#: rwkv.blocks.0.pre_ln, rwkv.ln_out, head.
RWKV = Naming(
    {
        "embed_tokens": "rwkv.embeddings",
        "embedding_norm": "rwkv.blocks.0.pre_ln",
        "decoder.layers": "rwkv.blocks",
        "decoder.final_norm": "rwkv.ln_out",
        "lm_head": "head",
        "input_norm": "ln1",
        "pre_ffn_norm": "ln2",
        "time_mix": "attention",
        "ffn": "feed_forward",
    }
)

FAMILIES = (
    Family(
        "recurrent_gemma",
        {
            "num_hidden_layers": 26,
            "vocab_size": 256000,
            "hidden_size": 2560,
            "intermediate_size": 3 * 2560,
            "num_attention_heads": 10,
            "lru_width": None,
            "attention_window_size": 2048,
            "conv1d_width": 4,
            "block_types": ["recurrent", "recurrent", "attention"],
            "num_key_value_heads": None,
            "attention_bias": False,
            "tie_word_embeddings": True,
        },
        (recurrent_gemma,),
        aliases={"attention_window_size": ("sliding_window",)},
        naming=RECURRENT_GEMMA,
    ),
    Family(
        "rwkv",
        {
            "vocab_size": 50277,
            "hidden_size": 4096,
            "num_hidden_layers": 32,
            "attention_hidden_size": None,
            "intermediate_size": None,
            "tie_word_embeddings": False,
        },
        (rwkv,),
        naming=RWKV,
    ),
)
