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


class CacheDType(str, Enum):
    """A storage precision for the KV cache: the weights' element formats, the two fp8
    encodings inference engines offer (vLLM's `--kv-cache-dtype`), and GGML's block formats
    (llama.cpp's `--cache-type-k/-v`)."""

    FP32 = "fp32"
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"
    FP8_E4M3 = "fp8_e4m3"
    FP8_E5M2 = "fp8_e5m2"
    INT8 = "int8"
    INT4 = "int4"
    Q8_0 = "q8_0"
    Q4_0 = "q4_0"
    Q4_1 = "q4_1"
    Q5_0 = "q5_0"
    Q5_1 = "q5_1"

    @property
    def block(self) -> tuple[int, int]:
        """(values, bytes) of one storage block: an element, a packed int4 pair, a GGML block."""
        return CACHE_BLOCKS[self.value]

    @property
    def is_block_format(self) -> bool:
        """Whether this is a GGML block format, whose rows must be whole blocks."""
        return self.value.startswith("q")

    def nbytes(self, values: int) -> int:
        """Bytes `values` cached values take; a last partial element block rounds up."""
        per_block, size = self.block
        return -(-values // per_block) * size


#: Values and bytes per block. GGML (ggml-common.h): q8_0 is an fp16 scale and 32 int8
#: values; q4_0 an fp16 scale and 32 nibbles; q4_1 adds an fp16 minimum; q5_0 and q5_1 add
#: 32 high bits (4 bytes) to q4_0 and q4_1.
CACHE_BLOCKS: dict[str, tuple[int, int]] = {
    "fp32": (1, 4),
    "fp16": (1, 2),
    "bf16": (1, 2),
    "fp8": (1, 1),
    "fp8_e4m3": (1, 1),
    "fp8_e5m2": (1, 1),
    "int8": (1, 1),
    "int4": (2, 1),
    "q8_0": (32, 2 + 32),
    "q4_0": (32, 2 + 16),
    "q4_1": (32, 2 + 2 + 16),
    "q5_0": (32, 2 + 4 + 16),
    "q5_1": (32, 2 + 2 + 4 + 16),
}
