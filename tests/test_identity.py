"""A model changed by --set says so: its name lists the change, its source is marked, and the
expected_total of the original no longer travels with it. `diff` takes --set for either side."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from conftest import data, reference_models, table
from paramcalc.cli import main

#: One llama-2-7b block: 4 x 4096^2 attention, 3 x 4096 x 11008 feed-forward, two norms.
LLAMA_BLOCK = 4 * 4096**2 + 3 * 4096 * 11008 + 2 * 4096
LLAMA_2_7B = 32 * LLAMA_BLOCK + 2 * 32000 * 4096 + 4096


def test_count_names_the_changed_model() -> None:
    """`count llama-2-7b --set num_hidden_layers=40` is `llama-2-7b (num_hidden_layers=40)`."""
    counted = data("count", "llama-2-7b", "--set", "num_hidden_layers=40")
    assert counted["name"] == "llama-2-7b (num_hidden_layers=40)"
    assert counted["total"] == LLAMA_2_7B + 8 * LLAMA_BLOCK
    title = table("count", "llama-2-7b", "--set", "num_hidden_layers=40").splitlines()[0]
    assert (
        title
        == f"llama-2-7b (num_hidden_layers=40): {LLAMA_2_7B + 8 * LLAMA_BLOCK:,} parameters (8.36B)"
    )


def test_several_changes_are_listed_and_a_no_op_is_not() -> None:
    """Each changed field is listed in order; setting a field to its own value changes nothing."""
    counted = data(
        "count",
        "llama-2-7b",
        "--set",
        "num_hidden_layers=40",
        "--set",
        "vocab_size=32000",
        "--set",
        "tie_word_embeddings=true",
    )
    assert counted["name"] == "llama-2-7b (num_hidden_layers=40, tie_word_embeddings=true)"
    assert data("count", "llama-2-7b", "--set", "num_hidden_layers=32")["name"] == "llama-2-7b"


def test_an_explicit_name_wins() -> None:
    """--set name=... names the model as asked."""
    counted = data("count", "gpt2", "--set", "name=mine", "--set", "num_hidden_layers=2")
    assert counted["name"] == "mine"


def test_convert_marks_the_source_and_drops_the_old_expectation(tmp_path: Path) -> None:
    """convert --set writes the new name, a marked source and the new count, not the old
    tolerance; `check` then holds on the result."""
    original = tmp_path / "m.yaml"
    original.write_text(
        "base: llama-2-7b\nname: m\nsource: notes\nexpected_total: 6.74B\ntolerance: 1%\n"
    )
    out = tmp_path / "m40.yaml"
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["convert", str(original), "--set", "num_hidden_layers=40", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    fields = yaml.safe_load(out.read_text())
    assert fields["name"] == "m (num_hidden_layers=40)"
    assert fields["source"] == "notes; changed: num_hidden_layers=40"
    assert fields["expected_total"] == LLAMA_2_7B + 8 * LLAMA_BLOCK
    assert "tolerance" not in fields
    assert runner.invoke(main, ["check", str(out)]).exit_code == 0


def test_a_hugging_face_config_is_renamed_too(tmp_path: Path) -> None:
    """A config.json changed by --set: its folder's name with the change."""
    gpt2 = next(m for m in reference_models() if m["name"] == "gpt2")
    folder = tmp_path / "gpt2"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(gpt2["config_json"]))
    counted = data("count", str(folder), "--set", "num_hidden_layers=2")
    assert counted["name"] == "gpt2 (num_hidden_layers=2)"


def test_diff_takes_set_for_either_side() -> None:
    """--set-b changes B only, --set-a A only, --set both; the names say which changed."""
    b40 = data("diff", "llama-2-7b", "llama-2-7b", "--set-b", "num_hidden_layers=40")
    assert (b40["a"], b40["b"]) == ("llama-2-7b", "llama-2-7b (num_hidden_layers=40)")
    assert b40["counts"]["total"]["difference"] == 8 * LLAMA_BLOCK
    a40 = data("diff", "llama-2-7b", "llama-2-7b", "--set-a", "num_hidden_layers=40")
    assert a40["counts"]["total"]["difference"] == -8 * LLAMA_BLOCK
    both = data("diff", "llama-2-7b", "mistral-7b-v0.1", "--set", "num_hidden_layers=2")
    assert both["a"] == "llama-2-7b (num_hidden_layers=2)"
    assert both["fields"]["num_hidden_layers"] == {"a": 2, "b": 2, "difference": 0, "relative": 0.0}
