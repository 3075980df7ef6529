"""The command line: parse, load, count, render, choose the exit code. Each command is short.

Exit codes: 0 ok, 1 a failed check or verification, 2 bad input or usage.
Commands import pydantic and Rich inside their bodies, so `paramcalc --help` stays fast.
"""

from __future__ import annotations

import os
import re
import sys
from importlib import import_module
from types import ModuleType
from typing import Any

import click

from paramcalc import __version__
from paramcalc.errors import ParamcalcError

#: Each command's name and the module of `paramcalc.cli` that defines it: a run imports only
#: the module of the command it invokes (`--help` imports them all, for their summaries).
COMMAND_MODULES = {
    "check": "check",
    "compare": "checkpoint",
    "convert": "convert",
    "count": "count",
    "dense": "verify",
    "diff": "design",
    "fit": "fit",
    "flops": "compute",
    "lora": "lora",
    "memory": "compute",
    "presets": "count",
    "report": "compute",
    "schema": "design",
    "solve": "design",
    "sweep": "sweep",
    "verify": "verify",
}
#: Each command's summary for `paramcalc --help` (the first sentence of its docstring), so that
#: the help lists them without importing their modules; tests/test_cli.py holds each to its
#: command's own short help.
COMMAND_SUMMARIES = {
    "check": "Check that each FILE counts to its expected_total (within its tolerance).",
    "compare": "Compare the count of CONFIG with the tensors CHECKPOINT stores, group and tensor.",
    "convert": "Write SOURCE (a preset, a file, a config.json) as a paramcalc YAML architecture "
    "file.",
    "count": "Count the parameters of SOURCE, by group.",
    "dense": "Show the Keras Dense formula: INPUTS x UNITS weights, plus UNITS biases.",
    "diff": "Compare two sources: counts by group and fields side by side, B - A with its sign.",
    "fit": "Whether SOURCE fits: the longest context at --batch, or the largest batch at --seq.",
    "lora": "Count the trainable parameters of a LoRA adapter on BASE, exactly as PEFT does.",
    "flops": "Forward and training FLOPs of SOURCE, counted as torch's FlopCounterMode counts.",
    "memory": "Weights, KV cache and training memory of SOURCE, in exact bytes.",
    "presets": "List the shipped presets with their totals.",
    "report": "Parameters, memory and FLOPs of SOURCE side by side.",
    "schema": "Print the JSON Schema of architecture files, for editors and validators.",
    "solve": "Find shapes of --base whose total (or active) count comes closest to --target.",
    "sweep": "Count every point of a grid around --base: one row a point, exact counts.",
    "verify": "Compare the calculator with the Dense-formula derivation, group by group.",
}
#: The values of PYDANTIC_DISABLE_PLUGINS with which pydantic loads no plugin at all.
PLUGINS_OFF = ("__all__", "1", "true")


def summary(name: str) -> click.Command:
    """A stand-in for command `name` that has only its summary, shortened as click shortens a
    command's help."""
    return click.Command(name, help=COMMAND_SUMMARIES[name])


def disable_pydantic_plugins() -> None:
    """Turn pydantic's plugins off, and with them the import of their loader.

    pydantic looks for plugins through every installed distribution's entry points when it
    builds a model; the CLI uses none. With plugins off the loader still imports
    importlib.metadata (email, zipfile, csv...), a tenth of a count's start-up, only to
    return no plugins: when they are off, its one function is given without that import.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    name = "pydantic.plugin._loader"
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in PLUGINS_OFF and name not in sys.modules:
        loader = ModuleType(name, "pydantic's plugin loader, with plugins disabled")
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[name] = loader


disable_pydantic_plugins()

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
#: A word of a usage error longer than this is a user's value, shortened in the message.
MAX_WORD = 80
LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")


def shortened(message: str) -> str:
    """A message with each over-long word (a value of thousands of characters) abbreviated."""
    return LONG_WORD.sub(lambda m: f"{m[0][:40]}...({len(m[0]):,} characters)", message)


class Main(click.Group):
    """The `paramcalc` group: turns paramcalc's own errors into one line and exit 2, and
    imports a command's module only when the command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, sorted as click lists them."""
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command `cmd_name`, its module imported on first use."""
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        commands: ModuleType = import_module(f"paramcalc.cli.{module}")
        return next(c for c in commands.COMMANDS if c.name == cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their summaries, as click does, importing none of them."""
        from gettext import gettext

        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(n, summary(n).get_short_help_str(limit)) for n in names]
        with formatter.section(gettext("Commands")):
            formatter.write_dl(rows)

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
