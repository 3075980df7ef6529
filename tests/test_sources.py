"""Resolving SOURCE: one function says what any SOURCE is, and every command reads through it.

Preset names in any case, `-` for standard input, a missing file that looks like a path, the
suffixes paramcalc reads, and the typed source each kind of input resolves to; then the one
JSON shape that config and checkpoint counts share.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import TINY_LLAMA, TINY_TOTAL, llama_tensors, write_safetensors
from paramcalc.cli import main
from paramcalc.sources import kinds
from paramcalc.sources.hub import parse_hub_id
from paramcalc.sources.resolve import resolve

LLAMA_2_7B = 6_738_415_616


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    """Run paramcalc; anything but a clean exit propagates as an exception."""
    return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)


def one_error(result: Result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, one error line holding every fragment."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def count_json(runner: CliRunner, *args: str, stdin: str | None = None) -> dict[str, Any]:
    """`paramcalc count ARGS -f json`, parsed; it must exit 0."""
    result = run(runner, "count", *args, "-f", "json", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


@pytest.mark.parametrize("name", ["Llama-2-7B", "LLAMA-2-7B", "llama-2-7b"])
def test_preset_names_in_any_case(runner: CliRunner, name: str) -> None:
    """`Llama-2-7B` is the preset llama-2-7b, under its own name."""
    data = count_json(runner, name)
    assert data["name"] == "llama-2-7b" and data["total"] == LLAMA_2_7B


def test_dash_reads_a_config_json_from_stdin(runner: CliRunner) -> None:
    """`-` reads a Hugging Face config.json piped in."""
    config = json.dumps({"model_type": "llama", **TINY_LLAMA})
    data = count_json(runner, "-", stdin=config)
    assert data["total"] == TINY_TOTAL and data["name"] == "stdin"


def test_dash_reads_a_paramcalc_yaml_from_stdin(runner: CliRunner) -> None:
    """`-` reads paramcalc YAML too, `base:` and `--set` included."""
    data = count_json(
        runner,
        "-",
        "--set",
        "num_hidden_layers=32",
        stdin="base: llama-2-7b\nnum_hidden_layers: 40\n",
    )
    assert data["total"] == LLAMA_2_7B


def test_dash_with_bad_input_is_one_line(runner: CliRunner) -> None:
    """Broken or empty standard input is bad input named `<stdin>`."""
    one_error(run(runner, "count", "-", stdin='{"model_type": "llama",'), "<stdin>", "invalid JSON")
    one_error(run(runner, "count", "-", stdin=""), "<stdin>", "empty")
    one_error(run(runner, "count", "-", "--checkpoint", stdin="{}"), "-", "not a checkpoint")


@pytest.mark.parametrize(
    "source",
    ["x.gguf", "pytorch_model.bin", "models/x.yaml", "model.safetensors", "~/nothing/config.json"],
)
def test_a_missing_file_that_looks_like_a_path_is_no_such_file(
    runner: CliRunner, source: str
) -> None:
    """Not "unknown preset": the name has a file suffix or a folder in it."""
    line = one_error(run(runner, "count", source), source, "no such file")
    assert "preset" not in line


def test_a_hub_like_name_under_an_existing_folder_is_a_missing_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`models/x` with a local models/ folder is a missing file, not a Hub id."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    one_error(run(runner, "count", "models/x"), "models/x: no such file")


def test_unsupported_suffix_lists_every_suffix_paramcalc_reads(
    runner: CliRunner, tmp_path: Path
) -> None:
    """An existing file of another type: the message names every suffix that would do."""
    path = tmp_path / "pytorch_model.bin"
    path.write_bytes(b"\0")
    one_error(
        run(runner, "count", str(path)),
        str(path),
        "unsupported file type '.bin'",
        ".yaml, .yml and .json",
        ".safetensors and .safetensors.index.json",
        ".gguf",
    )


def test_checkpoint_flag_on_an_architecture_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    """--checkpoint on a preset or a YAML file says what --checkpoint reads."""
    one_error(run(runner, "count", "gpt2", "--checkpoint"), "gpt2: is a preset")
    path = tmp_path / "arch.yaml"
    path.write_text("base: gpt2\n")
    one_error(run(runner, "count", str(path), "--checkpoint"), "is not a safetensors checkpoint")


def test_set_on_a_checkpoint_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    """--set changes architectures; on a checkpoint it is refused, exit 2."""
    write_safetensors(tmp_path / "model.safetensors", llama_tensors())
    one_error(
        run(runner, "count", str(tmp_path / "model.safetensors"), "--set", "num_hidden_layers=3"),
        "--set changes an architecture",
    )


def test_a_checkpoint_where_an_architecture_is_needed(runner: CliRunner, tmp_path: Path) -> None:
    """memory reads an architecture: a checkpoint there says what to give instead."""
    write_safetensors(tmp_path / "model.safetensors", llama_tensors())
    one_error(
        run(runner, "memory", str(tmp_path / "model.safetensors")),
        "is a safetensors checkpoint",
        "config.json",
    )


def test_resolve_returns_the_typed_source(tmp_path: Path) -> None:
    """Each kind of SOURCE resolves to its record, and only once: the data travels with it."""
    arch = tmp_path / "arch.yaml"
    arch.write_text("base: gpt2\n")
    model = tmp_path / "tiny"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "llama", **TINY_LLAMA}))
    write_safetensors(model / "model.safetensors", llama_tensors())
    shards = tmp_path / "shards"
    shards.mkdir()
    write_safetensors(shards / "model.safetensors", llama_tensors())
    assert resolve("Llama-2-7B") == kinds.Preset("llama-2-7b")
    assert isinstance(resolve(str(arch)), kinds.ArchitectureFile)
    config = resolve(str(model))
    assert isinstance(config, kinds.HFConfigFile) and config.name == "tiny"
    assert config.path == model / "config.json" and config.data["model_type"] == "llama"
    for source, checkpoint in (
        (model, True),
        (shards, False),
        (model / "model.safetensors", False),
    ):
        found = resolve(str(source), checkpoint=checkpoint)
        assert isinstance(found, kinds.CheckpointFiles) and found.hub is None
    with_config, bare = resolve(str(model), checkpoint=True), resolve(str(shards))
    assert isinstance(with_config, kinds.CheckpointFiles) and with_config.config is not None
    assert isinstance(bare, kinds.CheckpointFiles) and bare.config is None


@pytest.mark.parametrize(
    ("source", "parsed"),
    [
        ("Qwen/Qwen3-8B", ("Qwen/Qwen3-8B", None)),
        ("meta-llama/Llama-3.1-8B@main", ("meta-llama/Llama-3.1-8B", "main")),
        ("org/name@0123abcd", ("org/name", "0123abcd")),
        ("org--x/name", None),
        ("org/na..me", None),
        ("./org/name", None),
        ("a/b/c", None),
        ("gpt2", None),
        ("/abs/path", None),
    ],
)
def test_hub_ids(source: str, parsed: tuple[str, str | None] | None) -> None:
    """`org/name[@revision]` with the Hub's characters; anything else is not a Hub id."""
    assert parse_hub_id(source) == parsed


def test_config_and_checkpoint_counts_share_one_json_shape(
    runner: CliRunner, tmp_path: Path
) -> None:
    """name, total, groups and towers mean the same in both, and agree on the same model."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", **TINY_LLAMA}))
    write_safetensors(folder / "model.safetensors", llama_tensors())
    config = count_json(runner, str(folder))
    checkpoint = count_json(runner, str(folder), "--checkpoint")
    for key in ("name", "total", "groups", "towers"):
        assert config[key] == checkpoint[key], key
    assert set(checkpoint["towers"]) == {"text"}
    assert checkpoint["towers"]["text"]["total"] == TINY_TOTAL


def wrapped_config(tmp_path: Path, **fields: Any) -> Path:
    """A file holding the tiny Llama config.json under `config:`, with provenance beside it."""
    path = tmp_path / "wrapped.yaml"
    config = {"model_type": "llama", **TINY_LLAMA}
    path.write_text(json.dumps({"name": "wrapped", "config": config, **fields}))
    return path


def test_a_config_under_config_counts_as_the_config_itself(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A published config.json kept under `config:` (the form of presets whose family the flat
    schema cannot say) counts as that config.json does, and keeps the file's provenance."""
    path = wrapped_config(tmp_path, source="https://example.org", expected_total=TINY_TOTAL)
    data = json.loads(run(runner, "count", str(path), "-f", "json").output)
    assert data["total"] == TINY_TOTAL
    assert data["name"] == "wrapped"
    assert run(runner, "check", str(path)).exit_code == 0


def test_a_wrong_expected_total_beside_config_fails_the_check(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The expectation beside `config:` is checked like any preset's."""
    path = wrapped_config(tmp_path, expected_total=TINY_TOTAL + 1)
    assert runner.invoke(main, ["check", str(path)]).exit_code == 1


def test_an_unknown_field_beside_config_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    """Only provenance may sit beside `config:`; anything else is named, exit 2."""
    path = wrapped_config(tmp_path, hidden_size=8)
    result = runner.invoke(main, ["count", str(path)])
    assert result.exit_code == 2
    assert "hidden_size" in result.output and "config" in result.output


@pytest.mark.parametrize("model_type", ["gpt_oss", "lfm2", "qwen3_next", "recurrent_gemma"])
def test_a_layer_types_entry_that_is_not_a_name_is_one_line(
    runner: CliRunner, tmp_path: Path, model_type: str
) -> None:
    """A mapping where a layer kind's name belongs (`- sliding_attention: true`): exit 2 with
    one line naming layer_types (or the family's per-layer key), never a crash."""
    path = tmp_path / "config.json"
    config = {"model_type": model_type, "num_hidden_layers": 2}
    key = "block_types" if model_type == "recurrent_gemma" else "layer_types"
    config[key] = [{"sliding_attention": True}, "full_attention"]
    path.write_text(json.dumps(config))
    result = runner.invoke(main, ["count", str(path)])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and key in result.stderr
