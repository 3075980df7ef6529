"""Hugging Face `config.json` import: one explicit table per `model_type`."""

from __future__ import annotations

from typing import Any

from paramcalc.errors import InputError
from paramcalc.schema import Architecture


def from_config(data: dict[str, Any], where: str, default_name: str | None = None) -> Architecture:
    """Map a Hugging Face config.json mapping onto the architecture schema."""
    raise InputError(where, "Hugging Face config.json import is not available yet", "model_type")
