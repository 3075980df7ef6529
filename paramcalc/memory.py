"""Bytes of the weights at a chosen precision, read from the same tensor enumeration as counts.

Weight-only quantization (`--quant-group-size`) follows the common GPTQ/AWQ layout: the weight
of every projection inside the blocks is stored at the low precision with one fp16 scale per
group of consecutive input columns (symmetric, no zero points); everything else (embeddings,
the head, norms, biases, routers) stays in bf16.
"""

from __future__ import annotations

from dataclasses import dataclass

from paramcalc.calculator import Breakdown
from paramcalc.core.records import Linear, Record, Tower
from paramcalc.errors import InputError
from paramcalc.kvcache import KVCache, kv_cache
from paramcalc.precision import CacheDType, DType, nbytes
from paramcalc.training import Activations, Recipe, StateComponent, activations, model_states

#: Precision of what a weight-only quantization leaves alone, and of each group's scale.
KEPT_DTYPE = DType.BF16
SCALE_DTYPE = DType.FP16


def is_quantized_weight(r: Record) -> bool:
    """Whether weight-only quantization converts block record `r`: a projection, not a router.

    Routers and the shared-expert gate decide where tokens go and are left in 16-bit, as
    quantization toolkits do (AutoAWQ and GPTQModel skip Mixtral's and Qwen2-MoE's `gate`).
    """
    return isinstance(r, Linear) and not r.routing and not r.tied


def group_scales(r: Linear, group_size: int) -> int:
    """Scales of one quantized weight `(out, in)`: one per row per group of input columns."""
    return r.outputs * -(-r.inputs // group_size) * r.copies


@dataclass(frozen=True)
class WeightsMemory:
    """Bytes of every parameter at one precision, with the split a quantization makes, and
    the bytes of each tower's weights stored alone (a multimodal model's encoders and
    projector beside its language model)."""

    dtype: DType
    group_size: int | None
    parameters: int
    quantized_parameters: int
    kept_parameters: int
    scales: int
    quantized_bytes: int
    kept_bytes: int
    scale_bytes: int
    towers: dict[Tower, int]

    @property
    def bytes(self) -> int:
        """All the bytes the weights take."""
        return self.quantized_bytes + self.kept_bytes + self.scale_bytes


@dataclass(frozen=True)
class WeightSplit:
    """One set of parameters as a quantization splits it: converted, kept, their scales."""

    parameters: int
    quantized: int
    scales: int

    def bytes(self, dtype: DType) -> tuple[int, int, int]:
        """Bytes of the converted weights, of the kept ones (bf16) and of the scales (fp16)."""
        return (
            nbytes(self.quantized, dtype),
            nbytes(self.parameters - self.quantized, KEPT_DTYPE),
            nbytes(self.scales, SCALE_DTYPE),
        )


def tower_splits(counted: Breakdown, group_size: int | None) -> dict[Tower, WeightSplit]:
    """Each tower's parameters and, with a group size, its quantized projections and scales;
    without one, every parameter is at the chosen precision."""
    totals = {t: sum(groups.values()) for t, groups in counted.towers.items()}
    if group_size is None:
        return {t: WeightSplit(n, n, 0) for t, n in totals.items()}
    quantized, scales = dict.fromkeys(totals, 0), dict.fromkeys(totals, 0)
    for block in counted.enumeration.blocks:
        for r in block.records:
            if isinstance(r, Linear) and is_quantized_weight(r):
                quantized[r.tower] += r.inputs * r.outputs * r.copies * len(block.layers)
                scales[r.tower] += group_scales(r, group_size) * len(block.layers)
    return {t: WeightSplit(n, quantized[t], scales[t]) for t, n in totals.items()}


def weights_memory(
    counted: Breakdown,
    dtype: DType,
    group_size: int | None = None,
) -> WeightsMemory:
    """Bytes of the weights at `dtype`; with a group size, only projection weights are quantized."""
    if group_size is not None and not dtype.is_quantized:
        raise InputError(
            "--quant-group-size",
            f"needs a quantized --dtype (fp8, int8 or int4), got {dtype.value!r}",
        )
    splits = tower_splits(counted, group_size)
    whole = WeightSplit(
        counted.total,
        sum(s.quantized for s in splits.values()),
        sum(s.scales for s in splits.values()),
    )
    return WeightsMemory(
        dtype,
        group_size,
        whole.parameters,
        whole.quantized,
        whole.parameters - whole.quantized,
        whole.scales,
        *whole.bytes(dtype),
        {t: sum(split.bytes(dtype)) for t, split in splits.items()},
    )


@dataclass(frozen=True)
class MemorySettings:
    """What to size: precisions, the batch and sequence, and the training set-up."""

    dtype: DType = DType.BF16
    kv_dtype: CacheDType | None = None
    batch: int = 1
    seq: int = 2048
    encoder_seq: int | None = None
    group_size: int | None = None
    recipe: Recipe = Recipe.BF16_MIXED
    zero: int = 0
    devices: int = 1
    state_dtype: DType = DType.FP32
    """Precision of Mamba and linear-attention layers' recurrent state (float32 in
    transformers)."""

    @property
    def cache_dtype(self) -> CacheDType:
        """The KV cache precision: as asked, else the weights' unless they are quantized."""
        if self.kv_dtype is not None:
            return self.kv_dtype
        return CacheDType((KEPT_DTYPE if self.dtype.is_quantized else self.dtype).value)


@dataclass(frozen=True)
class MemoryEstimate:
    """Inference memory (weights and KV cache) and training memory of one model."""

    name: str
    settings: MemorySettings
    weights: WeightsMemory
    cache: KVCache
    states: list[StateComponent]
    activations: Activations

    @property
    def inference_bytes(self) -> int:
        """Weights plus the KV cache of the batch."""
        return self.weights.bytes + self.cache.bytes

    @property
    def states_per_device(self) -> int:
        """Model states (weights, gradients, master weights, optimizer) on each device."""
        return sum(c.per_device_bytes for c in self.states)


def estimate_memory(counted: Breakdown, settings: MemorySettings) -> MemoryEstimate:
    """Size the weights, the KV cache and the training memory of `arch`."""
    s = settings
    if not 0 <= s.zero <= 3:
        raise InputError("--zero", f"ZeRO stage must be 0, 1, 2 or 3, got {s.zero!r}")
    return MemoryEstimate(
        name=counted.name,
        settings=s,
        weights=weights_memory(counted, s.dtype, s.group_size),
        cache=kv_cache(counted.model, s.cache_dtype, s.batch, s.seq, s.encoder_seq, s.state_dtype),
        states=model_states(counted.total, s.recipe, s.zero, s.devices),
        activations=activations(counted.model, s.batch, s.seq),
    )
