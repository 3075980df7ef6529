"""Shared test setup: Keras on torch's meta device, reference data, a CLI runner."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

# Real-Keras tests build layers on the meta device: any size, no memory.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("KERAS_TORCH_DEVICE", "meta")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


def reference_models() -> list[dict[str, Any]]:
    """The reference set: counts from transformers on the meta device (see data/README)."""
    return json.loads((DATA / "reference_models.json").read_text())


def table(*args: str, width: int = 80, code: int = 0) -> str:
    """The table output of `paramcalc ARGS` on a terminal `width` columns wide."""
    from click.testing import CliRunner

    from paramcalc.cli import main

    result = CliRunner(env={"COLUMNS": str(width)}).invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.stderr
    return result.stdout


def data(*args: str) -> Any:
    """The JSON output of `paramcalc ARGS -f json`, whatever its exit code."""
    from click.testing import CliRunner

    from paramcalc.cli import main

    result = CliRunner().invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    return json.loads(result.stdout)


def assert_whole(out: str, names: list[str], width: int = 80) -> None:
    """Every name is on one line, no line is wider than `width`, none ends in spaces."""
    lines = out.splitlines()
    for name in names:
        assert any(name in line for line in lines), f"{name!r} is broken or missing:\n{out}"
    for line in lines:
        assert line == line.rstrip(), f"trailing spaces: {line!r}"
        assert len(line) <= width, f"wider than {width}: {line!r}"


@pytest.fixture
def runner() -> Any:
    """A click CliRunner whose result keeps stdout and stderr apart."""
    from click.testing import CliRunner

    return CliRunner()


#: Bytes per element of the dtypes the tests write (the safetensors format's names).
DTYPE_BYTES = {
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F8_E4M3": 1,
}


def write_safetensors(
    path: Path, tensors: dict[str, tuple[str, list[int]]], sparse: bool = False
) -> int:
    """Write a safetensors file by hand: 8-byte little-endian header length, JSON header, data.

    The data is zeros, or, with `sparse`, a hole made by truncate() that takes no disk space.
    Returns the header length.
    """
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        nbytes = DTYPE_BYTES[dtype]
        for dim in shape:
            nbytes *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)  # the format pads the header with spaces to 8 bytes
    with path.open("wb") as f:
        f.write(len(raw).to_bytes(8, "little") + raw)
        if sparse:
            f.truncate(8 + len(raw) + offset)
        else:
            f.write(bytes(offset))
    return len(raw)


V, H, F, LAYERS = 10, 4, 8, 2  # vocab, width, FFN width, blocks of the tiny Llama below

#: A tiny Llama architecture (MHA, 2 heads of 2, untied head) and its closed-form count.
TINY_LLAMA = {
    "vocab_size": V,
    "hidden_size": H,
    "num_hidden_layers": LAYERS,
    "num_attention_heads": 2,
    "intermediate_size": F,
}
TINY_TOTAL = 2 * V * H + LAYERS * (4 * H * H + 3 * H * F + 2 * H) + H


def llama_tensors(layers: int = LAYERS, lm_head: bool = True) -> dict[str, tuple[str, list[int]]]:
    """Tensor names and shapes as LlamaForCausalLM.save_pretrained writes them."""
    tensors = {"model.embed_tokens.weight": ("BF16", [V, H])}
    for i in range(layers):
        p = f"model.layers.{i}."
        tensors |= {
            f"{p}input_layernorm.weight": ("F32", [H]),
            **{f"{p}self_attn.{x}_proj.weight": ("BF16", [H, H]) for x in "qkvo"},
            f"{p}post_attention_layernorm.weight": ("F32", [H]),
            f"{p}mlp.gate_proj.weight": ("BF16", [F, H]),
            f"{p}mlp.up_proj.weight": ("BF16", [F, H]),
            f"{p}mlp.down_proj.weight": ("BF16", [H, F]),
        }
    tensors["model.norm.weight"] = ("F32", [H])
    if lm_head:
        tensors["lm_head.weight"] = ("BF16", [V, H])
    return tensors


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`, the way a user's file is read."""
    from paramcalc.sources import load

    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))
