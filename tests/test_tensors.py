"""paramcalc's tensor records equal `model.named_parameters()` of transformers, name by name.

Each fixture stores the (name, shape) list transformers 5.23 builds on the meta device
(`scripts/make_reference.py`) and its per-tower counts, so these tests need no torch: the
config is read through the same loader a user's config.json takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from paramcalc.calculator import count
from paramcalc.sources import load


def fixtures() -> dict[str, dict[str, Any]]:
    """Every stored config with its tensor list: data/hf and the reference models."""
    found = {f["name"]: f for f in map(lambda p: json.loads(p.read_text()),
                                       sorted((DATA / "hf").glob("*.json"))) if "tensors" in f}
    references = json.loads((DATA / "reference_tensors.json").read_text())
    for model in json.loads((DATA / "reference_models.json").read_text()):
        found[model["name"]] = {"name": model["name"], "config": model["config_json"],
                                **references[model["name"]]}
    return found


FIXTURES = fixtures()


def counted(tmp_path: Path, fixture: dict[str, Any]) -> Any:
    """Count the fixture's config written as NAME/config.json."""
    folder = tmp_path / fixture["name"]
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(fixture["config"]))
    return count(load(str(folder / "config.json")))


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_tensor_names_and_shapes_equal_transformers(tmp_path: Path, name: str) -> None:
    """Every parameter transformers builds, and no other, under its name and with its shape."""
    fixture = FIXTURES[name]
    ours = [(t.name, list(t.shape)) for t in counted(tmp_path, fixture).enumeration.tensors()]
    theirs = [(n, list(s)) for n, s in fixture["tensors"]]
    assert len(ours) == len({n for n, _ in ours}), "a name is listed twice"
    missing = sorted(set(map(str, theirs)) - set(map(str, ours)))
    extra = sorted(set(map(str, ours)) - set(map(str, theirs)))
    assert not missing and not extra, f"missing {missing[:5]}, extra {extra[:5]}"


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_towers_equal_transformers(tmp_path: Path, name: str) -> None:
    """Each tower's total and groups equal those of the tensors transformers puts in it."""
    b = counted(tmp_path, FIXTURES[name])
    towers = {t.value: {"total": sum(g.values()), "groups": {k.value: v for k, v in g.items()}}
              for t, g in b.towers.items()}
    assert towers == FIXTURES[name]["towers"]


FULL = {name: f for name, f in FIXTURES.items() if "config_full" in f}


@pytest.mark.parametrize("name", sorted(FULL))
def test_full_config_counts_the_same(tmp_path: Path, name: str) -> None:
    """The config as transformers writes it with every field counts what the short one does."""
    fixture = FULL[name]
    full = {**fixture, "name": name, "config": fixture["config_full"]}
    b = counted(tmp_path, full)
    assert b.total == fixture["total"]
    assert {g.value: n for g, n in b.groups.items()} == fixture["groups"]
