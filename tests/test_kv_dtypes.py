"""KV cache dtypes and the GPU table, against closed forms from the formats' definitions.

GGML (ggml-common.h) stores 32 values per block with an fp16 scale: q8_0 = 2 + 32 bytes,
q4_0 = 2 + 16, q4_1 = 2 + 2 + 16 (scale and minimum), q5_0 = 2 + 4 + 16 (32 high bits),
q5_1 = 2 + 2 + 4 + 16. fp8 (either encoding) is one byte a value. Model shapes are the
published config.json values.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import DATA, REPO
from paramcalc.cli import main
from paramcalc.cli.compute import KV_DTYPES
from paramcalc.precision import CacheDType

#: Bytes per block of 32 values, from GGML's block structs.
GGML = {"q8_0": 34, "q4_0": 18, "q4_1": 20, "q5_0": 22, "q5_1": 24}
#: Llama 3 8B: 32 layers, 8 KV heads of 128: K and V values per token.
LLAMA_3_8B_VALUES = 2 * 32 * 8 * 128


def run_json(runner: CliRunner, *args: str) -> Any:
    """Run a command with `-f json` and parse what it prints."""
    result = runner.invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_cli_offers_every_cache_dtype() -> None:
    """`--kv-dtype` lists exactly the dtypes the table defines (one table for both commands)."""
    assert [d.value for d in CacheDType] == KV_DTYPES


@pytest.mark.parametrize(("dtype", "block_bytes"), sorted(GGML.items()))
def test_ggml_block_formats_count_their_scales(
    runner: CliRunner, dtype: str, block_bytes: int
) -> None:
    """Llama 3 8B's 65,536 values a token are 2,048 blocks of 32, each with its scales."""
    data = run_json(runner, "memory", "llama-3-8b", "--kv-dtype", dtype, "--seq", "1000")
    assert data["kv_cache_bytes_per_token"] == LLAMA_3_8B_VALUES // 32 * block_bytes
    assert data["kv_cache_bytes"] == LLAMA_3_8B_VALUES // 32 * block_bytes * 1000


@pytest.mark.parametrize("dtype", ["fp8", "fp8_e4m3", "fp8_e5m2", "int8"])
def test_one_byte_formats(runner: CliRunner, dtype: str) -> None:
    """fp8 in either encoding, and int8: one byte a value."""
    data = run_json(runner, "memory", "llama-3-8b", "--kv-dtype", dtype)
    assert data["kv_cache_bytes_per_token"] == LLAMA_3_8B_VALUES


def test_mla_latent_in_blocks(runner: CliRunner) -> None:
    """DeepSeek-V2-Lite caches kv_lora_rank 512 + qk_rope 64 = 576 values (18 blocks) a layer,
    27 layers."""
    data = run_json(runner, "memory", "deepseek-v2-lite", "--kv-dtype", "q8_0")
    assert data["kv_cache_bytes_per_token"] == 27 * 576 // 32 * 34


def test_a_head_that_is_not_whole_blocks_is_refused(runner: CliRunner) -> None:
    """Phi-2's heads are 80 wide: not whole blocks of 32, refused as llama.cpp refuses it."""
    result = runner.invoke(main, ["memory", "phi-2", "--kv-dtype", "q4_0"])
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "q4_0" in line and "80" in line


def test_recurrent_state_stays_fp32_under_a_block_format(runner: CliRunner, tmp_path: Any) -> None:
    """Jamba v0.1 (hidden 4096, expand 2, d_conv 4, d_state 16; attention every 8th layer from
    the 4th, so 28 Mamba layers): conv and SSM state of 8,192 channels, in fp32 under q8_0."""
    config = json.loads((DATA / "hf" / "defaults-jamba.json").read_text())["config"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    data = run_json(runner, "memory", str(path), "--kv-dtype", "q8_0")
    values = 28 * 8192 * (4 + 16)
    assert data["kv_cache"]["state_bytes_per_sequence"] == values * 4
    bf16 = run_json(runner, "memory", str(path), "--kv-dtype", "bf16")
    # a bf16 cache keeps the 4-value windows in bf16, the 16-value SSM state in fp32
    assert bf16["kv_cache"]["state_bytes_per_sequence"] == 28 * 8192 * (4 * 2 + 16 * 4)
    # 4 attention layers of 8 KV heads x 128, in q8_0 blocks
    assert data["kv_cache_bytes_per_token"] == 4 * 2 * 8 * 128 // 32 * 34


def test_int4_packs_two_values_a_byte(runner: CliRunner) -> None:
    """int4 stays two values a byte."""
    data = run_json(runner, "memory", "llama-3-8b", "--kv-dtype", "int4")
    assert data["kv_cache_bytes_per_token"] == LLAMA_3_8B_VALUES // 2


def test_every_gpu_entry_reads_the_vendors_gigabytes_as_binary() -> None:
    """Each entry's datasheet 'NNGB' is NN GiB: HBM and GDDR are sized in powers of two."""
    table = yaml.safe_load((REPO / "paramcalc" / "data" / "gpus.yaml").read_text())
    from paramcalc.hardware import gpus

    for name, entry in table.items():
        stated = int(entry["vendor_memory"].removesuffix("GB"))
        assert entry["memory"] == f"{stated} GiB"
        assert gpus()[name].memory_bytes == stated * 2**30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24GiB", 24 * 2**30),
        ("80GB", 80 * 10**9),
        ("1.5 TiB", 3 * 2**39),
        ("25769803776", 25769803776),
        ("512MiB", 2**29),
    ],
)
def test_memory_sizes_read_exactly(text: str, expected: int) -> None:
    """GiB is 2^30 bytes, GB 10^9, a bare number bytes."""
    from paramcalc.hardware import memory_size

    assert memory_size(text, "--gpu-memory") == expected


@pytest.mark.parametrize("text", ["0", "-1GiB", "24 GiBs", "1.5", "x", "9" * 50, "0.1B"])
def test_bad_memory_sizes_are_refused(text: str) -> None:
    """Zero, negative, a fraction of a byte, an unknown unit, an overlong number."""
    from paramcalc.errors import InputError
    from paramcalc.hardware import memory_size

    with pytest.raises(InputError, match="--gpu-memory"):
        memory_size(text, "--gpu-memory")
