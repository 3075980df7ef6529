"""Renderers: one function per output format, kept apart from counting and from the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class OutputFormat(str, Enum):
    """Every output format; each member has exactly one renderer in `paramcalc.render.text`."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    MARKDOWN = "markdown"
    CSV = "csv"
    SVG = "svg"
    HTML = "html"


@dataclass
class Report:
    """What a command shows: a table of rows for people, and `data` for machines.

    `rows` hold exact values (ints stay ints); renderers decide how to print them.
    `bar` names a column holding a share in [0, 1] that the Rich table draws as a bar.
    """

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    data: Any
    footer: list[tuple[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bar: str | None = None
    sections: list[Report] = field(default_factory=list)

    def footer_column(self) -> int:
        """The first numeric column, where footer figures line up under the rows' figures."""
        if self.rows:
            for i, value in enumerate(self.rows[0][1:], start=1):
                if isinstance(value, int) and not isinstance(value, bool):
                    return i
        return 1

    def footer_rows(self) -> list[list[Any]]:
        """The footer as full-width rows: label first, figure under the first numeric column."""
        rows = []
        for label, value in self.footer:
            row: list[Any] = [""] * len(self.columns)
            row[0], row[self.footer_column()] = label, value
            rows.append(row)
        return rows
