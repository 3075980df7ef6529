"""`memory`: the weights of each tower of a multimodal model, stored alone, beside the whole.

The parameters of each tower come from the transformers fixtures (tests/data/hf, counted on
the meta device), so a tower's bytes at a precision are its parameters times the element
size, with int4's last half byte rounded up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DATA
from paramcalc.cli import main

FIXTURES = {p.stem: json.loads(p.read_text()) for p in sorted((DATA / "hf").glob("*.json"))}
MULTIMODAL = sorted(
    name
    for name, f in FIXTURES.items()
    if len([t for t in f.get("towers", {}).values() if t["total"]]) > 1
)
BITS = {"fp32": 32, "bf16": 16, "int8": 8, "int4": 4}


def memory(tmp_path: Path, name: str, *args: str) -> str:
    """`paramcalc memory` of a fixture's config.json."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FIXTURES[name]["config"]))
    # a masked-LM fixture (a vision-language encoder's) is counted with its head
    mlm = FIXTURES[name].get("auto_class") == "AutoModelForMaskedLM"
    head = ["--head", "mlm"] if mlm else []
    result = CliRunner().invoke(main, ["memory", str(path), *args, *head], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def tower_totals(name: str) -> dict[str, int]:
    """Parameters of each tower that holds any, as transformers built them."""
    return {t: s["total"] for t, s in FIXTURES[name]["towers"].items() if s["total"]}


def test_there_are_multimodal_fixtures() -> None:
    assert len(MULTIMODAL) > 50


@pytest.mark.parametrize("name", MULTIMODAL)
@pytest.mark.parametrize("dtype", sorted(BITS))
def test_each_tower_weighs_its_parameters_at_the_precision(
    tmp_path: Path, name: str, dtype: str
) -> None:
    data: dict[str, Any] = json.loads(memory(tmp_path, name, "--dtype", dtype, "-f", "json"))
    expected = {t: -(-n * BITS[dtype] // 8) for t, n in tower_totals(name).items()}
    assert data["weights"]["towers"] == expected


def test_the_table_lists_each_tower_under_the_weights(tmp_path: Path) -> None:
    name = next(n for n in MULTIMODAL if n.startswith("defaults-llava"))
    out = memory(tmp_path, name).splitlines()
    at = next(i for i, line in enumerate(out) if "weights (bf16)" in line)
    for offset, (tower, n) in enumerate(tower_totals(name).items(), start=1):
        label = tower if tower == "projector" else f"{tower} tower"
        assert out[at + offset].split()[:-2] == [*label.split(), f"{2 * n:,}"]


def test_a_text_only_model_lists_no_towers(tmp_path: Path) -> None:
    out = memory(tmp_path, "defaults-llama")
    assert "text tower" not in out


def test_weight_only_quantization_leaves_a_projector_outside_the_blocks_in_bf16(
    tmp_path: Path,
) -> None:
    """Only projections inside the blocks are quantized: LLaVA's projector (two linear
    layers outside any block) stays bf16, two bytes a parameter, while its towers shrink."""
    name = "defaults-llava"
    args = ("--dtype", "int4", "--quant-group-size", "128", "-f", "json")
    towers = json.loads(memory(tmp_path, name, *args))["weights"]["towers"]
    totals = tower_totals(name)
    assert towers["projector"] == 2 * totals["projector"]
    assert towers["text"] < 2 * totals["text"]
    assert towers["vision"] < 2 * totals["vision"]
