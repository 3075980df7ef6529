"""Expected totals and tolerances, as written in architecture files (`6.74B`, `0.1%`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from paramcalc.errors import InputError, describe

SCALES = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
COUNT_PATTERN = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([KMBGT]?)\s*$", re.IGNORECASE)
#: Digits of a count or a share: more is no model's size, and Fraction would build a huge
#: integer from a long exponent (1e99999999) before anything could refuse it.
MAX_DIGITS = 30
SHARE_PATTERN = re.compile(
    rf"\s*(\d{{1,{MAX_DIGITS}}}(\.\d{{0,{MAX_DIGITS}}})?|\.\d{{1,{MAX_DIGITS}}})"
    rf"([eE][-+]?\d{{1,3}})?(/\d{{1,{MAX_DIGITS}}})?\s*%?\s*"
)


@dataclass(frozen=True)
class Expectation:
    """An expected total (a whole number) with the absolute slack allowed around it."""

    value: int
    slack: Fraction

    def holds(self, actual: int) -> bool:
        """Whether `actual` lies within the slack of the expected value."""
        return abs(actual - self.value) <= self.slack


def parse_count(raw: int | str, where: str) -> tuple[int, Fraction]:
    """Read `6738415616`, `6,738,415,616` or `6.74B`; return the value and its rounding slack.

    A figure with a unit carries its precision: `6.74B` stands for anything that rounds to it,
    so the slack is half a unit of its last digit. A plain integer is exact. The value is a
    whole number of parameters: `1.5` or `1.2345K` is refused.
    """
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise InputError(
            where, f"expected an integer or a figure like 6.74B, got {raw!r}", "expected_total"
        )
    if isinstance(raw, int):
        return raw, Fraction(0)
    match = COUNT_PATTERN.match(raw)
    if not match:
        raise InputError(
            where, f"expected an integer or a figure like 6.74B, got {raw!r}", "expected_total"
        )
    digits, unit = match.group(1).replace(",", "").replace("_", ""), match.group(2).upper()
    if len(digits) > MAX_DIGITS + 1:
        raise InputError(
            where, f"more than {MAX_DIGITS} digits in {describe(raw)}", "expected_total"
        )
    scale = SCALES[unit]
    decimals = len(digits.partition(".")[2])
    slack = Fraction(scale, 2 * 10**decimals) if unit else Fraction(0)
    value = Fraction(digits) * scale
    if value.denominator != 1:
        raise InputError(where, f"{raw!r} is not a whole number of parameters", "expected_total")
    return value.numerator, slack


def read_share(text: str) -> Fraction:
    """Read `0.1%`, `0.001`, `1e-3` or `1/1000` exactly; ValueError for anything else, and
    for digits or an exponent longer than any share needs."""
    if not SHARE_PATTERN.fullmatch(text):
        raise ValueError(text)
    text = text.strip()
    if text.endswith("%"):
        return Fraction(text[:-1].strip()) / 100
    return Fraction(text)


def parse_tolerance(raw: int | float | str | None, where: str) -> Fraction | None:
    """Read a relative tolerance: `0.1%` or a fraction such as 0.001; None when absent."""
    if raw is None:
        return None
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = read_share(raw) if isinstance(raw, str) else Fraction(str(raw))
    except (ValueError, ZeroDivisionError, OverflowError):
        raise InputError(
            where, f"expected a percentage (0.1%) or a fraction, got {describe(raw)}", "tolerance"
        ) from None
    if not 0 <= value < 1:
        raise InputError(where, f"must be between 0 and 100%, got {describe(raw)}", "tolerance")
    return value


def expectation(
    expected: int | str,
    tolerance: int | float | str | None,
    where: str,
) -> Expectation:
    """Combine an expected total and a tolerance into the slack a check allows.

    An explicit tolerance is the tolerance (`7B` with `tolerance: 1%` allows 1% of 7B, not
    the 0.5B that 7B's own precision would); only without one does a figure with a unit hold
    for any count that rounds to it.
    """
    value, rounding = parse_count(expected, where)
    relative = parse_tolerance(tolerance, where)
    return Expectation(value, rounding if relative is None else relative * value)
