"""The one place that owns paramcalc's consoles and writes to stdout, stderr and -o files."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from paramcalc.errors import InputError, OutputError

if TYPE_CHECKING:
    from rich.console import Console


def stdout_console() -> Console:
    """A Rich console that renders as stdout shows it (its width now, colour only on a
    terminal) into memory, never touching stdout: print, then read `file.getvalue()`."""
    import io

    from rich.console import Console

    probe = Console()  # looks at stdout (a terminal? how wide?) and writes nothing
    return Console(
        file=io.StringIO(),
        width=probe.width,
        force_terminal=probe.is_terminal,
        color_system="auto" if probe.is_terminal else None,
        highlight=False,
        soft_wrap=True,
    )


def stdout_encoding() -> str:
    """The encoding stdout writes in."""
    return getattr(sys.stdout, "encoding", None) or "utf-8"


@contextmanager
def writing(where: str) -> Iterator[None]:
    """Report an OSError while writing output as one line (exit 2), naming where."""
    try:
        yield
    except OSError as exc:
        raise OutputError(where, f"cannot write: {exc.strerror or exc}") from None


def stdout() -> TextIO:
    """The stream output goes to; a closed stdout (`>&-`) is an error, exit 2."""
    if sys.stdout is None:
        raise OutputError("stdout", "cannot write: it is closed")
    return sys.stdout


def emit(text: str) -> None:
    """Write rendered output to stdout as it is; what its encoding lacks is escaped."""
    out = stdout()
    encoding = stdout_encoding()
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    with writing("stdout"):
        click.echo(text, file=out, nl=False)


def refuse_overwriting(output: Path, source: str, what: str = "SOURCE") -> None:
    """Refuse an -o file that is the source being read (or the config.json of its folder)."""
    read = Path(source)
    if read.is_dir():
        read = read / "config.json"
    with suppress(OSError):
        if output.exists() and read.exists() and os.path.samefile(output, read):
            raise InputError(str(output), f"is the {what} being read; choose another -o file")


def new_file_mode(path: Path) -> int:
    """The permissions `path` has, or those a new file gets under the umask."""
    with suppress(OSError):
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_file(path: Path) -> Iterator[TextIO]:
    """A text file that replaces `path` only once it is complete.

    It is written beside `path` under a temporary name and renamed over it, so an
    interrupted or failed run leaves the old file (or none) and parallel runs never mix
    their lines. A path that is not a regular file (/dev/stdout, a pipe) is written as is.
    """
    target = path.resolve() if path.is_symlink() else path
    if target.exists() and not target.is_file():
        with writing(str(path)), target.open("w", encoding="utf-8", newline="") as out:
            yield out
        return
    import tempfile

    with writing(str(path)):
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    try:
        with writing(str(path)):
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, new_file_mode(target))
            os.replace(temporary, target)
    except BaseException:  # an error, or Ctrl-C: leave no partial file behind
        with suppress(OSError):
            os.unlink(temporary)
        raise


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
