"""`paramcalc compare`, and the checkpoint side of `paramcalc count`."""

from __future__ import annotations

from typing import Any

import click

from paramcalc.cli import EXIT_FAILED
from paramcalc.cli.options import format_option, head_option, load_source, set_option, show


def show_gguf(source: Any, tensors: bool, fmt: str) -> None:
    """Count a GGUF file's tensors from its header and show them."""
    from paramcalc.gguf_count import count_gguf
    from paramcalc.render.gguf import gguf_report
    from paramcalc.sources.gguf_split import read_model

    show(gguf_report(count_gguf(read_model(source.path), source.name), tensors), fmt)


def compare_with(breakdown: Any, checkpoint: str) -> Any:
    """Compare a count with CHECKPOINT's logical tensors, or with a GGUF file's tensors (matched
    under transformers' names, shown under llama.cpp's)."""
    from paramcalc.compare import compare as compare_counts
    from paramcalc.sources import read_logical
    from paramcalc.sources.kinds import GGUFModel
    from paramcalc.sources.resolve import checkpoint_source

    source = checkpoint_source(checkpoint)
    if isinstance(source, GGUFModel):
        from paramcalc.sources.gguf_arch import compare_gguf
        from paramcalc.sources.gguf_split import read_model

        return compare_gguf(breakdown, read_model(source.path))
    return compare_counts(breakdown, read_logical(source).as_checkpoint())


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
@head_option
@format_option
@click.pass_context
def compare(
    ctx: click.Context,
    config: str,
    checkpoint: str,
    overrides: tuple[str, ...],
    head: str | None,
    fmt: str,
) -> None:
    """Compare the count of CONFIG with the tensors CHECKPOINT stores, group and tensor.

    CONFIG is anything `count` reads as an architecture (a .gguf file's from its metadata);
    CHECKPOINT a .safetensors file, a model.safetensors.index.json, a folder of shards, a Hub
    id or a .gguf file (headers only are read; GGUF names are mapped to transformers'). A
    quantized checkpoint is compared by its logical tensors. Stored buffers and a tied head
    stored twice are explained, not counted. Exit 0 when they agree, 1 when they differ, 2 on
    bad input.
    """
    from paramcalc.calculator import count
    from paramcalc.render.checkpoint import compare_report

    arch = load_source(config, overrides, head)
    result = compare_with(count(arch), checkpoint)
    show(compare_report(result, arch.name or config, checkpoint), fmt)
    if not result.ok:
        ctx.exit(EXIT_FAILED)


COMMANDS: list[Any] = [compare]
