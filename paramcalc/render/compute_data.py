"""The machine-readable payloads of `paramcalc memory` and `flops`: exact integers, named fields.

Figures that are whole stay integers; a per-token figure that is not (a batch that does not
divide the attention term) becomes a float, and `plain` turns any Fraction left into one.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from paramcalc.flops import (
    CHINCHILLA_TOKENS_PER_PARAMETER,
    TRAINING_MULTIPLIER,
    Approximations,
    ForwardFlops,
    TrainingCompute,
    per_token,
)
from paramcalc.hardware import GPU
from paramcalc.image_flops import ImageFlops, NoImageFlops
from paramcalc.memory import KEPT_DTYPE, SCALE_DTYPE, MemoryEstimate, WeightsMemory


def whole(value: Fraction) -> int | float:
    """An integer when the fraction is whole, else a float."""
    return value.numerator if value.denominator == 1 else float(value)


def weights_data(w: WeightsMemory) -> dict[str, Any]:
    """The weights' bytes, and the split a group-wise quantization makes."""
    data: dict[str, Any] = {
        "dtype": w.dtype.value,
        "bits": w.dtype.bits,
        "parameters": w.parameters,
        "bytes": w.bytes,
        "towers": {t.value: n for t, n in w.towers.items()},
    }
    if w.group_size is not None:
        data["quantization"] = {
            "group_size": w.group_size,
            "quantized_parameters": w.quantized_parameters,
            "quantized_bytes": w.quantized_bytes,
            "scales": w.scales,
            "scale_dtype": SCALE_DTYPE.value,
            "scale_bytes": w.scale_bytes,
            "kept_parameters": w.kept_parameters,
            "kept_dtype": KEPT_DTYPE.value,
            "kept_bytes": w.kept_bytes,
        }
    return data


def cache_data(m: MemoryEstimate) -> dict[str, Any]:
    """The KV cache: per token, for the batch, per layer kind; MLA's expanded size beside it."""
    c = m.cache
    kinds: dict[str, dict[str, int]] = {}
    for layer in c.layers:
        entry = kinds.setdefault(
            layer.kind, {"layers": 0, "values_per_token": 0, "tokens_kept": layer.tokens}
        )
        entry["layers"] += 1
        entry["values_per_token"] += layer.values_per_token
    data: dict[str, Any] = {
        "dtype": c.dtype.value,
        "batch": c.batch,
        "seq": c.seq,
        "bytes_per_token": c.bytes_per_token,
        "self_attention_bytes": c.self_attention_bytes,
        "bytes": c.bytes,
        "layer_kinds": kinds,
    }
    if c.cross_values_per_token:
        data.update(
            encoder_seq=c.encoder_seq,
            cross_attention_bytes_per_token=c.cross_attention_bytes_per_token,
            cross_attention_bytes=c.cross_attention_bytes,
        )
    if c.expanded_values_per_token:
        data["mla_expanded_bytes_per_token"] = c.expanded_bytes_per_token
    if c.states:
        states: dict[str, dict[str, Any]] = {}
        for state in c.states:
            kind = states.setdefault(
                state.kind, {"layers": 0, "values_per_sequence": 0, "parts": {}}
            )
            kind["layers"] += 1
            kind["values_per_sequence"] += state.values_per_sequence
            parts: dict[str, int] = kind["parts"]
            for part, count in state.values.items():
                parts[part] = parts.get(part, 0) + count
        data.update(
            state_dtype=c.state_dtype.value,
            state_bytes_per_sequence=c.state_bytes_per_sequence,
            state_bytes=c.state_bytes,
            state_layer_kinds=states,
        )
    return data


def training_data(m: MemoryEstimate) -> dict[str, Any]:
    """Model states per component under the recipe and ZeRO stage, and the activations."""
    s, a = m.settings, m.activations
    return {
        "recipe": s.recipe.value,
        "zero_stage": s.zero,
        "devices": s.devices,
        "bytes_per_parameter": sum(c.bytes_per_parameter for c in m.states),
        "components": {
            c.name: {
                "bytes_per_parameter": c.bytes_per_parameter,
                "total_bytes": c.total_bytes,
                "per_device_bytes": c.per_device_bytes,
                "partitioned": c.partitioned,
            }
            for c in m.states
        },
        "states_per_device_bytes": m.states_per_device,
        "activations": {
            "micro_batch": s.batch,
            "seq": s.seq,
            "layers": a.layers,
            "per_layer_bytes": a.per_layer,
            "per_layer_bytes_without_scores": a.per_layer_without_scores,
            "per_layer_bytes_recomputed": a.per_layer_recomputed,
            "logits_bytes": a.logits,
            "total_bytes": a.total,
            "total_bytes_without_scores": a.total_without_scores,
            "total_bytes_recomputed": a.total_recomputed,
            "source": "Korthikanti et al. 2022, section 4.1",
        },
    }


def gpu_data(gpu: GPU) -> dict[str, Any]:
    """The accelerator's row of the table, with its source."""
    return {
        "name": gpu.name,
        "label": gpu.label,
        "memory_bytes": gpu.memory_bytes,
        "bf16_flops": gpu.bf16_flops,
        "source": gpu.source,
    }


def memory_data(m: MemoryEstimate, gpu: GPU | None) -> dict[str, Any]:
    """Everything `paramcalc memory` computes; the headline integers at the top level."""
    data: dict[str, Any] = {
        "name": m.name,
        "weights_bytes": m.weights.bytes,
        "kv_cache_bytes_per_token": m.cache.bytes_per_token,
        "kv_cache_bytes": m.cache.bytes,
        "inference_bytes": m.inference_bytes,
        "weights": weights_data(m.weights),
        "kv_cache": cache_data(m),
        "training": training_data(m),
    }
    if gpu is not None:
        train = m.states_per_device + m.activations.total_recomputed
        data["gpu"] = {
            **gpu_data(gpu),
            "devices_for_inference": gpu.devices_for(m.inference_bytes),
            "training_bytes_per_device_recomputed": train,
            "training_fits_one_device": train <= gpu.memory_bytes,
        }
    return data


def flops_data(
    f: ForwardFlops,
    approx: Approximations,
    train: TrainingCompute,
    gpu: GPU | None,
    mfu: Fraction,
    total: int,
    active: int,
    image: ImageFlops | NoImageFlops | None = None,
) -> dict[str, Any]:
    """Everything `paramcalc flops` computes; FlopCounterMode's figure is `forward_flops`.

    `2N`, `6N` and `kaplan_forward` count the text tower's active parameters, `6NT` all
    active ones, `chinchilla_tokens` all of them; the `_total` and `_active` keys give the
    other convention. A model with a vision tower adds `per_image`.
    """
    token = per_token(f)
    data: dict[str, Any] = {
        "batch": f.batch,
        "seq": f.seq,
        "parameters": {"total": total, "active": active},
        "forward_flops": f.forward,
        "forward_flops_causal": f.forward_causal,
        "projection_flops": f.projections,
        "attention_flops": f.attention,
        "attention_flops_causal": f.attention_causal,
        "forward_flops_per_token": whole(token),
        "training_flops_per_token": whole(TRAINING_MULTIPLIER * token),
        "approximations_per_token": {
            "2N": approx.two_n,
            "6N": approx.six_n,
            "6N_total": 6 * total,
            "kaplan_forward": approx.kaplan_forward,
        },
        "training": {
            "tokens": train.tokens,
            "6NT": train.six_n_t,
            "6NT_total": 6 * total * train.tokens,
            "exact": whole(train.exact),
            "chinchilla_tokens": train.chinchilla_tokens,
            "chinchilla_tokens_active": CHINCHILLA_TOKENS_PER_PARAMETER * active,
            "chinchilla_tokens_per_parameter": CHINCHILLA_TOKENS_PER_PARAMETER,
        },
    }
    if gpu is not None:
        data["training"].update(
            gpu=gpu_data(gpu), mfu=float(mfu), gpu_hours=float(train.gpu_hours(gpu.bf16_flops, mfu))
        )
    if image is not None:
        data["per_image"] = image_data(image)
    return data


def image_data(image: ImageFlops | NoImageFlops) -> dict[str, Any]:
    """One image through the vision tower and projector, or why paramcalc gives no figure."""
    if isinstance(image, NoImageFlops):
        return {"computed": False, "reason": image.reason}
    return {
        "computed": True,
        "image_size": image.image_size,
        "patches": image.patches,
        "encoder_rows": image.encoder_rows,
        "projector_rows": image.projector_rows,
        "vision_flops": image.vision,
        "projector_flops": image.projector,
        "flops": image.total,
        "image_tokens": image.image_tokens,
    }
