"""The accelerator table (`paramcalc/data/gpus.yaml`): memory and peak BF16 throughput.

Memory is written with its unit (`80 GiB`, `24GB`, or plain bytes) and read exactly by
`memory_size`, the same reader `paramcalc fit --gpu-memory` uses: GiB, MiB, TiB are powers of
two, GB, MB, TB powers of ten, as the SI and IEC prefixes say.
"""

from __future__ import annotations

import difflib
import re
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
    memory: str = ""
    """The capacity as the table writes it, with paramcalc's unit (`80 GiB`)."""
    vendor_memory: str = ""
    """The capacity as the datasheet prints it (`80GB`)."""

    def devices_for(self, nbytes: int) -> int:
        """Devices whose memory together holds `nbytes` (at least one)."""
        return max(1, -(-nbytes // self.memory_bytes))


#: Bytes per unit; a bare number is bytes.
MEMORY_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
MEMORY_SIZE = re.compile(r"\s*(\d{1,15}(?:\.\d{1,9})?)\s*([a-zA-Z]{0,3})\s*")


def memory_size(text: str, where: str) -> int:
    """Bytes of a capacity such as `24GiB`, `80GB`, `1.5 TiB` or `25769803776`, exactly."""
    from paramcalc.errors import describe

    match = MEMORY_SIZE.fullmatch(text) if len(text) <= 40 else None
    unit = match[2].lower() if match else ""
    if match is None or unit not in MEMORY_UNITS:
        raise InputError(
            where,
            f"expected a capacity such as 24GiB, 80GB or a number of bytes, got {describe(text)}",
        )
    size = Fraction(match[1]) * MEMORY_UNITS[unit]
    if size.denominator != 1 or size <= 0:
        raise InputError(where, f"must be a positive whole number of bytes, got {text!r}")
    return size.numerator


def gpu_from_entry(name: str, entry: Any) -> GPU:
    """Validate one table entry into a GPU."""
    where = f"{GPU_TABLE.name}: {name}"
    if not isinstance(entry, dict):
        raise InputError(where, f"expected a mapping, got {entry!r}")
    memory, tflops = entry.get("memory"), entry.get("bf16_dense_tflops")
    if not isinstance(memory, str):
        raise InputError(where, f"must be a capacity such as '80 GiB', got {memory!r}", "memory")
    if isinstance(tflops, bool) or not isinstance(tflops, (int, float)) or tflops <= 0:
        raise InputError(where, f"must be a positive number, got {tflops!r}", "bf16_dense_tflops")
    flops = Fraction(str(tflops)) * 10**12
    return GPU(
        name,
        str(entry.get("label", name)),
        memory_size(memory, f"{where}: memory"),
        int(flops),
        str(entry.get("source", "")),
        memory,
        str(entry.get("vendor_memory", memory)),
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
        close = difflib.get_close_matches(key, table, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError("--gpu", f"unknown accelerator {name!r}; {hint}known: {', '.join(table)}")
    return table[key]
