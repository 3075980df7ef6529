"""The README says what paramcalc does today: its list of model types is the registry's."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import REPO


def test_readme_lists_every_supported_model_type() -> None:
    """The README's model-types block is what scripts/readme_model_types.py writes."""
    spec = importlib.util.spec_from_file_location(
        "readme_model_types", REPO / "scripts" / "readme_model_types.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert script.with_block(text, script.model_types_block()) == text


def test_the_wheel_lists_every_package() -> None:
    """`pip install .` ships every paramcalc package: pyproject's list is the source tree's."""
    tomllib = pytest.importorskip("tomllib")

    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "paramcalc").rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)


def test_the_preset_table_lists_every_preset_once_and_counts_them() -> None:
    """The README's table of presets names each shipped preset once, and says how many."""
    from paramcalc.sources.presets import preset_names

    text = (REPO / "README.md").read_text()
    section = text.split("## Presets", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    listed = [name for row in rows for name in row.split("|")[2].replace("`", "").split(", ")]
    listed = [name.strip() for name in listed]
    assert sorted(listed) == preset_names()
    assert f"The {len(preset_names())} presets, by family" in section
