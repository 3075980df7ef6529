"""`paramcalc memory`, `flops` and `report` through the CLI, against closed-form figures.

Every expected figure is derived here from the model's published shape (Llama 2/3, Mistral,
Gemma, Mixtral config.json values) or from transformers' counts stored in tests/data, with the
formulas written out: weights = N x bits / 8; K and V of the KV heads per layer and token;
2mnk per matmul; Korthikanti et al. 2022 for activations; ZeRO's partitioning.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import DATA, reference_models
from paramcalc.cli import main
from paramcalc.render import OutputFormat

REFERENCE = {m["name"]: m for m in reference_models()}
PRESETS = {m["name"]: m for m in json.loads((DATA / "preset_references.json").read_text())}
LLAMA_2_7B_N = 6_738_415_616
LLAMA_2_7B_EMBEDDING, LLAMA_2_7B_NORM = 32000 * 4096, 32 * 2 * 4096 + 4096
#: Llama 2 7B: 32 layers of q, k, v, o (4096 x 4096) and gate, up, down (4096 x 11008).
LLAMA_2_7B_BLOCK_MATMUL = 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008)
H100_BYTES, H100_FLOPS = 80 * 2**30, Fraction("989.4") * 10**12


def run_json(runner: CliRunner, *args: str) -> Any:
    """Run a command with `-f json` and parse what it prints."""
    result = runner.invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_llama_2_7b_bf16_weights_and_cache(runner: CliRunner) -> None:
    """Llama 2 7B in bf16: 2 bytes a parameter; K and V of 32 heads x 128 in 32 layers."""
    data = run_json(
        runner, "memory", "llama-2-7b", "--dtype", "bf16", "--batch", "2", "--seq", "1000"
    )
    assert data["weights_bytes"] == REFERENCE["llama-2-7b"]["total"] * 2 == 13_476_831_232
    assert data["kv_cache_bytes_per_token"] == 2 * 32 * 32 * 128 * 2 == 524_288
    assert data["kv_cache_bytes"] == 524_288 * 2 * 1000


def test_llama_3_8b_gqa_cache(runner: CliRunner) -> None:
    """Llama 3 8B caches its 8 KV heads only: 2 x 32 layers x 8 x 128 x 2 bytes."""
    data = run_json(runner, "memory", "llama-3-8b")
    assert data["kv_cache_bytes_per_token"] == 2 * 32 * 8 * 128 * 2 == 131_072
    assert data["weights_bytes"] == REFERENCE["llama-3-8b"]["total"] * 2


def test_gemma_mqa_cache_uses_its_head_dim(runner: CliRunner) -> None:
    """Gemma 2B: one KV head of width 256 (not 2048 / 8) in 18 layers."""
    data = run_json(runner, "memory", "gemma-2b", "--dtype", "fp32")
    assert data["kv_cache_bytes_per_token"] == 2 * 18 * 1 * 256 * 4
    assert data["weights_bytes"] == REFERENCE["gemma-2b"]["total"] * 4


@pytest.mark.parametrize(("seq", "kept"), [(100, 100), (4096, 4095), (8192, 4095)])
def test_mistral_sliding_window_caps_the_cache(runner: CliRunner, seq: int, kept: int) -> None:
    """Mistral 7B v0.1 (window 4096): transformers keeps the last 4095 tokens of each layer."""
    data = run_json(runner, "memory", "mistral-7b-v0.1", "--seq", str(seq))
    assert data["kv_cache_bytes_per_token"] == 2 * 32 * 8 * 128 * 2
    assert data["kv_cache_bytes"] == 2 * 32 * 8 * 128 * 2 * kept


@pytest.mark.parametrize(
    ("dtype", "bits"), [("fp32", 32), ("fp16", 16), ("fp8", 8), ("int8", 8), ("int4", 4)]
)
def test_weights_bytes_are_total_times_bits_over_eight(
    runner: CliRunner, dtype: str, bits: int
) -> None:
    """Without a group size, every parameter is stored at the precision: N x bits / 8."""
    data = run_json(runner, "memory", "llama-2-7b", "--dtype", dtype)
    assert data["weights_bytes"] == LLAMA_2_7B_N * bits // 8


def test_int4_with_group_scales(runner: CliRunner) -> None:
    """GPTQ-style int4, groups of 128: block projections in 4 bits, one fp16 scale per group."""
    data = run_json(runner, "memory", "llama-2-7b", "--dtype", "int4", "--quant-group-size", "128")
    # Per layer: q, k, v, o have 4096 rows of 32 groups; gate and up 11008 rows of 32 groups;
    # down 4096 rows of ceil(11008 / 128) = 86 groups.
    scales = 32 * (4 * 4096 * 32 + 2 * 11008 * 32 + 4096 * 86)
    kept = LLAMA_2_7B_N - LLAMA_2_7B_BLOCK_MATMUL
    assert data["weights_bytes"] == LLAMA_2_7B_BLOCK_MATMUL // 2 + scales * 2 + kept * 2
    assert data["weights"]["quantization"]["group_size"] == 128


@pytest.mark.parametrize(
    ("recipe", "per_parameter"), [("fp32", 16), ("bf16-mixed", 16), ("bf16-adam8bit", 10)]
)
def test_training_states_per_recipe(runner: CliRunner, recipe: str, per_parameter: int) -> None:
    """fp32: 4 + 4 + 8; mixed: 2 + 2 + 4 + 8 (ZeRO paper); 8-bit Adam: 2 + 2 + 4 + 2."""
    data = run_json(runner, "memory", "llama-2-7b", "--recipe", recipe)["training"]
    assert data["bytes_per_parameter"] == per_parameter
    assert data["states_per_device_bytes"] == per_parameter * LLAMA_2_7B_N


@pytest.mark.parametrize(
    ("zero", "per_device"),
    [
        (0, 16 * LLAMA_2_7B_N),
        (1, 4 * LLAMA_2_7B_N + 12 * -(-LLAMA_2_7B_N // 8)),
        (2, 2 * LLAMA_2_7B_N + 14 * -(-LLAMA_2_7B_N // 8)),
        (3, 16 * -(-LLAMA_2_7B_N // 8)),
    ],
)
def test_zero_stages_partition_over_devices(runner: CliRunner, zero: int, per_device: int) -> None:
    """ZeRO 1 splits optimizer states and master weights, 2 also gradients, 3 also weights."""
    data = run_json(runner, "memory", "llama-2-7b", "--gpus", "8", "--zero", str(zero))
    assert data["training"]["states_per_device_bytes"] == per_device


def test_activations_follow_korthikanti(runner: CliRunner) -> None:
    """sbh(34 + 5as/h) per layer without recomputation, 2sbh with full recomputation."""
    s, b, h, a = 2048, 4, 4096, 32
    data = run_json(runner, "memory", "llama-2-7b", "--batch", str(b), "--seq", str(s))
    act = data["training"]["activations"]
    assert act["per_layer_bytes"] == s * b * h * 34 + 5 * a * s * s * b
    assert act["per_layer_bytes_recomputed"] == 2 * s * b * h
    assert act["total_bytes_recomputed"] == 32 * 2 * s * b * h + 4 * s * b * 32000


def test_gpu_count_for_weights_and_cache(runner: CliRunner) -> None:
    """Llama 2 70B in bf16 with a 4096-token cache needs two 80 GiB H100s."""
    data = run_json(runner, "memory", "llama-2-70b", "--seq", "4096", "--gpu", "h100")
    weights, cache = 2 * PRESETS["llama-2-70b"]["total"], 2 * 80 * 8 * 128 * 2 * 4096
    assert (data["weights_bytes"], data["kv_cache_bytes"]) == (weights, cache)
    assert data["gpu"]["memory_bytes"] == H100_BYTES
    assert data["gpu"]["devices_for_inference"] == -(-(weights + cache) // H100_BYTES) == 2


def test_llama_2_7b_forward_flops(runner: CliRunner) -> None:
    """2 x tokens x matmul weights (head included), plus 2 x 2 x s x s x d per layer."""
    b, s = 2, 2048
    data = run_json(runner, "flops", "llama-2-7b", "--batch", str(b), "--seq", str(s))
    matmul = LLAMA_2_7B_BLOCK_MATMUL + 32000 * 4096
    attention = 32 * 2 * b * 32 * s * s * (128 + 128)
    causal = 32 * 2 * b * 32 * (s * (s + 1) // 2) * (128 + 128)
    assert data["forward_flops"] == 2 * b * s * matmul + attention
    assert data["forward_flops_causal"] == 2 * b * s * matmul + causal
    assert data["forward_flops_per_token"] == 2 * matmul + attention // (b * s)
    assert data["training_flops_per_token"] == 3 * data["forward_flops_per_token"]
    non_embedding = LLAMA_2_7B_N - LLAMA_2_7B_EMBEDDING
    assert data["approximations_per_token"] == {
        "2N": 2 * LLAMA_2_7B_N,
        "6N": 6 * LLAMA_2_7B_N,
        "6N_total": 6 * LLAMA_2_7B_N,
        "kaplan_forward": 2 * non_embedding + 2 * 32 * s * 4096,
    }
    assert matmul == LLAMA_2_7B_N - LLAMA_2_7B_EMBEDDING - LLAMA_2_7B_NORM


def test_mixtral_runs_two_experts_per_token(runner: CliRunner) -> None:
    """Mixtral 8x7B: attention, the router and 2 of 8 experts per layer, then the head."""
    s = 512
    per_layer = (2 * 4096 * 4096 + 2 * 4096 * 1024) + 4096 * 8 + 2 * 3 * 4096 * 14336
    matmul = 32 * per_layer + 32000 * 4096
    data = run_json(runner, "flops", "mixtral-8x7b", "--seq", str(s))
    assert data["forward_flops"] == 2 * s * matmul + 32 * 2 * 32 * s * s * 256


def test_training_compute_and_gpu_hours(runner: CliRunner) -> None:
    """6NT for 2T tokens; GPU-hours at 50% MFU of an H100's dense BF16 peak; Chinchilla 20N."""
    data = run_json(
        runner, "flops", "llama-2-7b", "--tokens", "2T", "--gpu", "h100", "--mfu", "50%"
    )["training"]
    six_n_t = 6 * LLAMA_2_7B_N * 2 * 10**12
    assert data["6NT"] == six_n_t
    assert data["chinchilla_tokens"] == 20 * LLAMA_2_7B_N
    assert data["gpu_hours"] == pytest.approx(float(six_n_t / (H100_FLOPS / 2 * 3600)))


def test_report_puts_the_three_side_by_side(runner: CliRunner) -> None:
    """`report` carries the count, the memory and the FLOPs payloads."""
    data = run_json(runner, "report", "llama-2-7b")
    assert data["parameters"]["total"] == LLAMA_2_7B_N
    assert data["memory"]["kv_cache_bytes_per_token"] == 524_288
    assert data["flops"]["forward_flops"] > 0
    table = runner.invoke(main, ["report", "llama-2-7b"], catch_exceptions=False).stdout
    for text in ("parameters", "memory", "compute", "6.74B", "12.55 GiB", "512.00 KiB"):
        assert text in table


@pytest.mark.parametrize("command", ["memory", "flops", "report"])
@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat])
def test_every_format_works(runner: CliRunner, command: str, fmt: str) -> None:
    """Every command renders in every format; the plain ones parse."""
    result = runner.invoke(main, [command, "llama-3-8b", "-f", fmt], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout
    out = result.stdout
    if fmt == "yaml":
        assert isinstance(yaml.safe_load(out), dict)
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(out)))) > 4
    elif fmt in ("table", "markdown", "svg", "html"):
        assert "llama-3-8b" in out


@pytest.mark.parametrize(
    "args",
    [
        ["memory", "llama-2-7b", "--dtype", "fp64"],
        ["memory", "llama-2-7b", "--zero", "4"],
        ["memory", "llama-2-7b", "--batch", "0"],
        ["memory", "llama-2-7b", "--gpu", "h1000"],
        ["memory", "llama-2-7b", "--quant-group-size", "128"],
        ["memory", "no-such-model"],
        ["flops", "llama-2-7b", "--mfu", "40%"],
        ["flops", "llama-2-7b", "--gpu", "h100", "--mfu", "150%"],
        ["flops", "llama-2-7b", "--tokens", "1.5"],
        ["flops", "llama-2-7b", "--format", "xml"],
        ["report", "llama-2-7b", "--seq", "-1"],
    ],
)
def test_bad_options_exit_2_with_one_line(runner: CliRunner, args: list[str]) -> None:
    """Bad options and values: exit 2, one line on stderr, nothing on stdout."""
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error:"), result.stderr
    assert result.stdout == ""


def test_hybrid_memory_keeps_kv_for_attention_layers_and_state_for_mamba(
    runner: CliRunner, tmp_path: Any
) -> None:
    """Nemotron-H's defaults (Mamba-2, MoE, attention, MLP blocks): KV only for its one attention
    layer, the Mamba-2 layer's conv window and SSM state per sequence, whatever the length."""
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "nemotron_h"}))
    data = [
        run_json(runner, "memory", str(tmp_path / "config.json"), "--seq", str(seq))["kv_cache"]
        for seq in (100, 1000)
    ]
    inner = 128 * 64  # mamba_num_heads x mamba_head_dim
    conv_dim = inner + 2 * 8 * 128  # x, B and C: n_groups x ssm_state_size each for B and C
    # the conv_kernel window in bf16, the SSM state per head dim in fp32 (as transformers keeps it)
    state_bytes = 2 * conv_dim * 4 + 4 * inner * 128
    assert data[0]["bytes_per_token"] == 2 * 2 * 8 * 128  # K and V of 8 heads of 128, bf16
    assert data[0]["state_bytes_per_sequence"] == state_bytes
    assert data[0]["state_bytes"] == data[1]["state_bytes"]
    assert data[1]["bytes"] - data[0]["bytes"] == 900 * data[0]["bytes_per_token"]


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        # Pythia's table (Biderman et al. 2023) lists 85,056,000 non-embedding parameters for
        # Pythia-160M: 12 layers of 12 x 768^2 + 13 x 768 (attention, MLP and their biases,
        # two LayerNorms), plus the final LayerNorm; the untied head is left out too.
        ("pythia-160m", 12 * (12 * 768 * 768 + 13 * 768) + 2 * 768),
        # a tied head adds nothing to leave out: only the embedding is subtracted
        ("gpt2", 124_439_808 - 50257 * 768 - 1024 * 768),
    ],
)
def test_non_embedding_excluding_head(runner: CliRunner, preset: str, expected: int) -> None:
    """non_embedding_excluding_head is the total less the embedding group and an untied head."""
    data = run_json(runner, "count", preset)
    assert data["non_embedding_excluding_head"] == expected
    assert data["non_embedding"] - data["non_embedding_excluding_head"] == data["groups"]["output"]


def test_mamba_memory_keeps_conv_window_and_state_per_channel(
    runner: CliRunner, tmp_path: Any
) -> None:
    """Mamba (v1) defaults: no KV at all; each of the 32 layers keeps its conv window and an SSM
    state of state_size per inner channel (MambaCache), whatever the length."""
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mamba"}))
    data = [
        run_json(runner, "memory", str(tmp_path / "config.json"), "--seq", str(seq))["kv_cache"]
        for seq in (100, 1000)
    ]
    inner = 2 * 768  # expand x hidden_size
    # layers x (conv_kernel window in bf16 + state_size per channel in fp32)
    state_bytes = 32 * (2 * inner * 4 + 4 * inner * 16)
    assert data[0]["bytes_per_token"] == 0
    assert data[0]["state_bytes_per_sequence"] == state_bytes
    assert data[0]["state_bytes"] == data[1]["state_bytes"]


def test_lfm2_memory_keeps_kv_for_attention_and_a_window_for_short_convs(
    runner: CliRunner, tmp_path: Any
) -> None:
    """LFM2 with one short-convolution and one attention layer: K/V for the attention layer, the
    convolution's conv_L_cache window over hidden_size channels for the other."""
    config = {
        "model_type": "lfm2",
        "hidden_size": 256,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "num_hidden_layers": 2,
        "layer_types": ["conv", "full_attention"],
        "conv_L_cache": 3,
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    data = run_json(runner, "memory", str(tmp_path / "config.json"), "--seq", "100")["kv_cache"]
    assert data["bytes_per_token"] == 2 * 2 * 2 * 64  # K and V of 2 heads of 64, bf16
    assert data["state_bytes_per_sequence"] == 2 * 256 * 3
