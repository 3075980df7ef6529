"""`paramcalc convert`: the YAML it writes counts to the same numbers as its source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import reference_models
from paramcalc.cli import main
from paramcalc.schema import Architecture
from paramcalc.sources.presets import preset_names


def invoke(runner: CliRunner, *args: str) -> Any:
    """Run paramcalc with `args`; exceptions other than SystemExit propagate."""
    return runner.invoke(main, list(args), catch_exceptions=False)


def counted(runner: CliRunner, source: str) -> dict[str, Any]:
    """Total, groups and active count of SOURCE, through the CLI's JSON output."""
    result = invoke(runner, "count", source, "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    return {k: data[k] for k in ("total", "groups", "active", "tied_embeddings")}


def assert_round_trip(runner: CliRunner, source: str, out: Path) -> dict[str, Any]:
    """Convert SOURCE to `out`; counting and checking `out` agree with counting SOURCE."""
    result = invoke(runner, "convert", source, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert counted(runner, str(out)) == counted(runner, source)
    assert invoke(runner, "check", str(out)).exit_code == 0
    return dict(yaml.safe_load(out.read_text()))


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_converts_to_the_same_count(
    runner: CliRunner, tmp_path: Path, preset: str
) -> None:
    """A converted preset counts (total, groups, active) exactly as the preset does."""
    fields = assert_round_trip(runner, preset, tmp_path / f"{preset}.yaml")
    assert fields["name"] == preset and fields["source"]


@pytest.mark.parametrize("model", reference_models(), ids=lambda m: m["name"])
def test_every_reference_config_converts_to_its_transformers_count(
    runner: CliRunner, tmp_path: Path, model: dict[str, Any]
) -> None:
    """A converted config.json counts to transformers' total and groups, as the config does."""
    config = tmp_path / model["name"] / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps(model["config_json"]))
    fields = assert_round_trip(runner, str(config), tmp_path / "converted.yaml")
    assert fields["expected_total"] == model["total"]
    assert counted(runner, str(tmp_path / "converted.yaml"))["groups"] == model["groups"]


def test_only_non_default_fields_in_schema_order(runner: CliRunner) -> None:
    """llama-2-7b needs its sizes only: no default (gated_ffn, norm_type) is written."""
    fields = yaml.safe_load(invoke(runner, "convert", "llama-2-7b").stdout)
    assert list(fields) == [
        "name",
        "source",
        "expected_total",
        "vocab_size",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "num_key_value_heads",
        "intermediate_size",
        "max_position_embeddings",
    ]
    assert fields["expected_total"] == 6_738_415_616
    order = list(Architecture.model_fields)
    gpt2 = list(yaml.safe_load(invoke(runner, "convert", "gpt2").stdout))
    assert gpt2 == sorted(gpt2, key=order.index)


def test_set_overrides_are_written_with_the_new_count(runner: CliRunner) -> None:
    """--set changes the written field and expected_total follows the new count."""
    out = invoke(runner, "convert", "llama-2-7b", "--set", "num_hidden_layers=33").stdout
    fields = yaml.safe_load(out)
    per_layer = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096
    assert fields["num_hidden_layers"] == 33
    assert fields["expected_total"] == 6_738_415_616 + per_layer


def test_output_writes_only_that_file(runner: CliRunner, tmp_path: Path) -> None:
    """-o writes the one file it names, nothing else; it refuses to overwrite its source."""
    out = tmp_path / "model.yaml"
    invoke(runner, "convert", "gpt2", "-o", str(out))
    assert [p.name for p in tmp_path.iterdir()] == ["model.yaml"]
    result = invoke(runner, "convert", str(out), "-o", str(out))
    assert result.exit_code == 2
    assert "SOURCE" in result.stderr and len(result.stderr.splitlines()) == 1
