"""Tile embeddings of an encoder that cuts an image into tiles (Mllama's vision model).

Each tile is an image of image_size; an aspect-ratio id (one of the supported tile layouts,
0 for padding) picks a learned embedding for every tile of the layout. Source:
transformers 5.23 `models/mllama/modeling_mllama.py` (MllamaPrecomputedPositionEmbedding,
MllamaPrecomputedAspectRatioEmbedding).
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.records import Embedding, Group, Param, Record, Tower
from paramcalc.core.types import PositiveInt, Spec


class TileEmbeddings(Spec):
    """Aspect-ratio embeddings before and after the encoder, a per-tile position table and
    the tanh gates that blend each in: embedding group, vision tower."""

    kind: Literal["tiles"] = "tiles"
    max_num_tiles: PositiveInt
    """Tiles of one image at most."""
    aspect_ratios: PositiveInt
    """Rows of each aspect-ratio table: the supported layouts and a padding row
    (max_aspect_ratio_id + 1)."""

    def records(self, hidden: int, positions: int) -> list[Record]:
        """The gate of the position table, the tile position table and the two gated
        aspect-ratio embeddings."""
        e, v, rows, tiles = Group.EMBEDDING, Tower.VISION, self.aspect_ratios, self.max_num_tiles
        return [
            Param("tile_positions.gate", (1,), e, v),
            # every tile's own position table, one row of them per layout
            Embedding("tile_positions.tile_embedding", rows, tiles * positions * hidden, e, v),
            Embedding("pre_tile.embedding", rows, tiles * hidden, e, v),
            Param("pre_tile.gate", (1,), e, v),
            Embedding("post_tile.embedding", rows, tiles * hidden, e, v),
            Param("post_tile.gate", (1,), e, v),
        ]
