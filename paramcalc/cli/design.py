"""`paramcalc diff`, `paramcalc solve` and `paramcalc schema`: design an architecture."""

from __future__ import annotations

import click

from paramcalc.cli.options import format_option, load_flat, load_source, set_option, show

#: The base `solve` resizes when none is given, and the fields it varies.
DEFAULT_BASE = "llama-2-7b"
DEFAULT_VARY = ("num_hidden_layers", "hidden_size")


@click.command()
@click.argument("a")
@click.argument("b")
@format_option
def diff(a: str, b: str, fmt: str) -> None:
    """Compare two sources: counts by group and fields side by side, B - A with its sign."""
    from paramcalc.diff import diff as compare
    from paramcalc.render.design import diff_report

    show(diff_report(compare(load_source(a, ()), load_source(b, ()), a, b)), fmt)


@click.command()
@click.option("--target", required=True, metavar="COUNT",
              help="Parameters wanted: 7B, 350M or an exact integer.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, metavar="SOURCE",
              help="The architecture to resize (preset or file).")
@set_option
@click.option("--vary", multiple=True, metavar="FIELD",
              help="A field to change (repeatable). Default: num_hidden_layers and hidden_size.")
@click.option("--tolerance", metavar="PERCENT",
              help="Match window around the target (1%). Default: the target's own precision "
                   "(7B matches 6.5B..7.5B; an integer matches exactly).")
@click.option("--active", is_flag=True, help="Match active parameters per token (MoE).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Shapes to list.")
@format_option
def solve(target: str, base: str, overrides: tuple[str, ...], vary: tuple[str, ...],
          tolerance: str | None, active: bool, top: int, fmt: str) -> None:
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
        raise InputError("--target", f"no valid shape of {found.base.name} varying "
                                     f"{', '.join(fields)}; vary other fields")
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
