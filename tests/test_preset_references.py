"""Every shipped preset equals the count transformers gives its published config.json.

`data/preset_references.json` holds, for each preset beyond the reference set, the total and
the five groups that transformers 5.23.0 counts for the model's config.json on the meta device
(`scripts/make_reference.py`). None of these numbers comes from paramcalc.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import DATA, REPO, reference_models
from paramcalc.calculator import GROUPS, count
from paramcalc.sources import load
from paramcalc.sources.presets import preset_names

GROUP_NAMES = [g.value for g in GROUPS]
#: The set of presets the project promises to ship (the "config.json" issue).
MIN_PRESETS = 40


def preset_references() -> list[dict[str, Any]]:
    """The transformers counts of the presets beyond the reference set."""
    return json.loads((DATA / "preset_references.json").read_text())


REFERENCES = {r["name"]: r for r in preset_references()}


def test_reference_entries_are_whole_and_consistent() -> None:
    """Each entry names its model, the five groups, and groups that add up to its total."""
    for name, ref in REFERENCES.items():
        assert set(ref) == {"name", "model_type", "mirrors", "total", "groups"}, name
        assert set(ref["groups"]) == set(GROUP_NAMES), name
        assert sum(ref["groups"].values()) == ref["total"], name
        assert ref["mirrors"].count("/") == 1, name


def test_no_entry_is_listed_twice_or_shadows_the_reference_set() -> None:
    """A preset's truth comes from one file only, so the two sources cannot disagree."""
    assert len(REFERENCES) == len(preset_references())
    assert not set(REFERENCES) & {m["name"] for m in reference_models()}


def test_every_preset_has_a_transformers_count() -> None:
    """Each shipped preset is covered by this file or by the reference set."""
    covered = set(REFERENCES) | {m["name"] for m in reference_models()}
    assert set(preset_names()) - covered == set()


def test_every_entry_is_a_shipped_preset() -> None:
    """No entry outlives its preset file."""
    assert set(REFERENCES) <= set(preset_names())


def test_at_least_forty_presets_ship() -> None:
    """The preset library spans the well-known families: at least 40 models."""
    assert len(preset_names()) >= MIN_PRESETS


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_preset_equals_transformers(name: str) -> None:
    """Total and each of the five groups equal transformers' count to the parameter."""
    ref = REFERENCES[name]
    breakdown = count(load(name))
    assert breakdown.total == ref["total"]
    assert {g.value: breakdown.groups[g] for g in GROUPS} == ref["groups"]


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_preset_file_cites_its_model_and_its_exact_total(name: str) -> None:
    """The YAML names the hub repository it was read from and transformers' exact total."""
    ref = REFERENCES[name]
    arch = load(str(REPO / "configs" / f"{name}.yaml"))
    assert arch.source is not None
    assert f"https://huggingface.co/{ref['mirrors']}" in arch.source
    assert arch.expected_total == ref["total"]
