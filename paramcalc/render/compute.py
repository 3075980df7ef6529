"""Reports for `paramcalc memory`, `flops` and `report`: exact figures, human units beside them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from paramcalc.flops import Approximations, ForwardFlops, TrainingCompute, per_token
from paramcalc.hardware import GPU
from paramcalc.memory import KEPT_DTYPE, SCALE_DTYPE, MemoryEstimate
from paramcalc.precision import nbytes
from paramcalc.render import Report
from paramcalc.render.compute_data import flops_data, memory_data, whole
from paramcalc.render.units import human

BINARY_UNITS = ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))
FLOP_UNITS = ((10**24, "Y"), (10**21, "Z"), (10**18, "E"), (10**15, "P"), (10**12, "T"),
              (10**9, "G"), (10**6, "M"), (10**3, "K"))


def human_bytes(n: int) -> str:
    """Bytes in binary units, as GPU memory is sized: 13476831232 -> '12.55 GiB'."""
    for scale, unit in BINARY_UNITS:
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} B"


def human_flops(n: int | float | Fraction) -> str:
    """FLOPs with a decimal prefix: 62921270886400 -> '62.92 TFLOP'."""
    for scale, unit in FLOP_UNITS:
        if n >= scale:
            return f"{float(n) / scale:.2f} {unit}FLOP"
    return f"{float(n):g} FLOP"


def bytes_row(label: str, n: int) -> tuple[str, int, str]:
    """A row of a label, exact bytes and binary units."""
    return (label, n, human_bytes(n))


def memory_report(m: MemoryEstimate, gpu: GPU | None = None) -> Report:
    """Weights and KV cache at a glance; weights split, cache by layer, training, devices."""
    s, cache = m.settings, m.cache
    kv = cache.dtype.value
    rows = [bytes_row(f"weights ({s.dtype.value})", m.weights.bytes),
            bytes_row(f"KV cache per token ({kv})", cache.bytes_per_token),
            bytes_row(f"KV cache, {s.batch} x {s.seq:,} tokens", cache.self_attention_bytes)]
    if cache.cross_values_per_token:
        rows += [bytes_row(f"cross-attention KV per encoder token ({kv})",
                           cache.cross_attention_bytes_per_token),
                 bytes_row(f"cross-attention KV, {s.batch} x {cache.encoder_seq:,} encoder "
                           "tokens", cache.cross_attention_bytes)]
    if cache.expanded_values_per_token:
        rows.append(bytes_row("MLA: K and V per token if expanded per head",
                              cache.expanded_bytes_per_token))
    if cache.states:
        rows += [bytes_row(f"recurrent state per sequence ({kv}, {len(cache.states)} layers)",
                           cache.state_bytes_per_sequence),
                 bytes_row(f"recurrent state, {s.batch} sequences", cache.state_bytes)]
    report = Report(f"{m.name}: memory, weights in {s.dtype.value}, batch {s.batch} x "
                    f"{s.seq:,} tokens", ("item", "bytes", "human"), rows, memory_data(m, gpu),
                    footer=[("weights + KV cache" + (" + state" if cache.states else ""),
                             m.inference_bytes)])
    if m.weights.group_size:
        report.sections.append(quantization_section(m))
        report.notes.append(quantization_note(m))
    report.sections += [cache_section(m), training_section(m), activation_section(m)]
    if gpu:
        report.sections.append(gpu_memory_section(m, gpu))
    report.notes += memory_notes(m)
    if gpu:
        report.notes.append(f"{gpu.name}: memory and peak BF16 from {gpu.source}")
    return report


def quantization_section(m: MemoryEstimate) -> Report:
    """Which tensors a weight-only quantization converts, and what its scales cost."""
    w = m.weights
    rows = [(f"block projections ({w.dtype.value})", w.quantized_parameters, w.quantized_bytes),
            (f"scales ({SCALE_DTYPE.value}, 1 per {w.group_size} inputs)", w.scales,
             w.scale_bytes),
            (f"the rest ({KEPT_DTYPE.value})", w.kept_parameters, w.kept_bytes),
            ("weights", w.quantized_parameters + w.scales + w.kept_parameters, w.bytes)]
    return Report(f"weight-only quantization, group size {w.group_size}",
                  ("part", "values", "bytes"), rows, None)


def quantization_note(m: MemoryEstimate) -> str:
    """How the weight-only quantization is laid out, in words."""
    w = m.weights
    return (f"weight-only quantization: the blocks' projection weights in {w.dtype.value}, with "
            f"one {SCALE_DTYPE.value} scale per {w.group_size} input columns per row (GPTQ/AWQ, "
            f"symmetric, no zero points); embeddings, head, norms, biases and routers stay in "
            f"{KEPT_DTYPE.value}")


def cache_section(m: MemoryEstimate) -> Report:
    """The KV cache by kind of layer: how many layers, tokens kept, bytes."""
    c = m.cache
    kinds: dict[tuple[str, int], list[int]] = {}
    for layer in c.layers:
        kinds.setdefault((layer.kind, layer.tokens), []).append(layer.values_per_token)
    rows = [(kind, len(values), tokens, nbytes(sum(values) * tokens * c.batch, c.dtype))
            for (kind, tokens), values in kinds.items()]
    return Report("KV cache by layer kind", ("layers", "count", "tokens kept", "bytes"), rows,
                  None, footer=[("self-attention cache", m.cache.self_attention_bytes)])


def training_section(m: MemoryEstimate) -> Report:
    """Model states per component: bytes per parameter, in all and per device under ZeRO."""
    s = m.settings
    rows: list[tuple[str, int, int, int, str]] = [
        (c.name, c.bytes_per_parameter, c.total_bytes, c.per_device_bytes,
         "yes" if c.partitioned else "no") for c in m.states]
    rows.append(("all states", sum(c.bytes_per_parameter for c in m.states),
                 sum(c.total_bytes for c in m.states), m.states_per_device, ""))
    title = f"training states: {s.recipe.value}, ZeRO stage {s.zero} over {s.devices} device(s)"
    return Report(title, ("component", "bytes/param", "total", "per device", "split"), rows,
                  None)


def activation_section(m: MemoryEstimate) -> Report:
    """Activations of one micro-batch, per layer and for the whole model, three ways."""
    a, s = m.activations, m.settings
    rows = [("no recomputation: sbh(34 + 5as/h)", a.per_layer, a.total),
            ("scores not kept (fused): 34sbh", a.per_layer_without_scores,
             a.total_without_scores),
            ("full recomputation: 2sbh", a.per_layer_recomputed, a.total_recomputed)]
    return Report(f"activations per device, micro-batch {s.batch} x {s.seq:,} (Korthikanti "
                  "et al. 2022)", ("scheme", "per layer", f"{a.layers} layers + logits"), rows,
                  None)


def gpu_memory_section(m: MemoryEstimate, gpu: GPU) -> Report:
    """How many devices the weights and cache need; whether training fits on each."""
    a = m.activations
    train = m.states_per_device + a.total_recomputed
    rows = [("memory per device", gpu.memory_bytes),
            ("devices for weights + KV cache", gpu.devices_for(m.inference_bytes)),
            ("training per device, full recomputation", train),
            ("training fits on each device", "yes" if train <= gpu.memory_bytes else "no")]
    return Report(gpu.label, ("item", "value"), rows, None)


def memory_notes(m: MemoryEstimate) -> list[str]:
    """The conventions behind the figures."""
    notes = ["KV cache as transformers 5.23 holds it after one pass: K and V of the KV heads "
             "per layer; a sliding-window layer keeps its last window - 1 tokens"]
    if m.cache.expanded_values_per_token:
        notes.append("MLA layers cache the compressed latent (kv_lora_rank + qk_rope_head_dim), "
                     "as transformers 5.23 and inference engines do")
    notes.append("activations follow Korthikanti et al. 2022 for a GPT-3 block (16-bit, dropout, "
                 "4h MLP): an approximation for other blocks; logits counted in fp32 (4sbv)")
    if m.settings.recipe.value == "bf16-adam8bit":
        notes.append("8-bit Adam: the per-block quantization scales (about 0.2%) are not counted")
    return notes


def flops_report(name: str, f: ForwardFlops, approx: Approximations, train: TrainingCompute,
                 gpu: GPU | None = None, mfu: Fraction = Fraction(2, 5)) -> Report:
    """Exact forward FLOPs, per token and for training, beside the classic approximations."""
    token, train_token = per_token(f), 3 * per_token(f)
    figures: list[tuple[str, int | float]] = [
            ("forward (FlopCounterMode)", f.forward),
            ("  projections and head", f.projections),
            ("  attention, all S x S pairs", f.attention),
            ("forward, causal pairs only", f.forward_causal),
            ("forward per token", whole(token)),
            ("training per token (3 x forward)", whole(train_token))]
    rows = [(label, value, human_flops(value)) for label, value in figures]
    report = Report(f"{name}: FLOPs, batch {f.batch} x {f.seq:,} tokens", ("quantity", "FLOPs",
                    "human"), rows, flops_data(f, approx, train, gpu, mfu))
    report.sections += [approximation_section(approx, token),
                        training_compute_section(train, gpu, mfu)]
    report.notes += ["a matmul costs 2mnk; lookups, norms, activations and softmax cost 0, as in "
                     "torch.utils.flop_counter; attention scores and the weighted sum count "
                     "every query/key pair, as eager attention and SDPA compute them; MoE "
                     "layers run the router and k experts per token",
                     "Kaplan et al. 2020, table 1: 2N_non-embedding + 2 n_layer n_ctx d_attn; "
                     "Chinchilla-optimal: 20 tokens per parameter (Hoffmann et al. 2022)"]
    return report


def approximation_section(approx: Approximations, token: Fraction) -> Report:
    """2N, 6N and Kaplan's estimate, each as a share of the exact figure."""
    rows = [("2N (N = active parameters)", approx.two_n, Fraction(approx.two_n) / token),
            ("Kaplan et al. 2020",
             approx.kaplan_forward, Fraction(approx.kaplan_forward) / token),
            ("6N, training", approx.six_n, Fraction(approx.six_n) / (3 * token))]
    return Report("classic approximations per token", ("estimate", "FLOPs", "of exact"), rows,
                  None)


def training_compute_section(train: TrainingCompute, gpu: GPU | None, mfu: Fraction) -> Report:
    """Training compute for T tokens; GPU-hours with a device and an MFU."""
    chinchilla = train.tokens == train.chinchilla_tokens
    rows: list[tuple[str, Any, str]] = [
        ("tokens T" + (" (Chinchilla-optimal)" if chinchilla else ""), train.tokens,
         human(train.tokens)),
        ("6 N_active T", train.six_n_t, human_flops(train.six_n_t)),
        ("3 x forward per token x T", whole(train.exact), human_flops(train.exact)),
        ("Chinchilla-optimal tokens",
         train.chinchilla_tokens, human(train.chinchilla_tokens))]
    if gpu:
        hours = train.gpu_hours(gpu.bf16_flops, mfu)
        rows.append((f"GPU-hours ({gpu.name}, {float(mfu):.0%} MFU)", round(hours),
                     f"{float(hours):,.1f} h"))
    return Report("training compute", ("quantity", "value", "human"), rows, None)


def overview_report(count_data: dict[str, Any], m: MemoryEstimate, f: ForwardFlops,
                    approx: Approximations, train: TrainingCompute) -> Report:
    """Parameters, memory and FLOPs side by side, one line per headline figure."""
    params = [("total", human(count_data["total"])), ("active", human(count_data["active"])),
              ("non-embedding", human(count_data["non_embedding"])),
              ("embedding", human(count_data["groups"]["embedding"]))]
    memory = [("weights", human_bytes(m.weights.bytes)),
              ("KV/token", human_bytes(m.cache.bytes_per_token)),
              ("KV cache", human_bytes(m.cache.bytes)),
              ("training", human_bytes(m.states_per_device))]
    compute = [("forward/token", human_flops(per_token(f))),
               ("forward pass", human_flops(f.forward)),
               ("train/token", human_flops(3 * per_token(f))),
               ("Chinchilla T", human(train.chinchilla_tokens))]
    rows = [(*p, *mem, *c) for p, mem, c in zip(params, memory, compute, strict=True)]
    data = {"name": m.name, "parameters": count_data, "memory": memory_data(m, None),
            "flops": flops_data(f, approx, train, None, Fraction(2, 5))}
    s = m.settings
    notes = [f"weights and KV cache in {s.dtype.value}, batch {s.batch} x {s.seq:,} tokens; "
             f"training: model states of {s.recipe.value} Adam, without activations"]
    return Report(f"{m.name} at a glance", ("parameters", "", "memory", "", "compute", ""),
                  rows, data, notes=notes)
