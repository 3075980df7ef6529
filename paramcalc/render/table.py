"""The Rich table renderer: exact counts, human units, shares as bars."""

from __future__ import annotations

from fractions import Fraction

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from paramcalc.render import Report
from paramcalc.render.units import cell

BAR_WIDTH = 24


def bar(share: Fraction | float) -> Text:
    """A horizontal bar of BAR_WIDTH cells filled in proportion to `share`."""
    filled = round(float(share) * BAR_WIDTH)
    return Text("█" * filled + "·" * (BAR_WIDTH - filled), style="cyan")


def build_table(report: Report) -> Table:
    """A Rich Table of the report, with a bar column after the share column if asked."""
    table = Table(title=report.title, box=box.SIMPLE_HEAVY, title_justify="left")
    for name in report.columns:
        numeric = report.rows and isinstance(report.rows[0][report.columns.index(name)],
                                             (int, Fraction))
        table.add_column(name, justify="right" if numeric else "left", no_wrap=bool(numeric),
                         overflow="fold")
    if report.bar:
        table.add_column("", justify="left")
    index = report.columns.index(report.bar) if report.bar else -1
    for row in report.rows:
        cells: list[RenderableType] = [cell(v) for v in row]
        if report.bar:
            cells.append(bar(row[index]))
        table.add_row(*cells)
    if report.footer:
        table.add_section()
        at = report.footer_column()
        for label, value in report.footer:
            cells = [""] * (len(report.columns) + bool(report.bar))
            cells[0], cells[at] = Text(label, style="bold"), Text(cell(value), style="bold")
            table.add_row(*cells)
    return table



def renderable(report: Report) -> RenderableType:
    """The whole report (table, sections, notes) as one Rich renderable."""
    parts: list[RenderableType] = [build_table(report)]
    parts += [build_table(section) for section in report.sections]
    parts += [Text(f"note: {note}", style="dim") for note in report.notes]
    return Group(*parts)


def render_rich(report: Report, width: int | None = None) -> str:
    """Render the report through a Rich console; colour only on a real terminal."""
    from paramcalc.cli.output import stdout_console

    console: Console = stdout_console()
    with console.capture() as capture:
        console.print(renderable(report))
    return capture.get()
