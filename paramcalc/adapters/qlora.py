"""(Q)LoRA training memory: a frozen base, maybe 4-bit, and the adapter's training states.

The 4-bit base follows bitsandbytes as transformers applies it (`BitsAndBytesConfig(
load_in_4bit=True)`): every `nn.Linear`/`Conv1D` module but the output head becomes a
`Linear4bit`; embeddings, norms, the head, routers and fused 3-D experts (not `nn.Linear` in
transformers 5) stay at the compute precision. `bitsandbytes.functional.quantize_4bit` packs two
4-bit codes (NF4 or FP4) to a byte and keeps one absmax per block of 64 elements of each
weight: an fp32 absmax without double quantization; with it (`bnb_4bit_use_double_quant`, QLoRA
section 3), the absmaxes minus their mean are quantized to 8 bits in blocks of 256, each with
an fp32 absmax, plus the fp32 mean per tensor. Per tensor of n elements:

    bytes = ceil(n / 2) + 4 * ceil(n / 64)                               (plain)
    bytes = ceil(n / 2) + ceil(n / 64) + 4 * ceil(ceil(n / 64) / 256) + 4  (double quant)

The code books (16 and 256 fp32 values per tensor) are constants and not counted. The adapter
trains in fp32 as PEFT creates it: weights, gradients and Adam's two states, 16 bytes each
(a base bias that trains keeps its weight in the base). Activations are those of `memory`
(Korthikanti et al. 2022 with a fused attention kernel), for the micro-batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from paramcalc.adapters.lora import LoraCount
from paramcalc.adapters.modules import Kind, is_output_head, modules
from paramcalc.core.records import Linear
from paramcalc.precision import DType, nbytes
from paramcalc.training import Activations, activations

#: bitsandbytes' 4-bit block and its second-level block with double quantization.
BLOCK = 64
NESTED_BLOCK = 256
#: Bytes per trainable adapter parameter: fp32 weight, gradient, Adam momentum and variance.
ADAPTER_STATE_BYTES = {"weights": 4, "gradients": 4, "optimizer states": 8}


class BaseDType(str, Enum):
    """How the frozen base is stored."""

    NF4 = "nf4"
    FP4 = "fp4"
    BF16 = "bf16"
    FP16 = "fp16"
    FP32 = "fp32"

    @property
    def four_bit(self) -> bool:
        """Whether bitsandbytes' 4-bit storage applies."""
        return self in (BaseDType.NF4, BaseDType.FP4)


def four_bit_bytes(elements: int, double_quant: bool) -> tuple[int, int]:
    """(packed codes, quantization constants) bytes of one 4-bit weight of `elements`."""
    blocks = -(-elements // BLOCK)
    if not double_quant:
        return -(-elements // 2), 4 * blocks
    return -(-elements // 2), blocks + 4 * -(-blocks // NESTED_BLOCK) + 4


@dataclass(frozen=True)
class BaseMemory:
    """The frozen base: 4-bit weights, their constants, and what stays at `kept_dtype`."""

    dtype: BaseDType
    double_quant: bool
    quantized_parameters: int
    quantized_tensors: int
    code_bytes: int
    constant_bytes: int
    kept_parameters: int
    kept_dtype: DType

    @property
    def kept_bytes(self) -> int:
        """Bytes of what is not quantized."""
        return nbytes(self.kept_parameters, self.kept_dtype)

    @property
    def bytes(self) -> int:
        """All the bytes of the frozen base."""
        return self.code_bytes + self.constant_bytes + self.kept_bytes


def base_memory(c: LoraCount, dtype: BaseDType, double_quant: bool, compute: DType) -> BaseMemory:
    """Bytes of the frozen base stored at `dtype` (the rest at `compute`)."""
    if not dtype.four_bit:
        return BaseMemory(dtype, False, 0, 0, 0, 0, c.base.total, DType(dtype.value))
    quantized = tensors = codes = constants = 0
    for m in modules(c.base.enumeration, c.base.model.naming).values():
        if m.kind is not Kind.LINEAR or is_output_head(m.records[0]):
            continue
        r = m.records[0]
        assert isinstance(r, Linear)
        n = r.inputs * r.outputs
        packed, extra = four_bit_bytes(n, double_quant)
        quantized, tensors = quantized + n, tensors + 1
        codes, constants = codes + packed, constants + extra
    kept = c.base.total - quantized
    return BaseMemory(dtype, double_quant, quantized, tensors, codes, constants, kept, compute)


@dataclass(frozen=True)
class LoraMemory:
    """Training memory of an adapter on a frozen base, on one device."""

    lora: LoraCount
    base: BaseMemory
    activations: Activations

    @property
    def adapter_states(self) -> dict[str, int]:
        """Bytes of the adapter's weights, and of every trainable parameter's gradients and
        optimizer states (base biases that train keep their weights in the base)."""
        return {
            k: v * (self.lora.adapter if k == "weights" else self.lora.trainable)
            for k, v in ADAPTER_STATE_BYTES.items()
        }

    @property
    def states_bytes(self) -> int:
        """The base and the adapter's training states: what is held whatever the batch."""
        return self.base.bytes + sum(self.adapter_states.values())

    @property
    def total_bytes(self) -> int:
        """States plus the activations of one micro-batch (fused attention, no recomputation)."""
        return self.states_bytes + self.activations.total_without_scores


def lora_memory(
    c: LoraCount,
    dtype: BaseDType,
    double_quant: bool,
    batch: int,
    seq: int,
    compute: DType = DType.BF16,
) -> LoraMemory:
    """(Q)LoRA training memory of `c` with a micro-batch of `batch` x `seq` tokens."""
    base = base_memory(c, dtype, double_quant, compute)
    return LoraMemory(c, base, activations(c.base.model, batch, seq))
