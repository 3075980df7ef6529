"""Hugging Face `config.json` import: one explicit table per `model_type`.

The result is what transformers 5.23.0 counts when it instantiates the config
(`sum(p.numel() for p in model.parameters())`, tied weights once): the causal-LM class for
decoders, `AutoModel` for BERT and RoBERTa, `T5ForConditionalGeneration` for T5. Each family's
defaults and mapping live in `hf_llama`, `hf_moe`, `hf_classic` and `hf_encoders`; the readers
they share in `hf_config`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from paramcalc.errors import InputError, describe, from_validation_error
from paramcalc.schema import Architecture
from paramcalc.sources.hf_config import Family, HFConfig


def families() -> dict[str, Family]:
    """Every supported model_type and its table, sorted by name."""
    from paramcalc.sources import hf_classic, hf_encoders, hf_llama, hf_moe

    every = (*hf_llama.FAMILIES, *hf_moe.FAMILIES, *hf_classic.FAMILIES, *hf_encoders.FAMILIES)
    return dict(sorted((f.model_type, f) for f in every))


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


def from_config(data: dict[str, Any], where: str, default_name: str | None = None) -> Architecture:
    """Map a Hugging Face config.json mapping onto the architecture schema."""
    family = family_of(data, where)
    fields = family.build(HFConfig(data, where, family))
    fields = {"name": default_name, "source": f"{where} (model_type {family.model_type})",
              **fields}
    try:
        return Architecture.model_validate(fields)
    except ValidationError as exc:
        raise from_validation_error(exc, where) from None
