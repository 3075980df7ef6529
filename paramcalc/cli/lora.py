"""`paramcalc lora`: the trainable parameters of a LoRA adapter on a base model."""

from __future__ import annotations

from typing import Any

import click

from paramcalc.cli.options import format_option, set_option, show
from paramcalc.cli.types import Size

ADAPTER_DTYPES = ("fp32", "bf16", "fp16")


def names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of module names."""
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())


def patterns(values: tuple[str, ...], option: str, kind: type) -> dict[str, Any]:
    """Repeated `KEY=VALUE` options as a mapping (rank or alpha by module pattern)."""
    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.rpartition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: expected PATTERN=VALUE", param_hint=option)
        try:
            out[key] = kind(value)
        except ValueError:
            message = f"{item!r}: {value!r} is not a number"
            raise click.BadParameter(message, param_hint=option) from None
    return out


def spec_fields(options: dict[str, Any]) -> dict[str, Any]:
    """LoraConfig fields from the command's options."""
    targets: Any = names(options["target"])
    if options["target_regex"]:
        if targets:
            raise click.UsageError("give --target or --target-regex, not both")
        targets = options["target_regex"]
    elif targets == ("all-linear",):
        targets = "all-linear"
    fields: dict[str, Any] = {
        "r": options["r"],
        "lora_alpha": options["alpha"],
        "target_modules": targets or None,
        "target_parameters": names(options["target_parameters"]),
        "use_dora": options["dora"],
        "lora_bias": options["lora_bias"],
        "bias": options["bias"],
        "modules_to_save": names(options["modules_to_save"]),
        "rank_pattern": patterns(options["rank_pattern"], "--rank-pattern", int),
        "alpha_pattern": patterns(options["alpha_pattern"], "--alpha-pattern", float),
    }
    if options["exclude_regex"]:
        fields["exclude_modules"] = options["exclude_regex"]
    elif options["exclude"]:
        fields["exclude_modules"] = names(options["exclude"])
    if options["layers"]:
        try:
            fields["layers_to_transform"] = tuple(int(i) for i in names(options["layers"]))
        except ValueError:
            raise click.BadParameter(f"{options['layers']!r}", param_hint="--layers") from None
    if options["layers_pattern"]:
        fields["layers_pattern"] = names(options["layers_pattern"])
    return fields


def lora_options(func: Any) -> Any:
    """The flags that say what a LoRA adapter wraps (PEFT LoraConfig fields)."""
    flags = [
        click.option("--r", "r", type=Size(), default=8, show_default=True, help="LoRA rank."),
        click.option(
            "--alpha", type=float, default=8, show_default=True, help="lora_alpha (PEFT's default)."
        ),
        click.option(
            "--target",
            help="Module names, comma-separated (exact or .-suffix), or all-linear.",
        ),
        click.option("--target-regex", help="One full-match regex over module paths."),
        click.option("--target-parameters", help="Parameter names (fused 3-D experts)."),
        click.option("--exclude", help="Module names never adapted, comma-separated."),
        click.option("--exclude-regex", help="A full-match regex of modules never adapted."),
        click.option("--layers", help="layers_to_transform: layer indices, comma-separated."),
        click.option("--layers-pattern", help="The module name before the layer index."),
        click.option("--rank-pattern", multiple=True, metavar="PATTERN=R", help="Per-module rank."),
        click.option(
            "--alpha-pattern", multiple=True, metavar="PATTERN=A", help="Per-module alpha."
        ),
        click.option("--dora", is_flag=True, help="DoRA: a magnitude per output feature."),
        click.option("--lora-bias", is_flag=True, help="A bias on each lora_B."),
        click.option(
            "--bias",
            type=click.Choice(["none", "all", "lora_only"]),
            default="none",
            show_default=True,
            help="Base biases that train.",
        ),
        click.option("--modules-to-save", help="Modules trained as full copies, comma-separated."),
    ]
    for flag in reversed(flags):
        func = flag(func)
    return func


def adapter_dtype_option(func: Any) -> Any:
    """`--adapter-dtype`: the precision adapter weights are stored in."""
    return click.option(
        "--adapter-dtype",
        type=click.Choice(ADAPTER_DTYPES),
        default="fp32",
        show_default=True,
        help="Precision of the adapter weights (PEFT creates them in float32).",
    )(func)


@click.command()
@click.argument("base")
@lora_options
@adapter_dtype_option
@click.option("--per-layer", is_flag=True, help="Add the per-layer view.")
@set_option
@format_option
def lora(
    base: str,
    adapter_dtype: str,
    per_layer: bool,
    overrides: tuple[str, ...],
    fmt: str,
    **options: Any,
) -> None:
    """Count the trainable parameters of a LoRA adapter on BASE, exactly as PEFT does.

    BASE is any SOURCE: a preset, a config.json or its folder, a paramcalc file, a Hub id.
    Example: `paramcalc lora llama-3.1-8b --r 16 --alpha 32 --target q_proj,v_proj`.
    """
    from pydantic import ValidationError

    from paramcalc.adapters.config import LoraSpec
    from paramcalc.adapters.lora import lora_count
    from paramcalc.calculator import count
    from paramcalc.cli.options import load_source
    from paramcalc.errors import from_validation_error
    from paramcalc.precision import DType
    from paramcalc.render.lora import lora_report

    try:
        spec = LoraSpec.model_validate(spec_fields(options))
    except ValidationError as exc:
        raise from_validation_error(exc, "lora") from None
    counted = lora_count(count(load_source(base, overrides)), spec)
    show(lora_report(counted, DType(adapter_dtype), per_layer=per_layer), fmt)


def show_adapter(
    adapter: Any, base: str | None, overrides: tuple[str, ...], per_layer: bool, fmt: str
) -> None:
    """Count an adapter_config.json on its base; a weights file that disagrees exits 1."""
    from paramcalc.adapters.config import from_adapter_config
    from paramcalc.adapters.lora import lora_count
    from paramcalc.calculator import count
    from paramcalc.cli import EXIT_FAILED
    from paramcalc.cli.options import load_source
    from paramcalc.precision import DType
    from paramcalc.render.lora import lora_report, stored_adapter
    from paramcalc.sources.adapter import base_of

    where = str(adapter.config)
    spec = from_adapter_config(adapter.data, where)
    counted = lora_count(count(load_source(base_of(adapter, base), overrides)), spec, where)
    stored = stored_adapter(adapter.weights) if adapter.weights else None
    show(lora_report(counted, DType("fp32"), stored, per_layer), fmt)
    if stored is not None and stored.parameters != counted.trainable:
        raise click.exceptions.Exit(EXIT_FAILED)


def show_lora_memory(
    source: str,
    overrides: tuple[str, ...],
    batch: int,
    seq: int,
    dtype: str,
    flags: dict[str, Any],
    fmt: str,
) -> None:
    """(Q)LoRA training memory of the adapter the flags describe on SOURCE."""
    from pydantic import ValidationError

    from paramcalc.adapters.config import LoraSpec
    from paramcalc.adapters.lora import lora_count
    from paramcalc.adapters.qlora import BaseDType, lora_memory
    from paramcalc.calculator import count
    from paramcalc.cli.options import load_source
    from paramcalc.errors import InputError, from_validation_error
    from paramcalc.precision import DType
    from paramcalc.render.qlora import qlora_report

    base_dtype, double_quant = BaseDType(flags.pop("base_dtype")), flags.pop("double_quant")
    if double_quant and not base_dtype.four_bit:
        raise InputError("--double-quant", f"needs a 4-bit --base-dtype, got {base_dtype.value!r}")
    if DType(dtype).is_quantized:
        raise InputError("--dtype", f"is the compute precision with --lora, got {dtype!r}")
    try:
        spec = LoraSpec.model_validate(spec_fields(flags))
    except ValidationError as exc:
        raise from_validation_error(exc, "lora") from None
    counted = lora_count(count(load_source(source, overrides)), spec)
    result = lora_memory(counted, base_dtype, double_quant, batch, seq, DType(dtype))
    show(qlora_report(result), fmt)


COMMANDS = [lora]
