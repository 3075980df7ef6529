"""The one place that owns paramcalc's consoles and writes to stdout and stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console


def stdout_console() -> Console:
    """A Rich console for tables on stdout (colour only on a terminal), sized to it now."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def emit(text: str) -> None:
    """Write rendered output to stdout as it is."""
    click.echo(text, nl=False)


def error(message: str) -> None:
    """Write one line to stderr, prefixed with the program name."""
    print(f"paramcalc: error: {message}", file=sys.stderr)


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr when it is a terminal; yields `advance(n)`."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def warn(message: str) -> None:
    """Write one warning line to stderr."""
    print(f"paramcalc: warning: {message}", file=sys.stderr)
