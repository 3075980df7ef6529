"""`paramcalc sweep`: grids parsed strictly, every row exactly what `count` gives."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from paramcalc.cli import main

GROUPS = ["embedding", "attention", "feedforward", "norm", "output"]
COLUMNS = ["total", *GROUPS, "active"]


def invoke(runner: CliRunner, *args: str) -> Any:
    """Run paramcalc with `args`; exceptions other than SystemExit propagate."""
    return runner.invoke(main, list(args), catch_exceptions=False)


def csv_rows(text: str) -> list[list[str]]:
    """Parse CSV output."""
    return list(csv.reader(io.StringIO(text)))


def counted(runner: CliRunner, base: str, point: dict[str, int], *extra: str) -> dict[str, Any]:
    """`paramcalc count BASE --set FIELD=VALUE...` as JSON."""
    sets = [arg for field, value in point.items() for arg in ("--set", f"{field}={value}")]
    return json.loads(invoke(runner, "count", base, *extra, *sets, "-f", "json").stdout)


def test_llama_depth_grid_matches_closed_form(runner: CliRunner) -> None:
    """Each extra layer of llama-2-7b adds one closed-form block; one header row only."""
    rows = csv_rows(
        invoke(
            runner, "sweep", "--base", "llama-2-7b", "--grid", "num_hidden_layers=30..34:2"
        ).stdout
    )
    assert rows[0] == ["num_hidden_layers", *COLUMNS]
    layer = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096
    totals = {int(r[0]): int(r[1]) for r in rows[1:]}
    assert totals == {n: 6_738_415_616 + (n - 32) * layer for n in (30, 32, 34)}
    for r in rows[1:]:
        assert sum(int(v) for v in r[2:7]) == int(r[1]) == int(r[7])


@pytest.mark.parametrize(
    ("base", "grids", "extra"),
    [
        (
            "llama-2-7b",
            ["hidden_size=1024..8192:512", "num_hidden_layers=1..48:7", "vocab_size=32000..32002"],
            [],
        ),
        (
            "mixtral-8x7b",
            ["num_hidden_layers=1..12", "num_experts=1..8:3", "num_experts_per_tok=1..2"],
            [
                "--set",
                "first_k_dense_replace=2",
                "--set",
                "moe_layer_freq=3",
                "--set",
                "mlp_only_layers=[4]",
            ],
        ),
        (
            "gpt2",
            ["hidden_size=64..768:64", "num_hidden_layers=1..3", "intermediate_size=100..300:100"],
            ["--set", "ffn_ratio="],
        ),
    ],
)
def test_random_rows_equal_count(
    runner: CliRunner, base: str, grids: list[str], extra: list[str]
) -> None:
    """Random rows of a grid (MoE placement rules included) equal `paramcalc count` exactly."""
    args = [a for g in grids for a in ("--grid", g)]
    result = invoke(runner, "sweep", "--base", base, *extra, *args)
    assert result.exit_code == 0
    rows = csv_rows(result.stdout)
    header, body = rows[0], rows[1:]
    names = header[: len(grids)]
    assert body
    for row in random.Random(7).sample(body, min(12, len(body))):
        point = dict(zip(names, map(int, row), strict=False))
        data = counted(runner, base, point, *extra)
        expected = [data["total"], *(data["groups"][g] for g in GROUPS), data["active"]]
        assert [int(v) for v in row[len(names) :]] == expected, point


def test_json_output_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    """-o FILE.json writes a JSON array of flat rows; stdout stays empty."""
    path = tmp_path / "grid.json"
    result = invoke(
        runner, "sweep", "--base", "gpt2", "--grid", "num_hidden_layers=1..3", "-o", str(path)
    )
    assert result.exit_code == 0 and result.stdout == ""
    rows = json.loads(path.read_text())
    assert [r["num_hidden_layers"] for r in rows] == [1, 2, 3]
    assert rows[-1]["total"] == 124_439_808 - 9 * 7_087_872  # gpt2 block: 7,087,872 parameters
    assert list(rows[0]) == ["num_hidden_layers", *COLUMNS]


def test_csv_file_has_exactly_one_header_row(runner: CliRunner, tmp_path: Path) -> None:
    """A CSV file: one header, then one row a point, last axis fastest."""
    path = tmp_path / "grid.csv"
    invoke(
        runner,
        "sweep",
        "--base",
        "gpt2",
        "--grid",
        "hidden_size=768..864:96",
        "--grid",
        "num_hidden_layers=1..2",
        "-o",
        str(path),
    )
    rows = csv_rows(path.read_text())
    assert sum(r[0] == "hidden_size" for r in rows) == 1
    assert [r[:2] for r in rows[1:]] == [["768", "1"], ["768", "2"], ["864", "1"], ["864", "2"]]


def test_invalid_points_are_skipped_with_a_warning(runner: CliRunner) -> None:
    """Widths that 12 heads do not divide are skipped; a warning says how many and why."""
    result = invoke(runner, "sweep", "--base", "gpt2", "--grid", "hidden_size=760..776:4")
    rows = csv_rows(result.stdout)
    assert [r[0] for r in rows[1:]] == ["768"]
    assert "skipped 4 of 5 points" in result.stderr and "does not divide" in result.stderr


@pytest.mark.parametrize(
    ("grid", "words"),
    [
        ("hidden_size=10..1", ["empty range"]),
        ("hidden_size=1..10:0", ["STEP"]),
        ("hidden_size=1..10:-2", ["STEP"]),
        ("hidden_size", ["FIELD=START..STOP"]),
        ("hidden_size=1-10", ["START..STOP"]),
        ("hidden_size=1.5..3", ["integers"]),
        ("hidden_size=a..b", ["integers"]),
        ("hiden_size=1..2", ["unknown field", "did you mean 'hidden_size'"]),
        ("tie_word_embeddings=0..1", ["not an integer field"]),
        ("hidden_size=0..4", ["greater than 0"]),
        ("num_hidden_layers=1..10001", ["10000"]),
        ("hidden_size=761..763", ["no point", "does not divide"]),
    ],
)
def test_bad_grids_exit_2_with_one_line(runner: CliRunner, grid: str, words: list[str]) -> None:
    """Bad ranges, unknown fields, out-of-bounds ends: exit 2 and one clear line."""
    result = invoke(runner, "sweep", "--base", "gpt2", "--grid", grid)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error: --grid")
    for word in words:
        assert word in lines[0]


def test_a_field_twice_and_huge_grids_are_refused(runner: CliRunner) -> None:
    """The same field twice, or more than ten million points, exit 2 before counting."""
    twice = invoke(
        runner,
        "sweep",
        "--base",
        "gpt2",
        "--grid",
        "hidden_size=64..128:64",
        "--grid",
        "hidden_size=64..128:64",
    )
    assert twice.exit_code == 2 and "more than once" in twice.stderr
    huge = invoke(
        runner,
        "sweep",
        "--base",
        "gpt2",
        "--grid",
        "vocab_size=1..100000",
        "--grid",
        "num_hidden_layers=1..1000",
    )
    assert huge.exit_code == 2 and "100,000,000 points" in huge.stderr
