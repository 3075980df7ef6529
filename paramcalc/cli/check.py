"""`paramcalc check`: compare each file's expected_total with its count, for CI.

A file without `expected_total` checks nothing, so it does not pass: it is reported as MISSING
and fails the run, unless `--allow-missing` lets it through as unchecked.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from paramcalc.cli import EXIT_FAILED
from paramcalc.cli.options import format_option, show

OK, FAILED, MISSING, UNCHECKED = "ok", "FAILED", "MISSING", "unchecked"


def exact(value: Fraction) -> int | float:
    """An integer when the fraction is whole, else a float."""
    return value.numerator if value.denominator == 1 else float(value)


def check_one(source: str, allow_missing: bool = False) -> dict[str, Any]:
    """Count one source and compare it with the expected_total it carries."""
    from paramcalc.calculator import count
    from paramcalc.expectations import expectation
    from paramcalc.sources import load

    arch = load(source)
    actual = count(arch).total
    result: dict[str, Any] = {
        "source": source,
        "name": arch.name,
        "actual": actual,
        "expected": None,
        "expected_text": None,
        "tolerance": None,
        "difference": None,
        "allowed": None,
    }
    if arch.expected_total is None:
        return result | {"ok": allow_missing, "status": UNCHECKED if allow_missing else MISSING}
    expect = expectation(arch.expected_total, arch.tolerance, source)
    holds = expect.holds(actual)
    return result | {
        "expected": expect.value,
        "expected_text": arch.expected_total if isinstance(arch.expected_total, str) else None,
        "tolerance": arch.tolerance,
        "difference": actual - expect.value,
        "allowed": exact(expect.slack),
        "ok": holds,
        "status": OK if holds else FAILED,
    }


def verdict(results: list[dict[str, Any]]) -> str:
    """The title: how many checks hold, failed, or had nothing to check."""
    count = {
        status: sum(r["status"] == status for r in results)
        for status in (OK, FAILED, MISSING, UNCHECKED)
    }
    total = len(results)
    missing = f", {count[MISSING]} without expected_total" if count[MISSING] else ""
    if count[FAILED] or count[MISSING]:
        return f"{count[FAILED] + count[MISSING]} of {total} checks FAILED{missing}"
    if count[UNCHECKED]:
        return (
            f"{count[OK]} of {total} checks hold, {count[UNCHECKED]} unchecked (no expected_total)"
        )
    return f"all {total} checks hold"


@click.command()
@click.argument("files", nargs=-1)
@click.option(
    "--allow-missing",
    is_flag=True,
    help="Let a file without expected_total pass, unchecked (it fails by default).",
)
@format_option
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...], allow_missing: bool, fmt: str) -> None:
    """Check that each FILE counts to its expected_total (within its tolerance).

    With no FILE, every shipped preset is checked. A file without expected_total fails unless
    --allow-missing is given. Exit 0 when all hold, 1 when any differs or is missing, 2 on
    bad input.
    """
    from paramcalc.render import Report, shown_path
    from paramcalc.sources.presets import preset_names

    sources = list(files) or preset_names()
    results = [check_one(source, allow_missing) for source in sources]
    rows = [
        (
            shown_path(r["source"]),
            r["actual"],
            r["expected"],
            r["difference"],
            r["allowed"],
            r["status"],
        )
        for r in results
    ]
    ok = all(r["ok"] for r in results)
    report = Report(
        verdict(results),
        ("source", "actual", "expected", "difference", "allowed", "status"),
        rows,
        {"ok": ok, "results": results},
        secondary=("allowed", "difference"),
    )
    if any(r["status"] == MISSING for r in results):
        report.notes.append(
            "MISSING: the file has no expected_total, so it checks nothing; "
            "add one (paramcalc convert writes it) or pass --allow-missing"
        )
    show(report, fmt)
    if not ok:
        ctx.exit(EXIT_FAILED)


COMMANDS = [check]
