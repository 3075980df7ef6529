"""`paramcalc sweep`: count every point of a grid of fields, as CSV or JSON rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from paramcalc.cli.options import load_flat, set_option

if TYPE_CHECKING:
    from paramcalc.sweep import Row, Sweep

#: Grids at least this large show a progress bar (on a terminal).
PROGRESS_FROM = 10_000
#: Rows between progress updates: the bar must not slow the count.
PROGRESS_EVERY = 1_000
COUNT_COLUMNS = ("total", "embedding", "attention", "feedforward", "norm", "output", "active")


def row_values(row: Row) -> list[int]:
    """The varied fields' values, then total, the five groups and active."""
    return [*row.values, row.total, *row.groups.values(), row.active]


def write_csv(rows: Iterator[Row], names: tuple[str, ...], out: TextIO) -> None:
    """One header row, then one row a point."""
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names, *COUNT_COLUMNS])
    writer.writerows(row_values(row) for row in rows)


def write_json(rows: Iterator[Row], names: tuple[str, ...], out: TextIO) -> None:
    """A JSON array of flat objects, written as the rows come."""
    import json

    keys = (*names, *COUNT_COLUMNS)
    out.write("[")
    for i, row in enumerate(rows):
        out.write(
            ("," if i else "") + "\n  " + json.dumps(dict(zip(keys, row_values(row), strict=True)))
        )
    out.write("\n]\n")


#: One writer per output format.
WRITERS: dict[str, Callable[[Iterator[Row], tuple[str, ...], TextIO], None]] = {
    "csv": write_csv,
    "json": write_json,
}


def counted(grid: Sweep) -> Iterator[Row]:
    """The grid's rows, advancing a progress bar for large grids."""
    from paramcalc.cli.output import progress

    if grid.points < PROGRESS_FROM:
        yield from grid
        return
    with progress(grid.points, "sweeping") as advance:
        for i, row in enumerate(grid, start=1):
            if i % PROGRESS_EVERY == 0:
                advance(PROGRESS_EVERY)
            yield row


#: The formats sweep writes, by the suffix of the -o file.
SUFFIXES = {".csv": "csv", ".json": "json"}


def output_format(fmt: str | None, output: Path | None) -> str:
    """--format, else the output file's suffix (.csv or .json), else CSV; another suffix
    (x.yaml) is refused rather than filled with CSV."""
    if fmt:
        return fmt
    if output is None or not output.suffix:
        return "csv"
    if output.suffix.lower() not in SUFFIXES:
        from paramcalc.errors import InputError

        raise InputError(
            str(output),
            f"sweep writes CSV or JSON, not {output.suffix!r} files; "
            "name it .csv or .json, or give --format",
        )
    return SUFFIXES[output.suffix.lower()]


@click.command()
@click.option("--base", required=True, metavar="SOURCE", help="The architecture to vary.")
@set_option
@click.option(
    "--grid",
    "grids",
    multiple=True,
    required=True,
    metavar="FIELD=START..STOP[:STEP]",
    help="An integer field and its range, STOP included (repeatable).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["csv", "json"]),
    help="Output format. Default: from -o's suffix, else csv.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
def sweep(
    base: str,
    overrides: tuple[str, ...],
    grids: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
) -> None:
    """Count every point of a grid around --base: one row a point, exact counts.

    e.g. `paramcalc sweep --base llama-2-7b --grid hidden_size=2048..8192:128
    --grid num_hidden_layers=16..48 -o sweep.csv`. Points no model can have (heads that do
    not divide the width) are skipped, with a warning.
    """
    from paramcalc.cli.output import atomic_file, refuse_overwriting, stdout, warn, writing
    from paramcalc.errors import InputError
    from paramcalc.sweep import Sweep, parse_axis

    axes = [parse_axis(text) for text in grids]
    write = WRITERS[output_format(fmt, output)]
    if output is not None:
        refuse_overwriting(output, base, "--base")
    grid = Sweep(load_flat(base, overrides, "--base"), axes)
    rows = counted(grid)
    first = next(rows, None)  # nothing is written until one point is known to be valid
    if first is None:
        raise InputError("--grid", f"no point of the grid is a valid model ({grid.first_skip})")
    rows = itertools.chain([first], rows)
    if output is None:
        with writing("stdout"):
            write(rows, grid.names, stdout())
    else:
        with atomic_file(output) as out:
            write(rows, grid.names, out)
    if grid.skipped:
        warn(
            f"skipped {grid.skipped:,} of {grid.points:,} points that no model has "
            f"(first: {grid.first_skip})"
        )


COMMANDS = [sweep]
