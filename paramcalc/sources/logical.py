"""A checkpoint's logical tensors: what the unquantized model holds, from the headers alone.

Quantizers store a linear layer's weight as packed integers beside scales, zero points and
indices, so counting header elements is 2-8x off. Each stored tensor is assigned here to the
logical tensor it carries (`model.layers.0.self_attn.q_proj.weight`) with the kind of what it
stores, and each scheme's packing gives the logical shape back:

- GPTQ (AutoGPTQ / GPTQModel `QuantLinear`): `qweight` int32 (in * bits / 32, out), packed
  along the input rows; `qzeros` (groups, out * bits / 32), `scales` (groups, out), `g_idx` (in,).
- AWQ (AutoAWQ `WQLinear_GEMM`): `qweight` int32 (in, out * bits / 32), packed along the output
  columns; `qzeros` (in / group, out * bits / 32), `scales` (in / group, out). `WQLinear_GEMV`
  stores `qweight` as (out, in * bits / 32).
- compressed-tensors `pack-quantized`: `weight_packed` int32 (out, in * bits / 32) with
  `weight_scale`, `weight_zero_point`, `weight_g_idx` and `weight_shape`; `nvfp4-pack-quantized`:
  `weight_packed` uint8 (out, in / 2) with `weight_global_scale`. Float and int formats
  (`float-quantized`, `naive-quantized`) keep `weight` whole, one value per element.
- MXFP4 (gpt-oss): `X_blocks` uint8 (..., rows, G, 16), 32 fp4 values a block, with `X_scales`
  (..., rows, G), one exponent a block; transformers holds experts as (E, G * 32, rows).
- FP8 with block scales (DeepSeek-V3, Qwen3-FP8): `weight` float8, whole, and `weight_scale_inv`.
- bitsandbytes 4-bit: `weight` uint8 (n / 2, 1), two values a byte, with `weight.absmax`,
  `weight.quant_map`, `weight.nested_absmax`, `weight.nested_quant_map` and the packed state
  `weight.quant_state.bitsandbytes__nf4`; 8-bit: `weight` int8, whole, with `SCB` and
  `weight_format`.

Buffers (rotary tables, causal masks, DeepSeek's `e_score_correction_bias`) and activation
scales (`input_scale`, `k_scale`) are stored, but belong to no logical tensor.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from math import prod

from paramcalc.errors import InputError
from paramcalc.naming import BUFFERS
from paramcalc.sources.quantization import Quantization
from paramcalc.sources.safetensors import DTYPE_BITS, Checkpoint, StoredTensor


class Kind(str, Enum):
    """What a stored tensor holds."""

    PARAMETER = "parameter"
    """A parameter's values, one stored element each (at any precision, FP8 and int8 too)."""
    PACKED = "packed"
    """Several quantized values of a parameter per stored element."""
    SCALE = "scale"
    ZERO_POINT = "zero_point"
    INDEX = "index"
    """GPTQ's `g_idx`: the quantization group of each input."""
    QUANT_STATE = "quant_state"
    """Codebooks and packed state (bitsandbytes), the logical shape (compressed-tensors)."""
    BUFFER = "buffer"


#: Buffers beyond naming.BUFFERS: DeepSeek-V3's router correction (a buffer in transformers),
#: GPT-NeoX's causal mask.
MORE_BUFFERS = re.compile(r"(^|\.)(e_score_correction_bias|attention\.(bias|masked_bias))$")
#: bitsandbytes 4-bit state, saved under the packed weight's name (`Linear4bit`'s state dict).
BNB4_STATE = re.compile(
    r"^(.+\.weight)\.(absmax|quant_map|nested_absmax|nested_quant_map"
    r"|quant_state\.bitsandbytes__\w+)$"
)
BNB4_KINDS = {
    "absmax": Kind.SCALE,
    "nested_absmax": Kind.SCALE,
    "quant_map": Kind.QUANT_STATE,
    "nested_quant_map": Kind.QUANT_STATE,
    "quant_state": Kind.QUANT_STATE,
}
#: A module's tensors beside a `qweight` (GPTQ, AWQ).
QWEIGHT_KINDS = {
    "qweight": Kind.PACKED,
    "qzeros": Kind.ZERO_POINT,
    "scales": Kind.SCALE,
    "g_idx": Kind.INDEX,
}
#: A module's tensors beside a `weight` or `weight_packed` (compressed-tensors, FP8, bnb 8-bit).
WEIGHT_KINDS = {
    "weight_packed": Kind.PACKED,
    "weight_scale": Kind.SCALE,
    "weight_zero_point": Kind.ZERO_POINT,
    "weight_g_idx": Kind.INDEX,
    "weight_shape": Kind.QUANT_STATE,
    "weight_global_scale": Kind.SCALE,
    "weight_scale_inv": Kind.SCALE,
    "SCB": Kind.SCALE,
    "weight_format": Kind.QUANT_STATE,
}
#: Scales of activations and of the KV cache: stored beside a module, part of no weight.
ACTIVATION_SCALES = {
    "input_scale",
    "input_zero_point",
    "input_global_scale",
    "input_scale_ub",
    "output_scale",
    "output_zero_point",
    "k_scale",
    "v_scale",
    "q_scale",
}


@dataclass(frozen=True, slots=True)
class Part:
    """One stored tensor and what it holds."""

    tensor: StoredTensor
    kind: Kind


@dataclass(frozen=True, slots=True)
class LogicalTensor:
    """A tensor of the unquantized model, with the stored tensors that carry it."""

    name: str
    shape: tuple[int, ...]
    parts: tuple[Part, ...]
    flat: bool = False
    """bitsandbytes 4-bit keeps the 2-D shape in its packed state: `shape` is (elements,)."""

    @property
    def size(self) -> int:
        """Parameters of the tensor."""
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes its stored tensors take."""
        return sum(p.tensor.nbytes for p in self.parts)


@dataclass(frozen=True)
class LogicalCheckpoint:
    """A checkpoint read as its logical tensors; every stored tensor is in one part."""

    checkpoint: Checkpoint
    quantization: Quantization | None
    tensors: tuple[LogicalTensor, ...]
    others: tuple[Part, ...]
    """Stored tensors that are no parameter: buffers and activation scales."""

    def parts(self) -> list[Part]:
        """Every stored tensor with its kind."""
        return [p for t in self.tensors for p in t.parts] + list(self.others)

    def as_checkpoint(self) -> Checkpoint:
        """The logical tensors as stored ones (names and sizes only), with naming's buffers."""
        from paramcalc.naming import BUFFER, classify

        first = [
            StoredTensor(t.name, t.parts[0].tensor.dtype, t.shape, t.parts[0].tensor.file)
            for t in self.tensors
        ]
        buffers = [p.tensor for p in self.others if classify(p.tensor.name) == BUFFER]
        c = self.checkpoint
        return Checkpoint(c.where, c.files, tuple(first + buffers), c.file_bytes)


def logical_view(checkpoint: Checkpoint, quantization: Quantization | None) -> LogicalCheckpoint:
    """Assign each stored tensor to its logical tensor and give each logical tensor its shape."""
    roles = assign([t.name for t in checkpoint.tensors])
    grouped: dict[str, list[Part]] = {}
    others = []
    for tensor in checkpoint.tensors:
        logical, kind = roles[tensor.name]
        if logical is None:
            others.append(Part(tensor, kind))
        else:
            grouped.setdefault(logical, []).append(Part(tensor, kind))
    tensors = tuple(
        logical_tensor(name, parts, quantization, checkpoint.where)
        for name, parts in grouped.items()
    )
    return LogicalCheckpoint(checkpoint, quantization, tensors, tuple(others))


def assign(names: list[str]) -> dict[str, tuple[str | None, Kind]]:
    """Each stored name's logical tensor (None: part of none) and kind, read from its siblings."""
    leaves: dict[str, set[str]] = defaultdict(set)
    for name in names:
        module, _, leaf = name.rpartition(".")
        leaves[module].add(leaf)
    bnb4 = {m[1] for name in names if (m := BNB4_STATE.match(name))}
    return {name: role(name, leaves, bnb4) for name in names}


def role(name: str, leaves: dict[str, set[str]], bnb4: set[str]) -> tuple[str | None, Kind]:
    """The logical tensor of one stored name, and what it holds."""
    if m := BNB4_STATE.match(name):
        return m[1], BNB4_KINDS[m[2].split(".")[0]]
    if name in bnb4:
        return name, Kind.PACKED
    if BUFFERS.search(name) or MORE_BUFFERS.search(name):
        return None, Kind.BUFFER
    module, _, leaf = name.rpartition(".")
    here, prefix = leaves[module], f"{module}." if module else ""
    if leaf in QWEIGHT_KINDS and "qweight" in here:
        return f"{prefix}weight", QWEIGHT_KINDS[leaf]
    if leaf in WEIGHT_KINDS and here & {"weight", "weight_packed"}:
        return f"{prefix}weight", WEIGHT_KINDS[leaf]
    if leaf in ACTIVATION_SCALES:
        return None, Kind.SCALE
    stem = leaf.removesuffix("_blocks").removesuffix("_scales")
    if stem != leaf and {f"{stem}_blocks", f"{stem}_scales"} <= here:
        return prefix + stem, Kind.PACKED if leaf.endswith("_blocks") else Kind.SCALE
    return name, Kind.PARAMETER


def logical_tensor(
    name: str, parts: list[Part], quantization: Quantization | None, where: str
) -> LogicalTensor:
    """The logical tensor carried by `parts`: exactly one of them holds its values."""
    main = [p for p in parts if p.kind in (Kind.PARAMETER, Kind.PACKED)]
    stored = ", ".join(p.tensor.name for p in parts)
    if not main:
        raise InputError(where, f"{stored}: quantization state of {name!r}, which is not stored")
    if len(main) > 1:
        raise InputError(where, f"{name!r} is stored {len(main)} times ({stored})")
    values, leaf = main[0].tensor, main[0].tensor.name.rpartition(".")[2]
    flat = False
    if main[0].kind is Kind.PARAMETER:
        shape = values.shape
    elif leaf == "qweight":
        shape = qweight_shape(values, parts, quantization, where)
    elif leaf == "weight_packed":
        shape = packed_shape(values, quantization, where)
    elif leaf.endswith("_blocks"):
        shape = mxfp4_shape(values, parts, where)
    else:  # bitsandbytes 4-bit: two values a byte of the storage dtype
        shape, flat = (values.size * DTYPE_BITS[values.dtype] // 4,), True
    return LogicalTensor(name, shape, tuple(parts), flat)


def qweight_shape(
    qweight: StoredTensor, parts: list[Part], quantization: Quantization | None, where: str
) -> tuple[int, ...]:
    """(out, in) of a GPTQ or AWQ weight: 32 / bits values per int32, packed along in or out."""
    if quantization is None or quantization.layout is None or quantization.bits is None:
        raise InputError(
            where,
            f"{qweight.name} holds GPTQ/AWQ-packed values, and no "
            "quantization_config (in a config.json beside it) gives their "
            "packing and bits",
        )
    if qweight.dtype != "I32" or len(qweight.shape) != 2:
        raise InputError(
            where,
            f"{qweight.name}: expected a 2-D I32 qweight, got "
            f"{qweight.dtype} {list(qweight.shape)}",
        )
    rows, cols = qweight.shape
    if quantization.layout == "gptq":
        shape = (cols, unpacked(rows, quantization.bits, qweight, where))
    elif quantization.layout == "awq-gemm":
        shape = (unpacked(cols, quantization.bits, qweight, where), rows)
    else:
        shape = (rows, unpacked(cols, quantization.bits, qweight, where))
    check_companions(qweight, shape, parts, quantization)
    return shape


def unpacked(packed: int, bits: int, qweight: StoredTensor, where: str) -> int:
    """Values held by `packed` int32s at `bits` bits each."""
    if packed * 32 % bits:
        raise InputError(
            where, f"{qweight.name}: {packed} int32s do not hold whole {bits}-bit values"
        )
    return packed * 32 // bits


def check_companions(
    qweight: StoredTensor, shape: tuple[int, ...], parts: list[Part], quantization: Quantization
) -> None:
    """`scales` and `g_idx` must agree with the shape read from qweight: a wrong layout shows."""
    out, inputs = shape
    for part in parts:
        t, leaf = part.tensor, part.tensor.name.rpartition(".")[2]
        wrong = None
        if leaf == "g_idx" and t.shape != (inputs,):
            wrong = f"{t.name} has shape {list(t.shape)}, expected [{inputs}] (one per input)"
        scale_width = t.shape[0] if quantization.layout == "awq-gemv" else t.shape[-1]
        if leaf == "scales" and t.shape and scale_width != out:
            wrong = f"{t.name} has shape {list(t.shape)}, which does not fit {out} outputs"
        if wrong:
            raise InputError(
                quantization.where,
                f"{qweight.name} read as {quantization.label} "
                f"{quantization.layout} gives (out, in) = "
                f"{shape}, but {wrong}; is quantization_config "
                "right?",
            )


def packed_shape(
    packed: StoredTensor, quantization: Quantization | None, where: str
) -> tuple[int, ...]:
    """(out, in) of compressed-tensors' `weight_packed`: packed along the input columns."""
    if quantization is None or quantization.bits is None:
        raise InputError(
            where,
            f"{packed.name} holds packed values, and no quantization_config "
            "gives one bit width for them (config_groups...weights.num_bits)",
        )
    width = DTYPE_BITS[packed.dtype]
    if len(packed.shape) != 2 or width % quantization.bits:
        raise InputError(
            where,
            f"{packed.name}: expected a 2-D tensor of whole {width}-bit "
            f"elements holding {quantization.bits}-bit values, got "
            f"{packed.dtype} {list(packed.shape)}",
        )
    rows, cols = packed.shape
    return rows, cols * (width // quantization.bits)


def mxfp4_shape(blocks: StoredTensor, parts: list[Part], where: str) -> tuple[int, ...]:
    """The logical shape of MXFP4 blocks (..., rows, G, B): 2 fp4 values a byte of each block."""
    scales = next(p.tensor for p in parts if p.kind is Kind.SCALE)
    if blocks.dtype != "U8" or len(blocks.shape) < 3 or scales.shape != blocks.shape[:-1]:
        raise InputError(
            where,
            f"{blocks.name}: expected U8 blocks (..., rows, groups, bytes) "
            f"and scales (..., rows, groups), got {blocks.dtype} "
            f"{list(blocks.shape)} and {list(scales.shape)}",
        )
    *lead, rows, groups, width = blocks.shape
    values = groups * width * 2
    if len(lead) == 1:  # experts: transformers' GptOssExperts holds (E, in, out)
        return lead[0], values, rows
    return (*lead, rows, values)
