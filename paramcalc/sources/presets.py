"""The shipped presets: YAML files in `configs/`, installed as the `paramcalc.presets` package."""

from __future__ import annotations

import difflib
from importlib import resources
from importlib.resources.abc import Traversable

from paramcalc.errors import InputError


def preset_files() -> dict[str, Traversable]:
    """Map each preset name to its YAML file, sorted by name."""
    folder = resources.files("paramcalc.presets")
    files = {f.name.removesuffix(".yaml"): f for f in folder.iterdir() if f.name.endswith(".yaml")}
    return dict(sorted(files.items()))


def preset_names() -> list[str]:
    """Names of every shipped preset."""
    return list(preset_files())


def preset_text(name: str) -> str:
    """The YAML text of preset `name`, or an InputError with the closest names."""
    files = preset_files()
    if name not in files:
        close = difflib.get_close_matches(name, files, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `paramcalc presets`"
        raise InputError(name, f"unknown preset{hint}")
    return files[name].read_text(encoding="utf-8")
