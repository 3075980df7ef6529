"""SVG and HTML renderers: the Rich table recorded by a console and exported as a document.

Rich is imported inside the functions, so `paramcalc.render.text` can list these renderers
without slowing the plain formats' start-up.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from paramcalc.render import Report

if TYPE_CHECKING:
    from rich.console import Console

#: Bounds on the recorded console's width: the table's own width, within reason.
MIN_WIDTH, MAX_WIDTH = 40, 200


def recording_console(report: Report) -> Console:
    """A console sized to the report that records what is printed instead of showing it."""
    from rich.console import Console

    from paramcalc.render.table import renderable

    probe = Console(file=io.StringIO(), width=MAX_WIDTH)
    width = probe.measure(renderable(report)).maximum
    console = Console(file=io.StringIO(), record=True, force_terminal=True,
                      color_system="truecolor", width=max(MIN_WIDTH, min(width, MAX_WIDTH)))
    console.print(renderable(report))
    return console


def render_svg(report: Report) -> str:
    """The table as a standalone SVG image (Rich's `export_svg`), titled after the report."""
    return recording_console(report).export_svg(title=f"paramcalc: {report.title}") + "\n"


def render_html(report: Report) -> str:
    """The table as a standalone HTML page with inline styles (Rich's `export_html`)."""
    return recording_console(report).export_html(inline_styles=True)
