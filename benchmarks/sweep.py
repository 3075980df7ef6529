"""Sweep benchmark: grid points counted per second, against single counts in the same run.

Prints points/second for two 100,000-point grids around llama-2-7b (one with a depth axis,
which reuses one deep count per combination of the other fields, one without), and the ratio
to counting one architecture from scratch (`paramcalc.count` with overrides: validate, count),
measured in the same process so the figure compares across machines. Goal: at least 200,000
points a second on the grid with no depth axis (counted box by box, `paramcalc.sweep_boxes`).
A figure, never a test.

usage: python benchmarks/sweep.py
"""

from __future__ import annotations

import time

import paramcalc
from paramcalc.sweep import Sweep, parse_axis

GRIDS = {
    "hidden x depth x vocab": [
        "hidden_size=128..12800:128",
        "num_hidden_layers=1..100",
        "vocab_size=32000..32009",
    ],
    "hidden x ffn (no depth)": ["hidden_size=128..12800:128", "intermediate_size=1000..1999"],
}
BASELINE_COUNTS = 2_000


def points_per_second(base: paramcalc.Architecture, grid: list[str]) -> tuple[int, float]:
    """Count every point of a grid; return the points and the rate."""
    start = time.process_time()
    points = sum(1 for _ in Sweep(base, [parse_axis(g) for g in grid]))
    return points, points / (time.process_time() - start)


def single_counts_per_second(base: paramcalc.Architecture) -> float:
    """paramcalc.count from an architecture with one field changed, one at a time."""
    start = time.process_time()
    for i in range(BASELINE_COUNTS):
        paramcalc.count(base, {"hidden_size": 128 * (1 + i % 100)})
    return BASELINE_COUNTS / (time.process_time() - start)


def main() -> None:
    """Print each grid's rate, its time for 100,000 points and its ratio to single counts."""
    base = paramcalc.load("llama-2-7b")
    baseline = single_counts_per_second(base)
    print(f"single count (validate + count): {baseline:,.0f}/s")
    for name, grid in GRIDS.items():
        points, rate = points_per_second(base, grid)
        print(
            f"sweep {name}: {points:,} points, {rate:,.0f} points/s "
            f"({100_000 / rate:.1f} s per 100,000; {rate / baseline:.1f}x single counts)"
        )


if __name__ == "__main__":
    main()
