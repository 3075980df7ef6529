"""Counting a whole box of a sweep's grid at once: sizes as exact integer polynomials.

A box is a product of index ranges, one per swept field; field k's value at a point is
`first_k + step_k * u_k` with `0 <= u_k <= top_k`. Validation and counting run once on an
architecture whose swept fields hold such polynomials (`Polynomial`), through the same code a
single count runs. Sums and products stay exact polynomials. Anything whose outcome could
differ inside the box raises `Undecidable`: a comparison whose sign the polynomial's bounds
over the box do not settle, a floor division or remainder the coefficients do not make exact,
a division by a swept size, hashing or printing one. So a run that finishes took, at every
point of the box, the branches that point's own count takes, and its polynomials are that
count; a run that does not is retried on halves of the box, down to single points.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from paramcalc.core.types import (
    HOLDS,
    UNVALIDATED_BUILD,
    Spec,
    after_validators_only,
    construct,
    field_bounds,
)

#: A monomial: the exponent of each box variable.
Monomial = tuple[int, ...]


class Undecidable(Exception):
    """An operation whose result is not the same exact function at every point of the box."""


class Polynomial:
    """An integer polynomial in the box variables u_k, each in 0..top_k (never a constant:
    operations that give a constant give a plain int)."""

    __slots__ = ("terms", "tops")

    def __init__(self, terms: dict[Monomial, int], tops: tuple[int, ...]) -> None:
        self.terms, self.tops = terms, tops

    @classmethod
    def variable(cls, k: int, first: int, step: int, tops: tuple[int, ...]) -> Polynomial | int:
        """`first + step * u_k`: a swept field's value over the box."""
        zero, unit = (0,) * len(tops), tuple(int(i == k) for i in range(len(tops)))
        return cls.of({zero: first, unit: step}, tops)

    @classmethod
    def of(cls, terms: dict[Monomial, int], tops: tuple[int, ...]) -> Polynomial | int:
        """The polynomial of these terms, or a plain int when it is a constant."""
        kept = {m: c for m, c in terms.items() if c}
        if not any(any(m) for m in kept):
            return kept.get((0,) * len(tops), 0)
        return cls(kept, tops)

    def coefficients(self, other: object) -> dict[Monomial, int]:
        """`other` as terms over the same variables; a float or another type is undecidable."""
        if isinstance(other, Polynomial):
            return other.terms
        if isinstance(other, int):
            return {(0,) * len(self.tops): int(other)}
        raise Undecidable(f"arithmetic with {type(other).__name__}")

    def __add__(self, other: object) -> Polynomial | int:
        terms = dict(self.terms)
        for m, c in self.coefficients(other).items():
            terms[m] = terms.get(m, 0) + c
        return Polynomial.of(terms, self.tops)

    __radd__ = __add__

    def __neg__(self) -> Polynomial | int:
        return Polynomial.of({m: -c for m, c in self.terms.items()}, self.tops)

    def __sub__(self, other: object) -> Polynomial | int:
        return self + Polynomial.of({m: -c for m, c in self.coefficients(other).items()}, self.tops)

    def __rsub__(self, other: object) -> Polynomial | int:
        terms = {m: -c for m, c in self.terms.items()}
        for m, c in self.coefficients(other).items():
            terms[m] = terms.get(m, 0) + c
        return Polynomial.of(terms, self.tops)

    def __mul__(self, other: object) -> Polynomial | int:
        terms: dict[Monomial, int] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in self.coefficients(other).items():
                m = tuple(a + b for a, b in zip(m1, m2, strict=True))
                terms[m] = terms.get(m, 0) + c1 * c2
        return Polynomial.of(terms, self.tops)

    __rmul__ = __mul__

    def exact_parts(self, divisor: object) -> tuple[int, Polynomial | int]:
        """The constant term and the rest divided by `divisor`, when the rest's coefficients
        are all multiples of it: then `p // d` and `p % d` are exact over the whole box."""
        if not isinstance(divisor, int) or divisor <= 0:
            raise Undecidable("division by a swept size")
        zero = (0,) * len(self.tops)
        rest = {m: c for m, c in self.terms.items() if m != zero}
        if any(c % divisor for c in rest.values()):
            raise Undecidable(f"floor division by {divisor} that differs inside the box")
        quotient = Polynomial.of({m: c // divisor for m, c in rest.items()}, self.tops)
        return self.terms.get(zero, 0), quotient

    def __floordiv__(self, divisor: object) -> Polynomial | int:
        constant, quotient = self.exact_parts(divisor)
        assert isinstance(divisor, int)  # exact_parts refused anything else
        return quotient + constant // divisor

    def __mod__(self, divisor: object) -> int:
        constant, _ = self.exact_parts(divisor)
        assert isinstance(divisor, int)  # exact_parts refused anything else
        return constant % divisor

    def bounds(self) -> tuple[int, int]:
        """Bounds on the polynomial over the box (each monomial lies between 0 and its value
        at the far corner): sound, exact for an affine polynomial."""
        low = high = 0
        for m, c in self.terms.items():
            if not any(m):
                low, high = low + c, high + c
                continue
            corner = c * math.prod(t**e for t, e in zip(self.tops, m, strict=True))
            low, high = low + min(0, corner), high + max(0, corner)
        return low, high

    def sign_range(self, other: object) -> tuple[int, int]:
        """Bounds on `self - other` over the box."""
        difference = self - other
        return difference.bounds() if isinstance(difference, Polynomial) else (difference,) * 2

    def __lt__(self, other: object) -> bool:
        low, high = self.sign_range(other)
        if high < 0 or low >= 0:
            return high < 0
        raise Undecidable("a comparison that differs inside the box")

    def __le__(self, other: object) -> bool:
        low, high = self.sign_range(other)
        if high <= 0 or low > 0:
            return high <= 0
        raise Undecidable("a comparison that differs inside the box")

    def __gt__(self, other: object) -> bool:
        return not self <= other

    def __ge__(self, other: object) -> bool:
        return not self < other

    def __eq__(self, other: object) -> bool:
        if other is None or isinstance(other, (str, bytes, tuple, list, dict)):
            return False
        low, high = self.sign_range(other)
        if low == high == 0 or low > 0 or high < 0:
            return low == high == 0
        raise Undecidable("an equality that differs inside the box")

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __bool__(self) -> bool:
        return self != 0

    def __hash__(self) -> int:
        raise Undecidable("a swept size used as a key")

    def __index__(self) -> int:
        raise Undecidable("a swept size used as an index or a length")

    def __float__(self) -> float:
        raise Undecidable("a swept size used as a float")

    def __truediv__(self, other: object) -> float:
        raise Undecidable("true division of a swept size")

    __rtruediv__ = __truediv__
    __rfloordiv__ = __truediv__
    __rmod__ = __truediv__
    __pow__ = __truediv__
    __int__ = __index__

    def __format__(self, spec: str) -> str:
        raise Undecidable("a swept size printed")

    __str__ = __repr__ = lambda self: self.__format__("")  # noqa: E731

    def expression(self, names: tuple[str, ...]) -> str:
        """Python source that computes the polynomial from variables named `names`."""
        parts = []
        for m, c in self.terms.items():
            factors = [
                str(c),
                *(f"{n}**{e}" if e > 1 else n for n, e in zip(names, m, strict=True) if e),
            ]
            parts.append("*".join(factors))
        return "(" + " + ".join(parts) + ")"


def check_constraints(cls: type[BaseModel], data: dict[str, Any]) -> None:
    """Hold each polynomial value to its field's bounds (gt, ge, lt, le) over the whole box."""
    bounds = field_bounds(cls)
    for name, value in data.items():
        if isinstance(value, Polynomial):
            for attribute, limit in bounds.get(name, ()):
                if not HOLDS[attribute](value, limit):
                    raise Undecidable(f"a size out of its field's bounds ({attribute} {limit})")


def build_unvalidated(part: Spec, data: dict[str, Any]) -> None:
    """Build a part as validation would, for polynomial sizes: defaults filled, constraints
    held over the box, the model's after-validators run (before/wrap ones refuse the box)."""
    cls = type(part)
    if not after_validators_only(cls):
        raise Undecidable(f"{cls.__name__} has validators a box cannot run")
    unknown = set(data) - set(cls.model_fields)
    if unknown:
        raise Undecidable(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    check_constraints(cls, data)
    construct(part, data)


@contextmanager
def unvalidated_parts() -> Iterator[None]:
    """Build schema v2 parts with `build_unvalidated` inside this block (this context only)."""
    token = UNVALIDATED_BUILD.set(build_unvalidated)
    try:
        yield
    finally:
        UNVALIDATED_BUILD.reset(token)
