"""`paramcalc compare`: an architecture against the tensors a checkpoint stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import (
    TINY_LLAMA,
    TINY_TOTAL,
    F,
    H,
    V,
    llama_tensors,
    reference_models,
    write_safetensors,
)
from paramcalc.cli import main


def invoke(runner: CliRunner, *args: str) -> Any:
    """Run paramcalc with `args`; exceptions other than SystemExit propagate."""
    return runner.invoke(main, list(args), catch_exceptions=False)


def compare(
    runner: CliRunner, tmp_path: Path, tensors: dict[str, tuple[str, list[int]]], **fields: Any
) -> tuple[int, dict[str, Any]]:
    """Write the tiny Llama architecture (with `fields`) and a checkpoint; compare them."""
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps({**TINY_LLAMA, **fields}))
    write_safetensors(tmp_path / "model.safetensors", tensors)
    result = invoke(runner, "compare", str(arch), str(tmp_path / "model.safetensors"), "-f", "json")
    return result.exit_code, json.loads(result.stdout)


def test_matching_checkpoint_agrees(runner: CliRunner, tmp_path: Path) -> None:
    """Every enumerated tensor found under its Llama name, with its size: exit 0."""
    code, data = compare(runner, tmp_path, llama_tensors())
    assert code == 0 and data["ok"] and data["naming"] == "llama"
    assert data["total"] == {"architecture": TINY_TOTAL, "checkpoint": TINY_TOTAL}
    assert data["differences"] == [] and data["explained"] == []


def test_tied_head_stored_twice_is_explained(runner: CliRunner, tmp_path: Path) -> None:
    """A tied model whose checkpoint also stores lm_head.weight agrees; the copy is explained."""
    code, data = compare(runner, tmp_path, llama_tensors(), tie_word_embeddings=True)
    assert code == 0
    assert [e["name"] for e in data["explained"]] == ["lm_head.weight"]
    assert data["groups"]["output"] == {"architecture": 0, "checkpoint": 0}
    assert data["total"]["checkpoint"] == TINY_TOTAL - V * H


def test_buffers_are_explained(runner: CliRunner, tmp_path: Path) -> None:
    """Rotary frequency tables stored beside the weights are buffers, not differences."""
    tensors = llama_tensors() | {
        f"model.layers.{i}.self_attn.rotary_emb.inv_freq": ("F32", [1]) for i in range(2)
    }
    code, data = compare(runner, tmp_path, tensors)
    assert code == 0 and len(data["explained"]) == 2
    assert {e["reason"] for e in data["explained"]} == {"buffer, not a parameter"}


def test_missing_layer_differs(runner: CliRunner, tmp_path: Path) -> None:
    """A checkpoint with one block fewer than the architecture: exit 1, each tensor listed."""
    code, data = compare(runner, tmp_path, llama_tensors(layers=1))
    assert code == 1 and not data["ok"]
    missing = [d for d in data["differences"] if d["reason"] == "missing"]
    assert len(missing) == 9
    assert {d["name"] for d in missing} >= {"model.layers.1.self_attn.q_proj.weight"}
    per_layer = 4 * H * H + 3 * H * F + 2 * H
    assert data["total"]["architecture"] - data["total"]["checkpoint"] == per_layer


def test_wrong_shape_and_extra_tensor_differ(runner: CliRunner, tmp_path: Path) -> None:
    """A resized tensor and a stored tensor the architecture lacks are both reported."""
    tensors = llama_tensors() | {
        "model.layers.0.mlp.up_proj.weight": ("BF16", [9, H]),
        "model.layers.0.self_attn.q_proj.bias": ("BF16", [H]),
    }
    code, data = compare(runner, tmp_path, tensors)
    assert code == 1
    reasons = {d["checkpoint_name"]: d["reason"] for d in data["differences"]}
    assert reasons == {
        "model.layers.0.mlp.up_proj.weight": "size differs",
        "model.layers.0.self_attn.q_proj.bias": "extra",
    }


def test_table_names_the_differing_tensor(runner: CliRunner, tmp_path: Path) -> None:
    """The report lists the missing tensor by the name transformers gives it."""
    (tmp_path / "arch.json").write_text(json.dumps(TINY_LLAMA))
    write_safetensors(tmp_path / "model.safetensors", llama_tensors(layers=1))
    args = ["compare", str(tmp_path / "arch.json"), str(tmp_path / "model.safetensors")]
    assert "DIFFER" in invoke(runner, *args).stdout
    out = invoke(runner, *args, "-f", "markdown").stdout
    assert "| model.layers.1.self_attn.q_proj.weight | - | 16 |  | missing |" in out


def gpt2_tensors(layers: int, hidden: int, positions: int) -> dict[str, tuple[str, list[int]]]:
    """GPT-2 names and Conv1D shapes (in, out), with the causal-mask buffers old files keep."""
    tensors = {"wte.weight": ("F32", [50257, hidden]), "wpe.weight": ("F32", [positions, hidden])}
    for i in range(layers):
        p = f"h.{i}."
        tensors |= {
            f"{p}ln_1.weight": ("F32", [hidden]),
            f"{p}ln_1.bias": ("F32", [hidden]),
            f"{p}attn.bias": ("U8", [1, 1, positions, positions]),
            f"{p}attn.masked_bias": ("F32", []),
            f"{p}attn.c_attn.weight": ("F32", [hidden, 3 * hidden]),
            f"{p}attn.c_attn.bias": ("F32", [3 * hidden]),
            f"{p}attn.c_proj.weight": ("F32", [hidden, hidden]),
            f"{p}attn.c_proj.bias": ("F32", [hidden]),
            f"{p}ln_2.weight": ("F32", [hidden]),
            f"{p}ln_2.bias": ("F32", [hidden]),
            f"{p}mlp.c_fc.weight": ("F32", [hidden, 4 * hidden]),
            f"{p}mlp.c_fc.bias": ("F32", [4 * hidden]),
            f"{p}mlp.c_proj.weight": ("F32", [4 * hidden, hidden]),
            f"{p}mlp.c_proj.bias": ("F32", [hidden]),
        }
    return tensors | {"ln_f.weight": ("F32", [hidden]), "ln_f.bias": ("F32", [hidden])}


def test_gpt2_preset_against_its_stored_names(runner: CliRunner, tmp_path: Path) -> None:
    """The gpt2 preset against GPT-2's names, fused c_attn and mask buffers: transformers' total."""
    path = tmp_path / "model.safetensors"
    write_safetensors(path, gpt2_tensors(12, 768, 1024), sparse=True)
    result = invoke(runner, "compare", "gpt2", str(path), "-f", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["naming"] == "gpt2"
    gpt2 = next(m for m in reference_models() if m["name"] == "gpt2")
    assert data["total"] == {"architecture": gpt2["total"], "checkpoint": gpt2["total"]}
    assert len(data["explained"]) == 24


def test_unmappable_naming_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    """A checkpoint whose names follow no known naming exits 2 with one line."""
    write_safetensors(tmp_path / "model.safetensors", {"foo.weight": ("F32", [2])})
    result = invoke(runner, "compare", "gpt2", str(tmp_path / "model.safetensors"))
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1


@pytest.mark.torch
@pytest.mark.parametrize("family", ["llama", "gpt2", "mixtral", "qwen3"])
def test_real_transformers_checkpoints_agree(
    runner: CliRunner, tmp_path: Path, family: str
) -> None:
    """save_pretrained of a tiny random transformers model agrees with its own config.json."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    sizes = {
        "vocab_size": 64,
        "hidden_size": 16,
        "intermediate_size": 24,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
    }
    config = {
        "llama": lambda: transformers.LlamaConfig(**sizes),
        "gpt2": lambda: transformers.GPT2Config(
            vocab_size=64, n_embd=16, n_layer=2, n_head=2, n_positions=32
        ),
        "mixtral": lambda: transformers.MixtralConfig(
            **sizes, num_local_experts=4, num_experts_per_tok=2
        ),
        "qwen3": lambda: transformers.Qwen3Config(**sizes, head_dim=8),
    }[family]()
    model = transformers.AutoModelForCausalLM.from_config(config)
    model.save_pretrained(tmp_path)
    result = invoke(runner, "compare", str(tmp_path / "config.json"), str(tmp_path), "-f", "json")
    data = json.loads(result.stdout)
    total = sum(p.numel() for p in model.parameters())
    assert result.exit_code == 0, data["differences"]
    assert data["total"] == {"architecture": total, "checkpoint": total}
