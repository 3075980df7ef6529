"""`paramcalc compare`, and the checkpoint side of `paramcalc count`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from paramcalc.cli import EXIT_FAILED
from paramcalc.cli.options import format_option, load_source, set_option, show


def reads_as_checkpoint(source: str, asked: bool) -> bool:
    """Whether `count` reads SOURCE as a checkpoint: asked for, or a checkpoint by its name."""
    from paramcalc.sources.safetensors import is_checkpoint

    return asked or is_checkpoint(Path(source))


def count_checkpoint(source: str, tensors: bool, fmt: str) -> None:
    """Count a checkpoint's stored tensors from its headers and show them."""
    from paramcalc.render.checkpoint import checkpoint_report
    from paramcalc.sources.safetensors import read_checkpoint

    show(checkpoint_report(read_checkpoint(Path(source)), tensors), fmt)


@click.command()
@click.argument("config")
@click.argument("checkpoint", type=click.Path(path_type=Path))
@set_option
@format_option
@click.pass_context
def compare(ctx: click.Context, config: str, checkpoint: Path, overrides: tuple[str, ...],
            fmt: str) -> None:
    """Compare the count of CONFIG with the tensors CHECKPOINT stores, group and tensor.

    CONFIG is anything `count` reads as an architecture; CHECKPOINT a .safetensors file, a
    model.safetensors.index.json or a folder of shards (headers only are read). Stored
    buffers and a tied head stored twice are explained, not counted. Exit 0 when they agree,
    1 when they differ, 2 on bad input.
    """
    from paramcalc.calculator import count
    from paramcalc.compare import compare as compare_counts
    from paramcalc.render.checkpoint import compare_report
    from paramcalc.sources.safetensors import read_checkpoint

    arch = load_source(config, overrides)
    result = compare_counts(count(arch), read_checkpoint(checkpoint))
    show(compare_report(result, arch.name or config, str(checkpoint)), fmt)
    if not result.ok:
        ctx.exit(EXIT_FAILED)


COMMANDS: list[Any] = [compare]
