"""LoRA's trainable parameters equal PEFT's, configuration by configuration.

`data/lora_references.json` holds `get_nb_trainable_parameters()` of PEFT 0.21 on transformers
5.23 meta-device models (`scripts/make_lora_reference.py`), or the error PEFT raised; those
checks need neither torch nor PEFT. With PEFT installed, a sample is rebuilt live.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import DATA
from paramcalc.adapters.config import LoraSpec
from paramcalc.adapters.lora import LoraCount, lora_count
from paramcalc.calculator import Breakdown, count
from paramcalc.errors import InputError
from paramcalc.sources import from_hf

REFERENCES = json.loads((DATA / "lora_references.json").read_text())["cases"]


def base(name: str) -> Breakdown:
    """The paramcalc count of a tests/data/hf fixture."""
    fixture = json.loads((DATA / "hf" / f"{name}.json").read_text())
    return count(from_hf(fixture["config"], name, name, {}))


def spec(lora: dict[str, Any]) -> LoraSpec:
    """A LoraSpec from LoraConfig keyword arguments (lists as tuples)."""
    return LoraSpec.model_validate(
        {k: tuple(v) if isinstance(v, list) else v for k, v in lora.items()}
    )


def counted(name: str, lora: dict[str, Any]) -> LoraCount:
    """paramcalc's count of a LoraConfig on a fixture base."""
    return lora_count(base(name), spec(lora))


def case_id(case: dict[str, Any]) -> str:
    """A readable test id."""
    return f"{case['base']}:{json.dumps(case['lora'], sort_keys=True)}"


@pytest.mark.parametrize("case", REFERENCES, ids=case_id)
def test_trainable_equals_peft(case: dict[str, Any]) -> None:
    """Trainable and all parameters equal PEFT's; where PEFT refuses, paramcalc refuses."""
    if "error" in case:
        with pytest.raises((InputError, ValueError)):
            counted(case["base"], case["lora"])
        return
    result = counted(case["base"], case["lora"])
    assert (result.trainable, result.all_parameters) == (case["trainable"], case["all"])


def test_references_cover_the_issue() -> None:
    """The stored cases span the families and options issue 15 names."""
    bases = {c["base"].split("-variant")[0] for c in REFERENCES}
    assert {"llama", "qwen3-moe", "gemma3-text", "gpt2", "llava", "qwen2-vl"} <= bases
    options = {k for c in REFERENCES if "error" not in c for k in c["lora"]}
    assert {
        "rank_pattern",
        "alpha_pattern",
        "layers_to_transform",
        "layers_pattern",
        "exclude_modules",
        "use_dora",
        "bias",
        "lora_bias",
        "modules_to_save",
        "target_parameters",
    } <= options
    kinds = {type(c["lora"]["target_modules"]).__name__ for c in REFERENCES}
    assert kinds == {"list", "str"}


def test_closed_form_q_v() -> None:
    """r(in + out) per adapted projection, summed over layers: an independent formula."""
    fixture = json.loads((DATA / "hf" / "llama-variant-1.json").read_text())
    shapes = dict((n, s) for n, s in fixture["tensors"])
    expected = sum(
        16 * (s[0] + s[1])
        for n, s in shapes.items()
        if n.endswith(("q_proj.weight", "v_proj.weight"))
    )
    assert (
        counted("llama-variant-1", {"r": 16, "target_modules": ["q_proj", "v_proj"]}).trainable
        == expected
    )


def test_per_kind_and_per_layer_add_up() -> None:
    """The per-module rows sum to the adapter's count, and each layer holds its own rows."""
    result = counted("qwen3-moe-variant-1", {"r": 4, "target_modules": "all-linear"})
    assert sum(w.size for w in result.wrapped) == result.adapter == result.trainable
    assert {w.layer for w in result.wrapped} == {0, 1}
    fused = [w for w in result.wrapped if w.kind == "experts.gate_up_proj"]
    assert fused and all(w.rank == 8 for w in fused)  # PEFT doubles the rank of a fused pair


LIVE = [c for c in REFERENCES if c["base"] in {"llama-variant-1", "qwen3-moe-variant-1"}][::3]


@pytest.mark.torch
@pytest.mark.parametrize("case", LIVE, ids=case_id)
def test_live_peft(case: dict[str, Any]) -> None:
    """PEFT itself, rebuilt now, gives the stored numbers and paramcalc's."""
    pytest.importorskip("peft")
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "scripts"))
    from make_lora_reference import peft_count

    fixture = json.loads((DATA / "hf" / f"{case['base']}.json").read_text())
    live = peft_count(fixture, case["lora"])
    assert live == {k: case[k] for k in live}
    if "trainable" in live:
        assert counted(case["base"], case["lora"]).trainable == live["trainable"]


#: Bases whose module kinds are checked against transformers: MoE routers and shared-expert
#: gates, fused experts, vision towers, Conv1D, tied T5 embeddings, Mamba convolutions.
KIND_BASES = [
    f"{n}-variant-1"
    for n in (
        "qwen2-moe",
        "qwen3-next",
        "gemma3",
        "gpt-oss",
        "llama4",
        "phimoe",
        "deepseek-v3",
        "mamba",
        "jamba",
        "t5",
        "gpt2",
        "llava",
        "falcon",
    )
]


@pytest.mark.torch
@pytest.mark.parametrize("name", KIND_BASES)
def test_module_kinds_equal_transformers(name: str) -> None:
    """The modules PEFT can wrap (Linear/Conv1D, Embedding, Conv) are the records' modules."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    import sys

    from transformers.pytorch_utils import Conv1D

    from conftest import REPO
    from paramcalc.adapters.modules import Kind, modules

    sys.path.insert(0, str(REPO / "scripts"))
    from make_reference import build_model

    fixture = json.loads((DATA / "hf" / f"{name}.json").read_text())
    model, _ = build_model(fixture["config"], fixture.get("auto_class"))
    classes = {
        Kind.LINEAR: (torch.nn.Linear, Conv1D),
        Kind.EMBEDDING: (torch.nn.Embedding,),
        Kind.CONV: (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d),
    }
    theirs = {
        n: kind
        for n, m in model.named_modules()
        for kind, types in classes.items()
        if isinstance(m, types)
    }
    b = base(name)
    ours = {
        n: m.kind for n, m in modules(b.enumeration, b.model.naming).items() if m.kind in classes
    }
    assert ours == theirs
