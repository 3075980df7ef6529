"""Turn results into Reports: what each command shows, in every format."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from paramcalc.calculator import GROUPS, Breakdown, Group, Tower
from paramcalc.render import Report
from paramcalc.render.units import human


def share(part: int, whole: int) -> Fraction:
    """part / whole as an exact fraction (0 for an empty whole)."""
    return Fraction(part, whole) if whole else Fraction(0)


def breakdown_data(b: Breakdown, layers: bool = False) -> dict[str, Any]:
    """The machine-readable count: exact integers only."""
    data: dict[str, Any] = {
        "name": b.name,
        "total": b.total,
        "groups": {g.value: b.groups[g] for g in GROUPS},
        "towers": towers_data(b.towers),
        "non_embedding": b.non_embedding,
        "non_embedding_excluding_head": b.non_embedding_excluding_head,
        "active": b.active,
        "tied_embeddings": b.tied_embeddings,
        "head": b.head_kind,
        "notes": list(b.notes),
    }
    if layers:
        data["layers"] = [
            {
                "stack": layer.stack,
                "index": layer.index,
                "kind": layer.kind,
                "total": layer.total,
                "groups": {g.value: layer.groups[g] for g in GROUPS},
            }
            for layer in b.layers()
        ]
        data["tensors"] = [
            {
                "name": t.name,
                "shape": list(t.shape),
                "group": t.group.value,
                "tower": t.tower.value,
                "size": t.size,
            }
            for t in b.enumeration.tensors()
        ]
    return data


def towers_data(towers: dict[Tower, dict[Group, int]]) -> dict[str, Any]:
    """Tower -> its total and groups, exact integers."""
    return {
        t.value: {"total": sum(groups.values()), "groups": {g.value: groups[g] for g in GROUPS}}
        for t, groups in towers.items()
    }


def count_report(b: Breakdown, layers: bool = False) -> Report:
    """Groups with exact count, human units and share; per-layer and per-tensor on request."""
    rows = [(g.value, b.groups[g], human(b.groups[g]), share(b.groups[g], b.total)) for g in GROUPS]
    footer: list[tuple[str, Any]] = [("total", b.total), ("non-embedding", b.non_embedding)]
    if b.active != b.total:
        footer.append(("active per token", b.active))
    report = Report(
        title=f"{b.name}: {b.total:,} parameters ({human(b.total)})",
        columns=("group", "parameters", "human", "share"),
        rows=rows,
        data=breakdown_data(b, layers),
        footer=footer,
        bar="share",
        key="groups",
    )
    if b.tied_embeddings:
        report.notes.append(
            "input and output embeddings are tied: counted once, in embedding "
            "(a checkpoint may store the head again as lm_head.weight)"
        )
    report.notes += b.notes
    if len(b.towers) > 1:
        report.sections.append(towers_section(b))
    if layers:
        report.sections += [layers_section(b), tensors_section(b)]
    return report


def towers_section(b: Breakdown) -> Report:
    """One row per tower: its count by group, its total and its share of the model."""
    rows = [
        (
            t.value,
            *(groups[g] for g in GROUPS),
            sum(groups.values()),
            share(sum(groups.values()), b.total),
        )
        for t, groups in b.towers.items()
    ]
    return Report(
        "per tower", ("tower", *(g.value for g in GROUPS), "total", "share"), rows, data=None
    )


def layers_section(b: Breakdown) -> Report:
    """One row per block: its kind and its count by group."""
    rows = [
        (
            f"{layer.stack}.{layer.index}",
            layer.kind,
            *(layer.groups[g] for g in GROUPS),
            layer.total,
        )
        for layer in b.layers()
    ]
    columns = ("layer", "kind", *(g.value for g in GROUPS), "total")
    return Report("per layer", columns, rows, data=None, key="layers", secondary=("kind",))


def tensors_section(b: Breakdown) -> Report:
    """One row per tensor: dotted path, group, shape and size."""
    rows = [
        (t.name, t.group.value, " x ".join(map(str, t.shape)), t.size)
        for t in b.enumeration.tensors()
    ]
    return Report(
        "per tensor",
        ("tensor", "group", "shape", "parameters"),
        rows,
        data=None,
        secondary=("shape",),
        key="tensors",
    )


def presets_report(entries: list[tuple[str, Breakdown, str | None]]) -> Report:
    """Every preset with its total, active count and source."""
    rows = [
        (name, b.total, human(b.total), b.active, short_source(source))
        for name, b, source in entries
    ]
    data = [
        {"name": name, "total": b.total, "active": b.active, "source": source}
        for name, b, source in entries
    ]
    return Report(
        f"{len(entries)} presets",
        ("name", "total", "human", "active", "source"),
        rows,
        data,
        secondary=("source",),
    )


def short_source(source: str | None) -> str:
    """A source as a table shows it: Hub addresses as hf.co/... (the Hub's own short domain)."""
    return (source or "").replace("https://huggingface.co/", "hf.co/")


def dense_report(inputs: int, units: int, bias: bool) -> Report:
    """The Keras Dense formula for one layer: kernel, bias and their sum."""
    weights, biases = inputs * units, units if bias else 0
    rows = [
        ("kernel (inputs x units)", f"{inputs} x {units}", weights),
        ("bias (units)", str(units) if bias else "-", biases),
    ]
    data = {
        "inputs": inputs,
        "units": units,
        "use_bias": bias,
        "weights": weights,
        "biases": biases,
        "total": weights + biases,
    }
    return Report(
        f"Dense({units}) on {inputs} inputs",
        ("part", "shape", "parameters"),
        rows,
        data,
        footer=[("total", weights + biases)],
    )


def verify_report(name: str, columns: dict[str, dict[Group, int]]) -> Report:
    """Per group, each derivation's count and whether they all agree."""
    names = list(columns)
    rows = []
    for g in GROUPS:
        values = [columns[n][g] for n in names]
        rows.append((g.value, *values, "ok" if len(set(values)) == 1 else "DIFFERS"))
    totals = [sum(columns[n].values()) for n in names]
    rows.append(("total", *totals, "ok" if len(set(totals)) == 1 else "DIFFERS"))
    ok = all(row[-1] == "ok" for row in rows)
    data = {
        "name": name,
        "ok": ok,
        "counts": {
            n: {**{g.value: columns[n][g] for g in GROUPS}, "total": t}
            for n, t in zip(names, totals, strict=True)
        },
    }
    return Report(
        f"{name}: {'all derivations agree' if ok else 'derivations DIFFER'}",
        ("group", *names, "match"),
        rows,
        data,
    )


def models_report(reports: list[Report]) -> Report:
    """Several models' verifications: one row per model with each derivation's total."""
    ok = all(r.data["ok"] for r in reports)
    names = list(reports[0].data["counts"])
    rows = [
        (
            r.data["name"],
            *(r.data["counts"][n]["total"] for n in names),
            "ok" if r.data["ok"] else "DIFFERS",
        )
        for r in reports
    ]
    title = "all derivations agree" if ok else "derivations DIFFER"
    report = Report(
        f"{len(reports)} models: {title}",
        ("model", *names, "match"),
        rows,
        {"ok": ok, "models": [r.data for r in reports]},
    )
    report.notes += [
        f"{r.data['name']}: {row[0]} differs: {', '.join(map(str, row[1:-1]))}"
        for r in reports
        if not r.data["ok"]
        for row in r.rows
        if row[-1] != "ok"
    ]
    return report
