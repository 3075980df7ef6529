"""`diff`, `solve` and `schema` through the CLI, and the Python API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import paramcalc
from conftest import reference_models
from paramcalc.cli import main
from paramcalc.render import OutputFormat

REFERENCE = {m["name"]: m for m in reference_models()}
LLAMA = REFERENCE["llama-2-7b"]
MISTRAL = REFERENCE["mistral-7b-v0.1"]
#: One Llama-2-7B block (closed form): 4 square attention matrices, 3 FFN matrices, 2 norms.
LLAMA_LAYER = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096
SOLVE_7B = [
    "solve",
    "--target",
    "7B",
    "--base",
    "llama-2-7b",
    "--vary",
    "num_hidden_layers",
    "--vary",
    "hidden_size",
]


def invoke(runner: CliRunner, *args: str) -> Any:
    """Run paramcalc with `args`; exceptions other than SystemExit propagate."""
    return runner.invoke(main, list(args), catch_exceptions=False)


def assert_bad_input(result: Any, *words: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr holding `words`."""
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error:"), result.stderr
    for word in words:
        assert word in lines[0]


# -- diff ------------------------------------------------------------------------------------


def test_diff_json_gives_exact_signed_differences(runner: CliRunner) -> None:
    """diff llama-2-7b mistral: both reference totals and groups, B - A, and the fields apart."""
    data = json.loads(invoke(runner, "diff", "llama-2-7b", "mistral-7b-v0.1", "-f", "json").stdout)
    total = data["counts"]["total"]
    assert (total["a"], total["b"]) == (LLAMA["total"], MISTRAL["total"])
    assert total["difference"] == MISTRAL["total"] - LLAMA["total"]
    for group, value in LLAMA["groups"].items():
        line = data["counts"][group]
        assert (line["a"], line["b"]) == (value, MISTRAL["groups"][group])
        assert line["difference"] == MISTRAL["groups"][group] - value
    assert data["fields"]["num_key_value_heads"]["a"] == 32
    assert data["fields"]["num_key_value_heads"]["b"] == 8
    assert {"num_key_value_heads", "intermediate_size"} <= set(data["differing_fields"])
    assert "hidden_size" not in data["differing_fields"]


def test_diff_table_shows_signs_and_a_note_per_differing_field(runner: CliRunner) -> None:
    """The table shows + and - differences; every differing field gets a note line."""
    out = invoke(runner, "diff", "llama-2-7b", "mistral-7b-v0.1").stdout
    per_layer = 2 * 4096 * 1024 - 2 * 4096 * 4096  # k and v: 8 key/value heads instead of 32
    assert f"{32 * per_layer:+,}" in out and f"{32 * per_layer:+,}".startswith("-")
    assert f"{MISTRAL['total'] - LLAMA['total']:+,}" in out
    assert "note: num_key_value_heads: 32 in llama-2-7b, 8 in mistral-7b-v0.1" in out
    assert "note: intermediate_size: 11008 in llama-2-7b, 14336 in mistral-7b-v0.1" in out


def test_diff_of_a_file_against_its_base(runner: CliRunner, tmp_path: Path) -> None:
    """A file one layer deeper than its base differs by one closed-form block, +1/32 layers."""
    path = tmp_path / "deeper.yaml"
    path.write_text("base: llama-2-7b\nnum_hidden_layers: 33\n")
    data = json.loads(invoke(runner, "diff", "llama-2-7b", str(path), "-f", "json").stdout)
    assert data["counts"]["total"]["difference"] == LLAMA_LAYER
    assert data["differing_fields"] == ["num_hidden_layers"]
    assert data["fields"]["num_hidden_layers"]["relative"] == 1 / 32


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat])
def test_diff_renders_in_every_format(runner: CliRunner, fmt: str) -> None:
    """Every format, SVG and HTML included, carries both totals."""
    out = invoke(runner, "diff", "llama-2-7b", "mistral-7b-v0.1", "-f", fmt).stdout.replace(
        "\xa0", " "
    )
    for total in (LLAMA["total"], MISTRAL["total"]):
        assert str(total) in out or f"{total:,}" in out


def test_diff_of_equal_models_says_no_field_differs(runner: CliRunner) -> None:
    """A model against itself: zero differences, no differing field."""
    data = json.loads(invoke(runner, "diff", "gpt2", "gpt2", "-f", "json").stdout)
    assert data["counts"]["total"]["difference"] == 0 and data["differing_fields"] == []
    assert "no field differs" in invoke(runner, "diff", "gpt2", "gpt2").stdout


def test_diff_of_an_unknown_preset_exits_2(runner: CliRunner) -> None:
    """An unknown source is one line on stderr with the closest preset names."""
    assert_bad_input(invoke(runner, "diff", "llama-2-7b", "llama-2-7c"), "did you mean")


# -- solve -----------------------------------------------------------------------------------


def set_args(overrides: dict[str, Any]) -> list[str]:
    """`--set FIELD=VALUE` arguments for a shape's fields (JSON values read as YAML)."""
    args = []
    for field, value in overrides.items():
        args += ["--set", f"{field}={'' if value is None else json.dumps(value)}"]
    return args


def test_solve_7b_lists_llama_2_7b_and_every_row_counts_as_printed(runner: CliRunner) -> None:
    """The done criterion: llama-2-7b's own shape is listed, and `count` agrees on every row."""
    data = json.loads(invoke(runner, *SOLVE_7B, "-f", "json").stdout)
    shapes = data["shapes"]
    assert len(shapes) == 10
    own = [s for s in shapes if s["overrides"] == {"num_hidden_layers": 32, "hidden_size": 4096}]
    assert own and own[0]["total"] == LLAMA["total"] and own[0]["rank"] <= 3
    for shape in shapes:
        counted = invoke(runner, "count", "llama-2-7b", *set_args(shape["overrides"]), "-f", "json")
        assert json.loads(counted.stdout)["total"] == shape["total"], shape


def test_solve_shapes_are_real_models_in_the_window(runner: CliRunner) -> None:
    """Widths are multiples of 128, heads of 128 wide, FFN = 8/3 width rounded up to 256."""
    data = json.loads(invoke(runner, *SOLVE_7B, "-f", "json").stdout)
    assert (data["low"], data["high"]) == (6_500_000_000, 7_500_000_000)
    for shape in data["shapes"]:
        fields = {"hidden_size": 4096, "num_hidden_layers": 32, **shape["overrides"]}
        hidden, layers = fields["hidden_size"], fields["num_hidden_layers"]
        assert hidden % 128 == 0 and shape["within"]
        assert fields.get("num_attention_heads", 32) * 128 == hidden
        assert fields.get("intermediate_size", 11008) == -(-(8 * hidden // 3) // 256) * 256
        assert shape["width_per_layer"] == hidden / layers
        assert abs(shape["error"]) <= 500_000_000


def test_solve_table_shows_error_and_aspect(runner: CliRunner) -> None:
    """The table lists llama-2-7b's exact total with its signed error and width per layer."""
    out = invoke(runner, *SOLVE_7B).stdout
    assert "6,738,415,616" in out and "-3.74%" in out and "aspect" in out
    assert "note: num_attention_heads follow the width: 32 per 4,096" in out


def test_solve_exact_target_with_one_field(runner: CliRunner) -> None:
    """An exact integer target reached by depth alone: 7B + 3 closed-form layers."""
    target = LLAMA["total"] + 3 * LLAMA_LAYER
    data = json.loads(
        invoke(
            runner,
            "solve",
            "--target",
            str(target),
            "--base",
            "llama-2-7b",
            "--vary",
            "num_hidden_layers",
            "-f",
            "json",
        ).stdout
    )
    assert data["shapes"][0]["overrides"] == {"num_hidden_layers": 35}
    assert data["shapes"][0]["error"] == 0


def test_solve_tolerance_narrows_the_window(runner: CliRunner) -> None:
    """--tolerance 1% keeps only shapes within 1% of 7B: llama-2-7b (-3.7%) drops out."""
    data = json.loads(invoke(runner, *SOLVE_7B, "--tolerance", "1%", "-f", "json").stdout)
    assert (data["low"], data["high"]) == (6_930_000_000, 7_070_000_000)
    assert data["shapes"][0]["within"]
    assert all(s["total"] != LLAMA["total"] for s in data["shapes"] if s["within"])


def test_solve_active_matches_the_moe_active_count(runner: CliRunner) -> None:
    """--active matches the active count; each row's active count is what `count` gives."""
    data = json.loads(
        invoke(
            runner,
            "solve",
            "--target",
            "3B",
            "--base",
            "mixtral-8x7b",
            "--vary",
            "hidden_size",
            "--active",
            "--top",
            "3",
            "-f",
            "json",
        ).stdout
    )
    assert data["objective"] == "active"
    assert 2_500_000_000 <= data["shapes"][0]["active"] <= 3_500_000_000
    for shape in data["shapes"]:
        counted = json.loads(
            invoke(
                runner, "count", "mixtral-8x7b", *set_args(shape["overrides"]), "-f", "json"
            ).stdout
        )
        assert (counted["total"], counted["active"]) == (shape["total"], shape["active"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--target", "seven"], ["--target", "'seven'"]),
        (["--target", "7Q"], ["--target"]),
        (["--target", "0"], ["--target", "positive"]),
        (["--target", "-7B"], ["--target"]),
        (["--target", "7B", "--vary", "hiden_size"], ["--vary", "hiden_size"]),
        (["--target", "7B", "--vary", "num_experts"], ["--vary", "dense"]),
        (["--target", "7B", "--tolerance", "lots"], ["--tolerance"]),
        (["--target", "7B", "--base", "no-such-model"], ["no-such-model"]),
    ],
)
def test_solve_bad_input_exits_2(runner: CliRunner, args: list[str], words: list[str]) -> None:
    """Bad targets, unknown fields, unreachable targets: exit 2 and one clear line."""
    assert_bad_input(invoke(runner, "solve", *args), *words)


# -- schema ----------------------------------------------------------------------------------


def test_schema_is_the_architecture_file_schema(runner: CliRunner) -> None:
    """`schema` prints JSON Schema: every field documented, `base` allowed, extras refused."""
    schema = json.loads(invoke(runner, "schema").stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    flat, nested, wrapped = schema["oneOf"]
    props = flat["properties"]
    assert set(paramcalc.Architecture.model_fields) | {"base"} == set(props)
    assert props["hidden_size"]["description"] == "Width of the residual stream (d_model)."
    assert all(p.get("description") for p in props.values())
    assert flat["additionalProperties"] is False
    assert {"required": ["base"]} in flat["anyOf"]
    assert {"text", "vision", "projector", "naming"} <= set(nested["properties"])
    assert wrapped["required"] == ["config"] and wrapped["additionalProperties"] is False
    assert all(p.get("description") for p in wrapped["properties"].values())
    # Every field of every v2 part (mixers, feed-forwards, blocks, towers) is documented.
    for name, part in schema["$defs"].items():
        for field, prop in part.get("properties", {}).items():
            assert prop.get("description") or field == "kind", f"{name}.{field}"


def test_schema_accepts_files_and_presets(runner: CliRunner) -> None:
    """A preset file and a `base:` file validate against the schema (when jsonschema exists)."""
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from paramcalc.sources.presets import preset_files

    schema = json.loads(invoke(runner, "schema").stdout)
    for path in preset_files().values():
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    jsonschema.validate({"base": "llama-2-7b", "num_hidden_layers": 40}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"num_hidden_layers": 40}, schema)
    nested = {
        "text": {
            "vocab_size": 8,
            "hidden_size": 4,
            "stacks": [
                {
                    "num_hidden_layers": 1,
                    "block": {"mixer": {"kind": "attention", "num_attention_heads": 2}},
                }
            ],
        }
    }
    jsonschema.validate(nested, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**nested, "towers": {}}, schema)


# -- Python API ------------------------------------------------------------------------------


def test_api_counts_a_preset_to_the_reference() -> None:
    """paramcalc.count("llama-2-7b") gives transformers' total and groups."""
    b = paramcalc.count("llama-2-7b")
    assert b.total == LLAMA["total"]
    assert {g.value: v for g, v in b.groups.items()} == LLAMA["groups"]
    assert b.active == b.total and b.groups[paramcalc.Group.NORM] == 65 * 4096


def test_api_mapping_with_base_and_overrides() -> None:
    """A mapping may name a base; overrides replace fields afterwards; each adds whole layers."""
    deeper = paramcalc.count({"base": "llama-2-7b", "num_hidden_layers": 40})
    assert deeper.total == LLAMA["total"] + 8 * LLAMA_LAYER
    assert paramcalc.count("llama-2-7b", {"num_hidden_layers": 31}).total == (
        LLAMA["total"] - LLAMA_LAYER
    )
    arch = paramcalc.load({"base": "llama-2-7b"}, overrides={"tie_word_embeddings": True})
    assert paramcalc.count(arch).total == LLAMA["total"] - 32000 * 4096
    assert paramcalc.count(arch, {"num_hidden_layers": 33}).total == (
        LLAMA["total"] - 32000 * 4096 + LLAMA_LAYER
    )


def test_api_mixtral_active_with_one_expert() -> None:
    """Active parameters with k=1 of 8 experts: total less 7 experts a layer (closed form)."""
    b = paramcalc.count("mixtral-8x7b", {"num_experts_per_tok": 1})
    expert = 3 * 4096 * 14336
    assert (
        b.active
        == b.total - 7 * expert * 32
        == REFERENCE["mixtral-8x7b"]["total"] - (7 * expert * 32)
    )


@pytest.mark.parametrize(
    ("model", "overrides", "words"),
    [
        ("no-such-model", None, ["unknown preset"]),
        ({"base": "llama-2-7b", "hiden_size": 1}, None, ["did you mean 'hidden_size'"]),
        ({"vocab_size": 10}, None, ["required field is missing"]),
        ("llama-2-7b", {"num_hidden_layers": 0}, ["num_hidden_layers"]),
        (42, None, ["expected a source string"]),
    ],
)
def test_api_errors_are_input_errors(model: Any, overrides: Any, words: list[str]) -> None:
    """Bad models raise paramcalc.InputError naming the problem, never a pydantic error."""
    with pytest.raises(paramcalc.InputError) as caught:
        paramcalc.count(model, overrides)
    for word in words:
        assert word in str(caught.value)


# -- pre-commit hook -------------------------------------------------------------------------


def test_pre_commit_hook_runs_check_on_architecture_files() -> None:
    """The hook runs `paramcalc check` (a real command) on YAML files in architectures/ or
    models/, and leaves other YAML (CI workflows) alone."""
    import re

    import yaml

    from conftest import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "paramcalc check" and hook["language"] == "python"
    assert "check" in main.list_commands(click.Context(main))
    files = re.compile(hook["files"])
    for path in ("architectures/my-1b.yaml", "models/llama.yml", "src/models/a.yaml"):
        assert files.search(path), path
    for path in (".github/workflows/ci.yml", "models/tokenizer.json", "configs/train.yaml"):
        assert not files.search(path), path


def test_solve_out_of_reach_lists_the_closest_shapes(runner: CliRunner) -> None:
    """No llama-2-7b shape counts exactly 100: solve still lists the nearest, and says so."""
    result = invoke(runner, "solve", "--target", "100", "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["shapes"] and not any(shape["within"] for shape in data["shapes"])
    table = invoke(runner, "solve", "--target", "100").stdout
    assert "no shape counts 100..100" in " ".join(table.split())
