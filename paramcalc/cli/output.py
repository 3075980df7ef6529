"""The one place that owns paramcalc's consoles and writes to stdout and stderr."""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console


@cache
def stdout_console() -> Console:
    """The Rich console for tables on stdout (colour only on a terminal)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def emit(text: str) -> None:
    """Write rendered output to stdout as it is."""
    click.echo(text, nl=False)


def error(message: str) -> None:
    """Write one line to stderr, prefixed with the program name."""
    print(f"paramcalc: error: {message}", file=sys.stderr)
