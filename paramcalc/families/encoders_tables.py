"""BERT-like encoders with embedding tables of their own, as `AutoModel` builds them.

TAPAS keeps BERT's layers and pooler but embeds each token's place in a table with one
token-type table per entry of type_vocab_sizes (segment, column, row, rank...), summed into
the embedding. LUKE keeps RoBERTa's layers and pooler and adds entity embeddings (an entity
table at entity_emb_size, projected when narrower, with position and token-type tables and a
LayerNorm of their own) and, with use_entity_aware_attention, three more query projections
per layer for the word/entity pairs. Tables hold each config class's defaults in
transformers 5.23.0; builds follow `modeling_tapas.py` and `modeling_luke.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.entities import EntityPredictions
from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, table_rows
from paramcalc.families.encoders_v2 import bert_attention, bert_text, cross_attention
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM, tied_embeddings


def type_vocab_sizes(c: HFConfig) -> tuple[int, ...]:
    """TapasConfig.type_vocab_sizes: the rows of each token-type table."""
    value = c.raw("type_vocab_sizes")
    if not isinstance(value, list | tuple) or any(
        isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value
    ):
        # 0 would build a zero-element table, which paramcalc does not list
        raise c.error(
            "type_vocab_sizes", f"must be a list of positive table sizes, got {describe(value)}"
        )
    return tuple(value)


def tapas(c: HFConfig) -> dict[str, Any]:
    """TapasModel: BERT's layers and pooler, one token-type table per type_vocab_sizes entry."""
    text = bert_text(c, bert_attention(c), cross_attention(c), pooler=True, token_types=False)
    return {"text": text | {"type_vocab_sizes": type_vocab_sizes(c)}}


def luke(c: HFConfig) -> dict[str, Any]:
    """LukeModel: RoBERTa's layers and pooler, entity embeddings, entity-aware queries."""
    aware = c.boolean("use_entity_aware_attention")
    mixer = bert_attention(c, entity_queries=aware)
    entities = {
        "kind": "entity_embeddings",
        "entity_vocab_size": c.integer("entity_vocab_size"),
        "entity_emb_size": c.integer("entity_emb_size"),
        "position_embeddings": c.integer("max_position_embeddings"),
        "type_vocab_size": table_rows(c, "type_vocab_size"),
    }
    # LukeLayer has no cross-attention, whatever add_cross_attention says
    text = bert_text(c, mixer, cross=False, pooler=True)
    return {"text": text | {"extras": [entities]}}


TAPAS = Naming(BERT.names, BERT.leaves)
LUKE = Naming(
    {
        **BERT.names,
        "entities.table": "entity_embeddings.entity_embeddings",
        "entities.projection": "entity_embeddings.entity_embedding_dense",
        "entities.positions": "entity_embeddings.position_embeddings",
        "entities.token_types": "entity_embeddings.token_type_embeddings",
        "entities.norm": "entity_embeddings.LayerNorm",
    },
    {**BERT.leaves, **{f"attention.{p}_q_proj": f"{p}_query" for p in ("w2e", "e2w", "e2e")}},
)


def luke_entity_predictions(c: HFConfig) -> tuple[EntityPredictions, ...]:
    """LukeForMaskedLM's entity_predictions, its decoder tied to the entity table as
    tie_word_embeddings says."""
    head = EntityPredictions(
        entity_vocab_size=c.integer("entity_vocab_size"),
        entity_emb_size=c.integer("entity_emb_size"),
        tied=tied_embeddings(c, True),
    )
    return (head,)


#: LukeForMaskedLM keeps the pooler; its RoBERTa-style lm_head never ties its decoder to the
#: word table (_tied_weights_keys ties only the biases and the entity decoder).
LUKE_MLM = MaskedLM(
    "luke",
    {
        **ROBERTA_MLM_NAMES,
        "entity_head.transform": "entity_predictions.transform.dense",
        "entity_head.transform_norm": "entity_predictions.transform.LayerNorm",
        "entity_head.decoder": "entity_predictions.decoder",
        "entity_head.bias": "entity_predictions.bias",
    },
    pooler=True,
    ties=False,
    extras=luke_entity_predictions,
)

FAMILIES = (
    Family(
        "tapas",
        {
            **BERT_DEFAULTS,
            "max_position_embeddings": 1024,
            "type_vocab_sizes": (3, 256, 256, 2, 256, 256, 10),
        },
        (tapas,),
        naming=TAPAS,
        notes="fine-tuned checkpoints also hold their task heads (cell selection, "
        "aggregation), which AutoModel does not build",
        mlm=MaskedLM("tapas", BERT_MLM_NAMES),
    ),
    Family(
        "luke",
        {
            **BERT_DEFAULTS,
            "vocab_size": 50267,
            "entity_vocab_size": 500000,
            "entity_emb_size": 256,
            "use_entity_aware_attention": True,
        },
        (luke,),
        naming=LUKE,
        notes="pre-training checkpoints also hold the masked-LM and entity prediction heads "
        "(lm_head.*, entity_predictions.*), which AutoModel does not build",
        mlm=LUKE_MLM,
    ),
)
