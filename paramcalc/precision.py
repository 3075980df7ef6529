"""Storage precisions, and the bytes a number of values takes at each."""

from __future__ import annotations

from enum import Enum


class DType(str, Enum):
    """A storage precision for weights or the KV cache."""

    FP32 = "fp32"
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"
    INT4 = "int4"

    @property
    def bits(self) -> int:
        """Bits one element takes."""
        return {"fp32": 32, "fp16": 16, "bf16": 16, "fp8": 8, "int8": 8, "int4": 4}[self.value]

    @property
    def is_quantized(self) -> bool:
        """Whether this is a low-precision format that group-wise scales can go with."""
        return self.bits <= 8


def nbytes(elements: int, dtype: DType) -> int:
    """Bytes `elements` values take at `dtype`; int4 packs two to a byte (a last half rounds up)."""
    return -(-elements * dtype.bits // 8)
