"""The CLI end to end through click's runner: every core command, format and exit code."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from conftest import reference_models
from paramcalc import __version__
from paramcalc.cli import main
from paramcalc.render import OutputFormat

LLAMA_2_7B = next(m for m in reference_models() if m["name"] == "llama-2-7b")


def invoke(runner: CliRunner, *args: str) -> object:
    """Run paramcalc with `args`; exceptions other than SystemExit propagate."""
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_count_json_carries_exact_reference_counts(runner: CliRunner) -> None:
    """`count llama-2-7b -f json` gives transformers' total and groups, as integers."""
    result = invoke(runner, "count", "llama-2-7b", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] == LLAMA_2_7B["total"]
    assert data["groups"] == LLAMA_2_7B["groups"]
    assert data["non_embedding"] == LLAMA_2_7B["total"] - LLAMA_2_7B["groups"]["embedding"]
    assert data["active"] == data["total"]
    assert data["tied_embeddings"] is False
    assert data["name"] == "llama-2-7b"


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat])
def test_count_every_format_shows_the_total(runner: CliRunner, fmt: str) -> None:
    """Every output format prints llama-2-7b's exact total in some form."""
    result = invoke(runner, "count", "llama-2-7b", "--format", fmt)
    assert result.exit_code == 0
    out = result.stdout
    assert "6738415616" in out.replace(",", "") or "6,738,415,616" in out


def test_count_table_has_groups_units_and_footer(runner: CliRunner) -> None:
    """The table lists each group with exact count, human units, share and the footer."""
    out = invoke(runner, "count", "llama-2-7b").stdout
    for text in (
        "embedding",
        "attention",
        "feedforward",
        "norm",
        "output",
        "4,328,521,728",
        "4.33B",
        "64.24%",
        "non-embedding",
        "6,607,343,616",
    ):
        assert text in out


def test_count_yaml_and_csv_parse(runner: CliRunner) -> None:
    """YAML output parses to the JSON payload; CSV: a header, a row per group, then totals."""
    data = yaml.safe_load(invoke(runner, "count", "gpt2", "-f", "yaml").stdout)
    assert data["total"] == 124_439_808
    rows = list(csv.reader(io.StringIO(invoke(runner, "count", "gpt2", "-f", "csv").stdout)))
    assert rows[0] == ["group", "parameters", "human", "share"]
    names = ["embedding", "attention", "feedforward", "norm", "output", "total", "non-embedding"]
    assert [r[0] for r in rows[1:]] == names
    assert sum(int(r[1]) for r in rows[1:6]) == int(rows[6][1]) == 124_439_808


def test_count_markdown_is_a_table(runner: CliRunner) -> None:
    """Markdown output is a pipe table with the groups and a bold total."""
    out = invoke(runner, "count", "gpt2", "-f", "markdown").stdout
    assert "| group | parameters | human | share |" in out
    assert "| **total** | **124,439,808** |" in out


def test_count_layers_lists_blocks_and_tensors(runner: CliRunner) -> None:
    """--layers adds one entry per block and one per tensor, summing to the total."""
    data = json.loads(invoke(runner, "count", "mixtral-8x7b", "--layers", "-f", "json").stdout)
    assert len(data["layers"]) == 32
    assert (
        sum(layer["total"] for layer in data["layers"]) + 2 * 32000 * 4096 + 4096 == (data["total"])
    )
    assert sum(t["size"] for t in data["tensors"]) == data["total"]
    shapes = {t["name"]: t["shape"] for t in data["tensors"]}
    # MixtralForCausalLM's names: experts are one stacked tensor per projection (E, out, in).
    assert shapes["model.layers.3.self_attn.q_proj.weight"] == [4096, 4096]
    assert shapes["model.layers.31.mlp.experts.down_proj"] == [8, 4096, 14336]
    assert shapes["model.layers.31.mlp.experts.gate_up_proj"] == [8, 2 * 14336, 4096]
    assert {t["tower"] for t in data["tensors"]} == {"text"}


def test_count_from_flags(runner: CliRunner) -> None:
    """Flags alone describe Llama-2-7B's shape and give its total."""
    result = invoke(
        runner,
        "count",
        "--vocab-size",
        "32000",
        "--hidden-size",
        "4096",
        "--num-layers",
        "32",
        "--heads",
        "32",
        "--intermediate-size",
        "11008",
        "--untied",
        "-f",
        "json",
    )
    assert json.loads(result.stdout)["total"] == 6_738_415_616


def test_count_set_overrides_and_base(runner: CliRunner, tmp_path: Path) -> None:
    """--set changes a field; a file with `base:` starts from a preset and overrides it."""
    out = invoke(runner, "count", "llama-2-7b", "--set", "tie_word_embeddings=true", "-f", "json")
    assert json.loads(out.stdout)["total"] == 6_738_415_616 - 32000 * 4096
    path = tmp_path / "deeper.yaml"
    path.write_text("base: llama-2-7b\nnum_hidden_layers: 33\n")
    data = json.loads(invoke(runner, "count", str(path), "-f", "json").stdout)
    per_layer = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096
    assert data["total"] == 6_738_415_616 + per_layer
    assert data["name"] == "deeper"


def test_presets_json_lists_every_preset(runner: CliRunner) -> None:
    """`presets -f json` is a list of objects with name and exact total."""
    data = json.loads(invoke(runner, "presets", "-f", "json").stdout)
    by_name = {p["name"]: p["total"] for p in data}
    assert by_name["llama-2-7b"] == 6_738_415_616
    assert by_name["gpt2"] == 124_439_808


def test_check_passes_on_presets(runner: CliRunner) -> None:
    """`check` with no file checks every preset and exits 0."""
    result = invoke(runner, "check", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ok"] is True


def test_check_fails_when_expected_total_is_off_by_one(runner: CliRunner, tmp_path: Path) -> None:
    """An expected_total one above the count fails the check with exit 1."""
    path = tmp_path / "off.yaml"
    path.write_text("base: llama-2-7b\nexpected_total: 6738415617\n")
    result = invoke(runner, "check", str(path))
    assert result.exit_code == 1
    assert "FAILED" in result.stdout


@pytest.mark.parametrize(
    ("expected", "tolerance", "code"),
    [
        ("6.74B", None, 0),  # rounds to 6.74B
        ("6.73B", None, 1),  # does not
        ("6.73B", "0.2%", 0),  # within 0.2 %
        (6738415000, "0.00001", 0),
        (6738415000, None, 1),
    ],
)
def test_check_units_and_tolerance(
    runner: CliRunner, tmp_path: Path, expected: object, tolerance: str | None, code: int
) -> None:
    """A figure with a unit holds to its rounding; a tolerance widens it."""
    path = tmp_path / "model.yaml"
    lines = ["base: llama-2-7b", f"expected_total: {expected}"]
    lines += [f"tolerance: '{tolerance}'"] if tolerance else []
    path.write_text("\n".join(lines) + "\n")
    assert invoke(runner, "check", str(path)).exit_code == code


def test_dense_seed_example(runner: CliRunner) -> None:
    """`dense 4 2` is 8 weights + 2 biases = 10; `--no-bias` gives 8."""
    data = json.loads(invoke(runner, "dense", "4", "2", "-f", "json").stdout)
    assert (data["weights"], data["biases"], data["total"]) == (8, 2, 10)
    assert (
        json.loads(invoke(runner, "dense", "4", "2", "--no-bias", "-f", "json").stdout)["total"]
        == 8
    )
    assert "10" in invoke(runner, "dense", "4", "2").stdout


def test_verify_passes_for_every_preset(runner: CliRunner) -> None:
    """`verify` with no source compares both derivations for every preset, exit 0."""
    result = invoke(runner, "verify", "-f", "json")
    assert result.exit_code == 0
    assert all(model["ok"] for model in json.loads(result.stdout)["models"])


def test_verify_exits_1_on_a_difference(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A derivation that disagrees by one parameter makes verify exit 1."""
    import paramcalc.dense as dense

    real = dense.dense_formula_counts

    def off_by_one(arch):  # type: ignore[no-untyped-def]
        counts = real(arch)
        first = next(iter(counts))
        counts[first] += 1
        return counts

    monkeypatch.setattr(dense, "dense_formula_counts", off_by_one)
    result = invoke(runner, "verify", "gpt2")
    assert result.exit_code == 1
    assert "DIFFERS" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["count", "no-such-model"],
        ["count", "missing/file.yaml"],
        ["count", "llama-2-7b", "--set", "num_hidden_layers"],
        ["count", "llama-2-7b", "--set", "num_hiden_layers=3"],
        ["count", "llama-2-7b", "--set", "num_hidden_layers=0"],
        ["check", "missing.yaml"],
    ],
)
def test_bad_input_exits_2_with_one_line(runner: CliRunner, args: list[str]) -> None:
    """Bad input: exit 2, one line on stderr, nothing on stdout, no traceback."""
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error:")
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    """A bad option or a missing SOURCE with no flags is a usage error (exit 2)."""
    assert invoke(runner, "count", "--format", "xml").exit_code == 2
    assert invoke(runner, "count").exit_code == 2


def test_version_and_help(runner: CliRunner) -> None:
    """--version prints the version; every command has --help."""
    assert __version__ in invoke(runner, "--version").stdout
    for command in main.list_commands(click.Context(main)):
        assert invoke(runner, command, "--help").exit_code == 0


def test_every_command_module_is_listed() -> None:
    """The lazy group names each command of every command module, and only those: a command
    missing from COMMAND_MODULES would be unreachable."""
    import pkgutil
    from importlib import import_module

    import paramcalc.cli
    from paramcalc.cli import COMMAND_MODULES

    found = {}
    for info in pkgutil.iter_modules(paramcalc.cli.__path__):
        module = import_module(f"paramcalc.cli.{info.name}")
        found |= {c.name: info.name for c in getattr(module, "COMMANDS", [])}
    assert found == COMMAND_MODULES
    ctx = click.Context(main)
    for name in COMMAND_MODULES:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name


def test_help_lists_each_command_as_click_would() -> None:
    """The summaries --help shows without importing the commands are the commands' own short
    help, at every width the help may be wrapped to."""
    from paramcalc.cli import COMMAND_MODULES, COMMAND_SUMMARIES, summary

    assert set(COMMAND_SUMMARIES) == set(COMMAND_MODULES)
    ctx = click.Context(main)
    for name in COMMAND_SUMMARIES:
        command = main.get_command(ctx, name)
        assert command is not None
        for limit in range(10, 200):
            shown = summary(name).get_short_help_str(limit)
            assert shown == command.get_short_help_str(limit), (name, limit)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("layers", "num_hidden_layers"),
        ("n_layer", "num_hidden_layers"),
        ("d_model", "hidden_size"),
        ("n_kv_heads", "num_key_value_heads"),
        ("ffn_dim", "intermediate_size"),
        ("num_local_experts", "num_experts"),
        ("hiden_size", "hidden_size"),
    ],
)
def test_an_unknown_field_suggests_the_field_other_tools_call_that(
    written: str, meant: str
) -> None:
    """A name from GPT-2, Llama's params.json or Mixtral (or a typo) points at paramcalc's."""
    result = CliRunner().invoke(main, ["count", "llama-2-7b", "--set", f"{written}=40"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        f"paramcalc: error: --set: {written}: unknown field; did you mean '{meant}'?"
    )
