"""Terminal tables at 80, 120 and 1 to 20 columns: no name, path or number is ever broken.

Each test renders through the CLI with COLUMNS set, as a pipe or a CI log would, and finds every
name (from the command's own JSON, or from the files it was given) whole on one line.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import REPO, TINY_LLAMA, assert_whole, data, llama_tensors, table, write_safetensors
from paramcalc.render.units import human, human_bytes, human_flops


@pytest.mark.parametrize("width", [80, 120])
def test_presets_list_every_name_and_source_whole(width: int) -> None:
    """`presets` shows each name, count and Hub address whole, in about two lines a preset."""
    out = table("presets", width=width)
    entries = data("presets")
    names = [e["name"] for e in entries] + [f"{e['total']:,}" for e in entries]
    names += [e["source"].split()[0].replace("https://huggingface.co/", "hf.co/") for e in entries]
    assert_whole(out, names, width)
    assert len(out.splitlines()) <= 3 * len(entries) + 4


@pytest.mark.parametrize("preset", ["gpt2", "mixtral-8x7b", "t5-small", "deepseek-v2-lite"])
def test_count_layers_shows_every_layer_and_tensor_whole(preset: str) -> None:
    """`count --layers`: every block name, tensor path and count on one line at 80 columns."""
    out = table("count", preset, "--layers")
    counted = data("count", preset, "--layers")
    names = [f"{layer['stack']}.{layer['index']}" for layer in counted["layers"]]
    names += [t["name"] for t in counted["tensors"]] + [
        f"{t['size']:,}" for t in counted["tensors"]
    ]
    names += [f"{layer['total']:,}" for layer in counted["layers"]]
    assert_whole(out, names)


def test_count_layers_is_one_row_a_layer_at_80_columns() -> None:
    """The per-layer table fits: one line per block, the zero columns said once beneath it."""
    out = table("count", "llama-2-7b", "--layers")
    per_layer = out.split("per layer")[1].split("per tensor")[0]
    block_lines = [line for line in per_layer.splitlines() if line.strip().startswith("decoder.")]
    assert len(block_lines) == 32
    # attention 4 x 4096^2, feedforward 3 x 4096 x 11008, two norms of 4096
    per_block = 4 * 4096**2 + 3 * 4096 * 11008 + 2 * 4096
    assert all(f"{per_block:,}" in line for line in block_lines)
    assert "embedding, output: 0 in every row" in per_layer


def test_diff_names_whole_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`diff` of two long file names: both names and every count whole."""
    monkeypatch.chdir(tmp_path)
    a, b = Path("baseline-architecture-v1.yaml"), Path("wider-architecture-v2.yaml")
    a.write_text("base: llama-2-7b\n")
    b.write_text(
        "base: llama-2-7b\nhidden_size: 5120\nnum_attention_heads: 40\nnum_key_value_heads: 40\n"
    )
    out = table("diff", str(a), str(b))
    lines = data("diff", str(a), str(b))["counts"]
    figures = [f"{line[k]:,}" for line in lines.values() for k in ("a", "b")]
    assert_whole(out, [str(a), str(b), *figures])


def test_compare_names_whole_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`compare` with differing tensors: every paramcalc path and checkpoint name whole; the
    checkpoint's absolute path shown relative to the current folder."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "tiny.yaml"
    config.write_text("".join(f"{k}: {v}\n" for k, v in TINY_LLAMA.items()))
    write_safetensors(tmp_path / "model.safetensors", llama_tensors(layers=1))
    out = table("compare", str(config), str(tmp_path / "model.safetensors"), code=1)
    differences = data("compare", str(config), str(tmp_path / "model.safetensors"))
    names = [d["name"] for d in differences["differences"] if d["name"]]
    names += [d["checkpoint_name"] for d in differences["differences"] if d["checkpoint_name"]]
    assert names
    assert_whole(out, names)
    assert out.startswith("tiny vs model.safetensors: DIFFER")


@pytest.mark.parametrize("width", [1, 5, 12, 20])
def test_narrow_terminals_show_every_number(width: int) -> None:
    """From 1 to 20 columns every group's exact count and share still appears whole."""
    out = table("count", "llama-2-7b", width=width)
    counted = data("count", "llama-2-7b")
    for figure in [*counted["groups"].values(), counted["total"], counted["non_embedding"]]:
        assert any(f"{figure:,}" in line for line in out.splitlines()), out
    assert "64.24%" in out  # feedforward: 4,328,521,728 of 6,738,415,616


def test_title_wraps_at_the_terminal_not_the_table() -> None:
    """A title longer than its table stays on one line when the terminal is wide enough."""
    out = table("solve", "--target", "7B", "--tolerance", "1%", width=120)
    first = out.splitlines()[0]
    # the window is 1% of 7e9 either side: 6.93e9 .. 7.07e9
    assert first == (
        "llama-2-7b: shapes closest to total 7,000,000,000 (7.00B, window 6.93B..7.07B)"
    )


def test_verify_without_source_is_one_row_per_model() -> None:
    """`verify` with no SOURCE: one row per preset, each with its name and total."""
    out = table("verify")
    presets = data("presets")
    rows = [
        line
        for line in out.splitlines()
        if line.strip().split(" ")[0] in {p["name"] for p in presets}
    ]
    assert len(rows) == len(presets)
    assert all(f"{p['total']:,}" in row for p, row in zip(presets, rows, strict=True))


def test_human_units_round_at_unit_boundaries() -> None:
    """999,885,952 is 1.00B, never 1000M; the same at binary and FLOP boundaries."""
    assert human(999_885_952) == "1.00B"
    assert human(999_499_999) == "999M"
    assert human(-999_885_952) == "-1.00B"
    assert human_bytes(2**30 - 1) == "1.00 GiB"
    assert human_bytes(1000 * 2**20) == "1000.00 MiB"  # binary units turn over at 1024
    assert human_flops(999_996 * 10**9) == "1.00 PFLOP"


def test_count_rounds_a_count_just_under_a_billion_to_one_billion() -> None:
    """A Llama of 16 blocks of width 2048 and 43,347 tokens counts 999,700,480: `1.00B`."""
    args = [
        "--vocab-size",
        "43347",
        "--hidden-size",
        "2048",
        "--num-layers",
        "16",
        "--heads",
        "16",
        "--intermediate-size",
        "5632",
    ]
    # untied embedding and head, 4 H^2 attention, 3 H F feed-forward, 2 norms a block, final norm
    total = 2 * 43347 * 2048 + 16 * (4 * 2048**2 + 3 * 2048 * 5632 + 2 * 2048) + 2048
    assert total == 999_700_480
    assert table("count", *args).splitlines()[0] == "custom: 999,700,480 parameters (1.00B)"


def test_memory_tables_show_human_units_on_every_byte_figure() -> None:
    """Every byte figure of `memory` has its binary units beside it."""
    out = table("memory", "llama-3-8b", "--gpu", "h100", "--zero", "3", "--gpus", "8", width=200)
    # sbh(34 + 5as/h) at s=2048, b=1, h=4096, a=32: 956,301,312 bytes = 912 MiB
    assert "956,301,312   912.00 MiB" in out
    # the cache of 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes x 2,048 tokens = 256 MiB
    assert "self-attention cache" in out and "268,435,456   256.00 MiB" in out
    # 16 bytes a parameter over 8 devices: 2 bytes x 8,030,261,248 parameters each, 14.96 GiB
    assert "16,060,522,496   14.96 GiB" in out
    for line in out.splitlines():
        figures = [w for w in line.split() if w.replace(",", "").isdigit() and len(w) > 7]
        if figures and "FLOP" not in line:
            assert "iB" in line, line


def test_flops_names_its_conventions_for_moe() -> None:
    """Mixtral: 6N and Chinchilla given over active and over total parameters, and named."""
    out = table("flops", "mixtral-8x7b", width=120)
    counted = data("count", "mixtral-8x7b")
    assert f"{6 * counted['active']:,}" in out and f"{6 * counted['total']:,}" in out
    assert f"{20 * counted['active']:,}" in out and f"{20 * counted['total']:,}" in out
    assert "6N, training (N = total parameters)" in out
    assert "Chinchilla tokens, 20 N_active" in out and "Chinchilla tokens, 20 N_total" in out
    flops = data("flops", "mixtral-8x7b")
    assert flops["training"]["chinchilla_tokens_active"] == 20 * counted["active"]
    assert flops["approximations_per_token"]["6N_total"] == 6 * counted["total"]


def test_latin1_output_degrades_bars_instead_of_crashing() -> None:
    """With a latin-1 stdout the bars and rules are ASCII; the table is still complete."""
    env = {"PYTHONIOENCODING": "latin-1", "PYTHONPATH": str(REPO), "COLUMNS": "80"}
    result = subprocess.run(
        [sys.executable, "-m", "paramcalc", "count", "llama-2-7b"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("latin-1")
    assert "6,738,415,616" in out and "--------" in out and "####" in out
    assert "\u2588" not in out and "\u2501" not in out


def test_names_are_never_read_as_markup(tmp_path: Path) -> None:
    """A name with Rich markup, and a folder called `[red]x`, print as written."""
    folder = tmp_path / "[red]x"
    folder.mkdir()
    path = folder / "m.yaml"
    path.write_text("base: gpt2\nname: '[/bold]x [bold]y'\nexpected_total: 124439808\n")
    assert "[/bold]x [bold]y: 124,439,808 parameters" in table("count", str(path))
    assert str(path) in table("check", str(path), width=200)


def csv_rows(*args: str) -> list[list[str]]:
    """The CSV output of `paramcalc ARGS -f csv`, parsed."""
    return list(csv.reader(io.StringIO(table(*args, "-f", "csv"))))


@pytest.mark.parametrize(
    "args",
    [
        ["count", "gpt2", "--layers"],
        ["memory", "llama-3-8b"],
        ["flops", "mixtral-8x7b"],
        ["diff", "gpt2", "gpt2-medium"],
    ],
)
def test_csv_is_one_table(args: list[str]) -> None:
    """A report with sections is one long table: one header, four fields on every row."""
    rows = csv_rows(*args)
    assert rows[0] == ["table", "row", "column", "value"]
    assert all(len(row) == 4 for row in rows)
    assert ["table", "row", "column", "value"] not in rows[1:]


def test_count_layers_csv_carries_every_layer_and_tensor() -> None:
    """gpt2 --layers as CSV: 12 blocks of 7,087,872 and tensors that add up to the total."""
    rows = csv_rows("count", "gpt2", "--layers")
    # attention 4 x 768^2 + 4 x 768 biases... as GPT-2 has them: c_attn 768 x 2304 + 2304,
    # c_proj 768^2 + 768; MLP 768 x 3072 + 3072 and 3072 x 768 + 768; two layer norms of 2 x 768
    block = (768 * 2304 + 2304) + (768 * 768 + 768) + (768 * 3072 + 3072) + (3072 * 768 + 768)
    block += 2 * 2 * 768
    assert block == 7_087_872
    totals = [r[3] for r in rows if r[0] == "layers" and r[2] == "total"]
    assert totals == [str(block)] * 12
    tensors = sum(int(r[3]) for r in rows if r[0] == "tensors" and r[2] == "parameters")
    assert tensors == 124_439_808


def test_csv_shares_are_plain_decimals() -> None:
    """Shares are decimals such as 0.00030858292549 (38,400 of 124,439,808), never 3.1e-04."""
    rows = {r[0]: r for r in csv_rows("count", "gpt2")}
    assert rows["norm"][3] == "0.00030858292549"
    assert Fraction(rows["norm"][3]) == pytest.approx(Fraction(38_400, 124_439_808), rel=1e-11)
    groups = ["embedding", "attention", "feedforward", "norm", "output"]
    assert all("e" not in rows[g][3].lower() for g in groups)


def test_sweep_refuses_a_suffix_it_does_not_write(tmp_path: Path) -> None:
    """`sweep -o x.yaml` is refused (exit 2) and writes nothing; `-o x.json` writes JSON."""
    from click.testing import CliRunner

    from paramcalc.cli import main

    grid = ["sweep", "--base", "gpt2", "--grid", "num_hidden_layers=1..2"]
    result = CliRunner().invoke(main, [*grid, "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "sweep writes CSV or JSON, not '.yaml' files" in result.stderr
    assert not (tmp_path / "x.yaml").exists()
    assert CliRunner().invoke(main, [*grid, "-o", str(tmp_path / "x.json")]).exit_code == 0
    assert len(json.loads((tmp_path / "x.json").read_text())) == 2


def test_control_characters_in_names_are_shown_escaped(tmp_path: Path) -> None:
    """A name holding a terminal escape or a newline prints escaped, on one line."""
    path = tmp_path / "m.yaml"
    path.write_text('base: gpt2\nname: "\\e[31mred\\nx"\n')
    first = table("count", str(path)).splitlines()[0]
    assert first == "\\x1b[31mred\\nx: 124,439,808 parameters (124M)"
