"""BERT-like encoders the flat form cannot say, in the v2 form, as `AutoModel` builds them.

ELECTRA, RemBERT and RoFormer keep BERT's post-norm layers under BERT's module names but embed
at a width of their own (every table and the embedding LayerNorm at embedding_size, then one
biased projection to hidden_size); RoFormer's rotary attention reads a sinusoid table one head
wide. LayoutLM adds four 2-D position tables; RoCBERT pronunciation and shape tables mapped
in with the token embedding. Tables hold the defaults of each config class in
transformers 5.23.0; builds follow each family's `modeling_*.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, table_rows
from paramcalc.families.heads import BERT_MLM_NAMES, MaskedLM


def bert_attention(c: HFConfig, **extra: Any) -> dict[str, Any]:
    """BertSelfAttention: biased query/key/value of hidden_size // heads per head."""
    heads, hidden = c.integer("num_attention_heads"), c.integer("hidden_size")
    if hidden % heads:
        # the models skip their own divisibility check when the config has embedding_size
        raise c.error("num_attention_heads", f"must divide hidden_size={hidden}")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": hidden // heads,
        "qkv_bias": True,
        "o_bias": True,
        **extra,
    }


def cross_attention(c: HFConfig) -> bool:
    """Whether each layer has BERT's crossattention block (a decoder's add_cross_attention)."""
    cross = c.boolean("add_cross_attention")
    if cross and not c.boolean("is_decoder"):
        raise c.error(
            "add_cross_attention",
            "true needs is_decoder true (the layer refuses cross-attention in an encoder)",
        )
    return cross


def bert_block(c: HFConfig, mixer: dict[str, Any], cross: bool) -> dict[str, Any]:
    """A post-norm BERT layer: attention (and cross-attention), a biased MLP, LayerNorms."""
    return {
        "mixer": mixer,
        "cross_attention": bert_attention(c) if cross else None,
        "ffn": {"kind": "mlp", "intermediate_size": c.integer("intermediate_size"), "bias": True},
        "norms": ["post_mixer", "post_cross", "post_ffn"] if cross else ["post_mixer", "post_ffn"],
    }


def bert_text(
    c: HFConfig,
    mixer: dict[str, Any],
    cross: bool,
    pooler: bool,
    token_types: bool = True,
    **tower: Any,
) -> dict[str, Any]:
    """A BERT-like text tower: learned positions, token types, embedding LayerNorm, no head."""
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "position_embeddings": c.integer("max_position_embeddings"),
        "type_vocab_size": table_rows(c, "type_vocab_size") if token_types else 0,
        "embedding_norm": True,
        "norm_type": "layernorm",
        "stacks": [
            {
                "name": "decoder",
                "num_hidden_layers": c.integer("num_hidden_layers"),
                "block": bert_block(c, mixer, cross),
                "final_norm": False,
            }
        ],
        "lm_head": False,
        "pooler": pooler,
        **tower,
    }


def electra(c: HFConfig) -> dict[str, Any]:
    """ElectraModel: embeddings at embedding_size, embeddings_project when it differs."""
    width, hidden = c.integer("embedding_size"), c.integer("hidden_size")
    projected: dict[str, Any] = (
        {"embedding_size": width, "embedding_projection": "in"} if width != hidden else {}
    )
    text = bert_text(c, bert_attention(c), cross_attention(c), pooler=False, **projected)
    return {"text": text}


def rembert(c: HFConfig) -> dict[str, Any]:
    """RemBertModel: embeddings at input_embedding_size, always mapped in by a projection."""
    # output_embedding_size only sizes the masked-LM head, which AutoModel does not build
    width = c.integer("input_embedding_size")
    text = bert_text(
        c,
        bert_attention(c),
        cross_attention(c),
        pooler=True,
        embedding_size=width,
        embedding_projection="in",
    )
    return {"text": text}


def layoutlm(c: HFConfig) -> dict[str, Any]:
    """LayoutLMModel: BERT's with four 2-D position tables for each token's box."""
    boxes = c.integer("max_2d_position_embeddings")
    mixer = bert_attention(c)
    return {"text": bert_text(c, mixer, cross=False, pooler=True, box_position_embeddings=boxes)}


def roformer(c: HFConfig) -> dict[str, Any]:
    """RoFormerModel: rotary attention reading the encoder's sinusoid table, one head wide (a
    frozen parameter); embeddings at embedding_size, projected in when it differs."""
    hidden = c.integer("hidden_size")
    # RoFormerConfig.__post_init__: a null embedding_size is hidden_size
    width = c.opt_int("embedding_size") or hidden
    projected: dict[str, Any] = (
        {"embedding_size": width, "embedding_projection": "in"} if width != hidden else {}
    )
    mixer = bert_attention(c)  # rotary_value rotates the values too: no tensor of its own
    text = bert_text(c, mixer, cross_attention(c), pooler=False, **projected)
    text["position_embeddings"] = 0
    text["stacks"][0] |= {
        "position_embeddings": c.integer("max_position_embeddings"),
        "position_width": mixer["head_dim"],
    }
    return {"text": text}


def roc_bert(c: HFConfig) -> dict[str, Any]:
    """RoCBertModel: BERT's, with pronunciation and shape tables (always built) concatenated
    to the token embedding, when enabled, and mapped to hidden_size under concat_input."""
    concat = c.boolean("concat_input")
    tables = [
        {
            "role": f"{kind}_embeddings",
            "rows": c.integer(f"{kind}_vocab_size"),
            "width": c.integer(f"{kind}_embed_dim"),
            "concatenated": concat and c.boolean(f"enable_{kind}"),
        }
        for kind in ("pronunciation", "shape")
    ]
    text = bert_text(c, bert_attention(c), cross_attention(c), pooler=True)
    return {"text": text | {"input_tables": tables, "input_mapping": concat}}


ROC_BERT = Naming(
    {
        **BERT.names,
        "pronunciation_embeddings": "embeddings.pronunciation_embed",
        "shape_embeddings": "embeddings.shape_embed",
        "input_mapping": "embeddings.map_inputs_layer",
    },
    BERT.leaves,
)
#: ElectraModel's and RemBertModel's projection into the residual stream.
ELECTRA = Naming({**BERT.names, "embedding_projection": "embeddings_project"}, BERT.leaves)
REMBERT = Naming(
    {**BERT.names, "embedding_projection": "encoder.embedding_hidden_mapping_in"}, BERT.leaves
)
LAYOUTLM = Naming(
    {
        **BERT.names,
        **{f"embed_{axis}_positions": f"embeddings.{axis}_position_embeddings" for axis in "xyhw"},
    },
    BERT.leaves,
)
ROFORMER = Naming(
    {
        **ELECTRA.names,
        "decoder.embed_positions": "encoder.embed_positions",
    },
    BERT.leaves,
)

#: ElectraForMaskedLM (the generator): generator_predictions maps to embedding_size, then
#: generator_lm_head (tied, with its own bias).
ELECTRA_MLM = MaskedLM(
    "electra",
    {
        "head_transform": "generator_predictions.dense",
        "head_transform_norm": "generator_predictions.LayerNorm",
        "lm_head": "generator_lm_head",
    },
    width="embedding_size",
    shared_bias=False,
    decoder_bias=True,
)
#: RemBertForMaskedLM: cls.predictions maps to output_embedding_size, and its biased decoder
#: is never tied (RemBERT's input and output embeddings differ by design).
REMBERT_MLM = MaskedLM(
    "rembert",
    {
        "head_transform": "cls.predictions.dense",
        "head_transform_norm": "cls.predictions.LayerNorm",
        "lm_head": "cls.predictions.decoder",
    },
    width="output_embedding_size",
    shared_bias=False,
    decoder_bias=True,
    ties=False,
)

FAMILIES = (
    Family(
        "electra",
        {
            **BERT_DEFAULTS,
            "embedding_size": 128,
            "hidden_size": 256,
            "num_attention_heads": 4,
            "intermediate_size": 1024,
        },
        (electra,),
        naming=ELECTRA,
        notes="pre-training checkpoints also hold the discriminator or generator heads, "
        "which AutoModel does not build",
        mlm=ELECTRA_MLM,
    ),
    Family(
        "rembert",
        {
            **BERT_DEFAULTS,
            "vocab_size": 250300,
            "hidden_size": 1152,
            "num_hidden_layers": 32,
            "num_attention_heads": 18,
            "input_embedding_size": 256,
            "output_embedding_size": 1664,
            "intermediate_size": 4608,
        },
        (rembert,),
        naming=REMBERT,
        notes="masked-LM checkpoints also hold the head (cls.*, at output_embedding_size), "
        "which AutoModel does not build",
        mlm=REMBERT_MLM,
    ),
    Family(
        "layoutlm",
        {**BERT_DEFAULTS, "max_2d_position_embeddings": 1024},
        (layoutlm,),
        naming=LAYOUTLM,
        notes="masked-LM checkpoints also hold the head (cls.*), which AutoModel does not build",
        mlm=MaskedLM("layoutlm", BERT_MLM_NAMES, pooler=True),
    ),
    Family(
        "roformer",
        {
            **BERT_DEFAULTS,
            "vocab_size": 50000,
            "embedding_size": None,
            "max_position_embeddings": 1536,
            "rotary_value": False,
        },
        (roformer,),
        naming=ROFORMER,
        notes="masked-LM checkpoints also hold the head (cls.*), which AutoModel does not build",
        mlm=MaskedLM("roformer", BERT_MLM_NAMES, width="embedding_size"),
    ),
    Family(
        "roc_bert",
        {
            **BERT_DEFAULTS,
            "enable_pronunciation": True,
            "enable_shape": True,
            "pronunciation_embed_dim": 768,
            "pronunciation_vocab_size": 910,
            "shape_embed_dim": 512,
            "shape_vocab_size": 24858,
            "concat_input": True,
        },
        (roc_bert,),
        naming=ROC_BERT,
        notes="pre-training checkpoints also hold the masked-LM head (cls.*), which AutoModel "
        "does not build",
        mlm=MaskedLM("roc_bert", BERT_MLM_NAMES),
    ),
)
