"""The shipped presets: YAML files in `configs/`, installed as the `paramcalc.presets` package."""

from __future__ import annotations

import difflib
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from paramcalc.errors import InputError

#: The presets of a source checkout (`configs/` beside the package), used when paramcalc is
#: imported from the checkout itself rather than from an install, as `python -m pytest` in the
#: repository does after a plain `pip install .`.
CHECKOUT_PRESETS = Path(__file__).resolve().parents[2] / "configs"


@cache
def preset_files() -> dict[str, Path]:
    """Map each preset name to its YAML file, sorted by name.

    A source checkout's own `configs/` comes first: an editable install of another checkout
    would map `paramcalc.presets` to that checkout's presets. Otherwise the presets package is
    found through its import spec rather than importlib.resources, which costs more start-up
    time than the whole count it serves.
    """
    if (CHECKOUT_PRESETS / "__init__.py").is_file():
        folders = [str(CHECKOUT_PRESETS)]
    else:
        spec = find_spec("paramcalc.presets")
        folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise InputError("paramcalc.presets", "the shipped presets are missing from this install")
    files = {p.stem: p for folder in folders for p in Path(folder).glob("*.yaml")}
    return dict(sorted(files.items()))


def preset_names() -> list[str]:
    """Names of every shipped preset."""
    return list(preset_files())


def canonical_preset(name: str) -> str:
    """The preset `name` names, read case-insensitively (`Llama-2-7B` is `llama-2-7b`)."""
    files = preset_files()
    if name in files:
        return name
    folded = {preset.casefold(): preset for preset in files}
    if name.casefold() in folded:
        return folded[name.casefold()]
    raise InputError(name, f"unknown preset{closest_presets(name)}")


def preset_text(name: str) -> str:
    """The YAML text of preset `name`, or an InputError with the closest names."""
    return preset_files()[canonical_preset(name)].read_text(encoding="utf-8")


def closest_presets(name: str) -> str:
    """A hint naming the presets closest to a misspelt name."""
    close = difflib.get_close_matches(name.casefold(), preset_files(), n=3)
    return f"; did you mean {', '.join(close)}?" if close else "; see `paramcalc presets`"
