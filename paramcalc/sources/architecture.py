"""paramcalc's own architecture files (YAML or JSON), presets, `base:` and `--set` overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from paramcalc.errors import InputError, describe, from_validation_error
from paramcalc.schema import DESCRIPTION_FIELDS, Architecture, Loaded, suggest_field

if TYPE_CHECKING:
    from paramcalc.core.model import ModelFile

#: How deep `base:` chains may go before a cycle is assumed.
MAX_BASE_DEPTH = 8
#: Longest rendering of one overridden value in the changed model's name.
MAX_SHOWN_VALUE = 40


def check_field_names(data: Mapping[str, Any], where: str) -> None:
    """Reject an unknown field, suggesting the closest known one."""
    for key in data:
        if not isinstance(key, str):
            raise InputError(where, f"field names must be strings, got {describe(key)}")
        if key not in Architecture.model_fields:
            meant = suggest_field(key, Architecture.model_fields)
            hint = f"; did you mean {meant!r}?" if meant else ""
            raise InputError(where, f"unknown field{hint}", key)


def resolve_base(data: Mapping[str, Any], where: str, depth: int = 0) -> dict[str, Any]:
    """Merge a file's fields over those of the preset its `base:` names (recursively)."""
    fields = dict(data)
    base = fields.pop("base", None)
    if base is None:
        return fields
    if not isinstance(base, str):
        raise InputError(where, f"must name a preset, got {describe(base)}", "base")
    if depth >= MAX_BASE_DEPTH:
        raise InputError(where, f"base chain deeper than {MAX_BASE_DEPTH} (a cycle?)", "base")
    from paramcalc.sources.presets import closest_presets, preset_data, preset_names

    if base not in preset_names():
        raise InputError(where, f"unknown preset {describe(base)}{closest_presets(base)}", "base")
    parent = preset_data(base)
    merged = resolve_base(parent, f"preset {base}", depth + 1)
    for key in ("expected_total", "tolerance", "source"):
        merged.pop(key, None)  # the parent's expectation does not hold for a modified copy
    merged.pop("name", None)
    return merged | fields


def build_nested(
    data: Mapping[str, Any],
    where: str,
    overrides: Mapping[str, Any] | None,
    default_name: str | None,
) -> ModelFile:
    """Validate a nested (v2) architecture file: its towers under `text:` (and `vision:`...)."""
    from paramcalc.core.model import ModelFile

    if "base" in data:
        raise InputError(
            where, "a nested architecture (text: ...) cannot name a base preset", "base"
        )
    if overrides:
        raise InputError(
            "--set",
            "overrides apply to flat architecture files and config.json "
            "keys; edit the nested file instead",
        )
    for key in data:
        if key not in ModelFile.model_fields:
            raise InputError(
                where,
                "unknown field of a nested architecture (expected one of: "
                f"{', '.join(ModelFile.model_fields)})",
                str(key),
            )
    fields = dict(data)
    if default_name and "name" not in fields:
        fields["name"] = default_name
    try:
        return ModelFile.model_validate(fields)
    except ValidationError as exc:
        raise from_validation_error(exc, where) from None


#: The fields beside `config:` in a file that wraps a published config.json.
CONFIG_FILE_FIELDS = ("name", "source", "expected_total", "tolerance", "config")


def build_from_config(
    data: Mapping[str, Any],
    where: str,
    overrides: Mapping[str, Any] | None,
    default_name: str | None,
) -> Loaded:
    """A published config.json kept under `config:`, with its provenance beside it.

    Presets of families the flat form cannot say (MoE with shared experts, hybrids, vision
    towers) are stored this way: the config is what the model's authors published, and it is
    read by the same family record as any config.json.
    """
    from paramcalc.sources.hf import from_config

    for key in data:
        if key not in CONFIG_FILE_FIELDS:
            raise InputError(
                where,
                f"unknown field beside config: (expected one of: {', '.join(CONFIG_FILE_FIELDS)})",
                str(key),
            )
    config = data["config"]
    if not isinstance(config, Mapping):
        raise InputError(where, f"must be a config.json mapping, got {describe(config)}", "config")
    name = data.get("name", default_name)
    loaded = from_config(dict(config), f"{where}: config", name, overrides)
    if overrides:
        return loaded  # from_config marks the changed copy; the expectation no longer holds
    update = {k: data[k] for k in ("source", "expected_total", "tolerance") if k in data}
    try:  # the parts already validated are instances, which pydantic does not re-check
        return type(loaded).model_validate({**dict(loaded), **update})
    except ValidationError as exc:
        raise from_validation_error(exc, where) from None


def build(
    data: Mapping[str, Any],
    where: str,
    overrides: Mapping[str, Any] | None = None,
    default_name: str | None = None,
) -> Loaded:
    """Validate an architecture mapping (with `base:` and overrides applied) into the schema:
    the flat form, the nested v2 form when the file has a `text:` tower, or a published
    config.json under `config:`."""
    if "config" in data:
        return build_from_config(data, where, overrides, default_name)
    if "text" in data:
        return build_nested(data, where, overrides, default_name)
    fields = resolve_base(data, where)
    check_field_names(fields, where)
    if default_name and "name" not in fields:
        fields["name"] = default_name
    if overrides:
        check_field_names(overrides, "--set")
        fields = changed_identity(fields, overrides) | dict(overrides)
    try:
        return Architecture.model_validate(fields)
    except ValidationError as exc:
        error = from_validation_error(exc, where)
        if overrides and error.field in overrides:  # the bad value came from the command line
            error = InputError("--set", error.message, error.field)
        raise error from None


def changed_identity(fields: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a model that overrides change: its name says what changed
    (`llama-2-7b (num_hidden_layers=40)`), its source is marked, and its expected_total and
    tolerance, which held for the original, are dropped."""
    changes = [
        f"{k}={shown_value(v)}"
        for k, v in overrides.items()
        if k not in DESCRIPTION_FIELDS and fields.get(k, MISSING) != v
    ]
    if not changes:
        return fields
    fields = {k: v for k, v in fields.items() if k not in ("expected_total", "tolerance")}
    if isinstance(fields.get("name"), str):
        fields["name"] = f"{fields['name']} ({', '.join(changes)})"
    if isinstance(fields.get("source"), str):
        fields["source"] = f"{fields['source']}; changed: {', '.join(changes)}"
    return fields


MISSING = object()


def shown_value(value: Any) -> str:
    """An overridden value as the name shows it, as --set takes it: `true`, `[a, b]`, `8/3`."""
    import json

    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 3] + "..."


def apply_overrides(arch: Loaded, overrides: Mapping[str, Any], where: str) -> Loaded:
    """Re-validate an architecture with some fields replaced."""
    if not overrides:
        return arch
    return build(arch.model_dump(exclude_defaults=True), where, overrides)


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Turn `FIELD=VALUE` strings into a mapping; values are read as YAML scalars."""
    from paramcalc.sources.files import parse_yaml

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError("--set", f"expected FIELD=VALUE, got {describe(pair)}")
        value = parse_yaml(raw, f"--set {key}") if raw.strip() else None
        if isinstance(value, (dict, list)) and key not in {"layer_types", "mlp_only_layers"}:
            raise InputError("--set", f"expected a single value, got {describe(raw)}", key)
        overrides[key] = value
    return overrides


def file_schema() -> dict[str, Any]:
    """The JSON Schema of an architecture file: the schema's fields plus `base:`.

    A file that names a `base` preset inherits its sizes, so the sizes are required only
    when there is no `base`.
    """
    from paramcalc.core.model import ModelFile
    from paramcalc.core.types import Spec
    from paramcalc.field_docs import document

    document(Architecture, Spec)
    schema = Architecture.model_json_schema()
    required = schema.pop("required", [])
    schema["properties"] = {
        "base": {
            "type": "string",
            "title": "Base",
            "description": "A preset to start from (see `paramcalc presets`); the file's "
            "fields replace the preset's.",
        },
        **schema["properties"],
    }
    schema["anyOf"] = [{"required": ["base"]}, {"required": required}]
    nested = ModelFile.model_json_schema()
    nested["title"] = "paramcalc architecture (nested v2 form)"
    defs = {**schema.pop("$defs", {}), **nested.pop("$defs", {})}
    schema["title"] = "paramcalc architecture (flat form)"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "paramcalc architecture",
        "$defs": defs,
        "description": "The flat form says a uniform single-tower decoder in one mapping; "
        "the nested form says towers, stacks and per-layer blocks; the third wraps a "
        "published config.json under `config:`.",
        "oneOf": [schema, nested, config_file_schema()],
    }


def config_file_schema() -> dict[str, Any]:
    """The form that holds a published config.json under `config:`, provenance beside it."""
    return {
        "title": "published config.json with its provenance",
        "type": "object",
        "required": ["config"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": "The model's name in reports."},
            "source": {"type": "string", "description": "Where the config.json was read."},
            "expected_total": {
                "type": ["integer", "string"],
                "description": "The total the count must equal (`check`).",
            },
            "tolerance": {
                "type": ["number", "string"],
                "description": "How far the count may be from expected_total.",
            },
            "config": {
                "type": "object",
                "required": ["model_type"],
                "description": "A Hugging Face config.json, read by its model_type's family.",
            },
        },
    }
