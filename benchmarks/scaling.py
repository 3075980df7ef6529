"""Scaling benchmark: how a count's cost grows with layers, experts and checkpoint tensors.

For each dimension it times the work at a few sizes and prints the time per unit (per layer,
per expert, per tensor) and the growth ratio: time per unit at the largest size over time per
unit at the smallest. Linear growth is a ratio near 1 or below (fixed costs spread over more
units); a ratio that grows with the size range is superlinear. A figure, never a test.

  layers:      1 to 10,000 layers of a dense Llama, of a MoE with every other layer dense
               (mlp_only_layers) and of a model whose layers alternate sliding and full attention
  experts:     8 to 1,024 routed experts per MoE layer
  checkpoint:  a sharded safetensors checkpoint (index and headers, written to a temp dir) of
               1,000 to 100,000 tensors, read and counted as `paramcalc count --checkpoint` does

usage: python benchmarks/scaling.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paramcalc

LAYERS = (1, 10, 100, 1_000, 10_000)
EXPERTS = (8, 64, 256, 1_024)
TENSORS = (1_000, 10_000, 100_000)
#: Tensors per shard file of the synthetic checkpoint.
PER_SHARD = 5_000


def best_seconds(work: Callable[[], Any], repeat: int) -> float:
    """The least CPU time of `repeat` runs of `work` (the least is the least disturbed)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def small_llama(layers: int, **fields: Any) -> dict[str, Any]:
    """A small Llama-style architecture with `layers` blocks and any other fields."""
    return {
        "vocab_size": 1000,
        "hidden_size": 64,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "intermediate_size": 128,
        **fields,
    }


def qwen2_moe_config(layers: int) -> dict[str, Any]:
    """A small Qwen2-MoE config.json with every other layer dense (mlp_only_layers)."""
    return {
        "model_type": "qwen2_moe",
        "vocab_size": 1000,
        "hidden_size": 64,
        "intermediate_size": 128,
        "moe_intermediate_size": 32,
        "shared_expert_intermediate_size": 64,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "mlp_only_layers": list(range(0, layers, 2)),
    }


def count_hf(config: dict[str, Any]) -> int:
    """Count a config.json mapping through its family record, as `paramcalc count` does."""
    from paramcalc.calculator import count
    from paramcalc.sources.hf import from_config

    return count(from_config(config, "config.json", "bench", {})).total


def layer_models(layers: int) -> dict[str, Callable[[], Any]]:
    """The layer-scaling counts at one depth."""
    flat = {
        "dense": small_llama(layers),
        "moe, every other layer dense": small_llama(
            layers,
            num_experts=4,
            num_experts_per_tok=2,
            moe_intermediate_size=32,
            mlp_only_layers=list(range(0, layers, 2)),
        ),
        "sliding/full alternating": small_llama(
            layers,
            sliding_window=128,
            layer_types=["sliding_attention" if i % 2 else "full_attention" for i in range(layers)],
        ),
    }
    counts: dict[str, Callable[[], Any]] = {
        name: lambda f=fields: paramcalc.count(f)  # type: ignore[misc]
        for name, fields in flat.items()
    }
    config = qwen2_moe_config(layers)
    counts["qwen2_moe config.json"] = lambda: count_hf(config)
    return counts


def moe_model(experts: int) -> dict[str, Any]:
    """A MoE model with `experts` routed experts per layer."""
    return small_llama(4, num_experts=experts, num_experts_per_tok=2, moe_intermediate_size=32)


def write_checkpoint(folder: Path, tensors: int) -> Path:
    """A sharded safetensors checkpoint of `tensors` 1-D float16 tensors; returns its index.

    The shards hold headers and zero-filled data: only headers are ever read.
    """
    weight_map: dict[str, str] = {}
    shards = (tensors + PER_SHARD - 1) // PER_SHARD
    for shard in range(shards):
        file = f"model-{shard + 1:05d}-of-{shards:05d}.safetensors"
        header: dict[str, Any] = {}
        names = range(shard * PER_SHARD, min(tensors, (shard + 1) * PER_SHARD))
        for offset, i in enumerate(names):
            name = f"model.layers.{i // 8}.mlp.w{i % 8}.weight"
            header[name] = {
                "dtype": "F16",
                "shape": [4],
                "data_offsets": [8 * offset, 8 * offset + 8],
            }
            weight_map[name] = file
        raw = json.dumps(header).encode()
        with (folder / file).open("wb") as out:
            out.write(struct.pack("<Q", len(raw)) + raw + bytes(8 * len(names)))
    index = folder / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return index


def count_checkpoint(index: Path) -> int:
    """Read a checkpoint's headers and count its logical tensors, as the CLI does."""
    from paramcalc.checkpoint_count import count_checkpoint as count_view
    from paramcalc.sources.logical import logical_view
    from paramcalc.sources.safetensors import read_checkpoint

    return count_view(logical_view(read_checkpoint(index), None), "bench").total


def report(name: str, unit: str, sizes: tuple[int, ...], seconds: list[float]) -> None:
    """Print time per unit at each size, the growth ratio (per unit at the largest size over
    the smallest) and the same over the last step alone, where fixed costs no longer hide a
    superlinear term: linear growth keeps that one near 1 or below, quadratic near the step."""
    per_unit = [s / n for s, n in zip(seconds, sizes, strict=True)]
    cells = "  ".join(f"{n:>7,}: {p * 1e6:8.2f}" for n, p in zip(sizes, per_unit, strict=True))
    growth, last = per_unit[-1] / per_unit[0], per_unit[-1] / per_unit[-2]
    step = sizes[-1] // sizes[-2]
    print(f"{name}\n  us per {unit}: {cells}")
    print(f"  growth {growth:.3g}; over the last {step}x step {last:.3g}")


def main() -> None:
    """Time every dimension and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    paramcalc.count(small_llama(1))  # pay the one-time schema builds before timing
    by_model: dict[str, list[float]] = {}
    for layers in LAYERS:
        for name, work in layer_models(layers).items():
            by_model.setdefault(name, []).append(best_seconds(work, repeat))
    for name, seconds in by_model.items():
        report(f"layers: {name}", "layer", LAYERS, seconds)
    seconds = [best_seconds(lambda e=e: paramcalc.count(moe_model(e)), repeat) for e in EXPERTS]  # type: ignore[misc]
    report("experts: routed experts per layer", "expert", EXPERTS, seconds)
    with tempfile.TemporaryDirectory() as tmp:
        seconds = []
        for tensors in TENSORS:
            folder = Path(tmp) / str(tensors)
            folder.mkdir()
            index = write_checkpoint(folder, tensors)
            seconds.append(best_seconds(lambda i=index: count_checkpoint(i), repeat))  # type: ignore[misc]
    report("checkpoint: tensors in the index", "tensor", TENSORS, seconds)


if __name__ == "__main__":
    main()
