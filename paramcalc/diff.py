"""Two architectures side by side: their counts by group and the fields that set them apart.

Pure: takes two validated architectures, returns exact differences; the CLI renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

from paramcalc.calculator import GROUPS, Breakdown, count
from paramcalc.schema import DESCRIPTION_FIELDS, Architecture, Loaded

#: Fields always shown, as resolved values (defaults filled in), in this order.
MAIN_FIELDS: dict[str, str] = {
    "vocab_size": "vocab_size",
    "hidden_size": "hidden_size",
    "num_hidden_layers": "num_hidden_layers",
    "num_attention_heads": "num_attention_heads",
    "num_key_value_heads": "kv_heads",
    "head_dim": "resolved_head_dim",
    "intermediate_size": "resolved_intermediate_size",
    "num_experts": "num_experts",
    "num_experts_per_tok": "num_experts_per_tok",
    "tie_word_embeddings": "tie_word_embeddings",
}


@dataclass(frozen=True)
class Line:
    """One compared quantity: its value in A and in B."""

    name: str
    a: Any
    b: Any

    @property
    def differs(self) -> bool:
        """Whether the two values differ."""
        return self.a != self.b

    @property
    def difference(self) -> int | None:
        """B - A for integer values, else None."""
        if is_count(self.a) and is_count(self.b):
            return int(self.b) - int(self.a)
        return None

    @property
    def relative(self) -> Fraction | None:
        """(B - A) / A as an exact fraction, None when A is 0 or the values are not integers."""
        d = self.difference
        return Fraction(d, int(self.a)) if d is not None and self.a else None


@dataclass(frozen=True)
class Diff:
    """Counts (total, groups, non-embedding, active) and fields of A and B."""

    name_a: str
    name_b: str
    counts: tuple[Line, ...]
    fields: tuple[Line, ...]

    @property
    def total(self) -> Line:
        """The total parameter count of each."""
        return self.counts[0]

    def differing_fields(self) -> list[Line]:
        """The field lines whose values differ."""
        return [line for line in self.fields if line.differs]


def is_count(value: Any) -> bool:
    """Whether a value is an integer (booleans are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def shown(value: Any) -> Any:
    """A field value as people read it: enums by value, tuples as lists, None as 'default'."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def count_lines(a: Breakdown, b: Breakdown) -> tuple[Line, ...]:
    """Total, each group, non-embedding and active of both counts."""
    lines = [Line("total", a.total, b.total)]
    lines += [Line(g.value, a.groups[g], b.groups[g]) for g in GROUPS]
    lines += [
        Line("non_embedding", a.non_embedding, b.non_embedding),
        Line("active", a.active, b.active),
    ]
    return tuple(lines)


def field_lines(a: Loaded, b: Loaded) -> tuple[Line, ...]:
    """The main fields (resolved), then every other schema field whose value differs; only
    counts are compared when either side is a v2 model (its fields are nested)."""
    if not (isinstance(a, Architecture) and isinstance(b, Architecture)):
        return ()
    lines = [Line(name, getattr(a, attr), getattr(b, attr)) for name, attr in MAIN_FIELDS.items()]
    for name in Architecture.model_fields:
        if name in MAIN_FIELDS or name in DESCRIPTION_FIELDS:
            continue
        value_a, value_b = shown(getattr(a, name)), shown(getattr(b, name))
        if value_a != value_b:
            lines.append(Line(name, value_a, value_b))
    return tuple(lines)


def diff(a: Loaded, b: Loaded, name_a: str, name_b: str) -> Diff:
    """Compare two architectures: their counts and their fields."""
    return Diff(name_a, name_b, count_lines(count(a), count(b)), field_lines(a, b))
