"""`paramcalc convert`: write an architecture as a paramcalc YAML file, to start from and edit."""

from __future__ import annotations

from pathlib import Path

import click

from paramcalc.cli.options import head_option, load_source, set_option


def write_output(text: str, output: Path, source: str) -> None:
    """Write the file -o names whole (or not at all), never over the source it converts."""
    from paramcalc.cli.output import atomic_file, refuse_overwriting

    refuse_overwriting(output, source)
    with atomic_file(output) as out:
        out.write(text)


@click.command()
@click.argument("source")
@set_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the YAML to this file instead of stdout.",
)
@head_option
def convert(source: str, overrides: tuple[str, ...], output: Path | None, head: str | None) -> None:
    """Write SOURCE (a preset, a file, a config.json) as a paramcalc YAML architecture file.

    Only fields that differ from the schema's defaults are written, in schema order, with
    `expected_total` set to the count so that `paramcalc check` holds on the result.
    Nothing is written but stdout, or the one file -o names.
    """
    from paramcalc.calculator import count
    from paramcalc.cli.output import emit
    from paramcalc.convert import to_yaml

    arch = load_source(source, overrides, head)
    text = to_yaml(arch, count(arch).total)
    if output is None:
        emit(text)
    else:
        write_output(text, output, source)


COMMANDS = [convert]
