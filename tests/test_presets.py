"""Every shipped preset: loads like a user's file, matches its reference count to the unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, reference_models
from paramcalc.calculator import GROUPS, count
from paramcalc.expectations import expectation
from paramcalc.sources import load
from paramcalc.sources.presets import preset_names

PRESETS = preset_names()
REFERENCE = {m["name"]: m for m in reference_models()}


def test_every_reference_decoder_is_a_preset() -> None:
    """Each decoder of the reference set ships as a preset named as the set names it."""
    decoders = set(REFERENCE) - {"deepseek-v2-lite", "bert-base-uncased", "t5-small"}
    assert decoders <= set(PRESETS)


@pytest.mark.parametrize("name", sorted(set(PRESETS) & set(REFERENCE)))
def test_preset_equals_reference(name: str) -> None:
    """Total and each of the five groups equal transformers' count exactly."""
    ref = REFERENCE[name]
    breakdown = count(load(name))
    assert breakdown.total == ref["total"]
    assert {g.value: breakdown.groups[g] for g in GROUPS} == {
        g.value: ref["groups"].get(g.value, 0) for g in GROUPS
    }
    assert breakdown.tied_embeddings == ref["tied_embeddings"]


@pytest.mark.parametrize("name", PRESETS)
def test_preset_file_has_source_and_holds_its_expected_total(name: str) -> None:
    """Each preset names its source and its expected_total holds through the file path."""
    path = REPO / "configs" / f"{name}.yaml"
    arch = load(str(path))
    assert arch.source, f"{name} has no source"
    assert arch.expected_total is not None, f"{name} has no expected_total"
    assert expectation(arch.expected_total, arch.tolerance, name).holds(count(arch).total)
    assert arch.name == name


@pytest.mark.parametrize("name", PRESETS)
def test_preset_by_name_equals_preset_by_path(name: str) -> None:
    """Loading by name (from the installed package) and by path give the same architecture."""
    assert load(name) == load(str(Path(REPO / "configs" / f"{name}.yaml")))
