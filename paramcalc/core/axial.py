"""Axial position embeddings (Reformer's AxialPositionEmbeddings).

The position table is factored over the axes of `axial_pos_shape`: one learned tensor per
embedding factor, `shape[i]` rows along its own axis (1 along the others) and `dims[i]`
columns; a position's embedding concatenates the factors' rows at its coordinates, so the
factor widths sum to hidden_size. Embedding, as GROUPS.md puts position tables.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Param, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError


class AxialPositions(Spec):
    """Reformer's axial position factors, `weights.{i}` of shape [1, .., shape[i], .., dims[i]]."""

    kind: Literal["axial_positions"] = "axial_positions"
    shape: tuple[PositiveInt, ...] = Field(min_length=1)
    """Positions along each axis (axial_pos_shape); their product is the positions covered."""
    dims: tuple[PositiveInt, ...] = Field(min_length=1)
    """Width of each axis's factor (axial_pos_embds_dim), one per leading axis of shape."""

    @model_validator(mode="after")
    def _check_axes(self) -> AxialPositions:
        if len(self.dims) > len(self.shape):
            raise FieldValueError(
                "dims", f"{len(self.dims)} factors for {len(self.shape)} axes of shape"
            )
        return self

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """One factor per entry of dims, as AxialPositionEmbeddings builds it."""
        records: list[Record] = []
        for axis, width in enumerate(self.dims):
            rows = [1] * len(self.shape)
            rows[axis] = self.shape[axis]
            shape = (*rows, width)
            records.append(Param(f"axial_positions.{axis}", shape, Group.EMBEDDING, ctx.tower))
        return records
