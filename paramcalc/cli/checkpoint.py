"""`paramcalc compare`, and the checkpoint side of `paramcalc count`."""

from __future__ import annotations

from typing import Any

import click

from paramcalc.cli import EXIT_FAILED
from paramcalc.cli.options import format_option, load_source, set_option, show


def show_checkpoint(source: Any, tensors: bool, fmt: str) -> None:
    """Count a checkpoint's logical tensors from its headers and show them."""
    from paramcalc.checkpoint_count import count_checkpoint
    from paramcalc.render.checkpoint import checkpoint_report
    from paramcalc.sources import read_logical

    show(checkpoint_report(count_checkpoint(read_logical(source), source.name), tensors), fmt)


@click.command()
@click.argument("config")
@click.argument("checkpoint")
@set_option
@format_option
@click.pass_context
def compare(
    ctx: click.Context, config: str, checkpoint: str, overrides: tuple[str, ...], fmt: str
) -> None:
    """Compare the count of CONFIG with the tensors CHECKPOINT stores, group and tensor.

    CONFIG is anything `count` reads as an architecture; CHECKPOINT a .safetensors file, a
    model.safetensors.index.json, a folder of shards or a Hub id (headers only are read). A
    quantized checkpoint is compared by its logical tensors. Stored buffers and a tied head
    stored twice are explained, not counted. Exit 0 when they agree, 1 when they differ, 2 on
    bad input.
    """
    from paramcalc.calculator import count
    from paramcalc.compare import compare as compare_counts
    from paramcalc.render.checkpoint import compare_report
    from paramcalc.sources import read_logical
    from paramcalc.sources.resolve import checkpoint_source

    arch = load_source(config, overrides)
    stored = read_logical(checkpoint_source(checkpoint)).as_checkpoint()
    result = compare_counts(count(arch), stored)
    show(compare_report(result, arch.name or config, checkpoint), fmt)
    if not result.ok:
        ctx.exit(EXIT_FAILED)


COMMANDS: list[Any] = [compare]
