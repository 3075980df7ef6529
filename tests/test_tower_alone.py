"""`count --tower`: one tower of a multimodal model counted alone, as transformers puts it.

Every fixture with more than one tower: the count of each tower alone equals the total and the
groups of the tensors transformers builds under that tower (tests/data/hf, made on the meta
device), and a tower the model lacks is one line, exit 2.
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
CASES = [
    (name, tower)
    for name, f in FIXTURES.items()
    for tower, sums in f.get("towers", {}).items()
    if len([t for t in f["towers"].values() if t["total"]]) > 1 and sums["total"]
]


@pytest.mark.parametrize(("name", "tower"), CASES)
def test_a_tower_alone_counts_what_transformers_puts_in_it(
    tmp_path: Path, name: str, tower: str
) -> None:
    """Total and groups of `count --tower` equal the fixture's tower."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FIXTURES[name]["config"]))
    # a masked-LM fixture (a vision-language encoder's) is counted with its head
    head = ["--head", "mlm"] if FIXTURES[name].get("auto_class") == "AutoModelForMaskedLM" else []
    result = CliRunner().invoke(
        main,
        ["count", str(path), "--tower", tower, "-f", "json", *head],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["total"] == FIXTURES[name]["towers"][tower]["total"]
    assert data["groups"] == FIXTURES[name]["towers"][tower]["groups"]
    assert set(data["towers"]) == {tower}


def test_a_missing_tower_is_one_line() -> None:
    """A text-only model has no vision tower: exit 2, the towers it has named."""
    result = CliRunner().invoke(main, ["count", "llama-2-7b", "--tower", "vision"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "paramcalc: error: --tower: llama-2-7b has no vision tower (it has: text)"
    ]
