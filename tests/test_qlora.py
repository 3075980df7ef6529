"""`memory --lora`: the 4-bit base's bytes as bitsandbytes stores them, the adapter's states.

The per-tensor bytes are checked against `bitsandbytes.functional.quantize_4bit` itself when
it is installed, and against the closed form of the QLoRA paper's layout otherwise.
"""

from __future__ import annotations

import json
from math import prod
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DATA
from paramcalc.adapters.qlora import four_bit_bytes
from paramcalc.cli import main

BASE = json.loads((DATA / "hf" / "llama-variant-1.json").read_text())


def run(*args: str) -> Any:
    """The JSON of `paramcalc ARGS -f json`."""
    result = CliRunner().invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def linear_shapes() -> list[list[int]]:
    """The fixture's projection weights (every 2-D block weight: no embedding, no head)."""
    return [s for n, s in BASE["tensors"] if ".layers." in n and len(s) == 2]


@pytest.mark.parametrize("double_quant", [False, True])
def test_four_bit_bytes_closed_form(double_quant: bool) -> None:
    """n/2 code bytes; an fp32 absmax per 64, or a byte per 64 + fp32 per 256 blocks + mean."""
    n = 4096 * 4096
    blocks = n // 64
    expected = blocks + 4 * (blocks // 256) + 4 if double_quant else 4 * blocks
    assert four_bit_bytes(n, double_quant) == (n // 2, expected)


@pytest.mark.parametrize("double_quant", [False, True])
def test_four_bit_bytes_equal_bitsandbytes(double_quant: bool) -> None:
    """bitsandbytes' own NF4 quantization of each fixture weight takes these bytes."""
    pytest.importorskip("bitsandbytes")
    import bitsandbytes.functional as bnb
    import torch

    for shape in linear_shapes() + [[1000, 3]]:
        q, state = bnb.quantize_4bit(
            torch.zeros(shape, dtype=torch.bfloat16),
            blocksize=64,
            compress_statistics=double_quant,
            quant_type="nf4",
        )
        constants = state.absmax.numel() * state.absmax.element_size()
        if double_quant:
            constants += state.state2.absmax.numel() * 4 + state.offset.numel() * 4
        assert four_bit_bytes(prod(shape), double_quant) == (q.numel(), constants)


def test_memory_lora_nf4_splits_the_base(tmp_path: Path) -> None:
    """Projections in 4 bits, the rest in bf16; the adapter's fp32 states, 16 bytes each."""
    (tmp_path / "config.json").write_text(json.dumps(BASE["config"]))
    data = run(
        "memory",
        str(tmp_path / "config.json"),
        "--lora",
        "--r",
        "4",
        "--target",
        "q_proj,v_proj",
        "--base-dtype",
        "nf4",
    )
    shapes = linear_shapes()
    quantized = sum(prod(s) for s in shapes)
    base = data["base"]
    assert base["quantized_parameters"] == quantized and base["quantized_tensors"] == len(shapes)
    assert base["weight_bytes"] == sum(-(-prod(s) // 2) for s in shapes)
    assert base["quantization_constant_bytes"] == sum(4 * -(-prod(s) // 64) for s in shapes)
    assert base["kept_bytes"] == 2 * (BASE["total"] - quantized)
    trainable = data["trainable"]
    assert data["adapter"] == {
        "weights": 4 * trainable,
        "gradients": 4 * trainable,
        "optimizer states": 8 * trainable,
    }
    assert data["states_bytes"] == base["bytes"] + 16 * trainable


def test_memory_lora_bf16_base_is_the_whole_model() -> None:
    """A 16-bit base (plain LoRA): every parameter at 2 bytes, nothing quantized."""
    data = run("memory", "gpt2", "--lora", "--target", "c_attn", "--base-dtype", "bf16")
    assert data["base"]["bytes"] == 2 * data["total"] and data["base"]["quantized_tensors"] == 0
