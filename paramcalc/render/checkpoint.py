"""Reports for checkpoints: the stored count by group and dtype, and the comparison."""

from __future__ import annotations

from typing import Any

from paramcalc.calculator import GROUPS
from paramcalc.compare import Comparison
from paramcalc.naming import BUFFER, UNKNOWN, classify
from paramcalc.render import Report, shown_path
from paramcalc.render.reports import share
from paramcalc.render.units import human
from paramcalc.sources.safetensors import Checkpoint

ORDER = [*(g.value for g in GROUPS), BUFFER, UNKNOWN]


def checkpoint_data(ckpt: Checkpoint) -> dict[str, Any]:
    """The machine-readable checkpoint count: elements per group and per dtype, bytes."""
    groups = {g.value: 0 for g in GROUPS}
    dtypes: dict[str, dict[str, int]] = {}
    unknown = []
    for t in ckpt.tensors:
        group = classify(t.name)
        groups[group] = groups.get(group, 0) + t.size
        entry = dtypes.setdefault(t.dtype, {"tensors": 0, "elements": 0, "bytes": 0})
        entry["tensors"] += 1
        entry["elements"] += t.size
        entry["bytes"] += t.nbytes
        if group == UNKNOWN:
            unknown.append(t.name)
    elements = sum(t.size for t in ckpt.tensors)
    return {"checkpoint": ckpt.where, "files": list(ckpt.files), "tensors": len(ckpt.tensors),
            "elements": elements, "parameters": elements - groups.get(BUFFER, 0),
            "groups": {g: groups[g] for g in ORDER if g in groups}, "dtypes": dtypes,
            "unknown": unknown, "tensor_bytes": sum(t.nbytes for t in ckpt.tensors),
            "bytes_on_disk": ckpt.file_bytes}


def checkpoint_report(ckpt: Checkpoint, tensors: bool = False) -> Report:
    """Stored elements by group (from tensor names) and by dtype, and the bytes on disk."""
    data = checkpoint_data(ckpt)
    total = data["elements"]
    rows = [(g, n, human(n), share(n, total)) for g, n in data["groups"].items()]
    footer: list[tuple[str, Any]] = [("total elements", total)]
    if data["parameters"] != total:
        footer.append(("parameters (less buffers)", data["parameters"]))
    footer.append(("bytes on disk", data["bytes_on_disk"]))
    files = len(ckpt.files)
    report = Report(f"{shown_path(ckpt.where)}: {total:,} elements ({human(total)}) in "
                    f"{len(ckpt.tensors)} tensors, {files} file{'s' if files != 1 else ''}",
                    ("group", "elements", "human", "share"), rows, data, footer=footer,
                    bar="share", key="groups")
    report.sections.append(Report("per dtype", ("dtype", "tensors", "elements", "bytes"),
                                  [(d, e["tensors"], e["elements"], e["bytes"])
                                   for d, e in data["dtypes"].items()], data=None, key="dtypes"))
    if data["unknown"]:
        report.notes.append(f"{len(data['unknown'])} tensors match no name pattern (unknown): "
                            + ", ".join(data["unknown"][:5])
                            + (", ..." if len(data["unknown"]) > 5 else ""))
    if BUFFER in data["groups"]:
        report.notes.append("buffers (causal masks, rotary tables, position ids) are stored "
                            "but are not parameters")
    if tensors:
        report.sections.append(Report(
            "per tensor", ("tensor", "group", "dtype", "shape", "elements"),
            [(t.name, classify(t.name), t.dtype, " x ".join(map(str, t.shape)), t.size)
             for t in ckpt.tensors], data=None, secondary=("shape", "dtype"), key="tensors"))
    return report


def compare_data(c: Comparison, architecture: str, checkpoint: str) -> dict[str, Any]:
    """The machine-readable comparison."""
    totals = [sum(pair[i] for pair in c.groups.values()) for i in (0, 1)]
    return {
        "ok": c.ok, "architecture": architecture, "checkpoint": checkpoint, "naming": c.style,
        "groups": {g: {"architecture": a, "checkpoint": s} for g, (a, s) in c.groups.items()},
        "total": {"architecture": totals[0], "checkpoint": totals[1]},
        "differences": [{"paths": list(d.paths), "checkpoint_name": d.stored_name or None,
                         "architecture": d.expected, "checkpoint": d.stored,
                         "reason": d.reason} for d in c.differences],
        "explained": [{"name": e.name, "elements": e.size, "reason": e.reason}
                      for e in c.explained],
    }


def compare_report(c: Comparison, architecture: str, checkpoint: str) -> Report:
    """Per group both counts and their difference; then the tensors that differ or are explained."""
    data = compare_data(c, architecture, checkpoint)
    rows = [(g, a, s, s - a, "ok" if a == s else "DIFFERS") for g, (a, s) in c.groups.items()]
    total = data["total"]
    rows.append(("total", total["architecture"], total["checkpoint"],
                 total["checkpoint"] - total["architecture"],
                 "ok" if total["architecture"] == total["checkpoint"] else "DIFFERS"))
    verdict = "agree" if c.ok else "DIFFER"
    report = Report(f"{architecture} vs {shown_path(checkpoint)}: {verdict} ({c.style} naming)",
                    ("group", "architecture", "checkpoint", "difference", "match"), rows, data,
                    key="groups")
    if c.differences:
        report.sections.append(Report(
            f"{len(c.differences)} tensors differ",
            ("paramcalc path", "checkpoint name", "architecture", "checkpoint", "why"),
            [(", ".join(d.paths) or "-", d.stored_name or "-", d.expected, d.stored, d.reason)
             for d in c.differences], data=None, secondary=("checkpoint name",),
            key="differences"))
    if c.explained:
        report.sections.append(Report(
            f"{len(c.explained)} stored tensors explained", ("checkpoint name", "elements", "why"),
            [(e.name, e.size, e.reason) for e in c.explained], data=None, key="explained"))
    return report

