"""The pure calculator: an architecture becomes typed tensor records, and counts fold over them.

The records (`paramcalc.core.records`) are the one source of truth. Totals, groups, towers,
per-layer counts and the per-tensor view all read them; shapes and names follow
`model.named_parameters()` of the family's transformers model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from paramcalc.core.enumerate import Enumeration, enumerate_model
from paramcalc.core.records import (
    GROUPS,
    TOWERS,
    Group,
    Linear,
    Record,
    Stream,
    Tower,
    idle_size,
)

if TYPE_CHECKING:
    from paramcalc.core.model import Model

__all__ = ["GROUPS", "TOWERS", "Breakdown", "Group", "LayerCount", "Tower", "count"]


class Described(Protocol):
    """What count needs of a source: a name, its remarks and the v2 model."""

    @property
    def name(self) -> str | None: ...  # noqa: D102

    @property
    def notes(self) -> tuple[str, ...]: ...  # noqa: D102

    def to_model(self) -> Model: ...  # noqa: D102


@dataclass(frozen=True, slots=True)
class LayerCount:
    """Parameters of one block, by group."""

    stack: str
    index: int
    kind: str
    groups: dict[Group, int]

    @property
    def total(self) -> int:
        """All parameters of the block."""
        return sum(self.groups.values())


def group_sums(records: tuple[Record, ...] | list[Record]) -> dict[Group, int]:
    """Sum record sizes per group; every group is present."""
    sums = dict.fromkeys(GROUPS, 0)
    for r in records:
        sums[r.group] += r.size
    return sums


@dataclass(frozen=True)
class Breakdown:
    """Exact counts of a model: total, groups, towers, non-embedding, active and per layer."""

    name: str
    groups: dict[Group, int]
    towers: dict[Tower, dict[Group, int]]
    active: int
    tied_embeddings: bool
    enumeration: Enumeration = field(repr=False)
    model: Model = field(repr=False)
    notes: tuple[str, ...] = ()
    """The source's remarks on what a checkpoint may store beyond the parameters."""
    head_kind: str | None = None
    """Which head of an encoder was counted (mlm, pooler, none); None for other models."""

    def layers(self) -> list[LayerCount]:
        """Parameters of each block, in model order (layers may differ: dense vs MoE)."""
        return [
            LayerCount(b.stack, i, b.kind, group_sums(b.records))
            for b, i in self.enumeration.layer_order()
        ]

    @property
    def total(self) -> int:
        """Every parameter, tied weights once."""
        return sum(self.groups.values())

    @property
    def non_embedding(self) -> int:
        """Total less the embedding group (token, position and token-type tables)."""
        return self.total - self.groups[Group.EMBEDDING]

    @cached_property
    def head(self) -> int:
        """Parameters of the language-model heads (untied weights and biases)."""
        return sum(
            r.size * n
            for r, n in self.enumeration.every_record()
            if isinstance(r, Linear)
            and r.group is Group.OUTPUT
            and r.stream not in (Stream.SEQUENCE, Stream.NONE)
        )

    @property
    def non_embedding_excluding_head(self) -> int:
        """Total less the embedding group and the head: the convention of Kaplan et al. and the
        Pythia tables."""
        return self.non_embedding - self.head


def fold(enum: Enumeration) -> tuple[dict[Group, int], dict[Tower, dict[Group, int]], int]:
    """Groups, towers (each by group) and the idle routed-expert elements of an enumeration."""
    towers: dict[Tower, dict[Group, int]] = {}
    idle = 0
    for r, repeat in enum.every_record():
        sums = towers.setdefault(r.tower, dict.fromkeys(GROUPS, 0))
        sums[r.group] += r.size * repeat
        if isinstance(r, Linear) and r.routed:
            idle += (r.size - r.active_size) * repeat
    groups = dict.fromkeys(GROUPS, 0)
    for sums in towers.values():
        for g in GROUPS:
            groups[g] += sums[g]
    ordered = {t: towers[t] for t in TOWERS if t in towers}
    return groups, ordered, idle


def count(source: Described) -> Breakdown:
    """Count every parameter of `source`, by group, tower, per layer, and those active per token."""
    model = source.to_model()
    enum = enumerate_model(model)
    groups, towers, idle = fold(enum)
    return Breakdown(
        name=source.name or "custom",
        groups=groups,
        towers=towers,
        active=sum(groups.values()) - idle,
        tied_embeddings=model.text.tie_word_embeddings,
        enumeration=enum,
        model=model,
        notes=tuple(source.notes),
        head_kind=counted_head(model, getattr(source, "head", None)),
    )


def counted_head(model: Model, head: str | None) -> str | None:
    """Which head a count holds: the one asked for, else a bare text encoder's pooler or
    none; None for a model with a language-model head."""
    if head is not None:
        return head
    text = model.text
    encoders = (model.vision, model.audio, model.projector, model.image_tokenizer)
    if text.lm_head or any(part is not None for part in encoders):
        return None
    return "pooler" if text.pooler else "none"


def tower_alone(counted: Breakdown, tower: Tower) -> Breakdown:
    """The count of one tower alone: what its sub-config describes (`text_config` with the
    language-model head), from the same records, so the towers of a model add up to it."""
    from paramcalc.errors import InputError

    if tower not in counted.towers:
        have = ", ".join(t.value for t in counted.towers)
        raise InputError("--tower", f"{counted.name} has no {tower.value} tower (it has: {have})")
    enum = counted.enumeration
    blocks = (
        replace(b, records=tuple(r for r in b.records if r.tower is tower)) for b in enum.blocks
    )
    alone = Enumeration(
        tuple(r for r in enum.front if r.tower is tower),
        tuple(b for b in blocks if b.records),
        tuple(r for r in enum.back if r.tower is tower),
    )
    groups, towers, idle = fold(alone)
    return replace(
        counted,
        name=f"{counted.name} ({tower.value} tower)",
        groups=groups,
        towers=towers,
        active=sum(groups.values()) - idle,
        enumeration=alone,
    )


__all__ += ["group_sums", "idle_size"]
