"""DeBERTa and DeBERTa-v2 as `AutoModel` builds them (transformers 5.23): BERT's post-norm
layers with disentangled attention.

With relative_attention, the encoder holds one relative position table (`rel_embeddings`,
2 x max_relative_positions rows, or 2 x position_buckets in v2) that every layer projects
to position keys (c2p) and position queries (p2c). v1 fuses query, key and value into one
unbiased in_proj with q_bias and v_bias beside it, its position-key projection has no bias,
and talking_head mixes the heads' scores and probabilities; v2 keeps biased query/key/value
projections, can share them with the positions (share_att_key), norm the table
(norm_rel_ebd) and convolve the first layer's input (conv_kernel_size). An embedding_size
other than hidden_size makes every table that wide and adds an unbiased embed_proj before
the embedding LayerNorm. Neither bare model has a pooler. Keys the config classes do not
declare but the models read (`getattr(config, ...)`) are read the same way, their defaults
the models'. Builds follow `modeling_deberta.py` and `modeling_deberta_v2.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders_v2 import bert_attention, bert_text
from paramcalc.families.heads import BERT_MLM_NAMES, MaskedLM


def score_kinds(c: HFConfig) -> set[str]:
    """pos_att_type: a list, or a string split at `|` (lowercased), as DebertaConfig does."""
    value = c.raw("pos_att_type")
    if value is None:
        return set()
    if isinstance(value, str):
        return {x.strip() for x in value.lower().split("|")}
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise c.error(
            "pos_att_type", f"must be a string or a list of strings, got {describe(value)}"
        )
    return set(value)


def relative_span(c: HFConfig) -> int:
    """max_relative_positions, or max_position_embeddings when it is below 1."""
    span = c.raw("max_relative_positions")
    if isinstance(span, bool) or not isinstance(span, int):
        raise c.error("max_relative_positions", f"must be an integer, got {describe(span)}")
    return span if span >= 1 else c.integer("max_position_embeddings")


def embedding_width(c: HFConfig) -> dict[str, Any]:
    """embedding_size (the model's getattr, hidden_size when absent): every table that wide,
    then an unbiased embed_proj to hidden_size before the embedding LayerNorm."""
    if c.has("embedding_size") and c.raw("embedding_size") is None:
        raise c.error("embedding_size", "null fails to build (an embedding of None columns)")
    hidden, width = c.integer("hidden_size"), c.opt_int("embedding_size")
    if width is None or width == hidden:
        return {}
    return {"embedding_size": width, "embedding_projection": "in_before_norm"}


def encoder(c: HFConfig, mixer: dict[str, Any], table_rows: int, **stack: Any) -> dict[str, Any]:
    """The bare model: word, position (position_biased_input) and token-type (when
    type_vocab_size > 0) tables, the embedding LayerNorm, post-norm layers, no pooler."""
    text = bert_text(c, mixer, cross=False, pooler=False, token_types=False)
    positions = c.integer("max_position_embeddings") if c.boolean("position_biased_input") else 0
    text |= {
        "position_embeddings": positions,
        "type_vocab_size": c.integer("type_vocab_size", minimum=0),
        **embedding_width(c),
    }
    text["stacks"][0] |= {"relative_positions": table_rows, **stack}
    return {"text": text}


def deberta(c: HFConfig) -> dict[str, Any]:
    """DebertaModel: in_proj with q_bias and v_bias, pos_proj (c2p) and pos_q_proj (p2c), and
    with talking_head the heads' score and probability projections."""
    mixer = bert_attention(
        c, qkv_bias=False, query_value_bias=True, talking_heads=c.boolean("talking_head")
    )
    kinds, rows = score_kinds(c) & {"c2p", "p2c"}, 0
    if c.boolean("relative_attention"):
        span = relative_span(c)
        rows = 2 * span
        if kinds:
            mixer["relative_scores"] = {
                "c2p": "c2p" in kinds,
                "p2c": "p2c" in kinds,
                "key_bias": False,
                "span": span,
                "span_capped": True,
            }
    return encoder(c, mixer, rows)


def v2_span(c: HFConfig) -> int:
    """pos_ebd_size: position_buckets when positive, else the relative span."""
    buckets = c.raw("position_buckets")
    if isinstance(buckets, bool) or not isinstance(buckets, int):
        raise c.error("position_buckets", f"must be an integer, got {describe(buckets)}")
    return buckets if buckets > 0 else relative_span(c)


def v2_conv(c: HFConfig) -> dict[str, Any] | None:
    """DeBERTa-v2's ConvLayer, built when conv_kernel_size > 0."""
    kernel = c.raw("conv_kernel_size")
    if isinstance(kernel, bool) or not isinstance(kernel, int):
        raise c.error("conv_kernel_size", f"must be an integer, got {describe(kernel)}")
    if kernel <= 0:
        return None
    groups, hidden = c.integer("conv_groups"), c.integer("hidden_size")
    if hidden % groups:
        raise c.error("conv_groups", f"{groups} must divide hidden_size={hidden}")
    return {"kernel": kernel, "groups": groups}


def rel_norm(c: HFConfig) -> bool:
    """norm_rel_ebd: `|`-separated options; layer_norm norms the relative position table."""
    value = c.raw("norm_rel_ebd")
    if not isinstance(value, str):
        raise c.error("norm_rel_ebd", f"must be a string, got {describe(value)}")
    return "layer_norm" in {x.strip() for x in value.lower().split("|")}


def deberta_v2(c: HFConfig) -> dict[str, Any]:
    """DebertaV2Model: biased query/key/value, pos_key_proj and pos_query_proj unless
    share_att_key, the table's LayerNorm and the first layer's convolution."""
    mixer = bert_attention(c)
    size = c.raw("attention_head_size")
    if size is not None and size != mixer["head_dim"]:
        raise c.error(
            "attention_head_size",
            f"other than hidden_size / num_attention_heads ({mixer['head_dim']}) does not fit "
            "the output projection, not supported",
        )
    kinds, rows = score_kinds(c) & {"c2p", "p2c"}, 0
    shared = c.boolean("share_att_key")
    if c.boolean("relative_attention"):
        span = v2_span(c)
        rows = 2 * span
        if kinds or shared:
            mixer["relative_scores"] = {
                "c2p": "c2p" in kinds,
                "p2c": "p2c" in kinds,
                "projections": "shared" if shared else "own",
                "span": span,
            }
    return encoder(c, mixer, rows, relative_positions_norm=rel_norm(c), conv=v2_conv(c))


def legacy_head(c: HFConfig) -> None:
    """The masked-LM model's head: the legacy one (cls.predictions, BERT's at embedding_size);
    legacy false builds lm_predictions, whose head multiplies by the token table itself."""
    if not c.boolean("legacy"):
        raise c.error("legacy", "false builds lm_predictions, a head not supported yet")


#: DebertaForMaskedLM's and DebertaV2ForMaskedLM's legacy head, as wide as the token table.
DEBERTA_MLM = MaskedLM("deberta", BERT_MLM_NAMES, width="embedding_size", check=legacy_head)
#: DebertaModel's and DebertaV2Model's shared names: BERT's, the table in the encoder.
COMMON = {
    "embed_tokens": "embeddings.word_embeddings",
    "embed_positions": "embeddings.position_embeddings",
    "token_type_embeddings": "embeddings.token_type_embeddings",
    "embedding_norm": "embeddings.LayerNorm",
    "embedding_projection": "embeddings.embed_proj",
    "decoder.layers": "encoder.layer",
    "decoder.relative_positions": "encoder.rel_embeddings",
    "attention": "attention.self",
    "attention.o_proj": "attention.output.dense",
    "post_mixer_norm": "attention.output.LayerNorm",
    "ffn.up_proj": "intermediate.dense",
    "ffn.down_proj": "output.dense",
    "post_ffn_norm": "output.LayerNorm",
}
DEBERTA = Naming(
    {**COMMON, "attention.pos_key_proj": "attention.self.pos_proj"},
    {"attention.pos_query_proj": "pos_q_proj"},
    fused={"attention.in_proj": ("q_proj", "k_proj", "v_proj")},
)
DEBERTA_V2 = Naming(
    {
        **COMMON,
        "decoder.relative_positions_norm": "encoder.LayerNorm",
        "decoder.conv": "encoder.conv.conv",
        "decoder.conv_norm": "encoder.conv.LayerNorm",
    },
    {
        f"attention.{x}_proj": f"{name}_proj"
        for x, name in (("q", "query"), ("k", "key"), ("v", "value"))
    },
)
#: DebertaConfig's defaults, and those of the keys the models read with getattr.
DEFAULTS = {
    "vocab_size": 50265,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "type_vocab_size": 0,
    "relative_attention": False,
    "max_relative_positions": -1,
    "position_biased_input": True,
    "pos_att_type": None,
    "embedding_size": None,
    "legacy": True,
}

FAMILIES = (
    Family(
        "deberta",
        {**DEFAULTS, "talking_head": False},
        (deberta,),
        naming=DEBERTA,
        mlm=DEBERTA_MLM,
        notes="masked-LM checkpoints also hold the head (lm_predictions.* or cls.*), which "
        "AutoModel does not build",
    ),
    Family(
        "deberta-v2",
        {
            **DEFAULTS,
            "vocab_size": 128100,
            "hidden_size": 1536,
            "num_hidden_layers": 24,
            "num_attention_heads": 24,
            "intermediate_size": 6144,
            "position_buckets": -1,
            "share_att_key": False,
            "norm_rel_ebd": "none",
            "conv_kernel_size": 0,
            "conv_groups": 1,
            "attention_head_size": None,
        },
        (deberta_v2,),
        naming=DEBERTA_V2,
        mlm=DEBERTA_MLM,
        notes="masked-LM checkpoints also hold the head (lm_predictions.* or cls.*), which "
        "AutoModel does not build",
    ),
)
