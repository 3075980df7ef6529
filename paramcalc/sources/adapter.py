"""A PEFT adapter on disk: its adapter_config.json, and adapter_model.safetensors by header.

An adapter config names no `model_type`; it is told apart from an architecture file by PEFT's
own keys (`peft_type`, `target_modules`). Its base is `base_model_name_or_path`, read through
the same path any SOURCE takes (a Hub id from the local cache first), unless `--base` names one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError

CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
#: Keys only a PEFT adapter config has (an architecture file has none of them).
PEFT_KEYS = ("peft_type", "target_modules", "base_model_name_or_path")


@dataclass(frozen=True)
class AdapterFiles:
    """An adapter config, and the weights file beside it when there is one."""

    config: Path
    data: dict[str, Any] = field(repr=False, compare=False)
    weights: Path | None = None


def is_adapter_config(data: Any) -> bool:
    """Whether a parsed JSON mapping is a PEFT adapter config."""
    return isinstance(data, dict) and "model_type" not in data and "peft_type" in data


def adapter_at(source: str) -> AdapterFiles | None:
    """The adapter SOURCE names (a folder holding adapter_config.json, or the file), or None."""
    path = Path(source)
    try:
        if path.is_dir() and (path / CONFIG).is_file() and not (path / "config.json").exists():
            path = path / CONFIG
        if not path.is_file() or path.suffix != ".json":
            return None
        if path.name != CONFIG and "peft_type" not in path.read_text(errors="replace")[:65536]:
            return None
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not is_adapter_config(data):
        return None
    weights = path.parent / WEIGHTS
    return AdapterFiles(path, data, weights if weights.is_file() else None)


def base_of(adapter: AdapterFiles, base: str | None) -> str:
    """The base model SOURCE: `--base`, else the config's base_model_name_or_path."""
    if base:
        return base
    named = adapter.data.get("base_model_name_or_path")
    if not isinstance(named, str) or not named.strip():
        raise InputError(
            str(adapter.config),
            "no base model named; give one with --base",
            "base_model_name_or_path",
        )
    return named
