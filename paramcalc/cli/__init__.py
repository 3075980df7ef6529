"""The command line: parse, load, count, render, choose the exit code. Each command is short.

Exit codes: 0 ok, 1 a failed check or verification, 2 bad input or usage.
Commands import pydantic and Rich inside their bodies, so `paramcalc --help` stays fast.
"""

from __future__ import annotations

import os
import re
from typing import Any

import click

from paramcalc import __version__
from paramcalc.errors import ParamcalcError

# Pydantic looks for plugins through every installed distribution's entry points each time a
# model is built (~10 ms of start-up); the CLI uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
#: A word of a usage error longer than this is a user's value, shortened in the message.
MAX_WORD = 80
LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")


def shortened(message: str) -> str:
    """A message with each over-long word (a value of thousands of characters) abbreviated."""
    return LONG_WORD.sub(lambda m: f"{m[0][:40]}...({len(m[0]):,} characters)", message)


class Main(click.Group):
    """The `paramcalc` group: turns paramcalc's own errors into one line and exit 2."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the group's own options; a bad one is one line, as a command's is."""
        from click.exceptions import NoArgsIsHelpError

        try:
            return super().make_context(info_name, args, parent, **extra)
        except NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            from paramcalc.cli.output import error

            error(f"{info_name}: {shortened(exc.format_message())}")
            raise click.exceptions.Exit(EXIT_BAD_INPUT) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; bad input or usage becomes one line on stderr and exit 2."""
        from paramcalc.cli.output import error

        try:
            return super().invoke(ctx)
        except ParamcalcError as exc:
            error(str(exc))
            ctx.exit(EXIT_BAD_INPUT)
        except click.UsageError as exc:
            # A bad option of a command is one line too, naming the command.
            where = exc.ctx.command_path if exc.ctx else ctx.command_path
            error(f"{where}: {shortened(exc.format_message())}")
            ctx.exit(EXIT_BAD_INPUT)
        except OSError as exc:
            # A path the system refuses (a name too long, a folder it may not read) where no
            # loader caught it: bad input, said as one line.
            from paramcalc.errors import printable

            where = shortened(printable(str(exc.filename))) if exc.filename else "paramcalc"
            error(f"{where}: {exc.strerror or exc}")
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paramcalc")
def main() -> None:
    """Exact parameter counts of transformer architectures, group by group.

    SOURCE is a preset name (see `paramcalc presets`), a paramcalc YAML/JSON architecture file,
    or a Hugging Face config.json (or the folder holding it).
    """


def register() -> None:
    """Attach every command module to the group."""
    from paramcalc.cli import (
        check,
        checkpoint,
        compute,
        convert,
        count,
        design,
        fit,
        sweep,
        verify,
    )

    for module in (count, check, verify, convert, checkpoint, compute, fit, design, sweep):
        for command in module.COMMANDS:
            main.add_command(command)


register()
