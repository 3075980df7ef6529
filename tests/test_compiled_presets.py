"""The compiled presets file presets are read from matches the YAML files in configs/."""

from __future__ import annotations

import paramcalc
from paramcalc.sources.files import parse_mapping
from paramcalc.sources.presets import (
    COMPILED_PRESETS,
    compile_presets,
    preset_data,
    preset_files,
    preset_names,
)

REGENERATE = "python scripts/compile_presets.py"


def test_compiled_presets_match_the_yaml_files() -> None:
    """The compiled file is what compiling configs/*.yaml gives now."""
    current = COMPILED_PRESETS.read_text(encoding="utf-8")
    assert current == compile_presets(), (
        f"{COMPILED_PRESETS.name} is out of date with configs/*.yaml: run `{REGENERATE}`"
    )


def test_every_yaml_preset_reads_as_its_file() -> None:
    """Each preset's compiled fields equal its YAML file's, both forms (flat and config:)."""
    assert preset_names() == list(preset_files()), f"run `{REGENERATE}`"
    for name, path in preset_files().items():
        assert preset_data(name) == parse_mapping(path), f"{name}: run `{REGENERATE}`"


def test_preset_data_is_not_shared() -> None:
    """Changing the fields one caller got leaves the next caller's copy as shipped."""
    first = preset_data("llama-2-7b")
    first["hidden_size"] = 1
    assert preset_data("llama-2-7b")["hidden_size"] == 4096
    assert paramcalc.count("llama-2-7b").total == 6738415616
