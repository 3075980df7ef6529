"""What a component needs from the block it sits in: widths, the norm kind, tower and stream."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from paramcalc.core.records import Group, Norm, Stream, Tower


class NormType(str, Enum):
    """How a normalization layer is parameterised."""

    LAYERNORM = "layernorm"
    LAYERNORM_NO_BIAS = "layernorm_no_bias"
    RMSNORM = "rmsnorm"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Context:
    """The surroundings of a mixer or feed-forward: the residual width and the tower's norms."""

    hidden: int
    norm_type: NormType = NormType.RMSNORM
    tower: Tower = Tower.TEXT
    stream: Stream = Stream.TOKENS
    source_hidden: int | None = None
    """Width of what cross-attention reads (the encoder's or the vision tower's output)."""

    def norm(
        self, role: str, width: int, norm_type: NormType | None = None, group: Group = Group.NORM
    ) -> list[Norm]:
        """The learned tensors of one norm of `width` (none for a parameter-free norm)."""
        kind = norm_type or self.norm_type
        if kind is NormType.NONE:
            return []
        return [
            Norm(
                role,
                width,
                kind is NormType.LAYERNORM,
                group,
                self.tower,
                rms=kind is NormType.RMSNORM,
            )
        ]
