"""Reports for checkpoints: parameters by group and tower, storage by dtype and kind; compare."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paramcalc.checkpoint_count import CheckpointCount, Stored
from paramcalc.compare import Comparison
from paramcalc.naming import classify
from paramcalc.render import Report, shown_path
from paramcalc.render.reports import share
from paramcalc.render.units import human


def stored_data(tally: dict[str, Stored]) -> dict[str, dict[str, int]]:
    """Stored tensors, elements and bytes per dtype or kind."""
    return {
        k: {"tensors": s.tensors, "elements": s.elements, "bytes": s.bytes}
        for k, s in tally.items()
    }


def checkpoint_data(c: CheckpointCount, tensors: bool = False) -> dict[str, Any]:
    """The machine-readable checkpoint count: a config count's keys, then its storage."""
    data: dict[str, Any] = {
        "name": c.name,
        "total": c.total,
        "groups": c.groups,
        "towers": {t: {"total": sum(g.values()), "groups": g} for t, g in c.towers.items()},
        "quantization": c.quantization,
        "checkpoint": c.where,
        "files": list(c.files),
        "stored": {
            "tensors": sum(s.tensors for s in c.by_kind.values()),
            "elements": sum(s.elements for s in c.by_kind.values()),
            "bytes": c.stored_bytes,
            "bytes_on_disk": c.file_bytes,
            "by_dtype": stored_data(c.by_dtype),
            "by_kind": stored_data(c.by_kind),
        },
        "buffers": list(c.buffers),
        "unknown": list(c.unknown),
    }
    if tensors:
        data["tensors"] = [
            {
                "name": t.name,
                "group": classify(t.name),
                "shape": list(t.shape),
                "flat": t.flat,
                "size": t.size,
                "stored": [
                    {
                        "name": p.tensor.name,
                        "kind": p.kind.value,
                        "dtype": p.tensor.dtype,
                        "shape": list(p.tensor.shape),
                        "bytes": p.tensor.nbytes,
                    }
                    for p in t.parts
                ],
            }
            for t in c.view.tensors
        ]
    return data


def checkpoint_report(c: CheckpointCount, tensors: bool = False) -> Report:
    """Parameters by group (from tensor names); stored bytes by dtype and by kind."""
    data, total = checkpoint_data(c, tensors), c.total
    rows = [(g, n, human(n), share(n, total)) for g, n in c.groups.items()]
    footer: list[tuple[str, Any]] = [
        ("total", total),
        ("stored bytes", c.stored_bytes),
        ("bytes on disk", c.file_bytes),
    ]
    files, stored = len(c.files), data["stored"]["tensors"]
    how = f", {c.quantization}" if c.quantization else ""
    report = Report(
        f"{c.name}: {total:,} parameters ({human(total)}) in {stored} stored tensors, "
        f"{files} file{'s' if files != 1 else ''}{how}",
        ("group", "parameters", "human", "share"),
        rows,
        data,
        footer=footer,
        bar="share",
    )
    if len(c.towers) > 1:
        report.sections.append(
            Report(
                "per tower",
                ("tower", "parameters"),
                [(t, sum(g.values())) for t, g in c.towers.items()],
                data=None,
            )
        )
    for title, tally in (("stored, per dtype", c.by_dtype), ("stored, per kind", c.by_kind)):
        report.sections.append(
            Report(
                title,
                (title.split()[-1], "tensors", "elements", "bytes"),
                [(k, s.tensors, s.elements, s.bytes) for k, s in tally.items()],
                data=None,
            )
        )
    report.notes += checkpoint_notes(c)
    if tensors:
        report.sections.append(
            Report(
                "per tensor",
                ("tensor", "group", "shape", "parameters", "stored as", "bytes"),
                [
                    (
                        t.name,
                        classify(t.name),
                        " x ".join(map(str, t.shape)) + (" (flat)" * t.flat),
                        t.size,
                        " + ".join(f"{p.tensor.dtype} {p.kind.value}" for p in t.parts),
                        t.nbytes,
                    )
                    for t in c.view.tensors
                ],
                data=None,
            )
        )
    return report


def leftover_notes(
    unknown: Sequence[str], rule: str, buffers: Sequence[str], buffer_kinds: str, shown: int
) -> list[str]:
    """The notes on stored tensors a count could not place, and on stored buffers (with the
    first `shown` of them named), shared by safetensors and GGUF counts."""
    notes = []
    if unknown:
        more = ", ..." if len(unknown) > 5 else ""
        notes.append(
            f"{len(unknown)} tensors match no group {rule} (unknown): "
            + ", ".join(unknown[:5])
            + more
        )
    if buffers:
        named = ": " + ", ".join(buffers[:shown]) if shown else ""
        notes.append(f"{len(buffers)} stored buffers ({buffer_kinds}) are not parameters{named}")
    return notes


def checkpoint_notes(c: CheckpointCount) -> list[str]:
    """What the count leaves out or could not place."""
    notes = leftover_notes(
        c.unknown, "pattern", c.buffers, "rotary tables, causal masks, router corrections", 0
    )
    if c.quantization:
        notes.append(
            "parameters are the unquantized model's; scales, zero points, indices and "
            "quantization state are stored bytes, not parameters"
        )
    return notes


def compare_data(c: Comparison, architecture: str, checkpoint: str) -> dict[str, Any]:
    """The machine-readable comparison."""
    totals = [sum(pair[i] for pair in c.groups.values()) for i in (0, 1)]
    return {
        "ok": c.ok,
        "architecture": architecture,
        "checkpoint": checkpoint,
        "naming": c.style,
        "groups": {g: {"architecture": a, "checkpoint": s} for g, (a, s) in c.groups.items()},
        "total": {"architecture": totals[0], "checkpoint": totals[1]},
        "differences": [
            {
                "name": d.name or None,
                "checkpoint_name": d.stored_name or None,
                "architecture": d.expected,
                "checkpoint": d.stored,
                "reason": d.reason,
            }
            for d in c.differences
        ],
        "explained": [
            {"name": e.name, "elements": e.size, "reason": e.reason} for e in c.explained
        ],
    }


def compare_report(c: Comparison, architecture: str, checkpoint: str) -> Report:
    """Per group both counts and their difference; then the tensors that differ or are explained."""
    data = compare_data(c, architecture, checkpoint)
    rows = [(g, a, s, s - a, "ok" if a == s else "DIFFERS") for g, (a, s) in c.groups.items()]
    total = data["total"]
    rows.append(
        (
            "total",
            total["architecture"],
            total["checkpoint"],
            total["checkpoint"] - total["architecture"],
            "ok" if total["architecture"] == total["checkpoint"] else "DIFFERS",
        )
    )
    verdict = "agree" if c.ok else "DIFFER"
    report = Report(
        f"{architecture} vs {shown_path(checkpoint)}: {verdict} ({c.style} naming)",
        ("group", "architecture", "checkpoint", "difference", "match"),
        rows,
        data,
        key="groups",
    )
    if c.differences:
        report.sections.append(
            Report(
                f"{len(c.differences)} tensors differ",
                ("tensor", "checkpoint name", "architecture", "checkpoint", "why"),
                [
                    (d.name or "-", d.stored_name or "-", d.expected, d.stored, d.reason)
                    for d in c.differences
                ],
                data=None,
                secondary=("checkpoint name",),
                key="differences",
            )
        )
    if c.explained:
        report.sections.append(
            Report(
                f"{len(c.explained)} stored tensors explained",
                ("checkpoint name", "elements", "why"),
                [(e.name, e.size, e.reason) for e in c.explained],
                data=None,
                key="explained",
            )
        )
    return report
