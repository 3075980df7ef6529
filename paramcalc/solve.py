"""Inverse sizing: the shapes of a base architecture whose count comes closest to a target.

For fixed values of the other varied fields, the count is a polynomial of degree at most two in
the solved field: quadratic in hidden_size (attention and FFN matrices are width x width, the
FFN width following the width), linear in layers, vocabulary, experts or FFN width. Three exact
counts fit it, its root points at the lattice step nearest the target, and the calculator then
counts the steps around that point exactly: every total reported is the calculator's own.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from paramcalc.calculator import count
from paramcalc.errors import InputError, describe
from paramcalc.expectations import parse_count, parse_tolerance
from paramcalc.schema import DESCRIPTION_FIELDS, Architecture
from paramcalc.shaping import VARIABLE, Shaper, resolved

#: Fields that can be solved for, in the order one is picked when several are varied.
SOLVABLE = (
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "vocab_size",
    "moe_intermediate_size",
    "num_experts",
)
#: More combinations of enumerated fields than this would take seconds: refuse them.
MAX_COMBINATIONS = 4000
#: Lattice steps the exact walk may take from the fitted root before it gives up.
MAX_WALK = 64
#: The largest value a solved field may take (far beyond any real model).
MAX_VALUE = 1 << 22


@dataclass(frozen=True)
class Target:
    """The count asked for and the totals that count as a match (inclusive)."""

    value: int
    low: int
    high: int

    def excess(self, total: int) -> int:
        """How far `total` falls outside [low, high]; 0 inside."""
        return max(0, self.low - total, total - self.high)


@dataclass(frozen=True)
class Shape:
    """One solution: the fields that change, its validated architecture and its counts."""

    overrides: dict[str, Any]
    arch: Architecture
    total: int
    active: int
    objective: int

    @property
    def aspect(self) -> Fraction:
        """Width per layer, d_model / n_layer (the aspect ratio of Kaplan et al. 2020)."""
        return Fraction(self.arch.hidden_size, self.arch.num_hidden_layers)


@dataclass
class Solution:
    """The ranked shapes and how they were found."""

    base: Architecture
    target: Target
    objective: str
    vary: tuple[str, ...]
    solved: str | None
    shapes: list[Shape]
    rules: list[str] = field(default_factory=list)
    evaluated: int = 0


def parse_target(raw: str, tolerance: str | None) -> Target:
    """Read `7B` or `6738415616`; the match window is the figure's precision or `tolerance`."""
    try:
        value, slack = parse_count(raw, "--target")
    except InputError:
        raise InputError(
            "--target", f"expected a count such as 7B or 6738415616, got {describe(raw)}"
        ) from None
    if value <= 0:
        raise InputError("--target", f"must be positive, got {describe(raw)}")
    relative = parse_tolerance(tolerance, "--tolerance") if tolerance is not None else None
    if relative is not None:
        slack = relative * value
    return Target(round(value), math.ceil(value - slack), math.floor(value + slack))


class Search:
    """Counts points of the search exactly, once each, through the real calculator."""

    def __init__(self, base: Architecture, vary: tuple[str, ...], active: bool) -> None:
        self.shaper = Shaper(base, vary)
        self.fields = base.model_dump(exclude_defaults=True, exclude=set(DESCRIPTION_FIELDS))
        self.active = active
        self.cache: dict[tuple[tuple[str, Any], ...], Shape | None] = {}

    def shape(self, values: dict[str, Any]) -> Shape | None:
        """The shape at these values of the varied fields, or None when no model has it."""
        key = tuple(sorted((k, str(v)) for k, v in values.items()))
        if key not in self.cache:
            self.cache[key] = self.build(values)
        return self.cache[key]

    def build(self, values: dict[str, Any]) -> Shape | None:
        """Derive the dependent fields, validate and count."""
        overrides = self.shaper.derive(values)
        if overrides is None:
            return None
        try:
            arch = Architecture.model_validate(self.fields | overrides)
        except ValidationError:
            return None
        b = count(arch)
        return Shape(overrides, arch, b.total, b.active, b.active if self.active else b.total)

    def objective(self, values: dict[str, Any]) -> int | None:
        """The count being matched (total or active) at these values."""
        found = self.shape(values)
        return None if found is None else found.objective


def fitted_root(points: list[tuple[int, int]], target: int, fallback: int) -> float:
    """Fit y = a k^2 + b k + c through three exact points; the k where it reaches `target`."""
    (k1, y1), (k2, y2), (k3, y3) = points
    d1, d2 = Fraction(y2 - y1, k2 - k1), Fraction(y3 - y2, k3 - k2)
    a = (d2 - d1) / (k3 - k1)
    b = d1 - a * (k1 + k2)
    c = y1 - a * k1 * k1 - b * k1
    if a == 0:
        return float((target - c) / b) if b else float(fallback)
    disc = b * b - 4 * a * (c - target)
    if disc < 0:
        return float(-b / (2 * a))
    return (-float(b) + math.sqrt(float(disc))) / (2 * float(a))


def bracket(search: Search, fixed: dict[str, Any], name: str, target: int) -> list[Shape]:
    """The two lattice values of `name` whose counts bracket the target, counted exactly."""
    step = search.shaper.step(name, fixed)
    if step is None:
        return []
    lowest = search.shaper.lowest(name, step)
    top = max(lowest, MAX_VALUE // step)

    def at(k: int) -> int | None:
        return search.objective({**fixed, name: k * step})

    k0 = min(max(lowest, round(search.shaper.base_value(name) / step)), top)
    ks = sorted({k0, min(2 * k0, top), min(4 * k0, top)} | {lowest, lowest + 1, lowest + 2})[-3:]
    points = [(k, y) for k in ks if (y := at(k)) is not None]
    if len(points) < 3:
        return []
    k = min(max(lowest, math.floor(fitted_root(points, target, k0))), top)
    for _ in range(MAX_WALK):
        y, y_next = at(k), at(k + 1) if k < top else None
        if y is None or y_next is None:
            break
        if y > target and k > lowest:
            k -= 1
        elif y_next <= target and k + 1 < top:
            k += 1
        else:
            break
    shapes = [search.shape({**fixed, name: j * step}) for j in (k, k + 1) if j <= top]
    return [s for s in shapes if s is not None]


def rank_key(
    shape: Shape,
    target: Target,
    base: Shaper,
    vary: tuple[str, ...],
) -> tuple[Any, ...]:
    """Distance outside the window; then nearness to the base's depth:width and to its values;
    then the error itself."""
    aspect = Fraction(base.base_value("hidden_size"), base.base_value("num_hidden_layers"))
    spread = abs(math.log(shape.aspect / aspect))
    drift = sum(abs(math.log(resolved(shape.arch, name) / base.base_value(name))) for name in vary)
    return (
        target.excess(shape.objective),
        round(spread, 9),
        round(drift, 9),
        abs(shape.objective - target.value),
        sorted((k, str(v)) for k, v in shape.overrides.items()),
    )


def solve(
    base: Architecture, target: Target, vary: tuple[str, ...], active: bool = False, top: int = 10
) -> Solution:
    """Rank the shapes of `base`, varying `vary`, by how close they come to `target`."""
    vary = tuple(dict.fromkeys(vary))
    search = Search(base, vary, active)
    solved = next((name for name in SOLVABLE if name in vary), None)
    scale = (target.value / max(1, search.objective({}) or 1)) ** (1 / 3)
    axes = {name: search.shaper.choices(name, scale) for name in vary if name != solved}
    combinations = math.prod(len(values) for values in axes.values())
    if combinations > MAX_COMBINATIONS:
        raise InputError(
            "--vary",
            f"{combinations:,} combinations of {', '.join(axes)} to search "
            f"(at most {MAX_COMBINATIONS:,}): vary fewer fields",
        )
    shapes: dict[tuple[tuple[str, str], ...], Shape] = {}
    for combo in itertools.product(*axes.values()):
        fixed = dict(zip(axes, combo, strict=True))
        found = (
            bracket(search, fixed, solved, target.value)
            if solved
            else [s for s in [search.shape(fixed)] if s is not None]
        )
        for s in found:
            shapes[tuple(sorted((k, str(v)) for k, v in s.overrides.items()))] = s
    ranked = sorted(shapes.values(), key=lambda s: rank_key(s, target, search.shaper, vary))
    return Solution(
        base,
        target,
        "active" if active else "total",
        vary,
        solved,
        ranked[:top],
        search.shaper.rules(),
        len(search.cache),
    )


__all__ = ["VARIABLE", "Search", "Shape", "Solution", "Target", "parse_target", "solve"]
