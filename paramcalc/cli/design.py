"""`paramcalc diff`, `paramcalc solve` and `paramcalc schema`: design an architecture."""

from __future__ import annotations

import click

from paramcalc.cli.options import format_option, load_flat, load_source, set_option, show
from paramcalc.cli.types import Size

#: The base `solve` resizes when none is given, and the fields it varies.
DEFAULT_BASE = "llama-2-7b"
DEFAULT_VARY = ("num_hidden_layers", "hidden_size")


def changed_name(source: str, overrides: tuple[str, ...]) -> str:
    """How diff names a side: its source, shown relative, with the overrides it was given."""
    from paramcalc.render import shown_path

    changes = ", ".join(pair.strip() for pair in overrides)
    return f"{shown_path(source)} ({changes})" if changes else shown_path(source)


@click.command()
@click.argument("a")
@click.argument("b")
@set_option
@click.option(
    "--set-a",
    "overrides_a",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Override a field of A only (repeatable).",
)
@click.option(
    "--set-b",
    "overrides_b",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Override a field of B only (repeatable).",
)
@format_option
def diff(
    a: str,
    b: str,
    overrides: tuple[str, ...],
    overrides_a: tuple[str, ...],
    overrides_b: tuple[str, ...],
    fmt: str,
) -> None:
    """Compare two sources: counts by group and fields side by side, B - A with its sign.

    --set changes both sides, --set-a and --set-b one side each (after --set), e.g.
    `paramcalc diff llama-2-7b llama-2-7b --set-b num_hidden_layers=40`.
    """
    from paramcalc.diff import diff as compare
    from paramcalc.render.design import diff_report

    sides = [(a, overrides + overrides_a), (b, overrides + overrides_b)]
    (arch_a, name_a), (arch_b, name_b) = [
        (load_source(source, given), changed_name(source, given)) for source, given in sides
    ]
    show(diff_report(compare(arch_a, arch_b, name_a, name_b)), fmt)


@click.command()
@click.option(
    "--target",
    required=True,
    metavar="COUNT",
    help="Parameters wanted: 7B, 350M or an exact integer.",
)
@click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    metavar="SOURCE",
    help="The architecture to resize (preset or file).",
)
@set_option
@click.option(
    "--vary",
    multiple=True,
    metavar="FIELD",
    help="A field to change (repeatable). Default: num_hidden_layers and hidden_size.",
)
@click.option(
    "--tolerance",
    metavar="PERCENT",
    help="Match window around the target (1%). Default: the target's own precision "
    "(7B matches 6.5B..7.5B; an integer matches exactly).",
)
@click.option("--active", is_flag=True, help="Match active parameters per token (MoE).")
@click.option("--top", type=Size(), default=10, show_default=True, help="Shapes to list.")
@format_option
def solve(
    target: str,
    base: str,
    overrides: tuple[str, ...],
    vary: tuple[str, ...],
    tolerance: str | None,
    active: bool,
    top: int,
    fmt: str,
) -> None:
    """Find shapes of --base whose total (or active) count comes closest to --target.

    Heads, key/value heads and FFN widths follow the width as the base has them; shapes are
    ranked by how far they fall outside the match window, then by nearness to the base's
    width per layer. Every count shown is the calculator's own.
    """
    from paramcalc.errors import InputError
    from paramcalc.render.design import solve_report
    from paramcalc.solve import parse_target
    from paramcalc.solve import solve as search

    goal, fields = parse_target(target, tolerance), vary or DEFAULT_VARY
    found = search(load_flat(base, overrides, "--base"), goal, fields, active, top)
    if not found.shapes:
        raise InputError(
            "--target",
            f"no valid shape of {found.base.name} varying {', '.join(fields)}; vary other fields",
        )
    show(solve_report(found), fmt)


@click.command()
def schema() -> None:
    """Print the JSON Schema of architecture files, for editors and validators.

    Save it (`paramcalc schema > paramcalc.schema.json`) and start a YAML file with
    `# yaml-language-server: $schema=paramcalc.schema.json` for completion and checks.
    """
    import json

    from paramcalc.cli.output import emit
    from paramcalc.sources.architecture import file_schema

    emit(json.dumps(file_schema(), indent=2) + "\n")


COMMANDS = [diff, solve, schema]
