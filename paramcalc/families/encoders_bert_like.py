"""Encoders whose parameters are BERT's, as `AutoModel` builds them (transformers 5.23).

ERNIE, I-BERT, BigBird, MRA, YOSO and Splinter keep BertModel's embeddings, post-norm layers
and module names; what differs is whether the bare model has a pooler, the name of that
pooler, biases on BigBird's query/key/value, and MRA's and YOSO's position tables, two rows
longer than max_position_embeddings. Options that add modules paramcalc does not say are
refused by name.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, bert
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM


def no_pooler(c: HFConfig) -> dict[str, Any]:
    """The bare model has no pooler (MraModel, YosoModel, SplinterModel)."""
    return {"pooler": False}


def ernie(c: HFConfig) -> dict[str, Any]:
    """ErnieModel: BERT's; use_task_id adds a task-type table paramcalc does not say."""
    if c.boolean("use_task_id"):
        raise c.error("use_task_id", "true adds ERNIE's task_type_embeddings, not supported yet")
    return {}


def ibert(c: HFConfig) -> dict[str, Any]:
    """IBertModel: BERT's parameters; quant_mode adds only buffers."""
    c.boolean("quant_mode")
    return {}


def big_bird(c: HFConfig) -> dict[str, Any]:
    """BigBirdModel: query/key/value biased by use_bias, the output projection always."""
    if c.string("attention_type") not in ("block_sparse", "original_full"):
        raise c.error("attention_type", "must be block_sparse or original_full")
    return {"qkv_bias": c.boolean("use_bias")}


def two_extra_positions(c: HFConfig) -> dict[str, Any]:
    """MRA and YOSO build max_position_embeddings + 2 position rows."""
    return {"position_offset": 2}


def yoso(c: HFConfig) -> dict[str, Any]:
    """YosoModel: a conv_window adds a convolution to attention, which is refused."""
    if c.raw("conv_window") is not None:
        raise c.error("conv_window", "adds a convolution to YOSO's attention, not supported yet")
    return {}


#: BigBirdModel's pooler is `pooler`, a Linear of its own (BertModel's is `pooler.dense`).
BIG_BIRD = Naming({**BERT.names, "pooler": "pooler"}, BERT.leaves)

FAMILIES = (
    Family(
        "ernie",
        {**BERT_DEFAULTS, "use_task_id": False, "task_type_vocab_size": 3},
        (bert, ernie),
        naming=BERT,
        mlm=MaskedLM("ernie", BERT_MLM_NAMES),
    ),
    Family(
        "ibert",
        {**BERT_DEFAULTS, "quant_mode": False},
        (bert, ibert),
        naming=BERT,
        mlm=MaskedLM("ibert", ROBERTA_MLM_NAMES),
    ),
    Family(
        "big_bird",
        {
            **BERT_DEFAULTS,
            "vocab_size": 50358,
            "max_position_embeddings": 4096,
            "attention_type": "block_sparse",
            "use_bias": True,
        },
        (bert, big_bird),
        naming=BIG_BIRD,
        mlm=MaskedLM("bert", BERT_MLM_NAMES, pooler=True),
    ),
    Family(
        "mra",
        {**BERT_DEFAULTS, "vocab_size": 50265, "type_vocab_size": 1},
        (bert, no_pooler, two_extra_positions),
        naming=BERT,
        mlm=MaskedLM("mra", BERT_MLM_NAMES),
    ),
    Family(
        "yoso",
        {
            **BERT_DEFAULTS,
            "vocab_size": 50265,
            "max_position_embeddings": 4096,
            "type_vocab_size": 1,
            "conv_window": None,
        },
        (bert, no_pooler, two_extra_positions, yoso),
        naming=BERT,
        mlm=MaskedLM("yoso", BERT_MLM_NAMES),
    ),
    Family("splinter", BERT_DEFAULTS, (bert, no_pooler), naming=BERT),
)
