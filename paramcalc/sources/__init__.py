"""Where architectures come from: presets, paramcalc files and Hugging Face config.json files.

`load` is the one entry point; each format has its own module.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError
from paramcalc.schema import Loaded

ARCHITECTURE_SUFFIXES = (".yaml", ".yml", ".json")


def looks_like_path(source: str) -> bool:
    """Whether `source` names a file or folder rather than a preset."""
    return "/" in source or "\\" in source or source.endswith(ARCHITECTURE_SUFFIXES) or (
        Path(source).exists()
    )


def load(source: str, overrides: Mapping[str, Any] | None = None) -> Loaded:
    """Load a preset name, a YAML/JSON architecture file, or a Hugging Face config.json."""
    from paramcalc.sources import architecture

    if not source.strip():  # Path("") is the current folder: say what is wrong instead
        raise InputError(repr(source), "empty source; give a preset name, a file or a folder")
    if not looks_like_path(source):
        from paramcalc.sources.files import parse_yaml
        from paramcalc.sources.presets import preset_text

        data = parse_yaml(preset_text(source), f"preset {source}")
        return architecture.build(data, f"preset {source}", overrides, default_name=source)
    return load_path(Path(source), overrides or {})


def load_path(path: Path, overrides: Mapping[str, Any]) -> Loaded:
    """Load an architecture from a file, or from a folder holding a config.json."""
    from paramcalc.sources import architecture
    from paramcalc.sources.files import parse_mapping

    if path.is_dir():
        if not (path / "config.json").is_file():
            raise InputError(str(path), "folder holds no config.json")
        path = path / "config.json"
    elif path.exists() and path.suffix not in ARCHITECTURE_SUFFIXES:
        raise InputError(str(path), "unsupported file type (expected .yaml, .yml or .json)")
    data = parse_mapping(path)
    if "model_type" in data or path.name == "config.json":
        from paramcalc.sources import hf

        return hf.from_config(data, str(path), hf_model_name(path), overrides)
    return architecture.build(data, str(path), overrides, default_name=path.stem)


def hf_model_name(path: Path) -> str:
    """A readable name for a config.json: its folder's name."""
    return path.resolve().parent.name if path.name == "config.json" else path.stem
