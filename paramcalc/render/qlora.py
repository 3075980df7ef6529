"""The report of `paramcalc memory --lora`: a frozen (4-bit) base and the adapter's states."""

from __future__ import annotations

from typing import Any

from paramcalc.adapters.qlora import LoraMemory
from paramcalc.render import Report
from paramcalc.render.units import human, human_bytes


def qlora_data(m: LoraMemory) -> dict[str, Any]:
    """The JSON: base bytes by part, adapter states, activations, totals."""
    b = m.base
    return {
        "name": m.lora.base.name,
        "total": m.lora.base.total,
        "trainable": m.lora.trainable,
        "base": {
            "dtype": b.dtype.value,
            "double_quant": b.double_quant,
            "quantized_parameters": b.quantized_parameters,
            "quantized_tensors": b.quantized_tensors,
            "weight_bytes": b.code_bytes,
            "quantization_constant_bytes": b.constant_bytes,
            "kept_parameters": b.kept_parameters,
            "kept_dtype": b.kept_dtype.value,
            "kept_bytes": b.kept_bytes,
            "bytes": b.bytes,
        },
        "adapter": m.adapter_states,
        "activation_bytes": m.activations.total_without_scores,
        "states_bytes": m.states_bytes,
        "total_bytes": m.total_bytes,
    }


def qlora_report(m: LoraMemory) -> Report:
    """One row per part of the training memory, in exact bytes."""
    b = m.base
    rows: list[tuple[Any, ...]] = []
    if b.dtype.four_bit:
        rows += [
            (f"base weights ({b.dtype.value}, {b.quantized_tensors:,} tensors)", b.code_bytes),
            (
                "quantization constants" + (" (double quant)" if b.double_quant else ""),
                b.constant_bytes,
            ),
        ]
    rows.append((f"base, kept at {b.kept_dtype.value}", b.kept_bytes))
    rows += [(f"adapter {name} (fp32)", size) for name, size in m.adapter_states.items()]
    rows.append(("activations (one micro-batch)", m.activations.total_without_scores))
    report = Report(
        title=f"{m.lora.base.name} + LoRA ({b.dtype.value} base): "
        f"{human_bytes(m.total_bytes)} to train",
        columns=("part", "bytes", "human"),
        rows=[(name, size, human_bytes(size)) for name, size in rows],
        data=qlora_data(m),
        footer=[
            ("states", m.states_bytes, human_bytes(m.states_bytes)),
            ("total", m.total_bytes, human_bytes(m.total_bytes)),
        ],
        key="qlora",
    )
    report.notes.append(
        f"{m.lora.trainable:,} trainable parameters ({human(m.lora.trainable)}) of "
        f"{m.lora.base.total:,}; the base is frozen: no gradients or optimizer states"
    )
    if b.dtype.four_bit:
        report.notes.append(
            "bitsandbytes 4-bit: every nn.Linear but the output head; one absmax per 64 "
            "elements (fp32, or 8-bit with an fp32 absmax per 256 under double quant)"
        )
    return report
