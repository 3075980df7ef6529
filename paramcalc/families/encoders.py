"""Encoders and encoder-decoders: BERT and RoBERTa (as `AutoModel` builds them) and T5.

Tables hold the defaults of each config class in transformers 5.23.0; builds follow
`modeling_bert.py`, `modeling_roberta.py` and `modeling_t5.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import InputError, describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM


def table_rows(c: HFConfig, name: str) -> int:
    """Rows of an embedding table the model always builds (BERT's token types, T5's buckets)."""
    rows = c.integer(name, minimum=0)
    if rows == 0:
        # transformers builds the table all the same, a zero-element tensor in named_parameters
        raise c.error(name, "0 builds a zero-element table, which paramcalc does not list")
    return rows


def bert(c: HFConfig) -> dict[str, Any]:
    """BertModel with its pooler: post-norm layers, embedding LayerNorm, no LM head."""
    cross = c.boolean("add_cross_attention")
    if cross and not c.boolean("is_decoder"):
        raise c.error(
            "add_cross_attention",
            "true needs is_decoder true (BertLayer refuses cross-attention in an encoder)",
        )
    return {
        # BertLayer of a decoder with add_cross_attention: a crossattention block like attention
        "cross_attention": cross,
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": c.integer("num_attention_heads"),
        "intermediate_size": c.integer("intermediate_size"),
        # RoBERTa's padding offset is already part of max_position_embeddings (514)
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "type_vocab_size": table_rows(c, "type_vocab_size"),
        **POST_NORM_ENCODER,
        # AutoModel builds BertModel(add_pooling_layer=True): a pooler and no LM head to tie
        "pooler": True,
    }


#: BERT's layer layout, shared by the encoders built like it: learned positions, biased
#: projections, LayerNorm after attention and after the MLP (BertSelfOutput / BertOutput), an
#: embedding LayerNorm, no final norm, and no language-model head in the bare model.
POST_NORM_ENCODER: dict[str, Any] = {
    "position_embedding_type": "learned",
    "norm_type": "layernorm",
    "gated_ffn": False,
    "qkv_bias": True,
    "attention_out_bias": True,
    "ffn_bias": True,
    "attention_input_norm": False,
    "attention_output_norm": True,
    "ffn_input_norm": False,
    "ffn_output_norm": True,
    "embedding_norm": True,
    "final_norm": False,
    "lm_head": False,
    "tie_word_embeddings": False,
}


def t5_gated(c: HFConfig) -> bool:
    """T5Config: feed_forward_proj is ACT or gated-ACT; gated uses wi_0, wi_1 and wo."""
    proj = c.string("feed_forward_proj")
    parts = proj.split("-")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "gated"):
        raise c.error(
            "feed_forward_proj",
            f"must be ACT or gated-ACT (e.g. relu, gated-gelu), got {describe(proj)}",
        )
    return parts[0] == "gated"


def t5_decoder_layers(c: HFConfig) -> int:
    """num_decoder_layers, by default the declared num_layers field."""
    decoder = c.opt_int("num_decoder_layers")
    if decoder is not None:
        return decoder
    # T5Config.__post_init__ reads the declared num_layers field, before the num_hidden_layers
    # alias overrides it: with only the alias given, the decoder keeps the default 6 layers.
    declared = c.data.get("num_layers", c.family.defaults["num_layers"])
    if isinstance(declared, bool) or not isinstance(declared, int) or declared < 1:
        raise InputError(
            c.where, f"must be a positive integer, got {describe(declared)}", "num_layers"
        )
    return declared


def t5(c: HFConfig) -> dict[str, Any]:
    """T5ForConditionalGeneration: shared embedding, encoder and decoder stacks, T5LayerNorm."""
    # T5Config always ties; a file with tie_word_embeddings false comes with a checkpoint that
    # carries its own lm_head, which from_pretrained then leaves untied (flan-t5, T5 v1.1).
    tied = c.opt_bool("tie_word_embeddings") is not False
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("d_model"),
        "num_hidden_layers": c.integer("num_layers"),
        "num_decoder_layers": t5_decoder_layers(c),
        "num_attention_heads": c.integer("num_heads"),
        "head_dim": c.integer("d_kv"),
        "intermediate_size": c.integer("d_ff"),
        "gated_ffn": t5_gated(c),
        "is_encoder_decoder": True,
        "position_embedding_type": "relative",
        "relative_attention_num_buckets": table_rows(c, "relative_attention_num_buckets"),
        "tie_word_embeddings": tied,
        "norm_type": "rmsnorm",
        **({"naming": "t5/gated"} if t5_gated(c) else {}),
    }


BERT_DEFAULTS = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "add_cross_attention": False,
    "is_decoder": False,
}
#: BertModel's names (AutoModel: no `bert.` prefix, no masked-LM head).
BERT = Naming(
    {
        "embed_tokens": "embeddings.word_embeddings",
        "embed_positions": "embeddings.position_embeddings",
        "token_type_embeddings": "embeddings.token_type_embeddings",
        "embedding_norm": "embeddings.LayerNorm",
        "decoder.layers": "encoder.layer",
        "attention": "attention.self",
        "attention.o_proj": "attention.output.dense",
        "post_mixer_norm": "attention.output.LayerNorm",
        "ffn.up_proj": "intermediate.dense",
        "ffn.down_proj": "output.dense",
        "post_ffn_norm": "output.LayerNorm",
        "cross_attention": "crossattention.self",
        "cross_attention.o_proj": "crossattention.output.dense",
        "post_cross_norm": "crossattention.output.LayerNorm",
    },
    leaves={
        f"{mixer}.{x}_proj": name
        for mixer in ("attention", "cross_attention")
        for x, name in (("q", "query"), ("k", "key"), ("v", "value"))
    },
)
#: T5ForConditionalGeneration's names: the decoder's feed-forward sits one sub-layer later.
T5_NAMES = {
    "embed_tokens": "shared",
    "encoder.layers": "encoder.block",
    "decoder.layers": "decoder.block",
    "encoder.final_norm": "encoder.final_layer_norm",
    "decoder.final_norm": "decoder.final_layer_norm",
    "input_norm": "layer.0.layer_norm",
    "attention": "layer.0.SelfAttention",
    "pre_cross_norm": "layer.1.layer_norm",
    "cross_attention": "layer.1.EncDecAttention",
    "pre_ffn_norm": "layer.1.layer_norm",
    "decoder/pre_ffn_norm": "layer.2.layer_norm",
    "ffn": "layer.1.DenseReluDense",
    "decoder/ffn": "layer.2.DenseReluDense",
}
T5_LEAVES = {
    f"{mixer}.{x}_proj": x for mixer in ("attention", "cross_attention") for x in "qkvo"
} | {"ffn.up_proj": "wi", "ffn.down_proj": "wo"}
T5 = Naming(T5_NAMES, T5_LEAVES)
T5_GATED = Naming(T5_NAMES, T5_LEAVES | {"ffn.gate_proj": "wi_0", "ffn.up_proj": "wi_1"})

FAMILIES = (
    Family(
        "bert",
        BERT_DEFAULTS,
        (bert,),
        naming=BERT,
        notes="pre-training checkpoints also hold the masked-LM and next-sentence heads "
        "(cls.*), which AutoModel does not build",
        mlm=MaskedLM("bert", BERT_MLM_NAMES),
    ),
    Family(
        "roberta",
        {**BERT_DEFAULTS, "vocab_size": 50265},
        (bert,),
        naming=BERT,
        notes="checkpoints also hold the masked-LM head (lm_head.*), which AutoModel does "
        "not build",
        mlm=MaskedLM("roberta", ROBERTA_MLM_NAMES),
    ),
    Family(
        "t5",
        {
            "vocab_size": 32128,
            "d_model": 512,
            "d_kv": 64,
            "d_ff": 2048,
            "num_layers": 6,
            "num_decoder_layers": None,
            "num_heads": 8,
            "relative_attention_num_buckets": 32,
            "feed_forward_proj": "relu",
            "tie_word_embeddings": None,
        },
        (t5,),
        {
            "d_model": ("hidden_size",),
            "num_heads": ("num_attention_heads",),
            "num_layers": ("num_hidden_layers",),
            "d_kv": ("head_dim",),
        },
        naming=T5,
        variants={"gated": T5_GATED},
        notes="checkpoints store the shared embedding again as encoder.embed_tokens and "
        "decoder.embed_tokens (one tensor, counted once)",
    ),
)
