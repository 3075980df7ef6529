"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from paramcalc.render import OutputFormat

if TYPE_CHECKING:
    from paramcalc.families.heads import HeadName

F = TypeVar("F", bound=Callable[..., Any])

FORMAT_NAMES = [f.value for f in OutputFormat]


def format_option(func: F) -> F:
    """`--format/-f`: one of the output formats, table by default."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(FORMAT_NAMES),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def set_option(func: F) -> F:
    """`--set FIELD=VALUE`, repeatable: override architecture fields."""
    return click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="FIELD=VALUE",
        help="Override a field of the architecture (repeatable).",
    )(func)


def show(report: Any, fmt: str) -> None:
    """Render a report in the chosen format to stdout."""
    from paramcalc.cli.output import emit
    from paramcalc.render.text import render

    emit(render(report, OutputFormat(fmt)))


def head_option(func: F) -> F:
    """`--head`: which head of an encoder's config.json to count."""
    return click.option(
        "--head",
        type=click.Choice(["mlm", "pooler", "none"]),
        help="For an encoder's config.json: its masked-LM model (AutoModelForMaskedLM), the "
        "bare model with its pooler, or without it. Default: what AutoModel builds.",
    )(func)


def load_source(source: str, overrides: tuple[str, ...], head: str | None = None) -> Any:
    """Load SOURCE with its --set overrides applied (and an encoder's --head)."""
    from paramcalc.sources import load
    from paramcalc.sources.architecture import parse_overrides

    return load(source, parse_overrides(overrides), cast("HeadName | None", head))


def load_flat(source: str, overrides: tuple[str, ...], option: str) -> Any:
    """Load SOURCE for a workflow that varies flat-form fields; a v2-only model is bad input."""
    from paramcalc.errors import InputError
    from paramcalc.schema import Architecture

    arch = load_source(source, overrides)
    if not isinstance(arch, Architecture):
        raise InputError(
            option,
            f"{source} is a model the flat form cannot say (towers, "
            "per-layer kinds or hybrid mixers); this command varies flat-form "
            "fields such as num_hidden_layers and hidden_size",
        )
    return arch
