"""A config.json's `quantization_config`: which quantizer wrote a checkpoint, and its bit width.

Read at the top level or, for multimodal configs, under `text_config`; compressed-tensors'
older `compression_config` is the same record. Only what the header arithmetic needs is kept:
the method, the bits of packed integer formats, and the packing layout (AutoAWQ's GEMM and GEMV
kernels store the same weight transposed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paramcalc.errors import InputError, describe

#: Every `quant_method` whose checkpoints paramcalc reads.
METHODS = ("awq", "bitsandbytes", "compressed-tensors", "fbgemm_fp8", "fp8", "gptq", "mxfp4")
#: AutoAWQ versions by the layout their checkpoints store (exllama and ipex load GEMM files).
AWQ_LAYOUTS = {
    "gemm": "awq-gemm",
    "exllama": "awq-gemm",
    "exllamav2": "awq-gemm",
    "ipex": "awq-gemm",
    "gemv": "awq-gemv",
}
#: GPTQ checkpoint formats with AutoGPTQ's layout (v2 differs only in the zero points' values).
GPTQ_FORMATS = (None, "gptq", "gptq_v2")


@dataclass(frozen=True)
class Quantization:
    """How a checkpoint is quantized, as far as its tensor shapes depend on it."""

    method: str
    bits: int | None
    """Bits per value of packed integer weights (GPTQ, AWQ, compressed-tensors); None if none."""
    layout: str | None
    """`gptq`, `awq-gemm` or `awq-gemv` for qweight tensors; None otherwise."""
    where: str

    @property
    def label(self) -> str:
        """The method and bits in words: `gptq 4-bit`."""
        return f"{self.method} {self.bits}-bit" if self.bits else self.method


def quantization_of(config: Mapping[str, Any] | None, where: str) -> Quantization | None:
    """The quantization a config.json declares, or None when it declares none."""
    if config is None:
        return None
    key, record = "quantization_config", config.get("quantization_config")
    if record is None:
        key, record = "compression_config", config.get("compression_config")
    text = config.get("text_config")
    if record is None and isinstance(text, Mapping):
        key, record = "text_config.quantization_config", text.get("quantization_config")
    if record is None:
        return None
    if not isinstance(record, Mapping):
        raise InputError(where, f"must be a mapping, got {describe(record)}", key)
    method = record.get("quant_method")
    if method not in METHODS:
        raise InputError(
            where,
            f"quant_method {describe(method)} is not one paramcalc reads ({', '.join(METHODS)})",
            f"{key}.quant_method",
        )
    if method == "gptq":
        if record.get("checkpoint_format") not in GPTQ_FORMATS:
            raise InputError(
                where,
                f"{describe(record.get('checkpoint_format'))}: paramcalc "
                "reads the gptq and gptq_v2 layouts",
                f"{key}.checkpoint_format",
            )
        return Quantization(
            method, bits_of(record.get("bits"), where, f"{key}.bits"), "gptq", where
        )
    if method == "awq":
        version = str(record.get("version", "gemm")).lower()
        if version not in AWQ_LAYOUTS:
            raise InputError(
                where,
                f"{describe(version)}: paramcalc reads the layouts of {', '.join(AWQ_LAYOUTS)}",
                f"{key}.version",
            )
        bits = record.get("bits", record.get("w_bit"))
        return Quantization(
            method, bits_of(bits, where, f"{key}.bits"), AWQ_LAYOUTS[version], where
        )
    if method == "compressed-tensors":
        return Quantization(method, compressed_bits(record, where, key), None, where)
    return Quantization(method, None, None, where)


def compressed_bits(record: Mapping[str, Any], where: str, key: str) -> int | None:
    """The one weight bit width of compressed-tensors' config groups (None if several or none)."""
    groups = record.get("config_groups") or {}
    if not isinstance(groups, Mapping):
        raise InputError(
            where, f"must be a mapping, got {describe(groups)}", f"{key}.config_groups"
        )
    widths = set()
    for name, group in groups.items():
        weights = group.get("weights") if isinstance(group, Mapping) else None
        if isinstance(weights, Mapping) and weights.get("num_bits") is not None:
            widths.add(
                bits_of(weights["num_bits"], where, f"{key}.config_groups.{name}.weights.num_bits")
            )
    return widths.pop() if len(widths) == 1 else None


def bits_of(value: Any, where: str, field: str) -> int:
    """A bit width of packed integer weights: 1 to 8."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8:
        raise InputError(where, f"must be a bit width from 1 to 8, got {describe(value)}", field)
    return value
