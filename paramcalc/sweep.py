"""Count every point of a grid of integer fields around a base architecture, fast and exactly.

Three facts keep the hot path cheap without leaving the calculator:
- Validation splits into per-field bounds (intervals: checking a range's two ends covers every
  value in it) and the schema's cross-field rules. The bounds are checked once per grid with
  pydantic; each point is a `model_copy(update=...)` whose cross-field rules are run directly.
- A layer's tensors depend on its index (MoE placement, T5's first block), never on the depth
  (`calculator.stack_blocks`). So one count at the grid's deepest point gives each block's
  tensors and layer indices; the count at any shallower depth keeps the indices below it.
- Without a depth axis, a count is a polynomial in the swept fields wherever validation and
  counting take the same branches: `paramcalc.sweep_boxes` counts whole boxes of the grid at
  once with polynomial sizes (`paramcalc.symbolic`) and evaluates them at each point.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import TypeAdapter, ValidationError

from paramcalc.calculator import GROUPS, Group, count, group_sums, idle_size
from paramcalc.errors import FieldValueError, InputError, describe
from paramcalc.schema import DESCRIPTION_FIELDS, Architecture, suggest_field
from paramcalc.shaping import repeat_pattern
from paramcalc.sweep_boxes import AxisValues, BoxCounter, Counted

#: More points than this would run for many minutes: refuse the grid.
MAX_POINTS = 10_000_000
#: Per-depth profiles kept while sweeping (one per combination of the other fields).
PROFILE_CACHE = 65_536
DEPTH = "num_hidden_layers"
#: START..STOP[:STEP], each an integer of at most 19 digits (a field is at most 2**63 - 1).
AXIS_PATTERN = re.compile(r"^\s*(-?\d{1,19})\s*\.\.\s*(-?\d{1,19})\s*(?::\s*(-?\d{1,19})\s*)?$")


@dataclass(frozen=True)
class Axis:
    """One varied field: START..STOP inclusive, in steps of STEP."""

    field: str
    start: int
    stop: int
    step: int = 1

    def values(self) -> range:
        """Every value of the field on the grid."""
        return range(self.start, self.stop + 1, self.step)

    @property
    def points(self) -> int:
        """How many values the field takes (len() of a range over 2**63 values overflows)."""
        return (self.stop - self.start) // self.step + 1


@dataclass(frozen=True)
class Row:
    """The count at one point of the grid."""

    values: tuple[int, ...]
    groups: dict[Group, int]
    active: int

    @property
    def total(self) -> int:
        """Every parameter at this point."""
        return sum(self.groups.values())


@cache
def integer_fields() -> tuple[str, ...]:
    """The schema's integer-valued fields: the only ones a grid can run through."""

    def is_int(annotation: Any) -> bool:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if annotation is int:
            return True
        return bool(args) and all(a is int or get_args(a)[:1] == (int,) for a in args)

    return tuple(
        name
        for name, info in Architecture.model_fields.items()
        if name not in DESCRIPTION_FIELDS and is_int(info.annotation)
    )


def parse_axis(text: str) -> Axis:
    """Read `FIELD=START..STOP[:STEP]`; the error names what is wrong and the closest field."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError("--grid", f"expected FIELD=START..STOP[:STEP], got {text!r}")
    fields = integer_fields()
    if name not in fields:
        if name in Architecture.model_fields:
            raise InputError("--grid", "not an integer field; a grid runs through integers", name)
        meant = suggest_field(name, fields)
        hint = f"; did you mean {meant!r}?" if meant else ""
        raise InputError("--grid", f"unknown field{hint}", name)
    match = AXIS_PATTERN.match(spec)
    if not match:
        raise InputError(
            "--grid",
            f"expected START..STOP[:STEP] with integers of at most 19 digits, got {describe(spec)}",
            name,
        )
    start, stop, step = (int(g) if g is not None else 1 for g in match.groups())
    if step <= 0:
        raise InputError("--grid", f"STEP must be a positive integer, got {step}", name)
    if stop < start:
        raise InputError("--grid", f"empty range: STOP {stop} is below START {start}", name)
    return Axis(name, start, stop, step)


def check_axes(axes: list[Axis]) -> None:
    """Refuse a field named twice, too many points, and ends outside the field's bounds."""
    seen = [a.field for a in axes]
    for name in seen:
        if seen.count(name) > 1:
            raise InputError("--grid", "given more than once", name)
    points = math.prod(a.points for a in axes)
    if points > MAX_POINTS:
        raise InputError("--grid", f"{points:,} points (at most {MAX_POINTS:,})")
    for a in axes:
        info = Architecture.model_fields[a.field]
        field_type: Any = info.annotation
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[field_type, info])
        for end in (a.start, a.values()[-1]):
            try:
                adapter.validate_python(end)
            except ValidationError as exc:
                message = exc.errors(include_url=False)[0]["msg"]
                raise InputError("--grid", f"{message} (got {end})", a.field) from None


@dataclass(frozen=True)
class Profile:
    """What one deep count says about every depth: fixed tensors and each block's layers."""

    fixed: dict[Group, int]
    blocks: tuple[tuple[str, tuple[int, ...], dict[Group, int], int], ...]

    def at(self, arch: Architecture) -> tuple[dict[Group, int], int]:
        """Groups and active parameters at `arch`'s depth: the blocks' layers below it."""
        groups, inactive = dict(self.fixed), 0
        for stack, layers, sums, idle in self.blocks:
            depth = arch.decoder_layers if stack.startswith("decoder") else arch.num_hidden_layers
            n = bisect.bisect_left(layers, depth)
            for g in GROUPS:
                groups[g] += sums[g] * n
            inactive += idle * n
        return groups, sum(groups.values()) - inactive


def profile(arch: Architecture) -> Profile:
    """Count `arch` once and keep its fixed tensors and per-block sums."""
    e = count(arch).enumeration
    blocks = tuple(
        (b.stack, b.layers, group_sums(b.records), idle_size(b.records)) for b in e.blocks
    )
    return Profile(group_sums(e.front + e.back), blocks)


class Sweep:
    """The grid's points in order, each counted; invalid points are skipped and counted."""

    def __init__(self, base: Architecture, axes: list[Axis]) -> None:
        check_axes(axes)
        self.base, self.axes = base, axes
        self.names = tuple(a.field for a in axes)
        depths = next((a.values() for a in axes if a.field == DEPTH), None)
        self.deepest = depths[-1] if depths else base.num_hidden_layers
        self.points = math.prod(a.points for a in axes)
        self.skipped = 0
        self.first_skip: str | None = None
        self.profiles: dict[tuple[tuple[str, int], ...], Profile] = {}

    def update(self, values: dict[str, int]) -> dict[str, Any]:
        """The fields to replace at a point; a per-layer pattern follows the depth."""
        update: dict[str, Any] = dict(values)
        if DEPTH in values and self.base.layer_types is not None:
            update["layer_types"] = repeat_pattern(self.base.layer_types, values[DEPTH])
        return update

    def profile_for(self, values: dict[str, int]) -> Profile:
        """The deep count shared by every depth of this combination of the other fields."""
        key = tuple((k, v) for k, v in values.items() if k != DEPTH)
        found = self.profiles.get(key)
        if found is None:
            if len(self.profiles) >= PROFILE_CACHE:
                self.profiles.clear()
            deep = self.base.model_copy(update=self.update({**dict(key), DEPTH: self.deepest}))
            found = self.profiles[key] = profile(deep)
        return found

    def exact(self, values: tuple[int, ...]) -> Counted:
        """Count one point on its own: its groups and active count, or the rule it breaks."""
        point = dict(zip(self.names, values, strict=True))
        arch = self.base.model_copy(update=self.update(point))
        try:
            arch.check_rules()  # an unvalidated copy: its fields' bounds were checked
        except FieldValueError as exc:
            return exc
        if DEPTH not in point:  # nothing to share between points: count this one
            b = count(arch)
            return b.groups, b.active
        return self.profile_for(point).at(arch)

    def row(self, values: tuple[int, ...], counted: Counted | None = None) -> Row | None:
        """Count one point exactly (or take its count); None (and a note of why) when no
        model has it."""
        found = self.exact(values) if counted is None else counted
        if isinstance(found, FieldValueError):
            self.skipped += 1
            if self.first_skip is None:
                exc = self.exact(values)  # the point's own message, with its values
                assert isinstance(exc, FieldValueError)  # BoxCounter checked the box agrees
                where = ", ".join(f"{k}={v}" for k, v in zip(self.names, values, strict=True))
                self.first_skip = f"{where}: {exc.field}: {exc}"
            return None
        groups, active = found
        return Row(values, groups, active)

    def __iter__(self) -> Iterator[Row]:
        """Yield the valid points in grid order (the last axis varies fastest)."""
        if DEPTH in self.names:
            for values in itertools.product(*(a.values() for a in self.axes)):
                found = self.row(values)
                if found is not None:
                    yield found
            return
        axes = [AxisValues(a.field, a.values()) for a in self.axes]
        for values, counted in BoxCounter(self.base, axes, self.update, self.exact).points():
            found = self.row(values, counted)
            if found is not None:
                yield found
