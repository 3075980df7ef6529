"""Safetensors checkpoints: header-only counts, shards, corrupt headers, and `compare`.

The files are written by hand (tests/conftest.py:write_safetensors), so every expected figure
is the product of shapes written here, not something paramcalc computed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import (
    DTYPE_BYTES,
    LAYERS,
    TINY_LLAMA,
    TINY_TOTAL,
    F,
    H,
    V,
    llama_tensors,
    write_safetensors,
)
from paramcalc.cli import main


def invoke(runner: CliRunner, *args: str) -> Any:
    """Run paramcalc with `args`; exceptions other than SystemExit propagate."""
    return runner.invoke(main, list(args), catch_exceptions=False)


def count_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    """`paramcalc count ARGS -f json`, parsed; it must exit 0."""
    result = invoke(runner, "count", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_counts_per_group_and_dtype(runner: CliRunner, tmp_path: Path) -> None:
    """Parameters per group (by name) and per dtype, bytes on disk; buffers and unknowns apart."""
    path = tmp_path / "model.safetensors"
    tensors = llama_tensors() | {
        "model.layers.0.self_attn.rotary_emb.inv_freq": ("F32", [1]),
        "model.mystery.weight": ("I64", [3]),
    }
    header = write_safetensors(path, tensors)
    data = count_json(runner, str(path))
    assert data["groups"] == {
        "embedding": V * H,
        "attention": LAYERS * 4 * H * H,
        "feedforward": LAYERS * 3 * H * F,
        "norm": LAYERS * 2 * H + H,
        "output": V * H,
        "unknown": 3,
    }
    assert data["total"] == TINY_TOTAL + 3 and data["towers"]["text"]["total"] == TINY_TOTAL + 3
    assert data["buffers"] == ["model.layers.0.self_attn.rotary_emb.inv_freq"]
    stored = data["stored"]
    assert stored["elements"] == TINY_TOTAL + 4 and stored["tensors"] == len(tensors)
    bf16 = 2 * V * H + LAYERS * (4 * H * H + 3 * H * F)
    f32 = LAYERS * 2 * H + H + 1
    assert stored["by_dtype"] == {
        "BF16": {"tensors": 2 + 7 * LAYERS, "elements": bf16, "bytes": 2 * bf16},
        "F32": {"tensors": 2 * LAYERS + 2, "elements": f32, "bytes": 4 * f32},
        "I64": {"tensors": 1, "elements": 3, "bytes": 24},
    }
    assert stored["by_kind"]["buffer"] == {"tensors": 1, "elements": 1, "bytes": 4}
    assert stored["bytes_on_disk"] == path.stat().st_size
    assert stored["bytes"] == path.stat().st_size - 8 - header
    assert data["unknown"] == ["model.mystery.weight"]
    assert data["name"] == tmp_path.name and data["quantization"] is None
    table = invoke(runner, "count", str(path)).stdout
    assert "unknown" in table and "model.mystery.weight" in table


def test_agrees_with_the_safetensors_package(runner: CliRunner, tmp_path: Path) -> None:
    """A file the safetensors package writes counts to the elements numpy holds."""
    np = pytest.importorskip("numpy")
    save_file = pytest.importorskip("safetensors.numpy").save_file
    arrays = {
        "transformer.wte.weight": np.zeros((7, 3), np.float16),
        "transformer.h.0.mlp.c_fc.weight": np.zeros((3, 12), np.float32),
        "transformer.h.0.ln_1.bias": np.zeros(3, np.int8),
    }
    save_file(arrays, str(tmp_path / "model.safetensors"))
    data = count_json(runner, str(tmp_path / "model.safetensors"))
    assert data["total"] == data["stored"]["elements"] == sum(a.size for a in arrays.values())
    assert data["stored"]["bytes"] == sum(a.nbytes for a in arrays.values())
    assert data["groups"]["feedforward"] == 36 and data["groups"]["norm"] == 3


def write_shards(folder: Path, index: bool) -> dict[str, tuple[str, list[int]]]:
    """Split the tiny Llama over two shards, with or without an index naming them."""
    tensors = llama_tensors()
    names = list(tensors)
    shards = {
        "model-00001-of-00002.safetensors": names[: len(names) // 2],
        "model-00002-of-00002.safetensors": names[len(names) // 2 :],
    }
    for shard, members in shards.items():
        write_safetensors(folder / shard, {n: tensors[n] for n in members})
    if index:
        weight_map = {n: shard for shard, members in shards.items() for n in members}
        total_size = sum(DTYPE_BYTES[dtype] * math.prod(shape) for dtype, shape in tensors.values())
        (folder / "model.safetensors.index.json").write_text(
            json.dumps({"metadata": {"total_size": total_size}, "weight_map": weight_map})
        )
    return tensors


def test_index_and_folder_of_shards(runner: CliRunner, tmp_path: Path) -> None:
    """An index, its folder, and a folder of shards with no index all count every shard."""
    indexed, bare = tmp_path / "indexed", tmp_path / "bare"
    indexed.mkdir()
    bare.mkdir()
    write_shards(indexed, index=True)
    write_shards(bare, index=False)
    for source in (indexed / "model.safetensors.index.json", indexed, bare):
        data = count_json(runner, str(source))
        assert data["total"] == TINY_TOTAL
        assert len(data["files"]) == 2
        on_disk = sum(p.stat().st_size for p in bare.glob("*.safetensors"))
        assert data["stored"]["bytes_on_disk"] == on_disk


def test_folder_with_config_json_needs_checkpoint_flag(runner: CliRunner, tmp_path: Path) -> None:
    """With a config.json beside the shards the folder is the architecture, unless asked."""
    write_safetensors(tmp_path / "model.safetensors", llama_tensors(lm_head=False))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama", **TINY_LLAMA}))
    assert count_json(runner, str(tmp_path))["total"] == TINY_TOTAL
    assert count_json(runner, str(tmp_path), "--checkpoint")["total"] == TINY_TOTAL - V * H


def test_index_naming_a_missing_tensor_or_escaping_is_bad_input(
    runner: CliRunner, tmp_path: Path
) -> None:
    """An index that lies about its shards, or names a file outside its folder, exits 2."""
    write_shards(tmp_path, index=True)
    index = tmp_path / "model.safetensors.index.json"
    data = json.loads(index.read_text())
    for weight_map in (
        {**data["weight_map"], "model.extra.weight": "model-00001-of-00002.safetensors"},
        {"x": "../model-00001-of-00002.safetensors"},
    ):
        index.write_text(json.dumps({"weight_map": weight_map}))
        result = invoke(runner, "count", str(index))
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
        assert str(index) in result.stderr


def corrupt(kind: str, path: Path) -> None:
    """Write one kind of broken safetensors file."""
    good = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    headers = {
        "unknown dtype": b'{"w": {"dtype": "F33", "shape": [2], "data_offsets": [0, 8]}}',
        "offsets too short": b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}',
        "negative dim": b'{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}',
        "overlap": b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
        b'"b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}',
        "not json": b"{not json",
        "not an object": b"[1, 2]",
        "duplicate name": good[:-1] + b', "w": ' + good[6:],
    }
    if kind == "truncated":
        path.write_bytes(b"\x08\x00\x00")
    elif kind == "length past end":
        path.write_bytes((1000).to_bytes(8, "little") + good)
    elif kind == "length over limit":
        path.write_bytes((2**40).to_bytes(8, "little") + good)
    elif kind == "data shorter than offsets":
        path.write_bytes(len(good).to_bytes(8, "little") + good + bytes(4))
    else:
        header = headers[kind]
        path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))


CORRUPTIONS = [
    "truncated",
    "length past end",
    "length over limit",
    "data shorter than offsets",
    "unknown dtype",
    "offsets too short",
    "negative dim",
    "overlap",
    "not json",
    "not an object",
    "duplicate name",
]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_corrupt_header_is_one_line_and_exit_2(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    """Every broken header is bad input: exit 2, one line on stderr naming the file."""
    path = tmp_path / "broken.safetensors"
    corrupt(kind, path)
    for args in (("count", str(path)), ("compare", "llama-2-7b", str(path))):
        result = runner.invoke(main, list(args))
        assert result.exit_code == 2, (kind, result.stdout)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert len(result.stderr.splitlines()) == 1 and str(path) in result.stderr
        assert "Traceback" not in result.stderr


class ReadSpy:
    """Wraps a binary file and records every byte range read from it."""

    def __init__(self, f: Any, reads: list[tuple[int, int]]) -> None:
        self.f, self.reads = f, reads

    def read(self, n: int = -1) -> bytes:
        """Read from the wrapped file, recording [start, end)."""
        start = self.f.tell()
        data = self.f.read(n)
        self.reads.append((start, start + len(data)))
        return bytes(data)

    def __enter__(self) -> ReadSpy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.f, name)


def test_header_only_on_a_sparse_many_gigabyte_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header declaring 64 GiB of F32 is counted from the header alone: no data byte is read."""
    import paramcalc.sources.safetensors as module

    path = tmp_path / "huge.safetensors"
    rows = 2**20  # 8 tensors of 2**20 x 2**11 F32 = 8 GiB each
    header = write_safetensors(
        path,
        {f"model.layers.{i}.mlp.up_proj.weight": ("F32", [rows, 2048]) for i in range(8)},
        sparse=True,
    )
    assert path.stat().st_size == 8 + header + 64 * 2**30
    reads: list[tuple[int, int]] = []

    def spy_open(file: Path, mode: str) -> ReadSpy:
        return ReadSpy(open(file, mode), reads)  # noqa: SIM115 - ReadSpy closes it on exit

    monkeypatch.setattr(module, "open", spy_open, raising=False)
    data = count_json(runner, str(path))
    assert data["groups"]["feedforward"] == 8 * rows * 2048 == 16 * 2**30
    assert data["stored"]["bytes_on_disk"] == path.stat().st_size
    assert reads and max(end for _, end in reads) == 8 + header  # never past the header
