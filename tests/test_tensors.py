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
    found = {
        f["name"]: f
        for f in map(lambda p: json.loads(p.read_text()), sorted((DATA / "hf").glob("*.json")))
        if "tensors" in f
    }
    references = json.loads((DATA / "reference_tensors.json").read_text())
    for model in json.loads((DATA / "reference_models.json").read_text()):
        found[model["name"]] = {
            "name": model["name"],
            "config": model["config_json"],
            "model_type": model["model_type"],
            "total": model["total"],
            "groups": model["groups"],
            **references[model["name"]],
        }
    return found


FIXTURES = fixtures()


def head_of(fixture: dict[str, Any]) -> str | None:
    """`mlm` for a fixture built as the masked-LM model, else None (what AutoModel builds)."""
    return "mlm" if fixture.get("auto_class") == "AutoModelForMaskedLM" else None


def counted(tmp_path: Path, fixture: dict[str, Any]) -> Any:
    """Count the fixture's config written as NAME/config.json, with the head it was built
    with."""
    folder = tmp_path / fixture["name"]
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(fixture["config"]))
    return count(load(str(folder / "config.json"), head=head_of(fixture)))


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
    towers = {
        t.value: {"total": sum(g.values()), "groups": {k.value: v for k, v in g.items()}}
        for t, g in b.towers.items()
    }
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


V2 = sorted(
    n
    for n, f in FIXTURES.items()
    if f.get("model_type") in {"gpt_oss", "qwen3_next", "nemotron_h", "gemma3", "llama4"}
)


@pytest.mark.parametrize("name", V2)
def test_nested_form_round_trips(tmp_path: Path, name: str, runner: Any) -> None:
    """`convert` writes a nested v2 file for a model the flat form cannot say; counting that
    file gives the same total, groups and tensor names."""
    from paramcalc.cli import main

    fixture = FIXTURES[name]
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(fixture["config"]))
    converted = runner.invoke(
        main, ["convert", str(folder / "config.json")], catch_exceptions=False
    )
    assert converted.exit_code == 0, converted.stderr
    assert "text:" in converted.stdout and "stacks:" in converted.stdout
    path = tmp_path / "model.yaml"
    path.write_text(converted.stdout)
    again = count(load(str(path)))
    assert again.total == fixture["total"]
    assert sorted(t.name for t in again.enumeration.tensors()) == sorted(
        n for n, _ in fixture["tensors"]
    )
    check = runner.invoke(main, ["check", str(path)], catch_exceptions=False)
    assert check.exit_code == 0, check.stdout


def test_table_shows_every_tower(tmp_path: Path, runner: Any) -> None:
    """A multimodal count shows a row per tower whose totals add up to the model's."""
    from paramcalc.cli import main

    fixture = FIXTURES["defaults-gemma3"]
    (tmp_path / "config.json").write_text(json.dumps(fixture["config"]))
    data = json.loads(
        runner.invoke(main, ["count", str(tmp_path / "config.json"), "-f", "json"]).stdout
    )
    assert data["towers"] == fixture["towers"]
    table = runner.invoke(main, ["count", str(tmp_path / "config.json"), "-f", "markdown"]).stdout
    for tower, counts in fixture["towers"].items():
        assert f"| {tower} |" in table and f"{counts['total']:,}" in table


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_compare_agrees_with_a_checkpoint_of_the_same_tensors(
    tmp_path: Path, name: str, runner: Any
) -> None:
    """A checkpoint header holding exactly transformers' tensors (as save_pretrained names
    them) agrees with the config: `compare` works for every family from the names alone."""
    from conftest import write_safetensors
    from paramcalc.cli import main

    fixture = FIXTURES[name]
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(fixture["config"]))
    write_safetensors(
        tmp_path / "model.safetensors",
        {n: ("BF16", shape) for n, shape in fixture["tensors"]},
        sparse=True,
    )
    head = ["--head", "mlm"] if head_of(fixture) else []
    result = runner.invoke(
        main,
        ["compare", str(folder / "config.json"), str(tmp_path / "model.safetensors"), "-f", "json"]
        + head,
        catch_exceptions=False,
    )
    data = json.loads(result.stdout)
    assert result.exit_code == 0, data["differences"][:5]
    assert data["total"] == {"architecture": fixture["total"], "checkpoint": fixture["total"]}
