"""A checkpoint's count: a fold over its logical tensors, beside what its files store.

`total` is the parameters (the unquantized model's, which a config.json of the same model
counts to); groups and towers split it from the tensor names. What else the files hold (scales,
zero points, indices, codebooks, buffers) is stored bytes, by dtype and by kind, not parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paramcalc.calculator import GROUPS
from paramcalc.naming import UNKNOWN, classify
from paramcalc.sources.logical import Kind, LogicalCheckpoint, Part

#: Towers other than text, by the module that holds them (transformers' multimodal naming).
TOWERS = (
    (re.compile(r"(^|\.)vision_tower\."), "vision"),
    (re.compile(r"(^|\.)audio_tower\."), "audio"),
    (re.compile(r"(^|\.)multi_modal_projector\."), "projector"),
)


@dataclass(frozen=True)
class Stored:
    """Stored tensors of one dtype or one kind: how many, their elements and bytes."""

    tensors: int = 0
    elements: int = 0
    bytes: int = 0

    def plus(self, part: Part) -> Stored:
        """This tally with one more stored tensor."""
        t = part.tensor
        return Stored(self.tensors + 1, self.elements + t.size, self.bytes + t.nbytes)


@dataclass(frozen=True)
class CheckpointCount:
    """The parameters of a checkpoint by group and tower, and its storage by dtype and kind."""

    name: str
    where: str
    files: tuple[str, ...]
    quantization: str | None
    groups: dict[str, int]
    towers: dict[str, dict[str, int]]
    """Tower -> its parameters by group."""
    by_dtype: dict[str, Stored]
    by_kind: dict[str, Stored]
    buffers: tuple[str, ...]
    unknown: tuple[str, ...]
    """Parameters whose names no group pattern knows (counted in the `unknown` group)."""
    file_bytes: int
    view: LogicalCheckpoint = field(repr=False)

    @property
    def total(self) -> int:
        """Every parameter: the logical tensors' elements."""
        return sum(self.groups.values())

    @property
    def stored_bytes(self) -> int:
        """Bytes of every stored tensor: the files' data sections."""
        return sum(s.bytes for s in self.by_kind.values())


def tower_of(name: str) -> str:
    """The tower a tensor belongs to: text unless its module says otherwise."""
    return next((tower for pattern, tower in TOWERS if pattern.search(name)), "text")


def count_checkpoint(view: LogicalCheckpoint, name: str) -> CheckpointCount:
    """Count a checkpoint's logical tensors and tally what its files store."""
    groups = {g.value: 0 for g in GROUPS}
    towers: dict[str, dict[str, int]] = {}
    unknown = []
    for t in view.tensors:
        group = classify(t.name)
        groups[group] = groups.get(group, 0) + t.size
        tower = towers.setdefault(tower_of(t.name), {g.value: 0 for g in GROUPS})
        tower[group] = tower.get(group, 0) + t.size
        if group == UNKNOWN:
            unknown.append(t.name)
    by_dtype: dict[str, Stored] = {}
    by_kind: dict[str, Stored] = {}
    for part in view.parts():
        by_dtype[part.tensor.dtype] = by_dtype.get(part.tensor.dtype, Stored()).plus(part)
        by_kind[part.kind.value] = by_kind.get(part.kind.value, Stored()).plus(part)
    order = [k.value for k in Kind]
    c = view.checkpoint
    return CheckpointCount(
        name=name,
        where=c.where,
        files=c.files,
        quantization=view.quantization.label if view.quantization else None,
        groups=groups,
        towers=dict(sorted(towers.items(), key=lambda kv: kv[0] != "text")),
        by_dtype=dict(sorted(by_dtype.items())),
        by_kind={k: by_kind[k] for k in order if k in by_kind},
        buffers=tuple(p.tensor.name for p in view.others if p.kind is Kind.BUFFER),
        unknown=tuple(unknown),
        file_bytes=c.file_bytes,
        view=view,
    )
