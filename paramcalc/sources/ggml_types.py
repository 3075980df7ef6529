"""GGML's tensor types: how many bytes a block of elements takes, for every type id a GGUF file
may name (ggml's `type_traits`, ggml/src/ggml.c)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QuantType:
    """One GGML tensor type: `type_size` bytes hold a block of `block_size` elements."""

    name: str
    block_size: int
    type_size: int

    @property
    def bits_per_weight(self) -> float:
        """Stored bits per element, the block's scales included."""
        return self.type_size * 8 / self.block_size


QK_K = 256
#: Every GGML type id with its block (ggml's `type_traits`, ggml/src/ggml.c): F32 stores 4 bytes
#: an element; Q4_K 144 bytes per 256 (two fp16 super-block scales, 12 bytes of 6-bit scales,
#: 128 bytes of 4-bit values). Ids 4, 5 (Q4_2, Q4_3) and 31-33, 36-38 were removed from ggml.
GGML_TYPES: dict[int, QuantType] = {
    0: QuantType("F32", 1, 4),
    1: QuantType("F16", 1, 2),
    2: QuantType("Q4_0", 32, 2 + 16),
    3: QuantType("Q4_1", 32, 2 + 2 + 16),
    6: QuantType("Q5_0", 32, 2 + 4 + 16),
    7: QuantType("Q5_1", 32, 2 + 2 + 4 + 16),
    8: QuantType("Q8_0", 32, 2 + 32),
    9: QuantType("Q8_1", 32, 4 + 4 + 32),
    10: QuantType("Q2_K", QK_K, 2 + 2 + QK_K // 16 + QK_K // 4),
    11: QuantType("Q3_K", QK_K, 2 + QK_K // 4 + QK_K // 8 + 12),
    12: QuantType("Q4_K", QK_K, 2 + 2 + QK_K // 2 + 12),
    13: QuantType("Q5_K", QK_K, 2 + 2 + QK_K // 2 + QK_K // 8 + 12),
    14: QuantType("Q6_K", QK_K, 2 + QK_K // 2 + QK_K // 4 + QK_K // 16),
    15: QuantType("Q8_K", QK_K, 4 + QK_K + QK_K // 8),
    16: QuantType("IQ2_XXS", QK_K, 2 + QK_K // 4),
    17: QuantType("IQ2_XS", QK_K, 2 + QK_K // 4 + QK_K // 32),
    18: QuantType("IQ3_XXS", QK_K, 2 + QK_K // 4 + QK_K // 8),
    19: QuantType("IQ1_S", QK_K, 2 + QK_K // 8 + QK_K // 16),
    20: QuantType("IQ4_NL", 32, 2 + 16),
    21: QuantType("IQ3_S", QK_K, 2 + QK_K // 4 + QK_K // 8 + QK_K // 32 + 4),
    22: QuantType("IQ2_S", QK_K, 2 + QK_K // 4 + QK_K // 16),
    23: QuantType("IQ4_XS", QK_K, 2 + 2 + QK_K // 2 + QK_K // 64),
    24: QuantType("I8", 1, 1),
    25: QuantType("I16", 1, 2),
    26: QuantType("I32", 1, 4),
    27: QuantType("I64", 1, 8),
    28: QuantType("F64", 1, 8),
    29: QuantType("IQ1_M", QK_K, QK_K // 8 + QK_K // 16 + QK_K // 32),
    30: QuantType("BF16", 1, 2),
    34: QuantType("TQ1_0", QK_K, 2 + 4 * 13),
    35: QuantType("TQ2_0", QK_K, 2 + 64),
    39: QuantType("MXFP4", 32, 1 + 16),
    40: QuantType("NVFP4", 64, 4 + 32),
    41: QuantType("Q1_0", 128, 2 + 16),
}
