"""Fairseq-style decoders: BioGPT, XGLM and TrOCR (self_attn_layer_norm, fc1/fc2,
final_layer_norm).

Tables hold the defaults of each config class in transformers 5.23.0 under the config class's
own field names, with its `attribute_map` aliases; builds follow each `modeling_<family>.py`
as `AutoModelForCausalLM` builds it.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.classic import ALL_BIASES

LAYERNORM_MLP = {"norm_type": "layernorm", "gated_ffn": False}


def biogpt(c: HFConfig) -> dict[str, Any]:
    """BioGptDecoderLayer: pre-norm, biased projections; the position table has
    max_position_embeddings + 2 rows (BioGptLearnedPositionalEmbedding.offset)."""
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": c.integer("num_attention_heads"),
        "intermediate_size": c.integer("intermediate_size"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "learned",
        "position_offset": 2,
        **LAYERNORM_MLP,
        **ALL_BIASES,
    }


def xglm(c: HFConfig) -> dict[str, Any]:
    """XGLMDecoderLayer: pre-norm, biased projections, sinusoidal positions (a buffer), and
    an encoder_attn block in every layer with add_cross_attention."""
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("d_model"),
        "num_hidden_layers": c.integer("num_layers"),
        "num_attention_heads": c.integer("attention_heads"),
        "intermediate_size": c.integer("ffn_dim"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "none",
        **LAYERNORM_MLP,
        **ALL_BIASES,
        "cross_attention": c.boolean("add_cross_attention"),
    }


def trocr(c: HFConfig) -> dict[str, Any]:
    """TrOCRForCausalLM: post-norm layers, each with cross-attention (the class sets is_decoder)
    whose keys and values read cross_attention_hidden_size features; learned positions with
    TrOCRLearnedPositionalEmbedding's offset of 2, or sinusoidal ones (a buffer)."""
    hidden, heads = c.integer("d_model"), c.integer("decoder_attention_heads")
    mixer = {"kind": "attention", "num_attention_heads": heads, "qkv_bias": True, "o_bias": True}
    block = {
        "mixer": mixer,
        "cross_attention": {**mixer, "kv_input_size": c.opt_int("cross_attention_hidden_size")},
        "ffn": {"kind": "mlp", "intermediate_size": c.integer("decoder_ffn_dim"), "bias": True},
        "norms": ["post_mixer", "post_cross", "post_ffn"],
    }
    learned = c.boolean("use_learned_position_embeddings")
    stack = {"num_hidden_layers": c.integer("decoder_layers"), "block": block, "final_norm": False}
    return {
        "text": {
            "vocab_size": c.integer("vocab_size"),
            "hidden_size": hidden,
            "tie_word_embeddings": c.boolean("tie_word_embeddings"),
            "norm_type": "layernorm",
            "position_embeddings": c.integer("max_position_embeddings") + 2 if learned else 0,
            "embedding_norm": c.boolean("layernorm_embedding"),
            "stacks": [stack],
        }
    }


FAIRSEQ_LAYER = {
    "input_norm": "self_attn_layer_norm",
    "attention.o_proj": "self_attn.out_proj",
    "pre_ffn_norm": "final_layer_norm",
    "ffn": "",
    "ffn.up_proj": "fc1",
    "ffn.down_proj": "fc2",
    "cross_attention": "encoder_attn",
    "cross_attention.o_proj": "encoder_attn.out_proj",
    "pre_cross_norm": "encoder_attn_layer_norm",
}
BIOGPT = Naming(
    {
        "embed_tokens": "biogpt.embed_tokens",
        "embed_positions": "biogpt.embed_positions",
        "decoder.layers": "biogpt.layers",
        **FAIRSEQ_LAYER,
        "decoder.final_norm": "biogpt.layer_norm",
        "lm_head": "output_projection",
    }
)
XGLM = Naming({**FAIRSEQ_LAYER, "decoder.final_norm": "model.layer_norm"})
TROCR = Naming(
    {
        "embed_tokens": "model.decoder.embed_tokens",
        "embed_positions": "model.decoder.embed_positions",
        "embedding_norm": "model.decoder.layernorm_embedding",
        "decoder.layers": "model.decoder.layers",
        **FAIRSEQ_LAYER,
        "post_mixer_norm": "self_attn_layer_norm",
        "post_cross_norm": "encoder_attn_layer_norm",
        "post_ffn_norm": "final_layer_norm",
        "lm_head": "output_projection",
    }
)
SINUSOIDAL = "sinusoidal position tables are buffers, not parameters"

FAMILIES = (
    Family(
        "biogpt",
        {
            "vocab_size": 42384,
            "hidden_size": 1024,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "intermediate_size": 4096,
            "max_position_embeddings": 1024,
            "tie_word_embeddings": True,
        },
        (biogpt,),
        naming=BIOGPT,
    ),
    Family(
        "xglm",
        {
            "vocab_size": 256008,
            "max_position_embeddings": 2048,
            "d_model": 1024,
            "ffn_dim": 4096,
            "num_layers": 24,
            "attention_heads": 16,
            "add_cross_attention": False,
            "tie_word_embeddings": True,
        },
        (xglm,),
        {
            "attention_heads": ("num_attention_heads",),
            "d_model": ("hidden_size",),
            "num_layers": ("num_hidden_layers",),
        },
        naming=XGLM,
        notes="XGLM's " + SINUSOIDAL,
    ),
    Family(
        "trocr",
        {
            "vocab_size": 50265,
            "d_model": 1024,
            "decoder_layers": 12,
            "decoder_attention_heads": 16,
            "decoder_ffn_dim": 4096,
            "max_position_embeddings": 512,
            "use_learned_position_embeddings": True,
            "layernorm_embedding": True,
            "cross_attention_hidden_size": None,
            "tie_word_embeddings": True,
        },
        (trocr,),
        {
            "decoder_attention_heads": ("num_attention_heads",),
            "d_model": ("hidden_size",),
            "decoder_layers": ("num_hidden_layers",),
        },
        naming=TROCR,
        notes="TrOCR's decoder alone (TrOCRForCausalLM); a VisionEncoderDecoderModel "
        "checkpoint also holds its image encoder",
    ),
)
