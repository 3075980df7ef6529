"""`paramcalc memory`, `paramcalc flops` and `paramcalc report`: what a model costs to run."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

import click

from paramcalc.cli.options import format_option, head_option, load_source, set_option, show
from paramcalc.cli.types import Size, TokenCount, Utilization

F = TypeVar("F", bound=Callable[..., Any])

#: Kept here rather than read from the enums, so `paramcalc --help` imports no engine module.
DTYPES = ["fp32", "fp16", "bf16", "fp8", "int8", "int4"]
#: The KV cache precisions of `paramcalc.precision.CacheDType`, shared by memory and fit.
KV_DTYPES = [
    *DTYPES[:4],
    "fp8_e4m3",
    "fp8_e5m2",
    *DTYPES[4:],
    "q8_0",
    "q4_0",
    "q4_1",
    "q5_0",
    "q5_1",
]
RECIPES = ["fp32", "bf16-mixed", "bf16-adam8bit"]
DEFAULT_MFU = Fraction(2, 5)


def shape_options(func: F) -> F:
    """`--batch`, `--seq` and `--encoder-seq`: the tokens a forward pass sees."""
    flags = [
        click.option(
            "--batch",
            "-b",
            type=Size(),
            default=1,
            show_default=True,
            help="Sequences in the batch (a micro-batch, for training memory).",
        ),
        click.option(
            "--seq",
            "-s",
            type=Size(),
            default=2048,
            show_default=True,
            help="Tokens per sequence (decoder tokens of an encoder-decoder).",
        ),
        click.option(
            "--encoder-seq",
            type=Size(),
            help="Encoder tokens of an encoder-decoder (default: --seq).",
        ),
    ]
    for flag in reversed(flags):
        func = flag(func)
    return func


def dtype_option(func: F) -> F:
    """`--dtype`: the precision the weights are stored in."""
    return click.option(
        "--dtype",
        type=click.Choice(DTYPES),
        default="bf16",
        show_default=True,
        help="Precision of the weights.",
    )(func)


def gpu_option(func: F) -> F:
    """`--gpu NAME`: an accelerator of paramcalc's table (h100, a100-80g, ...)."""
    return click.option(
        "--gpu",
        metavar="NAME",
        help="Accelerator: h100, h100-pcie, h200, a100-80g, a100-40g, l40s, l4, rtx4090, "
        "mi300x, mi325x.",
    )(func)


def state_dtype_option(func: F) -> F:
    """--state-dtype: the recurrent state's precision, shared by memory and fit."""
    return click.option(
        "--state-dtype",
        type=click.Choice(DTYPES),
        default="fp32",
        show_default=True,
        help="Precision of the recurrent state of Mamba and linear-attention layers "
        "(transformers keeps it in fp32); their convolution windows take the KV cache's.",
    )(func)


def kv_dtype_option(func: F) -> F:
    """`--kv-dtype`: the KV cache precision, element formats and GGML block formats."""
    return click.option(
        "--kv-dtype",
        type=click.Choice(KV_DTYPES),
        help="Precision of the KV cache (default: the weights', bf16 under int8/int4/fp8); "
        "q8_0/q4_0/q4_1/q5_0/q5_1 are GGML blocks of 32 values with their scales.",
    )(func)


def load_counted(
    source: str, overrides: tuple[str, ...], head: str | None = None
) -> tuple[Any, Any]:
    """Load SOURCE (with an encoder's --head) and count its tensors."""
    from paramcalc.calculator import count

    arch = load_source(source, overrides, head)
    return arch, count(arch)


def lora_memory_options(func: Any) -> Any:
    """`--lora` with the adapter flags of `paramcalc lora`, `--base-dtype`, `--double-quant`."""
    from paramcalc.cli.lora import lora_options

    func = click.option(
        "--double-quant/--no-double-quant",
        default=False,
        show_default=True,
        help="With --lora: bitsandbytes double quantization of the 4-bit absmaxes.",
    )(func)
    func = click.option(
        "--base-dtype",
        type=click.Choice(["nf4", "fp4", "bf16", "fp16", "fp32"]),
        default="nf4",
        show_default=True,
        help="With --lora: how the frozen base is stored (nf4/fp4: bitsandbytes 4-bit).",
    )(func)
    func = lora_options(func)
    return click.option("--lora", is_flag=True, help="(Q)LoRA training memory.")(func)


def find_gpu(name: str | None) -> Any:
    """The accelerator named by --gpu, or None."""
    from paramcalc.hardware import gpu

    return gpu(name) if name is not None else None


@click.command()
@click.argument("source")
@set_option
@dtype_option
@kv_dtype_option
@state_dtype_option
@click.option(
    "--quant-group-size",
    type=Size(),
    metavar="N",
    help="Quantize only the blocks' projection weights, with one fp16 scale per N "
    "inputs per row (GPTQ/AWQ layout); needs --dtype fp8, int8 or int4.",
)
@shape_options
@click.option(
    "--recipe",
    type=click.Choice(RECIPES),
    default="bf16-mixed",
    show_default=True,
    help="Training precision recipe for the model states.",
)
@click.option(
    "--gpus",
    type=Size(),
    default=1,
    show_default=True,
    help="Data-parallel devices that ZeRO partitions over.",
)
@click.option(
    "--zero",
    type=Size(0, 3),
    default=0,
    show_default=True,
    help="ZeRO stage: 1 optimizer states, 2 and gradients, 3 and weights.",
)
@gpu_option
@lora_memory_options
@head_option
@format_option
def memory(
    source: str,
    overrides: tuple[str, ...],
    head: str | None,
    dtype: str,
    kv_dtype: str | None,
    state_dtype: str,
    quant_group_size: int | None,
    batch: int,
    seq: int,
    encoder_seq: int | None,
    recipe: str,
    gpus: int,
    zero: int,
    gpu: str | None,
    fmt: str,
    lora: bool,
    **lora_flags: Any,
) -> None:
    """Weights, KV cache and training memory of SOURCE, in exact bytes.

    With --lora and the flags of `paramcalc lora` (--r, --target, ...), the (Q)LoRA training
    memory instead: the frozen base at --base-dtype (nf4: bitsandbytes 4-bit) and the
    adapter's fp32 weights, gradients and Adam states.
    """
    if lora:
        from paramcalc.cli.lora import show_lora_memory

        if head:
            raise click.UsageError("--head counts an encoder's head; --lora sizes an adapter")

        show_lora_memory(source, overrides, batch, seq, dtype, lora_flags, fmt)
        return
    from paramcalc.memory import MemorySettings, estimate_memory
    from paramcalc.precision import CacheDType, DType
    from paramcalc.render.compute import memory_report
    from paramcalc.training import Recipe

    device = find_gpu(gpu)
    arch, counted = load_counted(source, overrides, head)
    settings = MemorySettings(
        DType(dtype),
        CacheDType(kv_dtype) if kv_dtype else None,
        batch,
        seq,
        encoder_seq,
        quant_group_size,
        Recipe(recipe),
        zero,
        gpus,
        DType(state_dtype),
    )
    show(memory_report(estimate_memory(counted, settings), device), fmt)


@click.command()
@click.argument("source")
@set_option
@shape_options
@click.option(
    "--tokens",
    "-t",
    type=TokenCount(),
    help="Training tokens T, e.g. 2T (default: Chinchilla-optimal, 20 per parameter).",
)
@gpu_option
@click.option(
    "--mfu",
    type=Utilization(),
    help="Model FLOPs utilization for GPU-hours with --gpu (default 40%).",
)
@click.option(
    "--image-size",
    type=click.IntRange(min=1),
    help="Side in pixels of the image the per-image figure is for (default: the vision "
    "tower's image_size; needed by a tower of dynamic resolution).",
)
@head_option
@format_option
def flops(
    source: str,
    overrides: tuple[str, ...],
    head: str | None,
    batch: int,
    seq: int,
    encoder_seq: int | None,
    tokens: int | None,
    gpu: str | None,
    mfu: Fraction | None,
    image_size: int | None,
    fmt: str,
) -> None:
    """Forward and training FLOPs of SOURCE, counted as torch's FlopCounterMode counts.

    For a model with a vision tower, one image's too (at --image-size for a tower of dynamic
    resolution).
    """
    from paramcalc.flops import Approximations, forward_flops, training_compute
    from paramcalc.image_flops import image_flops
    from paramcalc.render.compute import flops_report

    if mfu is not None and gpu is None:
        raise click.UsageError("--mfu needs --gpu")
    device = find_gpu(gpu)
    arch, counted = load_counted(source, overrides, head)
    forward = forward_flops(counted, batch, seq, encoder_seq)
    show(
        flops_report(
            counted,
            forward,
            Approximations.of(counted, seq),
            training_compute(counted, forward, tokens),
            device,
            mfu or DEFAULT_MFU,
            image_flops(counted.model, image_size),
        ),
        fmt,
    )


@click.command()
@click.argument("source")
@set_option
@dtype_option
@shape_options
@head_option
@format_option
def report(
    source: str,
    overrides: tuple[str, ...],
    head: str | None,
    dtype: str,
    batch: int,
    seq: int,
    encoder_seq: int | None,
    fmt: str,
) -> None:
    """Parameters, memory and FLOPs of SOURCE side by side."""
    from paramcalc.flops import Approximations, forward_flops, training_compute
    from paramcalc.memory import MemorySettings, estimate_memory
    from paramcalc.precision import DType
    from paramcalc.render.compute import overview_report
    from paramcalc.render.reports import breakdown_data

    arch, counted = load_counted(source, overrides, head)
    settings = MemorySettings(DType(dtype), batch=batch, seq=seq, encoder_seq=encoder_seq)
    forward = forward_flops(counted, batch, seq, encoder_seq)
    show(
        overview_report(
            breakdown_data(counted),
            estimate_memory(counted, settings),
            forward,
            Approximations.of(counted, seq),
            training_compute(counted, forward, None),
        ),
        fmt,
    )


COMMANDS = [memory, flops, report]
