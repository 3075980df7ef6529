"""The report of `paramcalc lora` and of `paramcalc count adapter_config.json`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from paramcalc.adapters.lora import LoraCount
from paramcalc.precision import DType, nbytes
from paramcalc.render import Report
from paramcalc.render.reports import share
from paramcalc.render.units import human, human_bytes


@dataclass(frozen=True)
class StoredAdapter:
    """An adapter_model.safetensors, counted from its header."""

    path: str
    parameters: int
    bytes: int
    dtypes: dict[str, int]
    """Elements stored at each dtype."""


def by_kind(c: LoraCount) -> dict[str, dict[str, Any]]:
    """Adapted modules grouped by their last path part: how many, their ranks, parameters."""
    kinds: dict[str, dict[str, Any]] = {}
    for w in c.wrapped:
        entry = kinds.setdefault(w.kind, {"modules": 0, "ranks": set(), "parameters": 0})
        entry["modules"] += 1
        entry["ranks"].add(w.rank)
        entry["parameters"] += w.size
    for entry in kinds.values():
        entry["ranks"] = sorted(entry["ranks"])
    return kinds


def by_layer(c: LoraCount) -> list[dict[str, Any]]:
    """Trainable parameters of each layer the adapter touches, in model order."""
    sums: dict[tuple[str | None, int | None], int] = defaultdict(int)
    for w in c.wrapped:
        sums[(w.stack, w.layer)] += w.size
    for copy in c.copies:
        sums[(copy.stack, copy.layer)] += copy.size
    stacks = list(dict.fromkeys(s for s, _ in sums))
    order = sorted(sums, key=lambda k: (k[1] is not None, stacks.index(k[0]), k[1] or 0))
    return [{"stack": s, "layer": i, "parameters": sums[(s, i)]} for s, i in order]


def lora_data(c: LoraCount, dtype: DType, stored: StoredAdapter | None) -> dict[str, Any]:
    """The JSON of a LoRA count: `trainable` beside the base's `total`."""
    data: dict[str, Any] = {
        "name": c.base.name,
        "total": c.base.total,
        "trainable": c.trainable,
        "all_parameters": c.all_parameters,
        "trainable_percent": round(c.percent, 6),
        "adapter_parameters": c.adapter,
        "trainable_base_biases": c.biases,
        "adapter_dtype": dtype.value,
        "adapter_bytes": nbytes(c.adapter, dtype),
        "lora": {
            "r": c.spec.r,
            "lora_alpha": c.spec.lora_alpha,
            **c.spec.model_dump(mode="json", exclude_defaults=True),
        },
        "by_kind": by_kind(c),
        "by_layer": by_layer(c),
        "modules_to_save": [{"name": m.name, "parameters": m.size} for m in c.copies],
    }
    if stored is not None:
        data["adapter_file"] = {
            "path": stored.path,
            "parameters": stored.parameters,
            "bytes": stored.bytes,
            "dtypes": stored.dtypes,
            "matches": stored.parameters == c.trainable,
        }
    return data


def lora_report(
    c: LoraCount, dtype: DType, stored: StoredAdapter | None = None, per_layer: bool = False
) -> Report:
    """Adapted modules by kind, copies, the trainable share of the model; per layer on request."""
    kinds = by_kind(c)
    rows: list[tuple[Any, ...]] = [
        (
            kind,
            e["modules"],
            ",".join(map(str, e["ranks"])),
            e["parameters"],
            human(e["parameters"]),
            share(e["parameters"], c.trainable),
        )
        for kind, e in kinds.items()
    ]
    copies: dict[str, list[int]] = {}
    for m in c.copies:
        copies.setdefault(m.name.rsplit(".", 1)[-1], []).append(m.size)
    rows += [
        (
            f"{leaf} (copy)",
            len(sizes),
            "",
            sum(sizes),
            human(sum(sizes)),
            share(sum(sizes), c.trainable),
        )
        for leaf, sizes in copies.items()
    ]
    if c.biases:
        rows.append(
            ("base biases", "", "", c.biases, human(c.biases), share(c.biases, c.trainable))
        )
    footer: list[tuple[Any, ...]] = [
        ("trainable", c.trainable, human(c.trainable)),
        ("base total", c.base.total, human(c.base.total)),
        ("all parameters", c.all_parameters, human(c.all_parameters)),
    ]
    report = Report(
        title=f"{c.base.name} + LoRA: {c.trainable:,} trainable ({c.percent:.4f}% of all)",
        columns=("module", "count", "rank", "parameters", "human", "share"),
        rows=rows,
        data=lora_data(c, dtype, stored),
        footer=footer,
        footer_at="parameters",
        bar="share",
        key="lora",
    )
    report.notes.append(
        f"adapter weights: {c.adapter:,} parameters, {human_bytes(nbytes(c.adapter, dtype))} "
        f"at {dtype.value} (PEFT creates them in float32)"
    )
    if stored is not None:
        same = "equals" if stored.parameters == c.trainable else "DIFFERS from"
        report.notes.append(
            f"{stored.path}: {stored.parameters:,} parameters, {stored.bytes:,} bytes; "
            f"{same} the computed trainable count"
        )
    if per_layer:
        report.sections.append(layers_section(c))
    return report


def layers_section(c: LoraCount) -> Report:
    """One row per layer the adapter touches."""
    rows = [
        (
            "outside layers" if e["layer"] is None else f"{e['stack']}.{e['layer']}",
            e["parameters"],
            human(e["parameters"]),
        )
        for e in by_layer(c)
    ]
    return Report("per layer", ("layer", "parameters", "human"), rows, data=None, key="layers")


def stored_adapter(path: Any) -> StoredAdapter:
    """An adapter_model.safetensors counted from its header (never its data)."""
    from paramcalc.sources.safetensors import read_checkpoint

    checkpoint = read_checkpoint(path)
    dtypes: dict[str, int] = defaultdict(int)
    for t in checkpoint.tensors:
        dtypes[t.dtype] += t.size
    return StoredAdapter(
        str(path),
        sum(t.size for t in checkpoint.tensors),
        sum(t.nbytes for t in checkpoint.tensors),
        dict(dtypes),
    )
