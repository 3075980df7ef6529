#!/usr/bin/env python3
"""Make the LoRA reference data: PEFT's own trainable-parameter counts on fixture bases.

Each base is a `tests/data/hf` fixture's config, built on the meta device with the class
transformers uses for it (`make_reference.build_model`); each `LoraConfig` below is applied with
`peft.get_peft_model` and `get_nb_trainable_parameters()` is stored, or the error PEFT raises.
`tests/test_lora.py` checks paramcalc against the stored numbers without torch, and against
PEFT itself when it is installed.

usage:
  make_lora_reference.py --out tests/data/lora_references.json
      [--adapter-out tests/data/adapters/llama-variant-1-lora]

`--adapter-out` also saves a real adapter (PEFT's save_pretrained) on a CPU-built base: its
adapter_config.json names the base `acme/llama-variant-1` (the tests' fake Hub cache holds it).

Needs torch, transformers and peft (`pip install paramcalc[reference,lora]`).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from make_reference import build_model  # noqa: E402

HF = Path(__file__).parent.parent / "tests" / "data" / "hf"

#: Configurations every base gets: lists, regexes, all-linear and each option that counts.
COMMON: list[dict[str, Any]] = [
    {"r": 16, "lora_alpha": 32, "target_modules": ["q_proj", "v_proj"]},
    {"r": 4, "target_modules": "all-linear"},
    {"r": 8, "target_modules": r".*\.(q_proj|v_proj|c_attn)", "rank_pattern": {"q_proj": 2}},
    {"r": 4, "target_modules": ["k_proj", "o_proj", "c_fc", "fc1"], "layers_to_transform": [0]},
    {"r": 4, "target_modules": ["o_proj", "c_proj"], "layers_to_transform": 1},
    {"r": 4, "target_modules": "all-linear", "exclude_modules": ["down_proj", "c_proj"]},
    {"r": 4, "target_modules": "all-linear", "exclude_modules": r".*\.0\..*"},
    {"r": 8, "target_modules": ["q_proj", "c_attn", "k_proj"], "use_dora": True},
    {"r": 4, "target_modules": "all-linear", "bias": "all"},
    {"r": 4, "target_modules": ["q_proj", "c_attn", "v_proj"], "bias": "lora_only"},
    {"r": 4, "target_modules": ["q_proj", "c_attn"], "lora_bias": True},
    {"r": 2, "target_modules": ["q_proj", "c_attn", "wte", "embed_tokens"], "use_dora": True},
    {"r": 4, "target_modules": ["v_proj", "c_attn"], "modules_to_save": ["lm_head"]},
    {"r": 4, "target_modules": "all-linear", "modules_to_save": ["embed_tokens", "wte"]},
    {
        "r": 8,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "c_attn"],
        "rank_pattern": {"k_proj": 2, r"layers\.1\.self_attn\.q_proj": 32},
        "alpha_pattern": {"v_proj": 3},
        "layers_to_transform": [0, 1],
        "layers_pattern": ["layers", "h"],
    },
    {"r": 4, "target_modules": ["self_attn"]},
    {"r": 4, "target_modules": ["no_such_module"]},
    {"r": 4, "target_modules": ["q_proj"], "lora_bias": True, "use_dora": True},
]
#: Configurations for one family's own modules (fused experts, routers, convolutions).
SPECIFIC: dict[str, list[dict[str, Any]]] = {
    "qwen3-moe": [
        {"r": 4, "target_modules": ["gate"]},
        {"r": 4, "target_modules": ["q_proj", "gate_proj", "up_proj", "down_proj"]},
        {"r": 4, "target_modules": ["q_proj", "gate_proj"]},
        {"r": 4, "target_modules": ["q_proj"], "target_parameters": ["mlp.experts.down_proj"]},
        {"r": 4, "target_modules": ["experts"]},
        {"r": 4, "target_modules": ["down_proj"], "use_dora": True},
        {"r": 4, "target_modules": ["gate_proj", "up_proj"], "lora_bias": True},
    ],
    "mixtral": [
        {"r": 4, "target_modules": ["w1", "w3", "w2", "gate"]},
        {"r": 4, "target_modules": ["gate_up_proj"]},
        {"r": 4, "target_modules": ["q_proj"], "target_parameters": ["gate_up_proj"]},
    ],
    "gpt-oss": [
        {"r": 4, "target_modules": ["router"]},
        {"r": 4, "target_modules": ["q_proj"], "target_parameters": ["router.weight"]},
    ],
    "llama4-text": [{"r": 4, "target_modules": ["router", "q_proj"]}],
    "mamba": [
        {"r": 4, "target_modules": ["in_proj", "x_proj", "dt_proj", "out_proj"]},
        {"r": 4, "target_modules": ["conv1d"]},
    ],
    "llava": [
        {"r": 4, "target_modules": ["patch_embedding"]},
        {"r": 4, "target_modules": ["linear_1", "linear_2", "q_proj"], "use_dora": True},
        {"r": 4, "target_modules": r".*language_model.*\.(q|v)_proj"},
        {"r": 4, "target_modules": "all-linear", "modules_to_save": ["multi_modal_projector"]},
    ],
    "qwen2-moe": [
        {"r": 4, "target_modules": ["shared_expert_gate", "gate"]},
        {"r": 4, "target_modules": ["gate_proj", "up_proj", "down_proj"]},
    ],
    "t5": [{"r": 4, "target_modules": ["q", "v", "wi", "wo"]}],
    "bert": [{"r": 4, "target_modules": ["query", "value"], "modules_to_save": ["pooler"]}],
    "qwen2-vl": [
        {"r": 4, "target_modules": ["qkv", "proj", "q_proj"]},
        {"r": 4, "target_modules": ["patch_embed.proj"]},
    ],
}
#: The bases: fixture file names.
BASES = [
    "llama-variant-1",
    "llama-variant-2",
    "qwen3-moe-variant-1",
    "qwen3-moe-variant-2",
    "gemma3-text-variant-1",
    "gpt2-variant-1",
    "gpt2-variant-2",
    "mixtral-variant-1",
    "gpt-oss-variant-1",
    "llama4-text-variant-1",
    "mamba-variant-1",
    "llava-variant-1",
    "qwen2-vl-variant-1",
    "qwen2-moe-variant-1",
    "gemma3-variant-1",
    "t5-variant-1",
    "bert-variant-1",
]


def family(base: str) -> str:
    """The SPECIFIC key of a fixture name."""
    return base.split("-variant")[0]


def peft_count(fixture: dict[str, Any], lora: dict[str, Any]) -> dict[str, Any]:
    """PEFT's (trainable, all) for one LoraConfig on a fixture, or the error it raises."""
    from peft import LoraConfig, get_peft_model

    model, _ = build_model(fixture["config"], fixture.get("auto_class"))
    try:
        peft_model = get_peft_model(model, LoraConfig(**lora))
    except (ValueError, TypeError, NotImplementedError) as exc:
        return {"error": str(exc).splitlines()[0][:200]}
    trainable, total = peft_model.get_nb_trainable_parameters()
    return {"trainable": trainable, "all": total}


def cases() -> list[tuple[str, dict[str, Any]]]:
    """Every (base, LoraConfig) pair."""
    return [(b, c) for b in BASES for c in COMMON + SPECIFIC.get(family(b), [])]


#: The saved adapter: its base fixture, its Hub id in the tests, its LoraConfig.
ADAPTER_BASE = "llama-variant-1"
ADAPTER_HUB_ID = "acme/llama-variant-1"
ADAPTER_LORA: dict[str, Any] = {
    "r": 4,
    "lora_alpha": 8,
    "target_modules": ["q_proj", "v_proj", "o_proj"],
    "use_dora": True,
    "layers_to_transform": [1],
    "modules_to_save": ["post_attention_layernorm"],
}


def save_adapter(out: Path) -> None:
    """Save a real PEFT adapter on the CPU-built base fixture, naming its base by Hub id."""
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model

    fixture = json.loads((HF / f"{ADAPTER_BASE}.json").read_text())
    fields = {k: v for k, v in fixture["config"].items() if k != "model_type"}
    config = transformers.AutoConfig.for_model(fixture["config"]["model_type"], **fields)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config)
    peft_model = get_peft_model(model, LoraConfig(**ADAPTER_LORA))
    peft_model.save_pretrained(out)
    saved = out / "adapter_config.json"
    data = json.loads(saved.read_text())
    data["base_model_name_or_path"] = ADAPTER_HUB_ID
    saved.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    (out / "README.md").unlink(missing_ok=True)


def main() -> int:
    """Write the reference file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--adapter-out", type=Path)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.adapter_out:
        save_adapter(args.adapter_out)
    import peft
    import transformers

    rows = []
    for base, lora in cases():
        fixture = json.loads((HF / f"{base}.json").read_text())
        rows.append({"base": base, "lora": lora, **peft_count(fixture, lora)})
        print(base, lora, rows[-1].get("trainable", rows[-1].get("error")), file=sys.stderr)
    versions = {"peft": peft.__version__, "transformers": transformers.__version__}
    args.out.write_text(json.dumps({"versions": versions, "cases": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
