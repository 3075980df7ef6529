"""Reports of the design workflows: two architectures compared, and the shapes `solve` found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paramcalc.render import Report
from paramcalc.render.units import human, percent
from paramcalc.shaping import resolved

if TYPE_CHECKING:
    from paramcalc.diff import Diff, Line
    from paramcalc.solve import Solution


def signed(value: int | None) -> str:
    """A difference with its sign: `+262,144,000`, `-4,096`, `0`; blank when not a number."""
    if value is None:
        return ""
    return f"{value:+,}" if value else "0"


def change(line: Line) -> str:
    """The relative change with its sign (`+3.89%`), `=` when equal, blank when not a count."""
    if not line.differs:
        return "="
    relative = line.relative
    if relative is None:
        return ""
    return ("+" if relative > 0 else "-") + percent(abs(relative))


def line_data(line: Line) -> dict[str, Any]:
    """One compared quantity for machines: both values, exact difference, relative change."""
    relative = line.relative
    return {
        "a": line.a,
        "b": line.b,
        "difference": line.difference,
        "relative": None if relative is None else float(relative),
    }


def diff_report(d: Diff) -> Report:
    """Counts side by side, then the fields, with a note for each field that differs."""
    total = d.total
    rows = [(line.name, line.a, line.b, signed(line.difference), change(line)) for line in d.counts]
    fields = [
        (line.name, shown_cell(line.a), shown_cell(line.b), signed(line.difference), change(line))
        for line in d.fields
    ]
    columns = ("", d.name_a, d.name_b, "difference", "change")
    title = (
        f"{d.name_a} -> {d.name_b}: {signed(total.difference)} parameters "
        f"({change(total)}, {human(total.a)} -> {human(total.b)})"
    )
    data = {
        "a": d.name_a,
        "b": d.name_b,
        "counts": {line.name: line_data(line) for line in d.counts},
        "fields": {line.name: line_data(line) for line in d.fields},
        "differing_fields": [line.name for line in d.differing_fields()],
    }
    notes = [
        f"{line.name}: {shown_cell(line.a)} in {d.name_a}, {shown_cell(line.b)} in {d.name_b}"
        for line in d.differing_fields()
    ] or ["no field differs"]
    fields_section = Report(
        "fields",
        ("field", d.name_a, d.name_b, "difference", "change"),
        fields,
        data=None,
        key="fields",
    )
    return Report(
        title,
        ("count", *columns[1:]),
        rows,
        data,
        notes=notes,
        sections=[fields_section],
        key="counts",
    )


def shown_cell(value: Any) -> Any:
    """A field value for a table cell: lists joined, None as `-`."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "[]"
    return value


#: Short column names for the fields a solution sets (the JSON keeps the field names).
SHORT = {
    "num_hidden_layers": "layers",
    "hidden_size": "hidden",
    "num_attention_heads": "heads",
    "num_key_value_heads": "kv heads",
    "intermediate_size": "ffn",
    "vocab_size": "vocab",
    "moe_intermediate_size": "expert ffn",
    "num_experts": "experts",
    "shared_expert_intermediate_size": "shared ffn",
}
#: Fields that follow the width and get a column of their own (heads are in the notes).
FFN_COLUMNS = ("intermediate_size", "moe_intermediate_size", "shared_expert_intermediate_size")


def solve_report(s: Solution) -> Report:
    """The ranked shapes: the fields they set, the count, its error and width per layer."""
    shown = [
        *s.vary,
        *(
            k
            for k in FFN_COLUMNS
            if k not in s.vary and any(k in shape.overrides for shape in s.shapes)
        ),
    ]
    active = s.objective == "active"
    rows = [
        (
            *(resolved(shape.arch, k) for k in shown),
            shape.total,
            *((shape.active,) if active else ()),
            change_of(shape.objective - s.target.value, s.target.value),
            f"{float(shape.aspect):.0f}",
        )
        for shape in s.shapes
    ]
    columns = (
        *(SHORT.get(k, k) for k in shown),
        "total",
        *(("active",) if active else ()),
        "error",
        "aspect",
    )
    low, high = human(s.target.low), human(s.target.high)
    if low == high or human(s.target.value) in (low, high):  # 3 digits blur a narrow window
        low, high = f"{s.target.low:,}", f"{s.target.high:,}"
    window = f"{low}..{high}" if s.target.low != s.target.high else "exact"
    title = (
        f"{s.base.name}: shapes closest to {s.objective} {s.target.value:,} "
        f"({human(s.target.value)}, window {window})"
    )
    notes = [
        "best first: inside the window, then nearest the base's aspect "
        "(hidden_size per layer), then nearest the target",
        *s.rules,
        f"{s.evaluated:,} shapes counted exactly",
    ]
    if s.target.excess(s.shapes[0].objective):
        notes.insert(
            0,
            f"no shape counts {s.target.low:,}..{s.target.high:,}: these come "
            "closest (vary other fields or widen --tolerance)",
        )
    return Report(title, columns, rows, solve_data(s), notes=notes)


def solve_data(s: Solution) -> dict[str, Any]:
    """The solution for machines: each shape's fields as `--set` takes them, and its counts."""
    return {
        "base": s.base.name,
        "target": s.target.value,
        "low": s.target.low,
        "high": s.target.high,
        "objective": s.objective,
        "vary": list(s.vary),
        "solved": s.solved,
        "rules": s.rules,
        "evaluated": s.evaluated,
        "shapes": [
            {
                "rank": rank,
                "overrides": shape_overrides(shape.overrides),
                "total": shape.total,
                "active": shape.active,
                "error": shape.objective - s.target.value,
                "within": s.target.excess(shape.objective) == 0,
                "width_per_layer": float(shape.aspect),
            }
            for rank, shape in enumerate(s.shapes, start=1)
        ],
    }


def change_of(error: int, target: int) -> str:
    """An error relative to the target, signed: `+0.41%`."""
    from fractions import Fraction

    if not error:
        return "0"
    return ("+" if error > 0 else "-") + percent(Fraction(abs(error), target))


def shape_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """A shape's fields as `--set` takes them: tuples as lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()}
