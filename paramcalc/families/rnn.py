"""Gated linear recurrences: RecurrentGemma (Griffin), RWKV-4 and xLSTM (schema v2 models).

Each block as its `modeling_<family>.py` in transformers 5.23 builds it; the mixers live in
`core/rnn.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import attention, gated_mlp, text_tower

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
        or any(not isinstance(v, str) or v not in BLOCK_TYPES for v in listed)
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


def number(c: HFConfig, key: str) -> float:
    """A positive real-valued field (a width factor)."""
    value = c.raw(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise c.error(key, f"must be a positive number, got {describe(value)}")
    return float(value)


def round_up(x: float, multiple: int) -> int:
    """xLSTM's round_up_to_next_multiple_of, on the real-valued width as it computes it."""
    return int(((x + multiple - 1) // multiple) * multiple)


def xlstm(c: HFConfig) -> dict[str, Any]:
    """xLSTMBlock (transformers' own layers, used without the `xlstm` package): norm, mLSTM
    layer, norm, a gated SiLU MLP of round_up(hidden x ffn_proj_factor); norms and projections
    biased with use_bias, the final out_norm never."""
    hidden = c.integer("hidden_size")
    width = c.opt_int("embedding_dim")
    if width is not None and width != hidden:
        raise c.error("embedding_dim", f"{width} must equal hidden_size={hidden}")
    weight_mode = c.string("weight_mode")
    if weight_mode not in ("single", "fused"):
        raise c.error("weight_mode", f"must be single or fused, got {weight_mode!r}")
    bias = c.boolean("use_bias")
    mixer = {
        "kind": "mlstm",
        "num_heads": c.integer("num_heads"),
        # xLSTMLayer: int(hidden_size x factor), not the rounded qk_dim property
        "qk_dim": int(hidden * number(c, "qk_dim_factor")),
        "v_dim": int(hidden * number(c, "v_dim_factor")),
        "bias": bias,
    }
    up = round_up(hidden * number(c, "ffn_proj_factor"), c.integer("ffn_round_up_to_multiple_of"))
    layers = c.opt_int("num_blocks") or c.integer("num_hidden_layers")
    block = {"mixer": mixer, "ffn": gated_mlp(up, bias)}
    tower = text_tower(c, {"mlstm": block}, ["mlstm"] * layers)
    norm = "layernorm" if bias else "rmsnorm"
    tower["stacks"][0] |= {"final_norm_type": "rmsnorm"}
    # xLSTMForCausalLM declares no tied weights: lm_head is its own whatever
    # tie_word_embeddings says.
    fields: dict[str, Any] = {"text": {**tower, "norm_type": norm, "tie_word_embeddings": False}}
    return fields if weight_mode == "single" else {**fields, "naming": "xlstm/fused"}


#: xLSTMForCausalLM: backbone.embeddings, backbone.blocks.{i}.{norm_mlstm, mlstm_layer, norm_ffn,
#: ffn}, backbone.out_norm.
XLSTM = Naming(
    {
        "embed_tokens": "backbone.embeddings",
        "decoder.layers": "backbone.blocks",
        "decoder.final_norm": "backbone.out_norm",
        "input_norm": "norm_mlstm",
        "pre_ffn_norm": "norm_ffn",
        "mlstm": "mlstm_layer",
        "ffn": "ffn",
    },
    leaves={
        "ffn.gate_proj": "proj_up_gate",
        "ffn.up_proj": "proj_up",
        "ffn.down_proj": "proj_down",
    },
)
#: weight_mode "fused": q, k, v and the output gate in one projection, the two scalar gates in
#: another, the MLP's gate and up in a third.
XLSTM_FUSED = Naming(
    XLSTM.names,
    leaves=XLSTM.leaves,
    fused={
        "mlstm.qkv_opreact": ("q", "k", "v", "ogate_preact"),
        "mlstm.ifgate_preact": ("igate_preact", "fgate_preact"),
        "ffn.proj_up_gate_z": ("gate_proj", "up_proj"),
    },
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
    Family(
        "xlstm",
        {
            "vocab_size": 50304,
            "hidden_size": 4096,
            "embedding_dim": None,
            "num_hidden_layers": 32,
            "num_blocks": None,
            "num_heads": 8,
            "use_bias": False,
            "tie_word_embeddings": False,
            "qk_dim_factor": 0.5,
            "v_dim_factor": 1.0,
            "ffn_proj_factor": 2.667,
            "ffn_round_up_to_multiple_of": 64,
            "weight_mode": "single",
        },
        (xlstm,),
        naming=XLSTM,
        variants={"fused": XLSTM_FUSED},
    ),
)
