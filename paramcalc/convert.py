"""Turn an architecture back into a paramcalc YAML file a user can edit."""

from __future__ import annotations

from typing import Any

from paramcalc.schema import Architecture, Loaded


def architecture_fields(arch: Architecture, total: int) -> dict[str, Any]:
    """The fields that differ from the schema's defaults, in schema order, plus expected_total.

    The count of the result equals the count of `arch`: every other field is at its default.
    """
    changed = arch.model_dump(mode="json", exclude_defaults=True)
    fields = {name: changed[name] for name in Architecture.model_fields if name in changed}
    fields["expected_total"] = total
    # expected_total sits with the description fields at the top, where the schema puts it.
    order = list(Architecture.model_fields)
    return dict(sorted(fields.items(), key=lambda item: order.index(item[0])))


def with_kinds(short: Any, full: Any) -> Any:
    """`short` (a dump without defaults) with every union member's `kind` tag put back."""
    if isinstance(short, dict) and isinstance(full, dict):
        tagged = {"kind": full["kind"]} if "kind" in full else {}
        return {**tagged, **{k: with_kinds(v, full.get(k)) for k, v in short.items()}}
    if isinstance(short, list) and isinstance(full, list):
        return [with_kinds(s, f) for s, f in zip(short, full, strict=False)]
    return short


def model_fields(model: Any, total: int) -> dict[str, Any]:
    """A v2 model's non-default fields (nested), with expected_total after its provenance."""
    fields = with_kinds(
        model.model_dump(mode="json", exclude_defaults=True), model.model_dump(mode="json")
    )
    fields.pop("expected_total", None)
    head = {k: fields.pop(k) for k in ("name", "source", "notes", "naming") if k in fields}
    return {**head, "expected_total": total, **fields}


def to_yaml(arch: Loaded, total: int) -> str:
    """The architecture as block YAML, in the shortest form that says it: the flat form for a
    uniform decoder, the nested v2 form otherwise; only non-default fields, expected_total set."""
    import yaml

    fields = (
        architecture_fields(arch, total)
        if isinstance(arch, Architecture)
        else model_fields(arch, total)
    )
    return str(yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=100))
