"""SVG and HTML renderers: the terminal table recorded by a console and exported as a document.

Rich is imported inside the functions, so `paramcalc.render.text` can list these renderers
without slowing the plain formats' start-up.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from paramcalc.render import Report

if TYPE_CHECKING:
    from rich.console import Console

#: The width the document is laid out for, and the narrowest document.
MAX_WIDTH, MIN_WIDTH = 200, 40


def recording_console(report: Report) -> Console:
    """A console as wide as the report's longest line, recording what is printed."""
    from rich.cells import cell_len
    from rich.console import Console

    from paramcalc.render.table import layout

    text = layout(report, MAX_WIDTH)
    width = max([MIN_WIDTH] + [cell_len(line) for line in text.plain.splitlines()])
    console = Console(
        file=io.StringIO(), record=True, force_terminal=True, color_system="truecolor", width=width
    )
    console.print(text, soft_wrap=True)
    return console


def render_svg(report: Report) -> str:
    """The table as a standalone SVG image (Rich's `export_svg`), titled after the report."""
    return recording_console(report).export_svg(title=f"paramcalc: {report.title}") + "\n"


def render_html(report: Report) -> str:
    """The table as a standalone HTML page with inline styles (Rich's `export_html`)."""
    return recording_console(report).export_html(inline_styles=True)
