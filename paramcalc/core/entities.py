"""LUKE's entity embeddings, and the head that predicts entities, beside the words.

`LukeEntityEmbeddings` embeds each entity id at entity_emb_size (projected up to hidden_size,
without bias, when narrower), adds the mean of its words' position embeddings and a token
type, and norms the sum; the encoder's layers then read words and entities together.
paramcalc's forward pass is over words alone (no entity_ids), so the projection is charged
no FLOPs; its tables are lookups. LukeForMaskedLM's entity head is charged none either.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Embedding, Group, Linear, Param, Record, Stream
from paramcalc.core.types import Count, PositiveInt, Spec


class EntityEmbeddings(Spec):
    """An entity table with its own position and token-type tables and LayerNorm (LUKE)."""

    kind: Literal["entity_embeddings"] = "entity_embeddings"
    entity_vocab_size: PositiveInt
    """Rows of the entity table."""
    entity_emb_size: PositiveInt
    """Columns of the entity table; a projection maps them to hidden_size when they differ."""
    position_embeddings: PositiveInt
    """Rows of the entities' position table (max_position_embeddings)."""
    type_vocab_size: Count = 0
    """Rows of the entities' token-type table."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """entity_embeddings, entity_embedding_dense, position and token-type tables, norm."""
        e, t, hidden = Group.EMBEDDING, ctx.tower, ctx.hidden
        records: list[Record] = [
            Embedding("entities.table", self.entity_vocab_size, self.entity_emb_size, e, t)
        ]
        if self.entity_emb_size != hidden:
            records.append(
                Linear(
                    "entities.projection", self.entity_emb_size, hidden, False, e, t, Stream.NONE
                )
            )
        records.append(Embedding("entities.positions", self.position_embeddings, hidden, e, t))
        if self.type_vocab_size:
            records.append(Embedding("entities.token_types", self.type_vocab_size, hidden, e, t))
        return records + list(ctx.norm("entities.norm", hidden))


class EntityPredictions(Spec):
    """LukeForMaskedLM's entity_predictions: a biased dense layer to entity_emb_size and a
    LayerNorm, an unbiased decoder to the entities (tied to the entity table when the config
    ties) and a bias beside it; output, and norm."""

    kind: Literal["entity_predictions"] = "entity_predictions"
    entity_vocab_size: PositiveInt
    """Entities the decoder scores (rows of the entity table)."""
    entity_emb_size: PositiveInt
    """Width of the dense layer's output and of the decoder's input (the entity table's)."""
    tied: bool = True
    """The decoder's weight is the entity table's (tie_word_embeddings)."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """transform.dense, transform.LayerNorm, decoder and bias."""
        o, t, width, rows = Group.OUTPUT, ctx.tower, self.entity_emb_size, self.entity_vocab_size
        return [
            Linear("entity_head.transform", ctx.hidden, width, True, o, t, Stream.NONE),
            *ctx.norm("entity_head.transform_norm", width, NormType.LAYERNORM),
            Linear("entity_head.decoder", width, rows, False, o, t, Stream.NONE, tied=self.tied),
            Param("entity_head.bias", (rows,), o, t),
        ]
