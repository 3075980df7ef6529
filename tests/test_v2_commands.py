"""Models only the v2 schema can say go through every command: an answer or one error line.

A hybrid, a model with sinks and a multimodal model are run through each command and format a
user would try; each either answers (exit 0) or says in one line why the command does not
apply (exit 2), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA
from paramcalc.cli import main

MODELS = ("defaults-nemotron-h", "gpt-oss-variant-1", "gemma3-variant-2", "qwen3-next-variant-3")
FORMATS = ("table", "json", "yaml", "markdown", "csv")


@pytest.fixture(params=MODELS)
def config(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The fixture's config.json in a folder named after it."""
    fixture = json.loads((DATA / "hf" / f"{request.param}.json").read_text())
    folder = tmp_path / request.param
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(fixture["config"]))
    return str(folder / "config.json")


def run(*args: str) -> tuple[int, str, str]:
    """Run paramcalc; exceptions other than SystemExit propagate (a traceback fails the test)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_count_memory_flops_and_report_answer(config: str, fmt: str) -> None:
    """count (with --layers), memory, flops and report answer in every format."""
    for command in (
        ["count", config, "--layers"],
        ["memory", config],
        ["flops", config],
        ["report", config],
    ):
        code, out, err = run(*command, "-f", fmt)
        assert code == 0 and out and not err, (command, err)


def test_verify_convert_diff_and_check_answer(config: str) -> None:
    """verify agrees, convert's file counts the same and checks, diff compares the counts."""
    assert run("verify", config)[0] == 0
    code, converted, _ = run("convert", config)
    assert code == 0
    path = Path(config).with_name("model.yaml")
    path.write_text(converted)
    assert run("check", str(path))[0] == 0
    code, out, _ = run("diff", config, str(path), "-f", "json")
    assert code == 0
    assert json.loads(out)["counts"]["total"]["difference"] == 0


def test_flat_field_workflows_refuse_in_one_line(config: str) -> None:
    """solve and sweep vary flat-form fields: a v2 model is one error line, exit 2."""
    for command in (
        ["solve", "--target", "1B", "--base", config],
        ["sweep", "--base", config, "--grid", "hidden_size=64..128:64"],
    ):
        code, out, err = run(*command)
        assert code == 2 and not out and len(err.splitlines()) == 1, command
        assert "flat form" in err
