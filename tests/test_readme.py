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
