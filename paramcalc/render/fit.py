"""The report of `paramcalc fit`: the answer, and each byte of the device that decides it."""

from __future__ import annotations

from typing import Any

from paramcalc.fit import Answer, FitResult, Usage
from paramcalc.hardware import GPU
from paramcalc.render import Report
from paramcalc.render.compute_data import gpu_data
from paramcalc.render.units import human_bytes


def decisive(usages: list[Usage]) -> Usage:
    """The most loaded stage: the one whose device fills first."""
    return max(usages, key=lambda u: u.total)


def usage_data(u: Usage, budget: int) -> dict[str, int]:
    """One device's bytes by part, and what is left of its budget (negative: over it)."""
    return {
        "stage": u.stage,
        "weights_bytes": u.weights,
        "kv_cache_bytes": u.kv_cache,
        "state_bytes": u.state,
        "workspace_bytes": u.workspace,
        "total_bytes": u.total,
        "free_bytes": budget - u.total,
    }


def answer_data(a: Answer, r: FitResult) -> dict[str, Any]:
    """An answer with the usage at it and one past it."""
    budget = r.request.budget
    return {
        "value": a.value,
        "unbounded": a.value is None,
        "at": usage_data(decisive(a.at), budget),
        "one_more": usage_data(decisive(a.past), budget),
        "stages": [usage_data(u, budget) for u in a.at],
    }


def fit_data(r: FitResult, gpu: GPU) -> dict[str, Any]:
    """Everything `paramcalc fit` computes; the answer at the top level."""
    q, key = r.request, "longest_context" if r.question == "context" else "largest_batch"
    data: dict[str, Any] = {
        "name": r.name,
        "fits": r.fits,
        key: r.exact.value,
    }
    if r.question == "batch" and r.exact.value is not None:
        data["largest_batch_all_replicas"] = r.exact.value * q.replicas
    if r.paged is not None:
        data[f"{key}_paged"] = r.paged.value
    data.update(
        question=r.question,
        batch=r.batch if r.question == "batch" else q.batch or 1,
        seq=q.seq,
        gpu={**gpu_data(gpu), "memory": gpu.memory, "vendor_memory": gpu.vendor_memory},
        memory_bytes=q.memory_bytes,
        utilization=float(q.utilization),
        budget_bytes=q.budget,
        reserve_bytes=q.memory_bytes - q.budget,
        dtype=q.dtype.value,
        kv_dtype=q.cache_dtype.value,
        parameters=r.parameters,
        tensor_parallel=q.tensor_parallel,
        pipeline_parallel=q.pipeline_parallel,
        replicas=q.replicas,
        devices=q.tensor_parallel * q.pipeline_parallel * q.replicas,
        prefill_chunk=q.prefill_chunk,
        exact=answer_data(r.exact, r),
    )
    if r.paged is not None:
        data["paged"] = {"block_size": q.block_size, **answer_data(r.paged, r)}
    data["stages"] = [
        {
            "stage": s.index,
            "layers": [s.layers[0], s.layers[-1]] if s.layers else [],
            "parameters": s.parameters,
        }
        for s in r.stages
    ]
    return data


def shown(a: Answer, what: str) -> str:
    """An answer in words."""
    if a.value is None:
        return "unbounded (the cache stops growing: every layer is windowed or recurrent)"
    if a.value == 0:
        return "does not fit"
    return f"{a.value:,} {what}"


def device_rows(r: FitResult, gpu: GPU) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    """The budget, then each part on the decisive device at the answer and one past it, and
    the free (or missing) bytes as the footer."""
    q, at, past = r.request, decisive(r.exact.at), decisive(r.exact.past)
    budget = [
        (f"device memory ({gpu.memory}; datasheet {gpu.vendor_memory})", q.memory_bytes),
        (f"runtime reserve ({float(1 - q.utilization):.0%})", q.memory_bytes - q.budget),
        (f"usable ({float(q.utilization):.0%} utilization)", q.budget),
    ]
    rows: list[tuple[Any, ...]] = [(label, n, human_bytes(n), "") for label, n in budget]
    parts = [
        (f"weights ({q.dtype.value}, {held(r)})", at.weights, past.weights),
        (f"KV cache ({q.cache_dtype.value})", at.kv_cache, past.kv_cache),
        ("recurrent state", at.state, past.state),
        (f"activation workspace ({q.prefill_chunk:,}-token chunk)", at.workspace, past.workspace),
    ]
    rows += [(label, a, human_bytes(a), b) for label, a, b in parts if a or b]
    free = q.budget - at.total
    footer = ("free" if free >= 0 else "over", free, signed_bytes(free), q.budget - past.total)
    return rows, footer


def fit_report(r: FitResult, gpu: GPU) -> Report:
    """The answer, then the decisive device's bytes at it and one past it."""
    q = r.request
    context = r.question == "context"
    what = "tokens" if context else "sequences"
    one = "one more token" if context else "one more sequence"
    shape = f"batch {q.batch or 1:,}" if context else f"{q.seq:,} tokens"
    rows, footer = device_rows(r, gpu)
    columns: tuple[str, ...] = ("item", "bytes", "human", one)
    if not r.exact.value:  # nothing fits, or no limit: there is no "one more" to show
        rows, footer, columns = [row[:3] for row in rows], footer[:3], columns[:3]
    answer_label = "longest context" if context else "largest batch"
    report = Report(
        f"{r.name} on {placement(r, gpu)}: {answer_label} at {shape}: {shown(r.exact, what)}",
        columns,
        rows,
        fit_data(r, gpu),
        footer=[footer],
        secondary=(one,) if r.exact.value else (),
        footer_at="bytes",
        key="device",
    )
    answers = [("exact lower bound (contiguous cache)", shown(r.exact, what))]
    if r.paged is not None:
        answers.append((f"paged, {q.block_size}-token blocks (vLLM-style)", shown(r.paged, what)))
    if not context and r.exact.value and q.replicas > 1:
        answers.append((f"all {q.replicas} replicas", f"{r.exact.value * q.replicas:,} {what}"))
    report.sections.append(
        Report(answer_label, ("convention", "answer"), answers, None, key="answer")
    )
    if len(r.stages) > 1:
        report.sections.append(stage_section(r))
    report.notes += fit_notes(r, gpu)
    return report


def held(r: FitResult) -> str:
    """The parameters the decisive device holds, in words."""
    if len(r.stages) == 1 and r.request.tensor_parallel == 1:
        return f"{r.parameters:,} parameters"
    most = decisive(r.exact.at).stage
    return f"{r.stages[most].parameters:,} of {r.parameters:,} parameters"


def signed_bytes(n: int) -> str:
    """Binary units of a figure that may be negative (over the budget)."""
    return ("-" if n < 0 else "") + human_bytes(abs(n))


def placement(r: FitResult, gpu: GPU) -> str:
    """Where the model runs, in words: `h100`, `8 x h100 (TP 4, PP 2)`."""
    q = r.request
    devices = q.tensor_parallel * q.pipeline_parallel * q.replicas
    if devices == 1:
        return gpu.name
    split = [f"TP {q.tensor_parallel}", f"PP {q.pipeline_parallel}"]
    if q.replicas > 1:
        split.append(f"{q.replicas} replicas")
    return f"{devices} x {gpu.name} ({', '.join(split)})"


def stage_section(r: FitResult) -> Report:
    """Each pipeline stage's layers and bytes at the answer."""
    rows = []
    for s, u in zip(r.stages, r.exact.at, strict=True):
        span = f"{s.layers[0]}-{s.layers[-1]}"
        rows.append((f"stage {s.index}", span, u.weights, u.kv_cache + u.state, u.total))
    return Report(
        "pipeline stages at the answer (per device)",
        ("stage", "layers", "weights", "cache + state", "total"),
        rows,
        None,
        key="stages",
    )


def fit_notes(r: FitResult, gpu: GPU) -> list[str]:
    """The conventions behind the figures."""
    q = r.request
    notes = [
        "weights and KV cache are the figures `paramcalc memory` prints: every parameter "
        "(all experts of a mixture) at the weight dtype; K and V of each layer's KV heads, a "
        "sliding layer never more than window - 1 tokens, MLA its latent",
        f"runtime reserve: (1 - utilization) x memory, left to the CUDA context, libraries "
        f"and fragmentation; activation workspace (a convention): one layer over a "
        f"{q.prefill_chunk:,}-token prefill chunk, chunk x (2 x hidden + 2 x widest "
        "projection) at 16-bit (fp32 under fp32 weights), plus fp32 logits of one token per "
        "sequence (batch x vocab x 4)",
    ]
    if q.cache_dtype.is_block_format:
        per, size = q.cache_dtype.block
        notes.append(
            f"{q.cache_dtype.value}: GGML blocks of {per} values in {size} bytes, scales "
            "included; each head's row must be whole blocks (llama.cpp refuses others); "
            "recurrent state stays fp32, as llama.cpp keeps it"
        )
    if q.tensor_parallel > 1:
        notes.append(
            f"tensor parallel {q.tensor_parallel}: projections, embeddings and head split "
            "(rounded up per tensor), KV heads split; replicated: norms, routers, "
            "row-parallel biases, KV heads when fewer than the devices, an MLA latent; "
            "recurrent state split like its heads; the workspace is not split"
        )
    if q.pipeline_parallel > 1:
        notes.append(
            f"pipeline parallel {q.pipeline_parallel}: contiguous layers per stage, the extra "
            "layers of an uneven split before the last stage (vLLM get_pp_indices); "
            "embeddings on the first stage, final norm and head (a tied one copied) on the "
            "last; the most loaded stage decides"
        )
    if q.paged:
        notes.append(
            f"paged (vLLM-style): each layer holds whole pages of {q.block_size} tokens per "
            "sequence (a sliding layer the pages of its window), a recurrent layer's state "
            "padded to whole pages of the largest attention page; the exact figure is the "
            "lower bound"
        )
    notes.append(f"{gpu.name}: {gpu.label}, {gpu.source}")
    return notes
