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


def read_logical(path: Path) -> Any:
    """A local checkpoint's logical tensors, quantized as the config.json beside it says."""
    from paramcalc.sources.files import parse_mapping
    from paramcalc.sources.logical import logical_view
    from paramcalc.sources.quantization import quantization_of
    from paramcalc.sources.safetensors import read_checkpoint

    config = (path if path.is_dir() else path.parent) / "config.json"
    data = parse_mapping(config) if config.is_file() else None
    return logical_view(read_checkpoint(path), quantization_of(data, str(config)))


def checkpoint_name(path: Path) -> str:
    """A checkpoint's model: its folder's name (for model*.safetensors too), else its stem."""
    if path.is_dir() or path.name.startswith("model"):
        return (path if path.is_dir() else path.parent).resolve().name
    return path.name.removesuffix(".safetensors")


def count_checkpoint(source: str, tensors: bool, fmt: str) -> None:
    """Count a checkpoint's logical tensors from its headers and show them."""
    from paramcalc.checkpoint_count import count_checkpoint as count_logical
    from paramcalc.render.checkpoint import checkpoint_report

    path = Path(source)
    show(checkpoint_report(count_logical(read_logical(path), checkpoint_name(path)), tensors), fmt)


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

    arch = load_source(config, overrides)
    result = compare_counts(count(arch), arch.tie_word_embeddings, arch.attention_output_norm,
                            read_logical(checkpoint).as_checkpoint())
    show(compare_report(result, arch.name or config, str(checkpoint)), fmt)
    if not result.ok:
        ctx.exit(EXIT_FAILED)


COMMANDS: list[Any] = [compare]
