"""Reports for `paramcalc memory`, `flops` and `report`: exact figures, human units beside them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from paramcalc.calculator import Breakdown, Tower
from paramcalc.flops import (
    CHINCHILLA_TOKENS_PER_PARAMETER,
    Approximations,
    ForwardFlops,
    TrainingCompute,
    per_token,
)
from paramcalc.hardware import GPU
from paramcalc.image_flops import ImageFlops, NoImageFlops
from paramcalc.memory import KEPT_DTYPE, SCALE_DTYPE, MemoryEstimate
from paramcalc.render import Report
from paramcalc.render.compute_data import flops_data, memory_data, whole
from paramcalc.render.units import human, human_bytes, human_flops


def bytes_row(label: str, n: int) -> tuple[str, int, str]:
    """A row of a label, exact bytes and binary units."""
    return (label, n, human_bytes(n))


def tower_rows(m: MemoryEstimate) -> list[tuple[str, int, str]]:
    """The weights of each tower stored alone, when a model has more than one (the KV cache
    below is the text model's)."""
    towers = m.weights.towers
    if len(towers) < 2:
        return []
    return [
        bytes_row(f"  {t.value}" if t is Tower.PROJECTOR else f"  {t.value} tower", n)
        for t, n in towers.items()
    ]


def memory_report(m: MemoryEstimate, gpu: GPU | None = None) -> Report:
    """Weights and KV cache at a glance; weights split, cache by layer, training, devices."""
    s, cache = m.settings, m.cache
    kv = cache.dtype.value
    rows = [
        bytes_row(f"weights ({s.dtype.value})", m.weights.bytes),
        *tower_rows(m),
        bytes_row(f"KV cache per token ({kv})", cache.bytes_per_token),
        bytes_row(f"KV cache, {s.batch} x {s.seq:,} tokens", cache.self_attention_bytes),
    ]
    if cache.cross_values_per_token:
        rows += [
            bytes_row(
                f"cross-attention KV per encoder token ({kv})",
                cache.cross_attention_bytes_per_token,
            ),
            bytes_row(
                f"cross-attention KV, {s.batch} x {cache.encoder_seq:,} encoder tokens",
                cache.cross_attention_bytes,
            ),
        ]
    if cache.expanded_values_per_token:
        rows.append(
            bytes_row("MLA: K and V per token if expanded per head", cache.expanded_bytes_per_token)
        )
    if cache.states:
        ids = ", token ids int64" if any(s.id_values for s in cache.states) else ""
        rows += [
            bytes_row(
                f"recurrent state per sequence (windows {cache.window_dtype.value}, state "
                f"{cache.state_dtype.value}{ids}, {len(cache.states)} layers)",
                cache.state_bytes_per_sequence,
            ),
            bytes_row(
                f"recurrent state, {s.batch} sequence{'' if s.batch == 1 else 's'}",
                cache.state_bytes,
            ),
        ]
    report = Report(
        f"{m.name}: memory, weights in {s.dtype.value}, batch {s.batch} x {s.seq:,} tokens",
        ("item", "bytes", "human"),
        rows,
        memory_data(m, gpu),
        footer=[
            (
                "weights + KV cache" + (" + state" if cache.states else ""),
                m.inference_bytes,
                human_bytes(m.inference_bytes),
            )
        ],
        key="memory",
    )
    if m.weights.group_size:
        report.sections.append(quantization_section(m))
        report.notes.append(quantization_note(m))
    report.sections.append(cache_section(m))
    if m.cache.states:
        report.sections.append(state_section(m))
    report.sections += [training_section(m), activation_section(m)]
    if gpu:
        report.sections.append(gpu_memory_section(m, gpu))
    report.notes += memory_notes(m)
    if gpu:
        report.notes.append(f"{gpu.name}: memory and peak BF16 from {gpu.source}")
    return report


def quantization_section(m: MemoryEstimate) -> Report:
    """Which tensors a weight-only quantization converts, and what its scales cost."""
    w = m.weights
    parts = [
        (f"block projections ({w.dtype.value})", w.quantized_parameters, w.quantized_bytes),
        (f"scales ({SCALE_DTYPE.value}, 1 per {w.group_size} inputs)", w.scales, w.scale_bytes),
        (f"the rest ({KEPT_DTYPE.value})", w.kept_parameters, w.kept_bytes),
        ("weights", w.quantized_parameters + w.scales + w.kept_parameters, w.bytes),
    ]
    rows = [(part, values, n, human_bytes(n)) for part, values, n in parts]
    return Report(
        f"weight-only quantization, group size {w.group_size}",
        ("part", "values", "bytes", "human"),
        rows,
        None,
        key="quantization",
    )


def quantization_note(m: MemoryEstimate) -> str:
    """How the weight-only quantization is laid out, in words."""
    w = m.weights
    return (
        f"weight-only quantization: the blocks' projection weights in {w.dtype.value}, with "
        f"one {SCALE_DTYPE.value} scale per {w.group_size} input columns per row (GPTQ/AWQ, "
        f"symmetric, no zero points); embeddings, head, norms, biases and routers stay in "
        f"{KEPT_DTYPE.value}"
    )


def cache_section(m: MemoryEstimate) -> Report:
    """The KV cache by kind of layer: how many layers, tokens kept, bytes."""
    c = m.cache
    kinds: dict[tuple[str, int], list[int]] = {}
    for layer in c.layers:
        kinds.setdefault((layer.kind, layer.tokens), []).append(layer.values_per_token)
    rows = []
    for (kind, tokens), values in kinds.items():
        n = c.dtype.nbytes(sum(values) * tokens * c.batch)
        rows.append((kind, len(values), tokens, n, human_bytes(n)))
    total = m.cache.self_attention_bytes
    return Report(
        "KV cache by layer kind",
        ("layers", "count", "tokens kept", "bytes", "human"),
        rows,
        None,
        footer=[("self-attention cache", total, human_bytes(total))],
        footer_at="bytes",
        key="kv_cache",
    )


def state_section(m: MemoryEstimate) -> Report:
    """The recurrent state by kind of layer and part (conv window, SSM or delta-rule state)."""
    c = m.cache
    parts: dict[tuple[str, str], list[int]] = {}
    # the parts a kind keeps in the activations' dtype (Inkling keeps even its windows in fp32)
    in_activations = {(s.kind, p) for s in c.states for p in s.activation_parts}
    for state in c.states:
        for part, count in state.values.items():
            parts.setdefault((state.kind, part), []).append(count)
    rows = []
    for (kind, part), counts in parts.items():
        dtype = c.window_dtype if (kind, part) in in_activations else c.state_dtype
        n = dtype.nbytes(sum(counts) * c.batch)
        rows.append((kind, len(counts), part, dtype.value, n, human_bytes(n)))
    return Report(
        "recurrent state by layer kind",
        ("layers", "count", "part", "dtype", "bytes", "human"),
        rows,
        None,
        footer=[("recurrent state", c.state_bytes, human_bytes(c.state_bytes))],
        footer_at="bytes",
        key="state",
    )


def training_section(m: MemoryEstimate) -> Report:
    """Model states per component: bytes per parameter, in all and, when ZeRO splits them
    over several devices, per device."""
    s = m.settings
    split = any(c.per_device_bytes != c.total_bytes for c in m.states)
    rows: list[tuple[Any, ...]] = []
    for name, per_parameter, total, per_device, partitioned in [
        *(
            (
                c.name,
                c.bytes_per_parameter,
                c.total_bytes,
                c.per_device_bytes,
                "yes" if c.partitioned else "no",
            )
            for c in m.states
        ),
        (
            "all states",
            sum(c.bytes_per_parameter for c in m.states),
            sum(c.total_bytes for c in m.states),
            m.states_per_device,
            "",
        ),
    ]:
        row: tuple[Any, ...] = (name, per_parameter, total, human_bytes(total))
        rows.append((*row, per_device, human_bytes(per_device), partitioned) if split else row)
    columns: tuple[str, ...] = ("component", "bytes/param", "total", "human")
    if split:
        columns += ("per device", "human/device", "split")
    title = f"training states: {s.recipe.value}, ZeRO stage {s.zero} over {s.devices} device(s)"
    return Report(title, columns, rows, None, secondary=("bytes/param", "split"), key="training")


def activation_section(m: MemoryEstimate) -> Report:
    """Activations of one micro-batch, per layer and for the whole model, three ways."""
    a, s = m.activations, m.settings
    model = f"{a.layers} layers + logits"
    figures = [
        ("per layer, no recomputation: sbh(34 + 5as/h)", a.per_layer),
        (f"{model}, no recomputation", a.total),
        ("per layer, scores not kept (fused): 34sbh", a.per_layer_without_scores),
        (f"{model}, scores not kept", a.total_without_scores),
        ("per layer, full recomputation: 2sbh", a.per_layer_recomputed),
        (f"{model}, full recomputation", a.total_recomputed),
    ]
    return Report(
        f"activations per device, micro-batch {s.batch} x {s.seq:,} (Korthikanti et al. 2022)",
        ("activations", "bytes", "human"),
        [bytes_row(label, n) for label, n in figures],
        None,
        key="activations",
    )


def gpu_memory_section(m: MemoryEstimate, gpu: GPU) -> Report:
    """How many devices the weights and cache need; whether training fits on each."""
    train = m.states_per_device + m.activations.total_recomputed
    rows = [
        bytes_row("memory per device", gpu.memory_bytes),
        ("devices for weights + KV cache", gpu.devices_for(m.inference_bytes), ""),
        bytes_row("training per device, full recomputation", train),
        ("training fits on each device", "yes" if train <= gpu.memory_bytes else "no", ""),
    ]
    return Report(gpu.label, ("item", "value", "human"), rows, None, key="gpu")


def memory_notes(m: MemoryEstimate) -> list[str]:
    """The conventions behind the figures."""
    notes = [
        "KV cache as transformers 5.23 holds it after one pass: K and V of the KV heads "
        "per layer; a sliding-window layer keeps its last window - 1 tokens"
    ]
    if m.cache.expanded_values_per_token:
        notes.append(
            "MLA layers cache the compressed latent (kv_lora_rank + qk_rope_head_dim), "
            "as transformers 5.23 and inference engines do"
        )
    notes.append(
        "activations follow Korthikanti et al. 2022 for a GPT-3 block (16-bit, dropout, "
        "4h MLP): an approximation for other blocks; logits counted in fp32 (4sbv)"
    )
    if m.settings.recipe.value == "bf16-adam8bit":
        notes.append("8-bit Adam: the per-block quantization scales (about 0.2%) are not counted")
    return notes


def flops_report(
    counted: Breakdown,
    f: ForwardFlops,
    approx: Approximations,
    train: TrainingCompute,
    gpu: GPU | None = None,
    mfu: Fraction = Fraction(2, 5),
    image: ImageFlops | NoImageFlops | None = None,
) -> Report:
    """Exact forward FLOPs, per token and for training, beside the classic approximations;
    one image's for a model with a vision tower."""
    token, train_token = per_token(f), 3 * per_token(f)
    figures: list[tuple[str, int | float]] = [
        ("forward (FlopCounterMode)", f.forward),
        ("  projections and head", f.projections),
        ("  attention, all S x S pairs", f.attention),
        ("forward, causal pairs only", f.forward_causal),
        ("forward per token", whole(token)),
        ("training per token (3 x forward)", whole(train_token)),
    ]
    rows = [(label, value, human_flops(value)) for label, value in figures]
    data = flops_data(f, approx, train, gpu, mfu, counted.total, counted.active, image)
    report = Report(
        f"{counted.name}: FLOPs, batch {f.batch} x {f.seq:,} tokens",
        ("quantity", "FLOPs", "human"),
        rows,
        data,
        key="flops",
    )
    report.sections += [
        approximation_section(approx, token, counted),
        training_compute_section(train, gpu, mfu, counted),
    ]
    if image is not None:
        report.sections.append(image_section(image))
    report.notes += [
        "a matmul costs 2mnk; lookups, norms, activations and softmax cost 0, as in "
        "torch.utils.flop_counter; attention scores and the weighted sum count "
        "every query/key pair, as eager attention and SDPA compute them; MoE "
        "layers run the router and k experts per token",
        "Kaplan et al. 2020, table 1: 2N_non-embedding + 2 n_layer n_ctx d_attn, "
        "over active parameters; Chinchilla-optimal: 20 tokens per parameter "
        "(Hoffmann et al. 2022), counted over all parameters (N_total); "
        "GPU-hours: 6 N_active T at the MFU",
    ]
    if counted.active != counted.total:
        report.notes.append(
            "mixture of experts: N_active is what one token passes through, "
            "N_total every expert; both are shown where a convention needs N"
        )
    if multimodal(counted):
        report.notes.append(
            "the forward figures are the text tower's, per text token; 2N, 6N and Kaplan "
            "count the text tower's active parameters, 6NT every active parameter and "
            "Chinchilla every parameter; "
            "an image's vision tower and projector FLOPs are shown per image"
        )
    return report


def multimodal(counted: Breakdown) -> bool:
    """The model has a tower beside the text one (vision, audio, projector)."""
    return any(t is not Tower.TEXT and sum(g.values()) for t, g in counted.towers.items())


def image_section(image: ImageFlops | NoImageFlops) -> Report:
    """One image of the tower's image size through the vision tower and the projector."""
    if isinstance(image, NoImageFlops):
        rows: list[tuple[str, Any, str]] = [("per-image FLOPs", "not computed", image.reason)]
    else:
        side = f"{image.image_size} x {image.image_size} pixels"
        rows = [
            ("image size", image.image_size, side),
            ("patches", image.patches, human(image.patches)),
            ("encoder rows (patches, class token)", image.encoder_rows, human(image.encoder_rows)),
            ("projector rows", image.projector_rows, human(image.projector_rows)),
            ("vision tower", image.vision, human_flops(image.vision)),
            ("projector", image.projector, human_flops(image.projector)),
            ("per image", image.total, human_flops(image.total)),
            ("image tokens the text model reads", image.image_tokens, human(image.image_tokens)),
        ]
    return Report("per image", ("quantity", "value", "human"), rows, None, key="per_image")


def approximation_section(
    approx: Approximations,
    token: Fraction,
    counted: Breakdown,
) -> Report:
    """2N, 6N and Kaplan's estimate, each as a share of the exact figure; 6N over all
    parameters too for a mixture of experts."""
    n = "text tower's active parameters" if multimodal(counted) else "active parameters"
    rows = [
        (f"2N (N = {n})", approx.two_n, Fraction(approx.two_n) / token),
        (
            "Kaplan et al. 2020 (active)",
            approx.kaplan_forward,
            Fraction(approx.kaplan_forward) / token,
        ),
        (
            f"6N, training (N = {n})",
            approx.six_n,
            Fraction(approx.six_n) / (3 * token),
        ),
    ]
    if counted.active != counted.total:
        six_n_total = 6 * counted.total
        rows.append(
            (
                "6N, training (N = total parameters)",
                six_n_total,
                Fraction(six_n_total) / (3 * token),
            )
        )
    return Report(
        "classic approximations per token",
        ("estimate", "FLOPs", "of exact"),
        rows,
        None,
        key="approximations",
    )


def training_compute_section(
    train: TrainingCompute, gpu: GPU | None, mfu: Fraction, counted: Breakdown
) -> Report:
    """Training compute for T tokens; GPU-hours with a device and an MFU."""
    chinchilla = train.tokens == train.chinchilla_tokens
    moe = counted.active != counted.total
    rows: list[tuple[str, Any, str]] = [
        (
            "tokens T" + (" (Chinchilla-optimal)" if chinchilla else ""),
            train.tokens,
            human(train.tokens),
        ),
        ("6 N_active T", train.six_n_t, human_flops(train.six_n_t)),
    ]
    if moe:
        six_n_total_t = 6 * counted.total * train.tokens
        rows.append(("6 N_total T", six_n_total_t, human_flops(six_n_total_t)))
    rows += [
        ("3 x forward per token x T", whole(train.exact), human_flops(train.exact)),
        ("Chinchilla tokens, 20 N_total", train.chinchilla_tokens, human(train.chinchilla_tokens)),
    ]
    if moe:
        active_tokens = CHINCHILLA_TOKENS_PER_PARAMETER * counted.active
        rows.append(("Chinchilla tokens, 20 N_active", active_tokens, human(active_tokens)))
    if gpu:
        hours = train.gpu_hours(gpu.bf16_flops, mfu)
        rows.append(
            (
                f"GPU-hours ({gpu.name}, {float(mfu):.0%} MFU)",
                round(hours),
                f"{float(hours):,.1f} h",
            )
        )
    return Report(
        "training compute", ("quantity", "value", "human"), rows, None, key="training_compute"
    )


def overview_report(
    count_data: dict[str, Any],
    m: MemoryEstimate,
    f: ForwardFlops,
    approx: Approximations,
    train: TrainingCompute,
) -> Report:
    """Parameters, memory and FLOPs side by side, one line per headline figure."""
    params = [
        ("total", human(count_data["total"])),
        ("active", human(count_data["active"])),
        ("non-embedding", human(count_data["non_embedding"])),
        ("embedding", human(count_data["groups"]["embedding"])),
    ]
    memory = [
        ("weights", human_bytes(m.weights.bytes)),
        ("KV/token", human_bytes(m.cache.bytes_per_token)),
        ("KV cache", human_bytes(m.cache.bytes)),
        ("training", human_bytes(m.states_per_device)),
    ]
    compute = [
        ("forward/token", human_flops(per_token(f))),
        ("forward pass", human_flops(f.forward)),
        ("train/token", human_flops(3 * per_token(f))),
        ("Chinchilla T", human(train.chinchilla_tokens)),
    ]  # 20 x the total
    rows = [(*p, *mem, *c) for p, mem, c in zip(params, memory, compute, strict=True)]
    data = {
        "name": m.name,
        "parameters": count_data,
        "memory": memory_data(m, None),
        "flops": flops_data(
            f, approx, train, None, Fraction(2, 5), count_data["total"], count_data["active"]
        ),
    }
    s = m.settings
    notes = [
        f"weights and KV cache in {s.dtype.value}, batch {s.batch} x {s.seq:,} tokens; "
        f"training: model states of {s.recipe.value} Adam, without activations",
        "Chinchilla T: 20 tokens per parameter, over all parameters (Hoffmann et al. 2022)",
    ]
    return Report(
        f"{m.name} at a glance",
        ("parameters", "", "memory", "", "compute", ""),
        rows,
        data,
        notes=notes,
    )
