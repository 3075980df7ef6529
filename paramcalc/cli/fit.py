"""`paramcalc fit`: the longest context, or the largest batch, a GPU (or several) holds."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from paramcalc.cli.compute import (
    dtype_option,
    gpu_option,
    kv_dtype_option,
    load_counted,
    state_dtype_option,
)
from paramcalc.cli.options import format_option, set_option, show
from paramcalc.cli.types import Size, Utilization


def device(name: str | None, memory: str | None) -> Any:
    """The GPU of the table, its memory replaced by --gpu-memory when given."""
    from dataclasses import replace

    from paramcalc.hardware import GPU, gpu, memory_size

    if name is None and memory is None:
        raise click.UsageError("give --gpu NAME or --gpu-memory SIZE")
    if memory is None:
        return gpu(str(name))
    size = memory_size(memory, "--gpu-memory")
    stated = f"{memory.strip()} (--gpu-memory)"
    if name is None:
        return GPU("custom", "--gpu-memory", size, 0, "--gpu-memory", stated, stated)
    return replace(gpu(name), memory_bytes=size, memory=stated, vendor_memory=stated)


def split(gpus: int | None, tp: int | None, pp: int | None) -> tuple[int, int, int]:
    """Tensor parallel, pipeline parallel and replicas: --gpus alone is tensor parallel;
    with either split given, --gpus is a whole number of replicas of it."""
    pp = pp or 1
    if tp is None:
        tp = 1 if gpus is None else max(1, gpus // pp)
    per_replica = tp * pp
    devices = per_replica if gpus is None else gpus
    if devices % per_replica:
        raise click.UsageError(
            f"--gpus {devices} is not a whole number of replicas of "
            f"{tp} x {pp} (tensor x pipeline parallel) devices"
        )
    return tp, pp, devices // per_replica


@click.command()
@click.argument("source")
@set_option
@gpu_option
@click.option(
    "--gpu-memory",
    metavar="SIZE",
    help="Memory per device, overriding --gpu's: 24GiB, 80GB (10^9 bytes) or bytes.",
)
@click.option("--gpus", type=Size(), help="Devices in all (default: TP x PP).")
@dtype_option
@kv_dtype_option
@state_dtype_option
@click.option(
    "--utilization",
    type=Utilization(),
    default="0.9",
    show_default=True,
    help="Share of each device's memory the engine may use (vLLM's gpu_memory_utilization).",
)
@click.option("--batch", "-b", type=Size(), help="Sequences at once: find the longest context.")
@click.option("--seq", "-s", type=Size(), help="Tokens per sequence: find the largest batch.")
@click.option("--tensor-parallel", type=Size(), help="Devices each layer is split over.")
@click.option("--pipeline-parallel", type=Size(), help="Stages the layers are split into.")
@click.option("--paged", is_flag=True, help="Also answer with vLLM-style paged KV blocks.")
@click.option("--block-size", type=Size(), help="Tokens per KV page with --paged (default 16).")
@click.option(
    "--prefill-chunk",
    type=Size(),
    default=2048,
    show_default=True,
    help="Tokens of one forward pass, for the activation workspace.",
)
@format_option
def fit(
    source: str,
    overrides: tuple[str, ...],
    gpu: str | None,
    gpu_memory: str | None,
    gpus: int | None,
    dtype: str,
    kv_dtype: str | None,
    state_dtype: str,
    utilization: Fraction,
    batch: int | None,
    seq: int | None,
    tensor_parallel: int | None,
    pipeline_parallel: int | None,
    paged: bool,
    block_size: int | None,
    prefill_chunk: int,
    fmt: str,
) -> None:
    """Whether SOURCE fits: the longest context at --batch, or the largest batch at --seq."""
    from paramcalc.fit import FitRequest
    from paramcalc.fit import fit as solve
    from paramcalc.precision import CacheDType, DType
    from paramcalc.render.fit import fit_report

    if batch is not None and seq is not None:
        raise click.UsageError("give --batch (for the longest context) or --seq, not both")
    if block_size is not None and not paged:
        raise click.UsageError("--block-size needs --paged")
    accelerator = device(gpu, gpu_memory)
    tp, pp, replicas = split(gpus, tensor_parallel, pipeline_parallel)
    arch, counted = load_counted(source, overrides)
    request = FitRequest(
        accelerator.memory_bytes,
        DType(dtype),
        CacheDType(kv_dtype) if kv_dtype else None,
        utilization,
        batch,
        seq,
        tp,
        pp,
        replicas,
        paged,
        block_size or 16,
        prefill_chunk,
        CacheDType(state_dtype),
    )
    show(fit_report(solve(counted, request), accelerator), fmt)


COMMANDS = [fit]
