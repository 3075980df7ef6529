"""`python -m paramcalc` and the `paramcalc` command: run the CLI, exit cleanly on signals.

The handlers are installed before anything heavy is imported, so Ctrl-C during start-up is
one line and exit 130 too, never a traceback. A closed pipe (`paramcalc presets | head -1`)
ends the process quietly, as SIGPIPE ends other Unix tools. Output that cannot be written
(a full disk) is one line and exit 2.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130
EXIT_BAD_OUTPUT = 2


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which click would turn into 'Aborted!' and exit 1;
    `finally` blocks still run, so a file being written is removed."""


def interrupt(signum: int, frame: FrameType | None) -> None:
    """The SIGINT handler: unwind to `run`."""
    raise Interrupted


def run() -> None:
    """Run the command line with paramcalc's handling of signals and of stdout."""
    signal.signal(signal.SIGINT, interrupt)
    if hasattr(signal, "SIGPIPE"):  # not on Windows
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    code: int | str | None = 0
    try:
        from paramcalc.cli import main

        main()
    except SystemExit as exc:
        code = exc.code
    except Interrupted:
        code = EXIT_INTERRUPTED
        sys.stderr.write("paramcalc: interrupted\n")
    sys.exit(flush_stdout(code))


def flush_stdout(code: int | str | None) -> int | str | None:
    """Flush stdout; when it cannot be written, say so once and return exit code 2."""
    if sys.stdout is None:  # closed (`>&-`): a command that wrote to it has said so
        return code
    try:
        sys.stdout.flush()
    except OSError as exc:
        import os

        if code != EXIT_BAD_OUTPUT:  # a command that failed to write has said so already
            sys.stderr.write(f"paramcalc: error: stdout: cannot write: {exc.strerror or exc}\n")
        # What is left in the buffer cannot be written either: let the shutdown flush go to
        # /dev/null rather than print a second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BAD_OUTPUT
    except Interrupted:
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    run()
