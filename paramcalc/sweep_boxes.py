"""A sweep's grid counted box by box: one symbolic count serves every point of a box.

`paramcalc.symbolic` counts a box (a product of index ranges) once, with each swept field a
polynomial of the box's variables; each point's groups and active count are then that count's
polynomials evaluated there. A box whose count is undecidable is halved along its outermost
axis with more than one value (so boxes, and the points in them, come in grid order), down to
boxes of fewer than MIN_BOX points, which are counted point by point. The first point of each
box is also counted in full and must agree, or the whole grid is counted point by point.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from paramcalc.calculator import GROUPS, Group, count
from paramcalc.errors import FieldValueError
from paramcalc.schema import Architecture
from paramcalc.symbolic import Polynomial, Undecidable, unvalidated_parts

#: Boxes smaller than this are counted point by point: a symbolic count costs about what a few
#: dozen single counts do.
MIN_BOX = 64

Box = tuple[range, ...]
#: A point's groups and active parameters, or the rule it breaks.
Counted = tuple[dict[Group, int], int] | FieldValueError
#: Counts one point in full: the field values of the point -> its count.
ExactCount = Callable[[tuple[int, ...]], Counted]


@dataclass(frozen=True)
class AxisValues:
    """One swept field: its name and the value at each index."""

    field: str
    values: range


class BoxCounter:
    """Counts the points of a grid in grid order, box by box where the count allows it."""

    def __init__(
        self,
        base: Architecture,
        axes: Sequence[AxisValues],
        update: Callable[[dict[str, Any]], dict[str, Any]],
        exact: ExactCount,
    ) -> None:
        self.base, self.axes, self.update, self.exact = base, axes, update, exact
        self.symbolic = True

    def points(self) -> Iterator[tuple[tuple[int, ...], Counted]]:
        """Every point of the grid in order, with its count."""
        yield from self.in_box(tuple(range(len(a.values)) for a in self.axes))

    def in_box(self, box: Box) -> Iterator[tuple[tuple[int, ...], Counted]]:
        """The points of one box, counted symbolically, or halved, or one by one."""
        size = 1
        for r in box:
            size *= len(r)
        evaluate = self.count_box(box) if self.symbolic and size >= MIN_BOX else None
        if evaluate is not None:
            yield from evaluate
            return
        wide = next((k for k, r in enumerate(box) if len(r) > 1), None)
        if not self.symbolic or size < MIN_BOX or wide is None:
            for index in itertools.product(*box):
                values = self.values_at(index)
                yield values, self.exact(values)
            return
        half = box[wide][: len(box[wide]) // 2], box[wide][len(box[wide]) // 2 :]
        for part in half:
            yield from self.in_box(box[:wide] + (part,) + box[wide + 1 :])

    def values_at(self, index: tuple[int, ...]) -> tuple[int, ...]:
        """The field values at grid indices."""
        return tuple(a.values[i] for a, i in zip(self.axes, index, strict=True))

    def count_box(self, box: Box) -> Iterator[tuple[tuple[int, ...], Counted]] | None:
        """The box's points counted from one symbolic count; None when it is undecidable."""
        tops = tuple(len(r) - 1 for r in box)
        fields: dict[str, Any] = {}
        for k, (axis, r) in enumerate(zip(self.axes, box, strict=True)):
            first = axis.values[r.start]
            fields[axis.field] = (
                Polynomial.variable(k, first, axis.values.step, tops) if len(r) > 1 else first
            )
        arch = self.base.model_copy(update=self.update(fields))
        try:
            with unvalidated_parts():
                result = symbolic_count(arch)
        except Undecidable:
            return None
        except Exception:  # an operation paramcalc.symbolic does not model: count in full
            self.symbolic = False
            return None
        first_values = self.values_at(tuple(r.start for r in box))
        if not agrees(result, self.exact(first_values), len(box)):
            self.symbolic = False
            return None
        return self.box_points(box, result)

    def box_points(self, box: Box, result: Counted) -> Iterator[tuple[tuple[int, ...], Counted]]:
        """Each point of a counted box with its count, in grid order."""
        values = itertools.product(
            *(range_of(a.values, r) for a, r in zip(self.axes, box, strict=True))
        )
        if isinstance(result, FieldValueError):
            for point in values:
                yield point, result
            return
        evaluate = compiled(result, len(box))
        for u, point in zip(itertools.product(*(range(len(r)) for r in box)), values, strict=True):
            yield point, evaluate(*u)


def symbolic_count(arch: Architecture) -> Counted:
    """Validate and count an architecture whose swept fields are polynomials."""
    try:
        arch.check_rules()
    except FieldValueError as exc:
        return exc
    b = count(arch)
    return b.groups, b.active


def agrees(symbolic: Counted, exact: Counted, variables: int) -> bool:
    """Whether the box's count at its first point (every variable 0) is that point's own."""
    if isinstance(symbolic, FieldValueError) or isinstance(exact, FieldValueError):
        return isinstance(symbolic, FieldValueError) and isinstance(exact, FieldValueError)
    at_first: tuple[dict[Group, int], int] = compiled(symbolic, variables)(*[0] * variables)
    return at_first == exact


def range_of(values: range, indices: range) -> range:
    """The values of a field at a run of its indices."""
    return values[indices.start : indices.stop]


def compiled(result: tuple[dict[Group, int], int], variables: int) -> Callable[..., Any]:
    """A function of the box variables that returns the groups and active count.

    Written as Python source and compiled once per box: evaluating the polynomials at each
    point is then a few integer operations.
    """
    groups, active = result
    names = tuple(f"u{k}" for k in range(variables))

    def source(value: Polynomial | int) -> str:
        return value.expression(names) if isinstance(value, Polynomial) else repr(int(value))

    entries = ", ".join(f"G[{i}]: {source(groups[g])}" for i, g in enumerate(GROUPS))
    code = f"lambda {', '.join(names)}: ({{{entries}}}, {source(active)})"
    function: Callable[..., Any] = eval(code, {"G": GROUPS})  # noqa: S307 (integers, u names)
    return function
