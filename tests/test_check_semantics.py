"""`paramcalc check` as a CI gate: nothing passes by accident.

A file without `expected_total` fails unless allowed; an explicit tolerance is the tolerance,
not widened to the precision of a figure like `7B`; JSON gives the expected total as an
integer with the text as written beside it. Counts are derived here from closed forms.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import assert_whole, data, table
from paramcalc.cli import main

#: llama-2-7b: 32 blocks of 4 x 4096^2 attention, 3 x 4096 x 11008 feed-forward and 2 norms,
#: an untied 32000 x 4096 embedding and head, and the final norm.
LLAMA_2_7B = 32 * (4 * 4096**2 + 3 * 4096 * 11008 + 2 * 4096) + 2 * 32000 * 4096 + 4096


def model(folder: Path, name: str, *lines: str) -> str:
    """Write `models/NAME.yaml` (based on llama-2-7b, plus `lines`) and return its path."""
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(["base: llama-2-7b", *lines]) + "\n")
    return str(path)


def test_a_file_without_expected_total_fails(tmp_path: Path) -> None:
    """No expected_total checks nothing: reported as MISSING, and the run exits 1."""
    path = model(tmp_path, "bare")
    out = table("check", path, code=1)
    assert out.splitlines()[0] == "1 of 1 checks FAILED, 1 without expected_total"
    assert "MISSING" in out
    result = data("check", path)
    assert result["ok"] is False
    assert result["results"][0]["status"] == "MISSING"
    assert result["results"][0]["actual"] == LLAMA_2_7B


def test_allow_missing_lets_it_through_unchecked(tmp_path: Path) -> None:
    """--allow-missing: exit 0, the file reported as unchecked, never as a check that holds."""
    path = model(tmp_path, "bare")
    out = table("check", "--allow-missing", path)
    assert out.splitlines()[0] == "0 of 1 checks hold, 1 unchecked (no expected_total)"
    assert data("check", "--allow-missing", path)["results"][0]["status"] == "unchecked"


def test_one_missing_file_fails_the_whole_run(tmp_path: Path) -> None:
    """Among files that hold, one without expected_total still fails the run."""
    good = model(tmp_path, "good", f"expected_total: {LLAMA_2_7B}")
    bare = model(tmp_path, "bare")
    table("check", good, bare, code=1)
    table("check", good, code=0)


@pytest.mark.parametrize(
    ("expected", "tolerance", "holds"),
    [
        ("7B", None, True),  # 7B stands for 6.5B..7.5B
        ("7B", "1%", False),  # 1% of 7B is 70M: 6.74B is 262M away
        ("7B", "4%", True),  # 4% is 280M
        ("6.74B", "0", False),  # a tolerance of 0 is exact, whatever the unit
        ("6.74B", None, True),  # 6.735B..6.745B
        ("6.7384B", None, True),  # 6.73835B..6.73845B
        ("6.7385B", None, False),
        (LLAMA_2_7B, None, True),
        (LLAMA_2_7B + 1, None, False),
        (LLAMA_2_7B + 1, "0.00000015", True),  # 1 in 6.7e9 is 1.5e-10 of it
    ],
)
def test_explicit_tolerance_is_the_tolerance(
    tmp_path: Path, expected: object, tolerance: str | None, holds: bool
) -> None:
    """An explicit tolerance replaces the figure's precision; without one, the unit sets it."""
    lines = [f"expected_total: {expected}"] + ([f"tolerance: '{tolerance}'"] if tolerance else [])
    path = model(tmp_path, "m", *lines)
    table("check", path, code=0 if holds else 1)
    assert data("check", path)["ok"] is holds


def test_json_expected_is_an_integer_with_the_text_beside_it(tmp_path: Path) -> None:
    """`expected` is the integer the figure stands for; `expected_text` keeps what was written."""
    path = model(tmp_path, "m", "expected_total: 7B", "tolerance: 5%")
    result = data("check", path)["results"][0]
    assert result["expected"] == 7_000_000_000 and isinstance(result["expected"], int)
    assert result["expected_text"] == "7B"
    assert result["difference"] == LLAMA_2_7B - 7_000_000_000
    assert result["allowed"] == 350_000_000  # 5% of 7B
    exact = data("check", model(tmp_path, "n", f"expected_total: {LLAMA_2_7B}"))["results"][0]
    assert exact["expected"] == LLAMA_2_7B and exact["expected_text"] is None


@pytest.mark.parametrize("figure", ["1.5", "6.7384156165B"])
def test_a_figure_that_is_not_a_whole_count_is_bad_input(
    tmp_path: Path, runner: CliRunner, figure: str
) -> None:
    """`1.5` parameters or `6.7384156165B` (a tenth of one) is refused with exit 2."""
    path = model(tmp_path, "m", f"expected_total: '{figure}'")
    result = runner.invoke(main, ["check", path], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr == (
        f"paramcalc: error: {path}: expected_total: {figure!r} is not a "
        "whole number of parameters\n"
    )


def test_check_shows_paths_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` keeps each path whole, and shows an absolute path inside the folder relative."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "models" / "long-folder-of-architectures"
    folder.mkdir(parents=True)
    paths = [
        Path(model(folder, name, f"expected_total: {LLAMA_2_7B}"))
        for name in ("deep", "deeper-and-wider-variant")
    ]
    out = table("check", str(paths[0]), str(paths[1].relative_to(tmp_path)))
    assert_whole(out, [str(p.relative_to(tmp_path)) for p in paths] + [f"{LLAMA_2_7B:,}"])
    assert str(tmp_path) not in out
