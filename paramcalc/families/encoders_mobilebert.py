"""MobileBERT as `AutoModel` builds it (transformers 5.23): bottlenecked BERT layers.

The token table is embedding_size wide; embedding_transformation maps it (with its two
neighbours' under trigram_input) to hidden_size, beside position and token-type tables of
hidden_size. With use_bottleneck each layer runs its attention and MLPs at
intra_bottleneck_size between an input and an output bottleneck (core/bottleneck.py); the
value projection reads the layer's input unless use_bottleneck_attention. NoNorm (an
elementwise scale and bias) holds what a LayerNorm holds. The pooler has a dense layer only
with classifier_activation. Builds follow `modeling_mobilebert.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, table_rows
from paramcalc.families.heads import BERT_MLM_NAMES, MaskedLM


def inner_width(c: HFConfig) -> int:
    """true_hidden_size: intra_bottleneck_size with use_bottleneck, else hidden_size."""
    if c.boolean("use_bottleneck"):
        return c.integer("intra_bottleneck_size")
    return c.integer("hidden_size")


def attention(c: HFConfig, inner: int) -> dict[str, Any]:
    """MobileBertSelfAttention at the inner width; the value reads hidden_size unless
    use_bottleneck_attention."""
    heads, hidden = c.integer("num_attention_heads"), c.integer("hidden_size")
    if inner % heads:
        raise c.error("num_attention_heads", f"must divide the attention's width {inner}")
    value_input = inner if c.boolean("use_bottleneck_attention") else hidden
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "head_dim": inner // heads,
        "qkv_bias": True,
        "o_bias": True,
        "value_input_size": value_input,
    }


def layer_extras(c: HFConfig, inner: int) -> list[dict[str, Any]]:
    """The bottlenecks (use_bottleneck) and the num_feedforward_networks - 1 further MLPs."""
    extras: list[dict[str, Any]] = []
    if c.boolean("use_bottleneck"):
        extras.append(
            {
                "kind": "bottleneck",
                "outer": c.integer("hidden_size"),
                "shared_query_key": c.boolean("key_query_shared_bottleneck"),
                "shared_runs": not c.boolean("use_bottleneck_attention"),
            }
        )
    ffns = c.integer("num_feedforward_networks", minimum=0)
    if ffns > 1:
        width = c.integer("intermediate_size")
        extras.append({"kind": "stacked_ffns", "count": ffns - 1, "intermediate_size": width})
    return extras


def mobilebert(c: HFConfig) -> dict[str, Any]:
    """MobileBertModel: the embedding transformation, bottlenecked post-norm layers, the
    pooler's dense layer under classifier_activation."""
    norm = c.raw("normalization_type")
    if norm not in ("no_norm", "layer_norm"):
        raise c.error("normalization_type", f"must be no_norm or layer_norm, got {describe(norm)}")
    hidden, inner = c.integer("hidden_size"), inner_width(c)
    block = {
        "mixer": attention(c, inner),
        "ffn": {"kind": "mlp", "intermediate_size": c.integer("intermediate_size"), "bias": True},
        "norms": ["post_mixer", "post_ffn"],
        "extras": layer_extras(c, inner),
    }
    stack = {
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "block": block,
        "final_norm": False,
        **({"hidden_size": inner} if inner != hidden else {}),
    }
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "embedding_size": c.integer("embedding_size"),
        "input_mapping": True,
        "trigram_input": c.boolean("trigram_input"),
        "position_embeddings": c.integer("max_position_embeddings"),
        "type_vocab_size": table_rows(c, "type_vocab_size"),
        "embedding_norm": True,
        "norm_type": "layernorm",
        "stacks": [stack],
        "lm_head": False,
        "pooler": c.boolean("classifier_activation"),
    }
    return {"text": text}


MOBILEBERT = Naming(
    {
        **BERT.names,
        "input_mapping": "embeddings.embedding_transformation",
        "stacked_ffns": "ffn",
    },
    BERT.leaves,
)


def mobilebert_head_widths(c: HFConfig) -> None:
    """MobileBertLMPredictionHead's dense scores hidden_size - embedding_size columns: equal
    widths leave it empty (0 x vocab), and a wider embedding cannot build."""
    hidden, width = c.integer("hidden_size"), c.integer("embedding_size")
    if width >= hidden:
        raise c.error(
            "embedding_size",
            f"must be below hidden_size={hidden} for the masked-LM head's "
            f"cls.predictions.dense (hidden_size - embedding_size rows), got {width}",
        )


#: MobileBertForMaskedLM: BERT's head with a hidden-wide transform, its tied decoder reading
#: embedding_size columns and cls.predictions.dense the rest (stored vocab x the rest).
MOBILEBERT_MLM = MaskedLM(
    "mobilebert",
    {**BERT_MLM_NAMES, "head_remainder": "cls.predictions.dense"},
    head_remainder=True,
    check=mobilebert_head_widths,
)

FAMILIES = (
    Family(
        "mobilebert",
        {
            "vocab_size": 30522,
            "hidden_size": 512,
            "num_hidden_layers": 24,
            "num_attention_heads": 4,
            "intermediate_size": 512,
            "max_position_embeddings": 512,
            "type_vocab_size": 2,
            "embedding_size": 128,
            "trigram_input": True,
            "use_bottleneck": True,
            "intra_bottleneck_size": 128,
            "use_bottleneck_attention": False,
            "key_query_shared_bottleneck": True,
            "num_feedforward_networks": 4,
            "normalization_type": "no_norm",
            "classifier_activation": True,
        },
        (mobilebert,),
        naming=MOBILEBERT,
        notes="pre-training checkpoints also hold the masked-LM and next-sentence heads "
        "(cls.*), which AutoModel does not build",
        mlm=MOBILEBERT_MLM,
    ),
)
