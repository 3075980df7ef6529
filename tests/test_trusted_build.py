"""A flat architecture compiles to schema v2 parts without pydantic's core schema; the parts
equal what full validation builds, field by field and type by type, for every preset and
every flat config.json fixture, and a part whose input full validation would refuse or
reshape still goes through full validation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import DATA, REPO, loaded
from paramcalc.core.attention import Attention
from paramcalc.core.ffn import MoE
from paramcalc.core.flat import to_model
from paramcalc.core.types import trusted_parts
from paramcalc.schema import Architecture
from paramcalc.sources import load

PRESETS = sorted(p.stem for p in (REPO / "configs").glob("*.yaml"))
FIXTURES = sorted((DATA / "hf").glob("*.json"))


def assert_same_build(arch: Architecture) -> None:
    """The trusted compile equals the fully validated one (pydantic's == compares every
    field's value and type, the fields set and the private state)."""
    validated = to_model(arch)  # outside trusted_parts: every part fully validated
    trusted = arch.to_model()
    assert trusted == validated
    assert trusted.model_dump() == validated.model_dump()


@pytest.mark.parametrize("name", PRESETS)
def test_presets_compile_as_validation_does(name: str) -> None:
    source = load(name)
    if isinstance(source, Architecture):
        assert_same_build(source)


def test_flat_fixtures_compile_as_validation_does(tmp_path: Path) -> None:
    """Every config.json fixture that loads as a flat architecture (the others are schema v2
    models, validated in full as they load)."""
    flat = 0
    for path in FIXTURES:
        source = loaded(tmp_path, json.loads(path.read_text())["config"])
        if isinstance(source, Architecture):
            assert_same_build(source)
            flat += 1
    assert flat > 100


def test_a_preset_count_builds_no_core_schema_of_its_parts() -> None:
    """What the trusted build is for: counting a preset leaves the parts' core schemas unbuilt
    (in a fresh process: other tests here build them)."""
    code = (
        "from paramcalc import count; from paramcalc.core.attention import Attention; "
        "from paramcalc.core.spec import Stack; count('llama-2-7b'); "
        "print(Attention.__pydantic_complete__, Stack.__pydantic_complete__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_part_out_of_bounds_gets_full_validation_and_its_error() -> None:
    """A size below its bound is not built unchecked: pydantic refuses it as always."""
    with trusted_parts(), pytest.raises(ValidationError, match="greater than 0"):
        Attention(num_attention_heads=0, num_key_value_heads=1, head_dim=64)


def test_a_value_of_the_wrong_type_gets_full_validation() -> None:
    """A bool where a strict integer belongs is refused, not stored."""
    with trusted_parts(), pytest.raises(ValidationError):
        Attention(num_attention_heads=True, num_key_value_heads=1, head_dim=64)


def test_cross_field_rules_still_run_and_read_as_validation_errors() -> None:
    """The parts' after-validators (their cross-field rules) run in the trusted build, and a
    rule they break is pydantic's ValidationError, as every caller expects."""
    broken = "must be between 1 and num_experts=4"
    with trusted_parts(), pytest.raises(ValidationError, match=broken):
        MoE(num_experts=4, num_experts_per_tok=5, moe_intermediate_size=64)
