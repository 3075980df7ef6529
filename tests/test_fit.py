"""`paramcalc fit` against closed forms written out here from the models' published shapes.

Budget = floor(memory x 0.9); weights = parameters x 2 (bf16; counts from transformers in
tests/data); KV = K and V of the KV heads per layer and token; the activation workspace
convention = chunk x (2 x hidden + 2 x widest projection) x 2 bytes + batch x vocab x 4.
The longest context is then floor((budget - weights - workspace) / KV per token) for a
cache that grows with every layer, and likewise for the batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DATA, reference_models
from paramcalc.cli import main
from paramcalc.render import OutputFormat

REFERENCE = {m["name"]: m["total"] for m in reference_models()}
PRESETS = {m["name"]: m["total"] for m in json.loads((DATA / "preset_references.json").read_text())}
H100, A100_80G, RTX4090 = 80 * 2**30, 80 * 2**30, 24 * 2**30
CHUNK = 2048


def budget(memory: int) -> int:
    """90% of the memory, rounded down."""
    return memory * 9 // 10


def workspace(hidden: int, widest: int, vocab: int, batch: int = 1) -> int:
    """One layer's hidden states and widest projection over the chunk, and the logits."""
    return CHUNK * (2 * hidden + 2 * widest) * 2 + batch * vocab * 4


def run_json(runner: CliRunner, *args: str) -> Any:
    """Run a command with `-f json` and parse what it prints."""
    result = runner.invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_llama_3_8b_longest_context_on_an_h100(runner: CliRunner) -> None:
    """131,072 bytes a token (32 layers x 8 KV heads x 128 x K,V x 2 bytes)."""
    data = run_json(runner, "fit", "llama-3-8b", "--gpu", "h100")
    free = budget(H100) - 2 * REFERENCE["llama-3-8b"] - workspace(4096, 14336, 128256)
    assert data["longest_context"] == free // 131_072 == 466_136
    assert data["exact"]["at"]["free_bytes"] >= 0 > data["exact"]["one_more"]["free_bytes"]
    assert data["fits"] is True


def test_fp8_cache_and_a_batch(runner: CliRunner) -> None:
    """fp8 halves the bytes a token; four sequences share the budget (and four logits)."""
    data = run_json(
        runner, "fit", "llama-3-8b", "--gpu", "h100", "--kv-dtype", "fp8_e4m3", "-b", "4"
    )
    free = budget(H100) - 2 * REFERENCE["llama-3-8b"] - workspace(4096, 14336, 128256, 4)
    assert data["longest_context"] == free // (65_536 * 4)


def test_q8_0_cache(runner: CliRunner) -> None:
    """q8_0: 65,536 values a token are 2,048 blocks of 34 bytes."""
    data = run_json(runner, "fit", "llama-3-8b", "--gpu", "h100", "--kv-dtype", "q8_0")
    free = budget(H100) - 2 * REFERENCE["llama-3-8b"] - workspace(4096, 14336, 128256)
    assert data["longest_context"] == free // (2048 * 34)


def test_llama_2_7b_largest_batch(runner: CliRunner) -> None:
    """Each 4,096-token sequence: 524,288 bytes a token (32 heads, no GQA) and its logits."""
    data = run_json(runner, "fit", "llama-2-7b", "--gpu", "a100-80g", "--seq", "4096")
    free = budget(A100_80G) - 2 * REFERENCE["llama-2-7b"] - workspace(4096, 11008, 0)
    assert data["largest_batch"] == free // (524_288 * 4096 + 32000 * 4)


def test_sliding_window_everywhere_is_unbounded(runner: CliRunner) -> None:
    """Mistral v0.1 slides every layer (window 4096): the cache stops at 4,095 tokens."""
    data = run_json(runner, "fit", "mistral-7b-v0.1", "--gpu", "rtx4090")
    assert data["longest_context"] is None and data["exact"]["unbounded"]
    assert data["exact"]["at"]["kv_cache_bytes"] == 2 * 32 * 8 * 128 * 2 * 4095


def test_gemma_2_half_the_layers_slide(runner: CliRunner) -> None:
    """Gemma 2 9B: 21 global layers grow with the context, 21 sliding ones stop at 4,095
    tokens; 8 KV heads of 256, so 8,192 bytes a layer and token."""
    data = run_json(runner, "fit", "gemma-2-9b", "--gpu", "h100")
    fixed = 2 * PRESETS["gemma-2-9b"] + workspace(3584, 14336, 256000) + 21 * 8192 * 4095
    assert data["longest_context"] == (budget(H100) - fixed) // (21 * 8192)


def test_paged_blocks_round_the_context_down_to_whole_pages(runner: CliRunner) -> None:
    """With 16-token pages the context is the largest whole number of pages that fits."""
    data = run_json(runner, "fit", "llama-3-8b", "--gpu", "h100", "--paged")
    free = budget(H100) - 2 * REFERENCE["llama-3-8b"] - workspace(4096, 14336, 128256)
    assert data["longest_context_paged"] == free // (16 * 131_072) * 16
    assert data["longest_context"] == free // 131_072


def test_mixture_of_experts_weights_count_every_expert(runner: CliRunner) -> None:
    """Mixtral 8x7B's 46.7B parameters (not its 12.9B active) do not fit 80 GiB in bf16."""
    data = run_json(runner, "fit", "mixtral-8x7b", "--gpu", "h100")
    assert data["fits"] is False and data["longest_context"] == 0
    assert data["exact"]["at"]["weights_bytes"] == 2 * REFERENCE["mixtral-8x7b"]
    assert run_json(runner, "fit", "mixtral-8x7b", "--gpu", "h200")["fits"] is True


#: Llama 3.1 70B: 80 layers of two RMSNorms, a final norm, 8,192 wide; no biases.
LLAMA_70B_NORMS = 80 * 2 * 8192 + 8192


@pytest.mark.parametrize(("tp", "kv_heads"), [(8, 1), (16, 1), (4, 2)])
def test_tensor_parallel_splits_weights_and_kv_heads(
    runner: CliRunner, tp: int, kv_heads: int
) -> None:
    """Everything but the norms split over TP devices; 8 KV heads split, one kept (replicated)
    on each device at TP 16."""
    data = run_json(runner, "fit", "llama-3.1-70b", "--gpu", "h100", "--tensor-parallel", str(tp))
    split = PRESETS["llama-3.1-70b"] - LLAMA_70B_NORMS
    assert split % tp == 0
    weights = 2 * (split // tp + LLAMA_70B_NORMS)
    assert data["exact"]["at"]["weights_bytes"] == weights
    per_token = 80 * 2 * kv_heads * 128 * 2
    free = budget(H100) - weights - workspace(8192, 28672, 128256)
    assert data["longest_context"] == free // per_token


def test_pipeline_stages_split_the_layers_as_vllm_does(runner: CliRunner) -> None:
    """Llama 2 7B's 32 layers over 3 stages: 11, 11, 10; the first stage has the embedding
    and decides."""
    data = run_json(runner, "fit", "llama-2-7b", "--gpu", "h100", "--pipeline-parallel", "3")
    assert [s["layers"] for s in data["stages"]] == [[0, 10], [11, 21], [22, 31]]
    layer = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096
    embedding = 32000 * 4096
    assert [s["parameters"] for s in data["stages"]] == [
        embedding + 11 * layer,
        11 * layer,
        10 * layer + 4096 + embedding,
    ]
    free = budget(H100) - 2 * (embedding + 11 * layer) - workspace(4096, 11008, 32000)
    assert data["longest_context"] == free // (11 * 2 * 32 * 128 * 2)


def test_a_tied_head_is_copied_to_the_last_stage(runner: CliRunner) -> None:
    """Qwen2 0.5B ties its head: over two stages the last one holds its own copy."""
    data = run_json(runner, "fit", "qwen2-0.5b", "--gpu", "rtx4090", "--pipeline-parallel", "2")
    held = sum(s["parameters"] for s in data["stages"])
    assert held == REFERENCE["qwen2-0.5b"] + 151936 * 896


def test_replicas_multiply_the_batch(runner: CliRunner) -> None:
    """8 devices at TP 2 are 4 replicas, each with the batch of one."""
    args = ["fit", "llama-3-8b", "--gpu", "l40s", "--seq", "8192"]
    data = run_json(runner, *args, "--gpus", "8", "--tensor-parallel", "2")
    alone = run_json(runner, *args, "--tensor-parallel", "2")
    assert data["replicas"] == 4 and data["devices"] == 8
    assert data["largest_batch_all_replicas"] == 4 * alone["largest_batch"]


def test_gpu_memory_overrides_the_table(runner: CliRunner) -> None:
    """--gpu-memory 24GiB is an RTX 4090's memory; 80GB is 80 x 10^9 bytes."""
    table = run_json(runner, "fit", "llama-3.2-1b", "--gpu", "rtx4090")
    custom = run_json(runner, "fit", "llama-3.2-1b", "--gpu-memory", "24GiB")
    assert custom["longest_context"] == table["longest_context"]
    decimal = run_json(runner, "fit", "llama-3.2-1b", "--gpu", "h100", "--gpu-memory", "80GB")
    assert decimal["memory_bytes"] == 80 * 10**9 and decimal["budget_bytes"] == 72 * 10**9


def test_hybrid_state_is_per_sequence(runner: CliRunner, tmp_path: Path) -> None:
    """Jamba v0.1: 4 attention layers cache K and V (8 heads x 128); 28 Mamba layers keep
    8,192 x (4 + 16) values a sequence, however long (the 4-value convolution window in the
    cache's bf16, the 16-value SSM state in fp32); routed experts (2 of 16, 2 x 14,336 wide)
    are the widest projection."""
    config = json.loads((DATA / "hf" / "defaults-jamba.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config["config"]))
    data = run_json(runner, "fit", str(path), "--gpu", "mi300x", "--seq", "32768")
    per_sequence = 4 * 2 * 8 * 128 * 2 * 32768 + 28 * 8192 * (4 * 2 + 16 * 4) + 65536 * 4
    free = budget(192 * 2**30) - 2 * config["total"] - workspace(4096, 2 * 2 * 14336, 0)
    assert data["largest_batch"] == free // per_sequence


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat])
def test_every_format_renders(runner: CliRunner, fmt: str) -> None:
    """Each output format prints the fit report."""
    result = runner.invoke(
        main,
        ["fit", "llama-3-8b", "--gpu", "h100", "--paged", "--pipeline-parallel", "2", "-f", fmt],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()


def test_the_table_states_the_answer_and_its_bytes() -> None:
    """The table's title holds the answer; weights, KV cache and workspace are rows."""
    from conftest import table

    out = table("fit", "llama-3-8b", "--gpu", "h100", width=120)
    assert "longest context at batch 1: 466,136 tokens" in out
    for row in (
        "runtime reserve (10%)",
        "weights (bf16",
        "KV cache (bf16)",
        "activation workspace",
    ):
        assert row in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--gpu", "h10"], "did you mean h100"),
        (["--gpu", "h100", "--batch", "2", "--seq", "8"], "not both"),
        (["--gpu", "h100", "--batch", "0"], "--batch"),
        (["--gpu", "h100", "--seq", "-5"], "--seq"),
        (["--gpu", "h100", "--utilization", "0"], "--utilization"),
        (["--gpu", "h100", "--utilization", "1.5"], "--utilization"),
        (["--gpu-memory", "0"], "--gpu-memory"),
        (["--gpu-memory", "-24GiB"], "--gpu-memory"),
        (["--gpu", "h100", "--gpus", "0"], "--gpus"),
        (["--gpu", "h100", "--gpus", "6", "--tensor-parallel", "4"], "whole number of replicas"),
        (["--gpu", "h100", "--tensor-parallel", "3"], "num_attention_heads"),
        (["--gpu", "h100", "--pipeline-parallel", "33"], "--pipeline-parallel"),
        (["--gpu", "h100", "--block-size", "32"], "--paged"),
        (["--gpu", "h100", "--kv-dtype", "q9"], "--kv-dtype"),
        ([], "--gpu"),
    ],
)
def test_bad_input_is_one_line(runner: CliRunner, args: list[str], says: str) -> None:
    """Bad input: exit 2, one line on stderr that names the option, nothing on stdout."""
    result = runner.invoke(main, ["fit", "llama-2-7b", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("paramcalc: error: ") and says in line, line


def test_paged_hybrid_pads_each_state_to_whole_pages(runner: CliRunner, tmp_path: Path) -> None:
    """Jamba with 48-token pages: an attention page is 48 x 4,096 bytes (8 heads x 128, K and
    V, bf16); each Mamba layer's state, 8,192 x 4 window values in bf16 and 8,192 x 16 SSM
    values in fp32 (589,824 bytes), takes three such pages a sequence."""
    config = json.loads((DATA / "hf" / "defaults-jamba.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config["config"]))
    args = ["fit", str(path), "--gpu", "mi300x", "--seq", "32768"]
    data = run_json(runner, *args, "--paged", "--block-size", "48")
    page = 48 * 2 * 8 * 128 * 2
    assert 8192 * (4 * 2 + 16 * 4) == 589_824 and -(-589_824 // page) == 3
    tokens = -(-32768 // 48) * 48
    per_sequence = 4 * 2 * 8 * 128 * 2 * tokens + 28 * 3 * page + 65536 * 4
    free = budget(192 * 2**30) - 2 * config["total"] - workspace(4096, 2 * 2 * 14336, 0)
    assert data["largest_batch_paged"] == free // per_sequence
    assert data["paged"]["block_size"] == 48


@pytest.mark.parametrize("kv", ["q8_0", "q4_1", "fp8_e5m2"])
def test_quantized_cache_answer_is_memorys_figure(runner: CliRunner, kv: str) -> None:
    """The README's example: memory at the answer fits the budget, one token more does not."""
    data = run_json(runner, "fit", "llama-3.1-8b", "--gpu", "rtx4090", "--kv-dtype", kv)
    n, ws = data["longest_context"], data["exact"]["at"]["workspace_bytes"]

    def held(seq: int) -> int:
        shown = run_json(runner, "memory", "llama-3.1-8b", "--kv-dtype", kv, "--seq", str(seq))
        return int(shown["inference_bytes"]) + ws

    assert held(n) <= budget(RTX4090) < held(n + 1)


def test_mla_latent_is_replicated_under_tensor_parallelism(runner: CliRunner) -> None:
    """DeepSeek-V2-Lite's latent (512 + 64 values, 27 layers) is one row every head shares:
    each of two devices caches all of it."""
    data = run_json(runner, "fit", "deepseek-v2-lite", "--gpu", "h100", "--tensor-parallel", "2")
    n = data["longest_context"]
    assert data["exact"]["at"]["kv_cache_bytes"] == 27 * 576 * 2 * n


def test_recurrent_state_splits_with_tensor_parallelism(runner: CliRunner, tmp_path: Path) -> None:
    """Jamba's 28 Mamba layers of 8,192 x (4 + 16) values (window bf16, SSM state fp32),
    halved on each of two devices."""
    config = json.loads((DATA / "hf" / "defaults-jamba.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config["config"]))
    data = run_json(runner, "fit", str(path), "--gpu", "mi300x", "--tensor-parallel", "2")
    assert data["exact"]["at"]["state_bytes"] == 28 * 8192 * (4 * 2 + 16 * 4) // 2
