"""`paramcalc check`: compare each file's expected_total with its count, for CI."""

from __future__ import annotations

from typing import Any

import click

from paramcalc.cli import EXIT_FAILED
from paramcalc.cli.options import format_option, show


def check_one(source: str) -> dict[str, Any]:
    """Count one source and compare it with the expected_total it carries."""
    from paramcalc.calculator import count
    from paramcalc.expectations import expectation
    from paramcalc.sources import load

    arch = load(source)
    actual = count(arch).total
    result: dict[str, Any] = {"source": source, "name": arch.name, "actual": actual,
                              "expected": arch.expected_total, "difference": None,
                              "allowed": None, "ok": None}
    if arch.expected_total is None:
        return result
    expect = expectation(arch.expected_total, arch.tolerance, source)
    difference = actual - expect.value
    result.update(difference=int(difference) if difference.denominator == 1 else float(difference),
                  allowed=float(expect.slack) if expect.slack.denominator != 1 else
                  int(expect.slack), ok=expect.holds(actual))
    return result


def status(result: dict[str, Any]) -> str:
    """A word for the outcome of one check."""
    return {True: "ok", False: "FAILED", None: "no expected_total"}[result["ok"]]


@click.command()
@click.argument("files", nargs=-1)
@format_option
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...], fmt: str) -> None:
    """Check that each FILE counts to its expected_total (within its tolerance).

    With no FILE, every shipped preset is checked. Exit 0 when all hold, 1 when any
    differs, 2 on bad input.
    """
    from paramcalc.render import Report
    from paramcalc.sources.presets import preset_names

    sources = list(files) or preset_names()
    results = [check_one(source) for source in sources]
    failed = [r for r in results if r["ok"] is False]
    rows = [(r["source"], r["expected"], r["actual"], r["difference"], r["allowed"], status(r))
            for r in results]
    title = (f"{len(failed)} of {len(results)} checks FAILED" if failed
             else f"all {len(results)} checks hold")
    data = {"ok": not failed, "results": results}
    report = Report(title, ("source", "expected", "actual", "difference", "allowed", "status"),
                    rows, data)
    show(report, fmt)
    if failed:
        ctx.exit(EXIT_FAILED)


COMMANDS = [check]
