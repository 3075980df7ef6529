"""Renderers: one function per output format, kept apart from counting and from the CLI."""

from __future__ import annotations

import os
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
    `bar` names a column holding a share in [0, 1] that the terminal table draws as a bar.
    `secondary` names the columns a narrow terminal moves under each row first; `footer_at`
    the column the footer's figures start in (default: the first numeric one); `key` the
    table's short name where one CSV holds several tables (default: the title).
    """

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    data: Any
    footer: list[tuple[Any, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bar: str | None = None
    sections: list[Report] = field(default_factory=list)
    secondary: tuple[str, ...] = ()
    footer_at: str | None = None
    key: str | None = None

    def footer_column(self) -> int:
        """Where footer figures line up under the rows' figures: the column `footer_at` names,
        else the first numeric one."""
        if self.footer_at is not None:
            return self.columns.index(self.footer_at)
        if self.rows:
            for i, value in enumerate(self.rows[0][1:], start=1):
                if isinstance(value, int) and not isinstance(value, bool):
                    return i
        return 1

    def footer_rows(self) -> list[list[Any]]:
        """The footer as full-width rows: label first, its figures from the first numeric
        column on (a count, then its human units)."""
        rows = []
        at = self.footer_column()
        for label, *values in self.footer:
            row: list[Any] = [label, *[""] * (len(self.columns) - 1)]
            row[at : at + len(values)] = values
            rows.append(row[: len(self.columns)])
        return rows


def shown_path(path: str) -> str:
    """A path as a table shows it: relative to the current folder when it lies inside it."""
    if not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative
