"""The sweep's box-by-box counts equal counting every point on its own, invalid points too.

The reference for each point is `paramcalc.count(base, {field: value, ...})`: a full
validation and count of that architecture, sharing no code with the symbolic box counts.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

import paramcalc
from paramcalc.calculator import Group
from paramcalc.errors import InputError
from paramcalc.sweep import Axis, Sweep
from paramcalc.sweep_boxes import MIN_BOX, AxisValues, BoxCounter
from paramcalc.symbolic import Polynomial, Undecidable

#: Flat presets of different structures: dense, GQA, biases, tied, MoE, MLA, T5, sliding.
PRESETS = [
    "llama-2-7b",
    "mistral-7b-v0.1",
    "qwen2-0.5b",
    "gpt2",
    "bert-base-uncased",
    "mixtral-8x7b",
    "deepseek-v2-lite",
    "t5-small",
    "gemma-2-2b-it",
    "opt-125m",
    "phi-2",
]
#: Fields a grid may run through, with the range their values are drawn from.
FIELDS = {
    "hidden_size": (32, 4096),
    "intermediate_size": (16, 8192),
    "num_attention_heads": (1, 48),
    "num_key_value_heads": (1, 48),
    "vocab_size": (1, 70000),
    "head_dim": (8, 256),
    "num_experts": (1, 80),
    "num_experts_per_tok": (1, 8),
    "moe_intermediate_size": (16, 4096),
}


def reference(base: str, axes: list[Axis]) -> tuple[list[tuple], int, str | None]:
    """Every valid point's (values, groups, active), the skipped count and the first error,
    each point counted in full through paramcalc.count."""
    rows, skipped, first = [], 0, None
    for values in itertools.product(*(a.values() for a in axes)):
        point = dict(zip((a.field for a in axes), values, strict=True))
        try:
            b = paramcalc.count(base, point)
        except InputError as exc:
            skipped += 1
            where = ", ".join(f"{k}={v}" for k, v in point.items())
            first = first or f"{where}: {exc.field}: {exc.message}"
            continue
        rows.append((values, b.groups, b.active))
    return rows, skipped, first


def random_axes(rng: random.Random, arch: paramcalc.Architecture) -> list[Axis]:
    """Two or three axes around the base's own values, of 128 points or a few more."""
    moe = ("num_experts", "num_experts_per_tok", "moe_intermediate_size")
    fields = sorted(f for f in FIELDS if arch.is_moe or f not in moe)
    names = rng.sample(fields, rng.choice([2, 2, 3]))
    axes = []
    for name in names:
        low, high = FIELDS[name]
        step = rng.choice([1, 2, 8, 64, 128])
        start = rng.randint(low, high)
        current = getattr(arch, name, None)
        if isinstance(current, int) and rng.random() < 0.8:
            start = max(low, current - step * rng.randint(0, 3))
        axes.append(Axis(name, start, start, step))
    while math.prod(a.points for a in axes) < MIN_BOX * 2:  # big enough for boxes
        k = rng.randrange(len(axes))
        a = axes[k]
        axes[k] = Axis(a.field, a.start, a.stop + a.step, a.step)
    return axes


@pytest.mark.parametrize("seed", range(24))
def test_boxes_equal_single_counts_on_random_grids(seed: int) -> None:
    """Rows, skipped points and the first skip message are those of single full counts."""
    rng = random.Random(seed)
    base = PRESETS[seed % len(PRESETS)]
    arch = paramcalc.load(base)
    axes = random_axes(rng, arch)
    sweep = Sweep(arch, axes)
    rows = [(r.values, r.groups, r.active) for r in sweep]
    expected, skipped, first = reference(base, axes)
    assert rows == expected
    assert sweep.skipped == skipped
    if first is not None:
        assert sweep.first_skip is not None
        assert sweep.first_skip.split(":")[:2] == first.split(":")[:2]


def test_a_uniform_grid_is_one_box() -> None:
    """Llama-2-7B's width and FFN width: one symbolic count serves all 1,200 points, and only
    the box's first point is counted in full (to check the box against it)."""
    arch = paramcalc.load("llama-2-7b")
    fields = ("hidden_size", "intermediate_size")
    full: list[tuple[int, ...]] = []

    def exact(values: tuple[int, ...]) -> tuple[dict[Group, int], int]:
        full.append(values)
        b = paramcalc.count(arch, dict(zip(fields, values, strict=True)))
        return b.groups, b.active

    axes = [AxisValues(fields[0], range(128, 1281, 128)), AxisValues(fields[1], range(1000, 1120))]
    counter = BoxCounter(arch, axes, dict, exact)
    points = list(counter.points())
    assert counter.symbolic and full == [(128, 1000)] and len(points) == 1200
    (h, i), counted = points[-1]
    assert not isinstance(counted, Exception)
    groups, active = counted
    assert groups[Group.ATTENTION] == 32 * 4 * h * h
    assert groups[Group.FEEDFORWARD] == 32 * 3 * h * i
    assert (
        active == sum(groups.values()) == 2 * 32000 * h + 32 * (4 * h * h + 3 * h * i + 2 * h) + h
    )


def test_polynomials_are_exact_and_decide_only_what_holds_everywhere() -> None:
    """Arithmetic equals integer arithmetic at every point; a decided comparison holds at
    every point; one that differs inside the box is undecidable."""
    tops = (5, 7)
    x = Polynomial.variable(0, 128, 128, tops)
    y = Polynomial.variable(1, 1000, 3, tops)
    exprs = [
        lambda a, b: a * b + 3 * a - b,
        lambda a, b: (a // 32) * (a // 32) + b,
        lambda a, b: a % 64 + 2 * b,
        lambda a, b: -(a - b) * 7,
    ]
    for u, v in itertools.product(range(tops[0] + 1), range(tops[1] + 1)):
        a, b = 128 + 128 * u, 1000 + 3 * v
        for f in exprs:
            value = f(x, y)
            at = (
                value
                if isinstance(value, int)
                else eval(value.expression(("u", "v")), {"u": u, "v": v})
            )  # noqa: S307
            assert at == f(a, b)
    assert (x > 0) is True and (x < 128) is False and (y != 0) is True
    for undecidable in (
        lambda: x > 500,
        lambda: y % 2,
        lambda: x // 3,
        lambda: x // y,
        lambda: hash(x),
        lambda: f"{x}",
        lambda: range(x),
    ):
        with pytest.raises(Undecidable):
            undecidable()


def flat_presets() -> list[str]:
    """The presets in the flat form (a sweep's base)."""
    from paramcalc.sources.presets import preset_data, preset_names

    return [
        n for n in preset_names() if "config" not in preset_data(n) and "text" not in preset_data(n)
    ]


@pytest.mark.parametrize("base", flat_presets())
def test_width_and_vocabulary_boxes_equal_single_counts(base: str) -> None:
    """Every flat preset: widths that keep head_dim whole, by vocabulary sizes (one box)."""
    arch = paramcalc.load(base)
    step = arch.num_attention_heads * 8
    start = arch.hidden_size - step * 3 if arch.hidden_size > step * 3 else step
    axes = [
        Axis("hidden_size", start, start + 7 * step, step),
        Axis("vocab_size", arch.vocab_size - 4, arch.vocab_size + 3),
    ]
    sweep = Sweep(arch, axes)
    rows = [(r.values, r.groups, r.active) for r in sweep]
    expected, skipped, _ = reference(base, axes)
    assert rows == expected
    assert sweep.skipped == skipped
