"""The accelerator table (`paramcalc/data/gpus.yaml`): memory and peak BF16 throughput."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError

#: Found beside this module, like the presets, without importlib.resources' start-up cost.
GPU_TABLE = Path(__file__).with_name("data") / "gpus.yaml"


@dataclass(frozen=True)
class GPU:
    """One accelerator: its memory in bytes and its peak dense BF16 FLOP/s, with the source."""

    name: str
    label: str
    memory_bytes: int
    bf16_flops: int
    source: str

    def devices_for(self, nbytes: int) -> int:
        """Devices whose memory together holds `nbytes` (at least one)."""
        return max(1, -(-nbytes // self.memory_bytes))


def gpu_from_entry(name: str, entry: Any) -> GPU:
    """Validate one table entry into a GPU."""
    where = f"{GPU_TABLE.name}: {name}"
    if not isinstance(entry, dict):
        raise InputError(where, f"expected a mapping, got {entry!r}")
    memory, tflops = entry.get("memory_bytes"), entry.get("bf16_dense_tflops")
    if isinstance(memory, bool) or not isinstance(memory, int) or memory <= 0:
        raise InputError(where, f"must be a positive integer, got {memory!r}", "memory_bytes")
    if isinstance(tflops, bool) or not isinstance(tflops, (int, float)) or tflops <= 0:
        raise InputError(where, f"must be a positive number, got {tflops!r}", "bf16_dense_tflops")
    flops = Fraction(str(tflops)) * 10**12
    return GPU(
        name, str(entry.get("label", name)), memory, int(flops), str(entry.get("source", ""))
    )


@cache
def gpus() -> dict[str, GPU]:
    """Every accelerator of the table, by short name."""
    from paramcalc.sources.files import parse_mapping

    table = parse_mapping(GPU_TABLE)
    return {name: gpu_from_entry(name, entry) for name, entry in table.items()}


def gpu(name: str) -> GPU:
    """The accelerator called `name`, or an InputError listing the close and known names."""
    table = gpus()
    key = name.strip().lower()
    if key not in table:
        close = difflib.get_close_matches(key, table, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputError("--gpu", f"unknown accelerator {name!r}; {hint}known: {', '.join(table)}")
    return table[key]
