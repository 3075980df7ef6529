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

from paramcalc.errors import InputError, describe, from_validation_error
from paramcalc.families.base import Family, HFConfig
from paramcalc.schema import Architecture


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
        raise InputError(where, "no model_type: paramcalc reads Hugging Face config.json files "
                                f"that name their model_type (one of: {supported})",
                         "model_type")
    model_type = data["model_type"]
    if not isinstance(model_type, str):
        raise InputError(where, f"must be a string, got {describe(model_type)}", "model_type")
    table = families()
    if model_type not in table:
        close = difflib.get_close_matches(model_type, table, n=1, cutoff=0.8)
        hint = (f" (did you mean {close[0]!r}?)" if close else "") + f"; supported: {supported}"
        if isinstance(data.get("text_config"), dict):
            hint = f" (a multimodal config: its language model is under text_config){hint}"
        raise InputError(where, f"unsupported model_type {describe(model_type)}{hint}",
                         "model_type")
    return table[model_type]


def stored_beyond(family: Family) -> tuple[str, ...]:
    """The family's note on what its checkpoints hold beyond the parameters, if it has one."""
    return (family.notes,) if family.notes else ()


def from_config(data: dict[str, Any], where: str, default_name: str | None = None) -> Architecture:
    """Map a Hugging Face config.json mapping onto the architecture schema."""
    family = family_of(data, where)
    fields = family.build(HFConfig(data, where, family))
    fields = {"name": default_name, "source": f"{where} (model_type {family.model_type})",
              "notes": stored_beyond(family), "naming": family.model_type, **fields}
    try:
        return Architecture.model_validate(fields)
    except ValidationError as exc:
        error = from_validation_error(exc, where)
        key = config_key(family, data, error.field)
        if key == error.field:
            raise error from None
        raise InputError(where, error.message, f"{key} ({error.field})") from None


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
