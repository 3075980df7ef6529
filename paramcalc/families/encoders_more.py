"""More BERT-like encoders, as `AutoModel` builds them (with the pooler where there is one).

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
family's `modeling_*.py`. XLM-RoBERTa, CamemBERT and data2vec-text are RoBERTa copies; the
pre-norm ones (RoBERTa-PreLayerNorm, XLM-RoBERTa-XL, Megatron-BERT) keep BERT's modules and
move the LayerNorms before attention and the MLP, with one after the last layer.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig, Rule
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, POST_NORM_ENCODER, bert
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM

#: What RoBERTa-style checkpoints store beyond what AutoModel builds.
ROBERTA_NOTES = (
    "checkpoints also hold the masked-LM head (lm_head.*), which AutoModel does not build"
)


def pre_norm(embedding_norm: bool) -> Rule:
    """BERT moved to pre-norm: a LayerNorm before each sub-layer and one after the stack."""

    def rule(c: HFConfig) -> dict[str, Any]:
        return {
            "attention_input_norm": True,
            "attention_output_norm": False,
            "ffn_input_norm": True,
            "ffn_output_norm": False,
            "final_norm": True,
            "embedding_norm": embedding_norm,
        }

    rule.__doc__ = f"pre-norm layers and a final norm; embedding norm: {embedding_norm}"
    return rule


def distilbert(c: HFConfig) -> dict[str, Any]:
    """DistilBertModel: BERT's post-norm layers without token types or a pooler."""
    # sinusoidal_pos_embds only fills the position table: it stays a parameter
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("dim"),
        "num_hidden_layers": c.integer("n_layers"),
        "num_attention_heads": c.integer("n_heads"),
        "intermediate_size": c.integer("hidden_dim"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        **POST_NORM_ENCODER,
    }


def pre_norm_naming(names: dict[str, str]) -> Naming:
    """BERT's names with a pre-norm family's LayerNorms."""
    return Naming({**BERT.names, **names}, BERT.leaves)


#: RobertaPreLayerNormModel: the attention's LayerNorm sits beside attention.self, the MLP's in
#: `intermediate`, the final one on the model itself.
ROBERTA_PRELAYERNORM = pre_norm_naming(
    {
        "input_norm": "attention.LayerNorm",
        "pre_cross_norm": "crossattention.LayerNorm",
        "pre_ffn_norm": "intermediate.LayerNorm",
        "decoder.final_norm": "LayerNorm",
    }
)
XLM_ROBERTA_XL = pre_norm_naming(
    {
        "input_norm": "attention.self_attn_layer_norm",
        "pre_cross_norm": "crossattention.self_attn_layer_norm",
        "pre_ffn_norm": "LayerNorm",
        "decoder.final_norm": "encoder.LayerNorm",
    }
)
MEGATRON_BERT = pre_norm_naming(
    {
        "input_norm": "attention.ln",
        "pre_cross_norm": "crossattention.ln",
        "pre_ffn_norm": "ln",
        "decoder.final_norm": "encoder.ln",
    }
)
DISTILBERT = Naming(
    {
        "embed_tokens": "embeddings.word_embeddings",
        "embed_positions": "embeddings.position_embeddings",
        "embedding_norm": "embeddings.LayerNorm",
        "decoder.layers": "transformer.layer",
        "attention": "attention",
        "post_mixer_norm": "sa_layer_norm",
        "ffn": "ffn",
        "post_ffn_norm": "output_layer_norm",
    },
    {
        "attention.q_proj": "q_lin",
        "attention.k_proj": "k_lin",
        "attention.v_proj": "v_lin",
        "attention.o_proj": "out_lin",
        "ffn.up_proj": "lin1",
        "ffn.down_proj": "lin2",
    },
)

#: DistilBertForMaskedLM: vocab_transform and vocab_layer_norm, then vocab_projector (tied,
#: with its own bias).
DISTILBERT_MLM = MaskedLM(
    "distilbert",
    {
        "head_transform": "vocab_transform",
        "head_transform_norm": "vocab_layer_norm",
        "lm_head": "vocab_projector",
    },
    shared_bias=False,
    decoder_bias=True,
)

FAMILIES = (
    Family(
        "xlm-roberta",
        BERT_DEFAULTS,
        (bert,),
        naming=BERT,
        notes=ROBERTA_NOTES,
        mlm=MaskedLM("roberta", ROBERTA_MLM_NAMES, head_first=True),
    ),
    Family(
        "camembert",
        BERT_DEFAULTS,
        (bert,),
        naming=BERT,
        notes=ROBERTA_NOTES,
        mlm=MaskedLM("roberta", ROBERTA_MLM_NAMES, head_first=True),
    ),
    Family(
        "data2vec-text",
        BERT_DEFAULTS,
        (bert,),
        naming=BERT,
        notes=ROBERTA_NOTES,
        mlm=MaskedLM("data2vec_text", ROBERTA_MLM_NAMES),
    ),
    Family(
        "roberta-prelayernorm",
        {**BERT_DEFAULTS, "vocab_size": 50265},
        (bert, pre_norm(embedding_norm=True)),
        naming=ROBERTA_PRELAYERNORM,
        notes=ROBERTA_NOTES,
        mlm=MaskedLM("roberta_prelayernorm", ROBERTA_MLM_NAMES),
    ),
    Family(
        "xlm-roberta-xl",
        {
            **BERT_DEFAULTS,
            "vocab_size": 250880,
            "hidden_size": 2560,
            "num_hidden_layers": 36,
            "num_attention_heads": 32,
            "intermediate_size": 10240,
            "max_position_embeddings": 514,
            "type_vocab_size": 1,
        },
        (bert, pre_norm(embedding_norm=False)),
        naming=XLM_ROBERTA_XL,
        notes=ROBERTA_NOTES,
        mlm=MaskedLM("roberta", ROBERTA_MLM_NAMES),
    ),
    Family(
        "megatron-bert",
        {
            **BERT_DEFAULTS,
            "vocab_size": 29056,
            "hidden_size": 1024,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "intermediate_size": 4096,
        },
        (bert, pre_norm(embedding_norm=False)),
        naming=MEGATRON_BERT,
        notes="checkpoints also hold the pre-training heads (cls.*), which AutoModel does "
        "not build",
        mlm=MaskedLM("bert", BERT_MLM_NAMES),
    ),
    Family(
        "distilbert",
        {
            "vocab_size": 30522,
            "max_position_embeddings": 512,
            "n_layers": 6,
            "n_heads": 12,
            "dim": 768,
            "hidden_dim": 3072,
        },
        (distilbert,),
        {
            "dim": ("hidden_size",),
            "n_heads": ("num_attention_heads",),
            "n_layers": ("num_hidden_layers",),
        },
        naming=DISTILBERT,
        notes="masked-LM checkpoints also hold vocab_transform, vocab_layer_norm and "
        "vocab_projector, which AutoModel does not build",
        mlm=DISTILBERT_MLM,
    ),
)
