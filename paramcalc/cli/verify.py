"""`paramcalc dense` and `paramcalc verify`: the Keras Dense formula as a cross-check."""

from __future__ import annotations

import click

from paramcalc.cli import EXIT_FAILED
from paramcalc.cli.options import format_option, set_option, show
from paramcalc.cli.types import Size


@click.command()
@click.argument("inputs", type=Size())
@click.argument("units", type=Size())
@click.option("--bias/--no-bias", default=True, show_default=True, help="Dense adds a bias.")
@format_option
def dense(inputs: int, units: int, bias: bool, fmt: str) -> None:
    """Show the Keras Dense formula: INPUTS x UNITS weights, plus UNITS biases."""
    from paramcalc.render.reports import dense_report

    show(dense_report(inputs, units, bias), fmt)


@click.command()
@click.argument("sources", nargs=-1)
@set_option
@click.option(
    "--keras",
    "use_keras",
    is_flag=True,
    help="Also build real Keras 3 layers and compare count_params() "
    "(needs the keras extra and torch).",
)
@format_option
@click.pass_context
def verify(
    ctx: click.Context,
    sources: tuple[str, ...],
    overrides: tuple[str, ...],
    use_keras: bool,
    fmt: str,
) -> None:
    """Compare the calculator with the Dense-formula derivation, group by group.

    With no SOURCE, every shipped preset is verified. Exit 1 on any difference.
    """
    from paramcalc.calculator import count
    from paramcalc.cli.options import load_source
    from paramcalc.dense import dense_formula_counts
    from paramcalc.render.reports import models_report, verify_report
    from paramcalc.sources.presets import preset_names

    reports = []
    for source in sources or preset_names():
        arch = load_source(source, overrides)
        counted = count(arch)
        columns = {"calculator": counted.groups, "dense formula": dense_formula_counts(counted)}
        if use_keras:
            from paramcalc.keras_check import keras_counts

            columns["keras"] = keras_counts(counted)
        reports.append(verify_report(arch.name or source, columns))
    ok = all(r.data["ok"] for r in reports)
    show(reports[0] if len(reports) == 1 else models_report(reports), fmt)
    if not ok:
        ctx.exit(EXIT_FAILED)


COMMANDS = [dense, verify]
