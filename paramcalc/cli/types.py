"""Option types that bound what the command line may ask for, before any work starts.

click's own integer types convert any digit string, so `--batch` with 5,000 digits either
fails with the whole number in its message or feeds the arithmetic numbers no model has.
These types read at most a few dozen characters and say what range they take.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import click

#: The largest size paramcalc takes anywhere: PyTorch shapes are int64.
MAX_SIZE = 2**63 - 1
INTEGER = re.compile(r"\s*[-+]?\d{1,20}\s*")


class Size(click.ParamType):
    """A whole number from `low` to `high` (default 1 to 2**63 - 1)."""

    name = "INTEGER"

    def __init__(self, low: int = 1, high: int = MAX_SIZE) -> None:
        self.low, self.high = low, high

    def convert(
        self,
        value: Any,
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> int:
        """Read the number; refuse a long digit string before converting it."""
        from paramcalc.errors import describe

        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and INTEGER.fullmatch(value):
            number = int(value)
        else:
            self.fail(f"expected a whole number, got {describe(value)}", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(
                f"expected a whole number from {self.low:,} to {self.high:,}, got "
                f"{describe(number)}",
                param,
                ctx,
            )
        return number


class TokenCount(click.ParamType):
    """A whole number of tokens: `300000000000`, `300_000_000_000`, `300B` or `1.4T`."""

    name = "COUNT"

    def convert(
        self,
        value: Any,
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> int:
        """Read the figure exactly; refuse one that is not a positive whole number."""
        from paramcalc.errors import InputError, describe
        from paramcalc.expectations import parse_count

        try:
            tokens, _ = parse_count(str(value), "--tokens")
        except InputError:
            tokens = 0
        if tokens <= 0:
            self.fail(
                f"expected a positive whole number such as 300B or 1.4T, got {describe(value)}",
                param,
                ctx,
            )
        return tokens


class Utilization(click.ParamType):
    """A model FLOPs utilization: `40%` or `0.4`, above 0 and at most 1."""

    name = "MFU"

    def convert(
        self,
        value: Any,
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> Fraction:
        """Read the share exactly, refusing long exponents (1e99999999) unread."""
        from paramcalc.errors import describe
        from paramcalc.expectations import read_share

        try:
            share = read_share(str(value))
        except (ValueError, ZeroDivisionError):
            share = Fraction(-1)
        if not 0 < share <= 1:
            self.fail(f"expected a share such as 40% or 0.4, got {describe(value)}", param, ctx)
        return share
