"""Turn an architecture back into a paramcalc YAML file a user can edit."""

from __future__ import annotations

from typing import Any

from paramcalc.schema import Architecture


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


def to_yaml(arch: Architecture, total: int) -> str:
    """The architecture as block YAML: only non-default fields, schema order, expected_total."""
    import yaml

    return str(yaml.safe_dump(architecture_fields(arch, total), sort_keys=False,
                              allow_unicode=True, width=100))
