"""The terminal renderer: tables laid out for the terminal's width, never breaking a cell.

The layout is paramcalc's own and Rich only draws its styles, so that a name, a path or a
number is never split across lines. A table wider than the terminal gives up, in this order:
the length of its bars, the bars, the columns that are 0 in every row (said once, under the
table), the report's secondary columns, then columns from the right; a cell that leaves its row
is printed under it as `column: value`. A cell wider than the terminal stays whole and
overflows. Lines carry no trailing spaces, and every string is plain text, never Rich markup,
with control characters (a terminal escape in a model's name) shown escaped.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from fractions import Fraction

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from paramcalc.errors import printable
from paramcalc.render import Report
from paramcalc.render.units import cell

#: Spaces before a row, between two columns, and before a cell printed under its row.
INDENT, GAP, BELOW = 2, 3, 4
BAR_WIDTH, MIN_BAR_WIDTH = 24, 8


@dataclass(frozen=True)
class Glyphs:
    """The characters of bars and rules."""

    full: str
    empty: str
    rule: str


UNICODE = Glyphs("█", "·", "━")
ASCII = Glyphs("#", ".", "-")


def glyphs_for(encoding: str) -> Glyphs:
    """Box-drawing glyphs where the output encoding has them, ASCII where it does not."""
    try:
        (UNICODE.full + UNICODE.empty + UNICODE.rule).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII
    return UNICODE


@dataclass
class Plan:
    """Which columns a table shows in its rows, which under them, and how long its bars are."""

    shown: list[int]
    below: list[int] = field(default_factory=list)
    zero: list[int] = field(default_factory=list)
    bar: int = 0


def is_numeric(value: object) -> bool:
    """Whether a cell is a figure, right-aligned (integers and shares; not booleans)."""
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)


def row_width(widths: list[int], columns: list[int], bar: int = 0) -> int:
    """Characters of a row showing `columns` (and a bar of `bar` cells)."""
    width = INDENT + sum(widths[i] for i in columns) + GAP * (len(columns) - 1)
    return width + (GAP + bar if bar else 0)


def plan(report: Report, widths: list[int], width: int) -> Plan:
    """Fit the table to `width`, giving up bars, zero columns and secondary columns in turn."""
    columns = Plan(list(range(len(widths))), bar=BAR_WIDTH if report.bar else 0)
    if row_width(widths, columns.shown, columns.bar) <= width:
        return columns
    room = width - row_width(widths, columns.shown) - GAP
    columns.bar = room if columns.bar and room >= MIN_BAR_WIDTH else 0
    if row_width(widths, columns.shown, columns.bar) <= width:
        return columns
    columns.zero = [
        i
        for i in columns.shown[1:]
        if report.rows and all(is_numeric(row[i]) and row[i] == 0 for row in report.rows)
    ]
    columns.shown = [i for i in columns.shown if i not in columns.zero]
    secondary = [report.columns.index(name) for name in report.secondary]
    for i in [*secondary, *reversed(columns.shown[1:])]:
        if row_width(widths, columns.shown) <= width:
            break
        if i in columns.shown:
            columns.shown.remove(i)
            columns.below.append(i)
    columns.below.sort()
    return columns


def padded(text: str, width: int, right: bool) -> str:
    """`text` padded with spaces to `width` cells, on the left for a figure."""
    fill = " " * max(0, width - cell_len(text))
    return fill + text if right else text + fill


def wrapped(text: str, width: int, indent: str = "", hanging: str = "") -> list[str]:
    """Lines of at most `width` cells, broken at spaces only: a long word overflows whole."""
    return textwrap.wrap(
        text,
        max(1, width),
        initial_indent=indent,
        subsequent_indent=hanging,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


#: Stands for a space a line must not break at, while lines are wrapped.
NO_BREAK = "\0"


def glued(pair: str, room: int) -> str:
    """A `column: value` pair kept on one line, or, when longer than `room`, its label kept
    with the value's first word."""
    if cell_len(pair) <= room:
        return pair.replace(" ", NO_BREAK)
    return pair.replace(" ", NO_BREAK, pair.count(" ", 0, pair.index(": ") + 2))


def bar(share: object, length: int, glyphs: Glyphs) -> str:
    """A bar of `length` cells filled in proportion to `share`."""
    filled = round(float(share) * length) if isinstance(share, (int, float, Fraction)) else 0
    filled = min(max(filled, 0), length)
    return glyphs.full * filled + glyphs.empty * (length - filled)


class TableLayout:
    """One report's table as lines of styled text, for a terminal `width` cells wide."""

    def __init__(self, report: Report, width: int, glyphs: Glyphs) -> None:
        self.report, self.width, self.glyphs = report, width, glyphs
        self.body = [[printable(cell(v)) for v in row] for row in report.rows]
        self.foot = [[printable(cell(v)) for v in row] for row in report.footer_rows()]
        self.right = [
            any(is_numeric(row[i]) for row in report.rows) for i in range(len(report.columns))
        ]
        self.widths = [
            max([cell_len(name)] + [cell_len(r[i]) for r in self.body + self.foot])
            for i, name in enumerate(report.columns)
        ]
        self.plan = plan(report, self.widths, width)

    def line(self, cells: list[str], style: str = "", share: object = None) -> Text:
        """One row: the shown cells in their columns, then the bar."""
        text = Text(
            " " * INDENT
            + (" " * GAP).join(
                padded(cells[i], self.widths[i], self.right[i]) for i in self.plan.shown
            ),
            style=style,
        )
        if self.plan.bar and share is not None:
            text.append(" " * GAP + bar(share, self.plan.bar, self.glyphs), style="cyan")
        text.rstrip()
        return text

    def below(self, cells: list[str], style: str = "") -> list[Text]:
        """The cells that left the row, as `column: value` lines under it; a pair breaks
        only inside a value too long for a line."""
        room = self.width - BELOW
        pairs = [
            glued(f"{printable(self.report.columns[i])}: {cells[i]}", room)
            for i in self.plan.below
            if cells[i]
        ]
        lines = wrapped((" " * GAP).join(pairs), self.width, " " * BELOW, " " * BELOW)
        return [Text(line.replace(NO_BREAK, " "), style=style) for line in lines if pairs]

    def lines(self) -> list[Text]:
        """Header, rule, rows, then the footer after a blank line."""
        names = [printable(name) for name in self.report.columns]
        full = row_width(self.widths, self.plan.shown, self.plan.bar) + 1
        out = [
            self.line(names, style="bold"),
            Text(" " + self.glyphs.rule * max(1, min(full, self.width) - 1)),
        ]
        index = self.report.columns.index(self.report.bar) if self.report.bar else -1
        for row, cells in zip(self.report.rows, self.body, strict=True):
            out += [self.line(cells, share=row[index] if index >= 0 else None), *self.below(cells)]
        if self.foot:
            out.append(Text())
            for cells in self.foot:
                out += [self.line(cells, style="bold"), *self.below(cells, style="bold")]
        if self.plan.zero:
            zero = ", ".join(names[i] for i in self.plan.zero)
            out += [
                Text(line, style="dim")
                for line in wrapped(
                    f"{zero}: 0 in every row", self.width, " " * INDENT, " " * INDENT
                )
            ]
        return out


def titled(report: Report, width: int, glyphs: Glyphs) -> list[Text]:
    """A report's title, wrapped at the terminal's width, a blank line and its table."""
    title = [Text(line, style="italic") for line in wrapped(printable(report.title), width)]
    return [*title, Text(), *TableLayout(report, width, glyphs).lines()]


def layout(report: Report, width: int, glyphs: Glyphs = UNICODE) -> Text:
    """The whole report (table, sections, notes) as one text of lines, none over `width`
    cells unless a single word is."""
    blocks = [titled(report, width, glyphs)]
    blocks += [titled(section, width, glyphs) for section in report.sections]
    notes = [
        Text(line, style="dim")
        for note in report.notes
        for line in wrapped(f"note: {printable(note)}", width, "", " " * len("note: "))
    ]
    if notes:
        blocks.append(notes)
    lines: list[Text] = []
    for i, block in enumerate(blocks):
        lines += ([Text()] if i else []) + block
    return Text("\n").join(lines)


def render_rich(report: Report) -> str:
    """Render the report for stdout: its width, its encoding, colour only on a terminal."""
    from paramcalc.cli.output import stdout_console, stdout_encoding

    console: Console = stdout_console()
    console.print(layout(report, console.width, glyphs_for(stdout_encoding())), soft_wrap=True)
    return str(console.file.getvalue())  # type: ignore[attr-defined]
