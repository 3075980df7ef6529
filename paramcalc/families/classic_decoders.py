"""Other classic decoders: CTRL, BitNet and GPT-NeoX-Japanese.

Tables hold the defaults of each config class in transformers 5.23.0 under the config class's
own field names, with its `attribute_map` aliases; builds follow each `modeling_<family>.py`
as `AutoModelForCausalLM` builds it.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.classic import ALL_BIASES, GPT2_ALIASES
from paramcalc.families.rules import head_dim_if_set
from paramcalc.families.v2 import attention, text_tower

LAYERNORM_MLP = {"norm_type": "layernorm", "gated_ffn": False}


def ctrl(c: HFConfig) -> dict[str, Any]:
    """CTRL's EncoderLayer: pre-norm, biased Wq/Wk/Wv/dense and MLP, sinusoidal positions (a
    buffer), a biased lm_head (its bias kept when the weight is tied)."""
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("n_embd"),
        "num_hidden_layers": c.integer("n_layer"),
        "num_attention_heads": c.integer("n_head"),
        "intermediate_size": c.integer("dff"),
        "max_position_embeddings": c.integer("n_positions"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "none",
        **LAYERNORM_MLP,
        **ALL_BIASES,
        "lm_head_bias": True,
    }


def bitnet(c: HFConfig) -> dict[str, Any]:
    """BitNetDecoderLayer: Llama's layer with a norm before o_proj (attn_sub_norm, hidden_size
    wide whatever head_dim) and one before down_proj (ffn_sub_norm, intermediate_size wide)."""
    head_dim = head_dim_if_set(c).get("head_dim")
    block = {
        "mixer": attention(c, bias=c.boolean("attention_bias"), head_dim=head_dim, sub_norm=True),
        "ffn": {
            "kind": "gated",
            "intermediate_size": c.integer("intermediate_size"),
            "sub_norm": True,
        },
    }
    layers = c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"layer": block}, ["layer"] * layers)}


def gpt_neox_japanese(c: HFConfig) -> dict[str, Any]:
    """GPTNeoXJapaneseLayer: GPT-NeoX's layout without biases, an MLP of int(hidden x
    intermediate_multiple_size); only the last layer's attention adds a `dense_bias`."""
    hidden, layers = c.integer("hidden_size"), c.integer("num_hidden_layers")
    heads = c.integer("num_attention_heads")
    mixer = {"kind": "attention", "num_attention_heads": heads}
    if hidden % heads:
        # the projections are hidden x hidden whatever the heads: a head_dim that fits them
        raise c.error("num_attention_heads", f"{heads} does not divide hidden_size={hidden}")
    width = hidden * c.integer("intermediate_multiple_size")
    ffn = {"kind": "mlp", "intermediate_size": width}
    kinds = {
        "layer": {"mixer": mixer, "ffn": ffn},
        "last": {"mixer": {**mixer, "separate_o_bias": True}, "ffn": ffn},
    }
    return {
        "text": {
            "vocab_size": c.integer("vocab_size"),
            "hidden_size": hidden,
            "norm_type": "layernorm",
            "tie_word_embeddings": c.boolean("tie_word_embeddings"),
            "stacks": [
                {
                    "num_hidden_layers": layers,
                    "kinds": kinds,
                    "layer_kinds": ["layer"] * (layers - 1) + ["last"],
                }
            ],
        }
    }


#: fairseq-style decoder layers (OPT's names): self_attn_layer_norm, fc1/fc2, final_layer_norm.
CTRL = Naming(
    {
        "embed_tokens": "transformer.w",
        "decoder.layers": "transformer.h",
        "input_norm": "layernorm1",
        "attention": "multi_head_attention",
        "attention.o_proj": "multi_head_attention.dense",
        "pre_ffn_norm": "layernorm2",
        "ffn": "ffn",
        "ffn.up_proj": "ffn.0",
        "ffn.down_proj": "ffn.2",
        "decoder.final_norm": "transformer.layernorm",
    },
    leaves={f"attention.{x}_proj": f"W{x}" for x in "qkv"},
)
BITNET = Naming(
    {"attention.sub_norm": "self_attn.attn_sub_norm", "ffn.sub_norm": "mlp.ffn_sub_norm"}
)
GPT_NEOX_JAPANESE = Naming(
    {
        "embed_tokens": "gpt_neox_japanese.embed_in",
        "decoder.layers": "gpt_neox_japanese.layers",
        "attention": "attention",
        "attention.qkv_proj": "attention.query_key_value",
        "attention.o_proj": "attention.dense",
        "attention.o_bias": "attention.dense_bias",
        "ffn.up_proj": "mlp.dense_h_to_4h",
        "ffn.down_proj": "mlp.dense_4h_to_h",
        "decoder.final_norm": "gpt_neox_japanese.final_layer_norm",
        "lm_head": "embed_out",
    },
    fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
)
SINUSOIDAL = "sinusoidal position tables are buffers, not parameters"

FAMILIES = (
    Family(
        "ctrl",
        {
            "vocab_size": 246534,
            "n_positions": 256,
            "n_embd": 1280,
            "dff": 8192,
            "n_layer": 48,
            "n_head": 16,
            "tie_word_embeddings": True,
        },
        (ctrl,),
        GPT2_ALIASES,
        naming=CTRL,
        notes="CTRL's " + SINUSOIDAL,
    ),
    Family(
        "bitnet",
        {
            "vocab_size": 128256,
            "hidden_size": 2560,
            "intermediate_size": 6912,
            "num_hidden_layers": 30,
            "num_attention_heads": 20,
            "num_key_value_heads": 5,
            "tie_word_embeddings": False,
            "attention_bias": False,
        },
        (bitnet,),
        naming=BITNET,
        notes="published BitNet checkpoints store ternary weights packed with their scales "
        "(weight_scale): the same parameters, quantized",
    ),
    Family(
        "gpt_neox_japanese",
        {
            "vocab_size": 32000,
            "hidden_size": 2560,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "intermediate_multiple_size": 4,
            "tie_word_embeddings": True,
        },
        (gpt_neox_japanese,),
        naming=GPT_NEOX_JAPANESE,
    ),
)
