"""Human units for exact counts: shown next to the exact figure, never instead of it."""

from __future__ import annotations

from fractions import Fraction

UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def human(count: int) -> str:
    """Three significant figures with a unit: 6738415616 -> '6.74B'."""
    sign, n = ("-", -count) if count < 0 else ("", count)
    for scale, unit in UNITS:
        if n >= scale:
            value = n / scale
            digits = 2 if value < 10 else 1 if value < 100 else 0
            return f"{sign}{value:.{digits}f}{unit}"
    return f"{sign}{n}"


def percent(share: Fraction | float) -> str:
    """A share as a percentage with two decimals; a tiny non-zero share shows as <0.01%."""
    if 0 < share < Fraction(1, 10_000):
        return "<0.01%"
    return f"{float(share) * 100:.2f}%"


def cell(value: object) -> str:
    """How a value prints in a table or Markdown cell: integers with thousands separators."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Fraction):
        return percent(value)
    return "" if value is None else str(value)
