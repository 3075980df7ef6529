"""Human units for exact counts: shown next to the exact figure, never instead of it."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))
BINARY_UNITS = ((2**40, " TiB"), (2**30, " GiB"), (2**20, " MiB"), (2**10, " KiB"))
FLOP_UNITS = (
    (10**24, " YFLOP"),
    (10**21, " ZFLOP"),
    (10**18, " EFLOP"),
    (10**15, " PFLOP"),
    (10**12, " TFLOP"),
    (10**9, " GFLOP"),
    (10**6, " MFLOP"),
    (10**3, " KFLOP"),
)


def three_figures(value: float) -> int:
    """Decimals that show `value` (at least 1) to three significant figures."""
    return 2 if value < 10 else 1 if value < 100 else 0


def two_decimals(value: float) -> int:
    """Two decimals, whatever the value."""
    return 2


def scaled(
    n: int | float | Fraction, units: tuple[tuple[int, str], ...], decimals: Callable[[float], int]
) -> str | None:
    """`n` in the largest of `units` it reaches (None below the smallest). A figure that
    rounds up to the next unit's size takes that unit: 999,885,952 is 1.00B, never 1000M."""
    for i, (scale, unit) in enumerate(units):
        if n >= scale:
            value = float(Fraction(n) / scale)
            text = f"{value:.{decimals(value)}f}"
            if i and float(text) * scale >= units[i - 1][0]:
                scale, unit = units[i - 1]
                value = float(Fraction(n) / scale)
                text = f"{value:.{decimals(value)}f}"
            return text + unit
    return None


def human(count: int) -> str:
    """Three significant figures with a unit: 6738415616 -> '6.74B'."""
    sign, n = ("-", -count) if count < 0 else ("", count)
    return sign + (scaled(n, UNITS, three_figures) or str(n))


def human_bytes(n: int) -> str:
    """Bytes in binary units, as GPU memory is sized: 13476831232 -> '12.55 GiB'."""
    return scaled(n, BINARY_UNITS, two_decimals) or f"{n} B"


def human_flops(n: int | float | Fraction) -> str:
    """FLOPs with a decimal prefix: 62921270886400 -> '62.92 TFLOP'."""
    return scaled(n, FLOP_UNITS, two_decimals) or f"{float(n):g} FLOP"


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
