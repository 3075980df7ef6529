"""The report of a GGUF file: parameters by group and tower, bytes and bits per weight by type."""

from __future__ import annotations

from typing import Any

from paramcalc.gguf_count import GGUFCount, TypeTally, group_of, tower_of
from paramcalc.render import Report
from paramcalc.render.checkpoint import leftover_notes
from paramcalc.render.reports import share
from paramcalc.render.units import human, human_bytes


def tally_data(t: TypeTally) -> dict[str, Any]:
    """One type's tensors, elements, bytes and bits per weight."""
    return {
        "tensors": t.tensors,
        "elements": t.elements,
        "bytes": t.bytes,
        "bits_per_weight": round(t.bits_per_weight, 4),
    }


def gguf_data(c: GGUFCount, tensors: bool = False) -> dict[str, Any]:
    """The machine-readable count: a checkpoint count's keys, storage by GGML type."""
    f, stored = c.file, c.stored
    data: dict[str, Any] = {
        "name": c.name,
        "total": c.total,
        "groups": c.groups,
        "towers": {t: {"total": sum(g.values()), "groups": g} for t, g in c.towers.items()},
        "architecture": f.metadata.get("general.architecture"),
        "quantization": c.quantization,
        "checkpoint": f.where,
        "files": list(f.files or (f.where,)),
        "gguf_version": f.version,
        "stored": {
            **tally_data(stored),
            "header_bytes": f.data_offset,
            "bytes_on_disk": f.file_bytes,
            "by_type": {k: tally_data(t) for k, t in c.by_type.items()},
        },
        "buffers": list(c.buffers),
        "unknown": list(c.unknown),
    }
    if tensors:
        data["tensors"] = [
            {
                "name": t.name,
                "group": group_of(t.name),
                "tower": tower_of(t.name),
                "shape": list(t.shape),
                "size": t.size,
                "type": t.type.name,
                "bytes": t.nbytes,
            }
            for t in f.tensors
        ]
    return data


def gguf_report(c: GGUFCount, tensors: bool = False) -> Report:
    """Parameters by group (from llama.cpp's tensor names); bytes by GGML type."""
    data, total, stored = gguf_data(c, tensors), c.total, c.stored
    rows = [(g, n, human(n), share(n, total)) for g, n in c.groups.items()]
    arch = data["architecture"]
    splits = f", {len(c.file.files)} splits" if c.file.files else ""
    splits += f", {c.quantization}" if c.quantization else ""
    report = Report(
        f"{c.name}: {total:,} parameters ({human(total)}) in {stored.tensors} tensors, "
        f"{arch} GGUF v{c.file.version}{splits}, {stored.bits_per_weight:.2f} bits per weight",
        ("group", "parameters", "human", "share"),
        rows,
        data,
        footer=[
            ("total", total),
            ("tensor bytes", stored.bytes),
            ("bytes on disk", c.file.file_bytes),
        ],
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
    report.sections.append(
        Report(
            "stored, per type",
            ("type", "tensors", "elements", "bytes", "human", "bits per weight"),
            [
                (
                    k,
                    t.tensors,
                    t.elements,
                    t.bytes,
                    human_bytes(t.bytes),
                    f"{t.bits_per_weight:.4g}",
                )
                for k, t in c.by_type.items()
            ],
            data=None,
        )
    )
    report.notes += gguf_notes(c)
    if tensors:
        report.sections.append(
            Report(
                "per tensor",
                ("tensor", "group", "shape", "parameters", "type", "bytes"),
                [
                    (
                        t["name"],
                        t["group"],
                        " x ".join(map(str, t["shape"])),
                        t["size"],
                        t["type"],
                        t["bytes"],
                    )
                    for t in data["tensors"]
                ],
                data=None,
            )
        )
    return report


def gguf_notes(c: GGUFCount) -> list[str]:
    """What the count leaves out or could not place."""
    notes = leftover_notes(
        c.unknown, "rule", c.buffers, "rotary factors, router score corrections", 3
    )
    return notes
