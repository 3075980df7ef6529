"""Hugging Face `config.json` import through the family records of `paramcalc.families`.

The result is what transformers 5.23.0 counts when it instantiates the config
(`sum(p.numel() for p in model.parameters())`, tied weights once): the causal-LM class for
decoders, `AutoModel` for BERT and RoBERTa, `T5ForConditionalGeneration` for T5.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from paramcalc.core.model import ModelFile
from paramcalc.errors import InputError, describe, from_validation_error
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.heads import HeadName
from paramcalc.schema import Architecture
from paramcalc.sources.architecture import MISSING, shown_value


def families() -> dict[str, Family]:
    """Every supported model_type and its record."""
    from paramcalc.families import families as registry

    return registry()


def supported_model_types() -> list[str]:
    """The model_type values paramcalc can import exactly."""
    return list(families())


def family_of(data: Mapping[str, Any], where: str) -> Family:
    """The table for a config's model_type, or an InputError listing the supported ones."""
    supported = ", ".join(supported_model_types())
    if "model_type" not in data:
        raise InputError(
            where,
            "no model_type: paramcalc reads Hugging Face config.json files "
            f"that name their model_type (one of: {supported})",
            "model_type",
        )
    model_type = data["model_type"]
    if not isinstance(model_type, str):
        raise InputError(where, f"must be a string, got {describe(model_type)}", "model_type")
    from paramcalc.families import UNBUILDABLE

    table = families()
    if model_type in UNBUILDABLE:
        raise InputError(where, f"{model_type!r}: {UNBUILDABLE[model_type]}", "model_type")
    if model_type not in table:
        close = difflib.get_close_matches(model_type, table, n=1, cutoff=0.8)
        hint = (f" (did you mean {close[0]!r}?)" if close else "") + f"; supported: {supported}"
        if isinstance(data.get("text_config"), dict):
            hint = f" (a multimodal config: its language model is under text_config){hint}"
        raise InputError(
            where, f"unsupported model_type {describe(model_type)}{hint}", "model_type"
        )
    return table[model_type]


def stored_beyond(family: Family) -> tuple[str, ...]:
    """The family's note on what its checkpoints hold beyond the parameters, if it has one."""
    return (family.notes,) if family.notes else ()


def from_config(
    data: Mapping[str, Any],
    where: str,
    default_name: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    head: HeadName | None = None,
) -> Architecture | ModelFile:
    """Map a Hugging Face config.json mapping onto the architecture schema.

    `overrides` replace config keys before the family reads them (`--set num_hidden_layers=4`).
    A family the flat form can say gives an `Architecture`, any other a v2 `ModelFile`; an
    encoder with `head` (mlm, pooler, none) gives the v2 model with that head.
    """
    family = family_of(data, where)
    raw = data
    if overrides:
        check_config_keys(family, data, overrides)
        data = {**data, **overrides}
    config = HFConfig(data, where, family)
    fields = family.build(config)
    name, source = default_name, f"{where} (model_type {family.model_type})"
    changes = [
        f"{k}={shown_value(v)}" for k, v in (overrides or {}).items() if raw.get(k, MISSING) != v
    ]
    if changes:  # the name says what --set changed, as for a paramcalc file
        name = f"{name} ({', '.join(changes)})" if name else name
        source += f"; changed: {', '.join(changes)}"
    fields = {
        "name": name,
        "source": source,
        "notes": stored_beyond(family),
        "naming": family.model_type,
        **fields,
    }
    schema: type[Architecture] | type[ModelFile] = ModelFile if "text" in fields else Architecture
    try:
        loaded = schema.model_validate(fields)
    except ValidationError as exc:
        error = from_validation_error(exc, where)
        key = config_key(family, data, error.field)
        if overrides and key in overrides:  # the bad value came from the command line
            raise InputError("--set", error.message, key) from None
        if key == error.field:
            raise error from None
        raise InputError(where, error.message, f"{key} ({error.field})") from None
    if head is None:
        return loaded
    from paramcalc.families.heads import with_head

    return with_head(loaded, family, config, head)


def check_config_keys(
    family: Family, data: Mapping[str, Any], overrides: Mapping[str, Any]
) -> None:
    """Refuse an override of a key neither the file nor the family's config class has."""
    known = (
        set(data) | set(family.defaults) | {a for names in family.aliases.values() for a in names}
    )
    if family.mlm is not None:  # the masked-LM head reads it (head mlm)
        known.add("tie_word_embeddings")
    for key in overrides:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError("--set", f"not a key of this {family.model_type} config{hint}", key)


def config_key(family: Family, data: Mapping[str, Any], field: str | None) -> str | None:
    """The config.json key behind a schema field, so an error names what the user wrote.

    GPT-2's `n_head` sets `num_attention_heads`: the family's aliases say so. A field the
    family maps in code under another name keeps paramcalc's name.
    """
    if field is None or field in data:
        return field
    for key, aliases in family.aliases.items():
        if field in aliases:
            return key
    return field
