"""Causal language models built like encoders: BertGeneration's decoder and ModernBERT's.

BertGenerationDecoder is BERT's post-norm encoder (no token types, no pooler) under `bert.`
with a tied LM head and its bias.

ModernBertDecoderForCausalLM keeps ModernBERT's layout: an embedding LayerNorm, no attention
norm in the first layer, a fused input projection (Wi) of a gated MLP, and a prediction head
(dense and norm) before the decoder. The rules follow `modeling_modernbert_decoder.py` in
transformers 5.23; defaults are its config class's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, bert
from paramcalc.families.v2 import gated_mlp, layer_spans, text_tower


def bert_generation(c: HFConfig) -> dict[str, Any]:
    """BertGenerationDecoder: BERT's layers (a cross-attention with is_decoder and
    add_cross_attention), learned positions, an embedding LayerNorm, and lm_head.decoder tied to
    the word embeddings with its bias tied to lm_head.bias."""
    if not c.boolean("tie_word_embeddings"):
        raise c.error(
            "tie_word_embeddings",
            "false unties lm_head.decoder.bias from lm_head.bias, leaving an unused bias of its "
            "own, which paramcalc does not represent",
        )
    return {
        **bert(c),
        "type_vocab_size": 0,
        "pooler": False,
        "lm_head": True,
        "lm_head_bias": True,
        "tie_word_embeddings": True,
    }


def modernbert_spans(c: HFConfig, layers: int) -> list[str]:
    """ModernBertDecoderConfig.__post_init__: every global_attn_every_n_layers-th layer (from
    the first) is full, the others slide."""
    every = c.integer("global_attn_every_n_layers")
    default = ["sliding_attention" if i % every else "full_attention" for i in range(layers)]
    return layer_spans(c, layers, default)


def modernbert_decoder(c: HFConfig) -> dict[str, Any]:
    """ModernBertDecoderLayer: attention (attention_bias on q/k/v/Wo) and a GLU MLP (mlp_bias)
    under LayerNorms of norm_bias, the first layer without its attention norm; the window is
    local_attention // 2, which __post_init__ writes over any sliding_window."""
    window = c.opt_int("local_attention")
    if window is None or window < 2:
        raise c.error("local_attention", "must be at least 2 (sliding layers use half of it)")
    layers = c.integer("num_hidden_layers")
    heads = c.integer("num_attention_heads")
    bias = c.boolean("attention_bias")
    mixer = {"kind": "attention", "num_attention_heads": heads, "qkv_bias": bias, "o_bias": bias}
    mixers = {
        "full_attention": mixer,
        "sliding_attention": {**mixer, "sliding_window": window // 2},
    }
    ffn = gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias"))
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for i, span in enumerate(modernbert_spans(c, layers)):
        key = f"first+{span}" if i == 0 else span
        norms = ["pre_ffn"] if i == 0 else ["input", "pre_ffn"]
        kinds[key] = {"mixer": mixers[span], "ffn": ffn, "norms": norms}
        layer_kinds.append(key)
    norm = "layernorm" if c.boolean("norm_bias") else "layernorm_no_bias"
    tower = text_tower(
        c,
        kinds,
        layer_kinds,
        norm_type=norm,
        embedding_norm=True,
        lm_head_bias=c.boolean("decoder_bias"),
        head_transform={"bias": c.boolean("classifier_bias")},
    )
    return {"text": tower}


#: The roles BertModel names from the model's root (the others are relative to a layer).
MODEL_ROLES = ("embed_tokens", "embed_positions", "embedding_norm", "decoder.layers")
#: BertGenerationDecoder: BertModel's names under `bert.`, the tied head's bias `lm_head.bias`.
BERT_GENERATION = Naming(
    {
        **BERT.names,
        **{role: f"bert.{BERT.names[role]}" for role in MODEL_ROLES},
        "lm_head": "lm_head",
    },
    leaves=BERT.leaves,
)
#: ModernBertDecoderForCausalLM: `model.embeddings`, `attn` with its `Wo`, the MLP's fused `Wi`
#: (gate and up side by side) and `Wo`, the prediction head
#: `lm_head` (dense, norm) and the `decoder`.
MODERNBERT_DECODER = Naming(
    {
        "embed_tokens": "model.embeddings.tok_embeddings",
        "embedding_norm": "model.embeddings.norm",
        "decoder.final_norm": "model.final_norm",
        "input_norm": "attn_norm",
        "pre_ffn_norm": "mlp_norm",
        "attention": "attn",
        "attention.o_proj": "attn.Wo",
        "ffn.down_proj": "mlp.Wo",
        "head_transform": "lm_head.dense",
        "head_transform_norm": "lm_head.norm",
        "lm_head": "decoder",
    },
    fused={"ffn.Wi": ("gate_proj", "up_proj")},
)

FAMILIES = (
    Family(
        "bert-generation",
        {
            **BERT_DEFAULTS,
            "vocab_size": 50358,
            "hidden_size": 1024,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "intermediate_size": 4096,
            "tie_word_embeddings": True,
        },
        (bert_generation,),
        naming=BERT_GENERATION,
    ),
    Family(
        "modernbert-decoder",
        {
            "vocab_size": 50368,
            "hidden_size": 768,
            "intermediate_size": 1152,
            "num_hidden_layers": 22,
            "num_attention_heads": 12,
            "norm_bias": False,
            "attention_bias": False,
            "mlp_bias": False,
            "decoder_bias": True,
            "classifier_bias": False,
            "local_attention": 128,
            "layer_types": None,
            # not a field: __post_init__ reads it from the kwargs (default 3)
            "global_attn_every_n_layers": 3,
            "tie_word_embeddings": True,
        },
        (modernbert_decoder,),
        naming=MODERNBERT_DECODER,
    ),
)
