"""The shipped presets: YAML files in `configs/` (the source of truth, installed as the
`paramcalc.presets` package), read at run time from one JSON file compiled from them.

Reading a preset parses `paramcalc/data/presets.json` once per process (json is in C and
imported anyway) instead of one YAML file per use: PyYAML's import and its pure-Python parser
cost more than the count they serve. `python scripts/compile_presets.py` writes the file;
`tests/test_compiled_presets.py` holds it to the YAML files. Every preset is still validated
by the schema when it is loaded, as a user's file is.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError

#: The presets of a source checkout (`configs/` beside the package), used when paramcalc is
#: imported from the checkout itself rather than from an install, as `python -m pytest` in the
#: repository does after a plain `pip install .`.
CHECKOUT_PRESETS = Path(__file__).resolve().parents[2] / "configs"
#: Every preset's fields, compiled from the YAML files by `scripts/compile_presets.py`.
COMPILED_PRESETS = Path(__file__).resolve().parents[1] / "data" / "presets.json"


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


def compile_presets() -> str:
    """The text of the compiled presets file: each YAML preset's fields, sorted by name.

    Each file is read as a user's file is (the strict YAML loader), so what the compiled file
    holds is exactly what loading the YAML file would give.
    """
    from paramcalc.sources.files import parse_mapping

    data = {name: parse_mapping(path, f"preset {name}") for name, path in preset_files().items()}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


@cache
def compiled_presets() -> dict[str, dict[str, Any]]:
    """Every preset's fields, read once per process from the compiled file."""
    try:
        text = COMPILED_PRESETS.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(COMPILED_PRESETS), f"cannot read: {exc.strerror or exc}") from None
    presets: dict[str, dict[str, Any]] = json.loads(text)
    return presets


def fresh(value: Any) -> Any:
    """A copy of JSON data whose dicts and lists no caller shares with the cache."""
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh(v) for v in value]
    return value


def preset_names() -> list[str]:
    """Names of every shipped preset."""
    return list(compiled_presets())


def canonical_preset(name: str) -> str:
    """The preset `name` names, read case-insensitively (`Llama-2-7B` is `llama-2-7b`)."""
    presets = compiled_presets()
    if name in presets:
        return name
    folded = {preset.casefold(): preset for preset in presets}
    if name.casefold() in folded:
        return folded[name.casefold()]
    raise InputError(name, f"unknown preset{closest_presets(name)}")


def preset_data(name: str) -> dict[str, Any]:
    """The fields of preset `name` (a copy the caller may change), or an InputError with the
    closest names."""
    data: dict[str, Any] = fresh(compiled_presets()[canonical_preset(name)])
    return data


def closest_presets(name: str) -> str:
    """A hint naming the presets closest to a misspelt name."""
    close = difflib.get_close_matches(name.casefold(), compiled_presets(), n=3)
    return f"; did you mean {', '.join(close)}?" if close else "; see `paramcalc presets`"
