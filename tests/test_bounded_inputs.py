"""Bounded work: no input or option makes paramcalc run for long or grow large before it answers.

Each probe of the issue is answered with exit 2 and one short line, or with a correct answer,
within a CPU budget far above what it takes (a fraction of a second to about two seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import REPO
from paramcalc.cli import main

#: CPU seconds any probe may take; the slowest takes about two on the development machine.
BUDGET = 8.0
BIG = "9" * 5000
BASE = "vocab_size: 10\nhidden_size: 4\nnum_hidden_layers: 2\nnum_attention_heads: 2\n"


def probe(*args: str) -> Result:
    """Run paramcalc in this process within the CPU budget."""
    start = time.process_time()
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert time.process_time() - start < BUDGET, args
    return result


def refused(*args: str) -> str:
    """Run a probe that must be bad input: exit 2, one line on stderr, nothing on stdout."""
    result = probe(*args)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error: ") and len(lines[0]) < 500
    return lines[0]


def header_file(path: Path, header: bytes, data: bytes = b"\0" * 4) -> str:
    """A safetensors file: 8-byte little-endian length, the header as given, then data."""
    path.write_bytes(len(header).to_bytes(8, "little") + header + data)
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["count", "--vocab-size", BIG, "--hidden-size", "8", "--num-layers", "1", "--heads", "1"],
        [
            "count",
            "--vocab-size",
            "9" * 30,
            "--hidden-size",
            "8",
            "--num-layers",
            "1",
            "--heads",
            "1",
        ],
        ["dense", BIG, "2"],
        ["dense", "2", "9" * 4000],
        ["memory", "gpt2", "--batch", BIG],
        ["memory", "gpt2", "--seq", "9" * 4000],
        ["memory", "gpt2", "--encoder-seq", BIG],
        ["memory", "gpt2", "--gpus", BIG],
        ["memory", "gpt2", "--zero", BIG],
        ["memory", "gpt2", "--dtype", "int4", "--quant-group-size", BIG],
        ["flops", "gpt2", "--tokens", BIG],
        ["flops", "gpt2", "--tokens", "1e99999999"],
        ["flops", "gpt2", "--gpu", "h100", "--mfu", "1e99999999"],
        ["solve", "--target", BIG],
        ["solve", "--target", "7B", "--top", BIG],
        ["solve", "--target", "7B", "--tolerance", "1e99999999"],
        ["sweep", "--base", "gpt2", "--grid", f"num_hidden_layers=1..{BIG}"],
        ["sweep", "--base", "gpt2", "--grid", f"num_hidden_layers=1..3:{BIG}"],
        ["count", "gpt2", "--set", f"num_hidden_layers={BIG}"],
        ["count", "gpt2", "-f", "x" * 5000],
        ["--no-such-option-" + "x" * 5000],
    ],
)
def test_huge_numbers_in_any_option_are_one_short_line(args: list[str]) -> None:
    """Thousands of digits (or an exponent of 99,999,999) in any option: exit 2, one line
    that shows the value abbreviated."""
    line = refused(*args)
    assert "9" * 100 not in line and "x" * 100 not in line


def test_a_target_beyond_any_model_lists_the_closest_real_shapes() -> None:
    """`solve --target 10**18T` answers with shapes inside the schema's ranges, marked as
    outside the window, within the budget (it used to enumerate 10**8 depths)."""
    result = probe("solve", "--target", "1000000000000000000T", "-f", "json")
    assert result.exit_code == 0, result.stderr
    solution = json.loads(result.stdout)
    assert solution["target"] == 10**30
    assert solution["shapes"] and not any(s["within"] for s in solution["shapes"])
    assert all(s["overrides"]["num_hidden_layers"] <= 10_000 for s in solution["shapes"])


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_AS")
def test_solve_of_a_huge_target_stays_small_in_memory() -> None:
    """The same probe in a process limited to 1 GiB of address space still answers."""
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "sys.argv = ['paramcalc', 'solve', '--target', '1000000000000000000T']\n"
        "from paramcalc.__main__ import run\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr[-500:]


def test_a_yaml_list_of_a_megabyte_is_refused_early(tmp_path: Path) -> None:
    """A 1 MB list where a number is expected stops at 25,000 values, within the budget."""
    path = tmp_path / "m.yaml"
    path.write_text("vocab_size: [" + ",".join(["1"] * 333_000) + "]\n" + BASE[15:])
    assert path.stat().st_size < 1024 * 1024
    assert "more than 25,000 values in one document" in refused("count", str(path))


def test_a_yaml_file_over_a_mebibyte_is_refused_unparsed(tmp_path: Path) -> None:
    """YAML is held to 1 MiB (its parser is pure Python); JSON may be larger."""
    path = tmp_path / "m.yaml"
    path.write_text(BASE + "name: " + "x" * (1024 * 1024) + "\n")
    assert "over the 1,048,576-character limit" in refused("count", str(path))


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    """3,000 nested lists: `nested too deeply`, exit 2."""
    path = tmp_path / "deep.json"
    path.write_text('{"vocab_size": ' + "[" * 3000 + "]" * 3000 + "}")
    assert "nested too deeply" in refused("count", str(path))


def test_layer_types_entries_that_are_mappings(tmp_path: Path) -> None:
    """`layer_types: [{a: 1}]`: one line naming layer_types.0."""
    path = tmp_path / "m.yaml"
    path.write_text(BASE + "layer_types: [{a: 1}, {b: 2}]\n")
    assert ": layer_types.0: " in refused("count", str(path))


def test_two_merge_keys_in_one_mapping(tmp_path: Path) -> None:
    """`<<: *a` twice in one mapping is an error, not PyYAML's choice of winner."""
    path = tmp_path / "m.yaml"
    path.write_text("a: &a {vocab_size: 10}\nb: &b {hidden_size: 4}\nc:\n  <<: *a\n  <<: *b\n")
    assert "duplicate merge key '<<'" in refused("count", str(path))


def test_an_index_of_100000_tensors_counts_in_time(tmp_path: Path) -> None:
    """A safetensors index and shard of 100,000 one-element F32 tensors: 100,000 elements."""
    names = [f"t{i}" for i in range(100_000)]
    header = {
        n: {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
        for i, n in enumerate(names)
    }
    header_file(tmp_path / "m.safetensors", json.dumps(header).encode(), bytes(4 * len(names)))
    index = tmp_path / "m.safetensors.index.json"
    index.write_text(
        json.dumps(
            {
                "metadata": {"total_size": 4 * len(names)},
                "weight_map": {n: "m.safetensors" for n in names},
            }
        )
    )
    result = probe("count", str(index), "-f", "json")
    assert result.exit_code == 0, result.stderr
    counted = json.loads(result.stdout)
    assert counted["total"] == counted["stored"]["tensors"] == 100_000


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (
            b'{"a": {"dtype": "F32", "shape": [' + b"9" * 4400 + b'], "data_offsets": [0, 4]}}',
            "a number with too many digits",
        ),
        (
            b'{"a": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}}',
            "unknown dtype ['F32']",
        ),
        (
            (
                '{"a": {"dtype": "F32", "shape": ['
                + ",".join(["1" + "0" * 299] * 16)
                + '], "data_offsets": [0, 4]}}'
            ).encode(),
            "shape must be a list of at most 64 integers",
        ),
        (
            b'{"__metadata__": [1, 2], "a": {"dtype": "F32", "shape": [1], '
            b'"data_offsets": [0, 4]}}',
            "__metadata__ must map names to strings, got [1, 2]",
        ),
        (
            b'{"__metadata__": {"format": 1}, "a": {"dtype": "F32", "shape": [1], '
            b'"data_offsets": [0, 4]}}',
            "__metadata__ must map names to strings",
        ),
        (b'{"a": ' * 3000 + b"1" + b"}" * 3000, "nested too deeply"),
    ],
)
def test_odd_safetensors_headers_are_one_line(tmp_path: Path, header: bytes, says: str) -> None:
    """Long integers, a list as dtype, dims of 10**299, a non-mapping __metadata__ and deep
    nesting in a header: exit 2 with a line that prints."""
    assert says in refused("count", header_file(tmp_path / "m.safetensors", header))


def test_index_total_size_is_checked_against_the_shards(tmp_path: Path) -> None:
    """metadata.total_size must be the bytes of the shards' tensors (2 x 4 here)."""
    header = b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}'
    header_file(tmp_path / "m.safetensors", header, bytes(8))
    index = tmp_path / "m.safetensors.index.json"
    for total_size, code in ((8, 0), (9, 2), ("8", 2)):
        index.write_text(
            json.dumps(
                {"metadata": {"total_size": total_size}, "weight_map": {"a": "m.safetensors"}}
            )
        )
        result = probe("count", str(index))
        assert result.exit_code == code, result.stderr
    assert "metadata.total_size" in refused("count", str(index))
    index.write_text(
        json.dumps({"metadata": {"total_size": 9}, "weight_map": {"a": "m.safetensors"}})
    )
    assert refused("count", str(index)).endswith(
        "metadata.total_size: 9 bytes, but the shards' tensors hold 8 (a stale index?)"
    )
