#!/usr/bin/env python3
"""Make reference fixtures: count a Hugging Face config's parameters with transformers itself.

Each config is instantiated on the meta device (no memory, no download) with the class
transformers uses for it: the causal-LM class for decoders, `AutoModel` (with pooler) for BERT
and RoBERTa, `T5ForConditionalGeneration` for T5. `model.parameters()` yields a tied tensor
once, so the sum is the count with tied weights once. Parameters are split into the five groups
of GROUPS.md by their names, with a classifier that shares no code with paramcalc.

usage:
  make_reference.py CONFIG.json [...] --out tests/data/hf        # one fixture per config
  make_reference.py --model-type t5 --set d_model=64 --name tiny-t5 --out tests/data/hf
  make_reference.py --check-models ../shared/reference/models.json  # classifier self-check

Needs torch and transformers (`pip install paramcalc[reference]`); paramcalc itself never does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

GROUPS = ("embedding", "attention", "feedforward", "norm", "output")

#: Module names of output heads: the LM head (GPT-NeoX calls it embed_out) and BERT's pooler.
OUTPUT_MODULES = {"lm_head", "embed_out", "pooler"}
#: Module names of embedding tables and OPT's width projections.
EMBEDDING_MODULES = {
    "wte", "wpe", "embed_tokens", "embed_positions", "word_embeddings", "position_embeddings",
    "token_type_embeddings", "embed_in", "shared", "project_in", "project_out",
}
#: Module names that open an attention block (self- or cross-attention).
ATTENTION_MODULES = {
    "attn", "self_attn", "attention", "self_attention", "SelfAttention", "EncDecAttention",
}
#: Module names that open a feed-forward block (BERT's `intermediate` and `output`, OPT's
#: fc1/fc2 that sit directly in the decoder layer).
FEEDFORWARD_MODULES = {
    "mlp", "fc1", "fc2", "DenseReluDense", "intermediate", "output", "block_sparse_moe",
    "feed_forward", "experts", "shared_expert", "shared_experts",
}
#: Encoder models are counted as the bare model; T5 as the seq2seq LM; the rest as causal LMs.
BARE_MODEL_TYPES = {"bert", "roberta"}
SEQ2SEQ_MODEL_TYPES = {"t5"}


def is_norm(module: str) -> bool:
    """Whether a module name is a normalization layer (ln_f, input_layernorm, q_norm, ...)."""
    lowered = module.lower()
    return "norm" in lowered or lowered.startswith("ln")


def classify(name: str) -> str:
    """The GROUPS.md group of one parameter, from its dotted name."""
    parts = name.split(".")
    modules = parts[:-1]
    if modules and is_norm(modules[-1]):
        return "norm"
    if OUTPUT_MODULES.intersection(modules):
        return "output"
    if modules and modules[-1] in EMBEDDING_MODULES:
        return "embedding"
    for module in modules:  # the outermost block decides: attention.output.dense is attention
        if module in ATTENTION_MODULES:
            return "attention"
        if module in FEEDFORWARD_MODULES:
            return "feedforward"
    if parts[-1] == "e_score_correction_bias" or (modules and modules[-1] == "gate"):
        return "feedforward"
    raise ValueError(f"cannot classify parameter {name!r}")


def build_model(model_type: str, config: dict[str, Any]) -> Any:
    """Instantiate the model for a config.json mapping on the meta device."""
    import torch
    import transformers

    fields = {k: v for k, v in config.items() if k != "model_type"}
    hf_config = transformers.AutoConfig.for_model(model_type, **fields)
    with torch.device("meta"):
        if model_type in BARE_MODEL_TYPES:
            model = transformers.AutoModel.from_config(hf_config)
        elif model_type in SEQ2SEQ_MODEL_TYPES:
            model = transformers.T5ForConditionalGeneration(hf_config)
            if config.get("tie_word_embeddings") is False:
                # T5Config always ties, but an untied checkpoint (flan-t5) carries its own head
                # and from_pretrained then leaves it untied (modeling_utils.tie_weights).
                model.lm_head.weight = torch.nn.Parameter(torch.empty_like(model.lm_head.weight))
        else:
            model = transformers.AutoModelForCausalLM.from_config(hf_config)
    return model


def count(model: Any) -> dict[str, Any]:
    """Total and per-group parameter counts; shared tensors are counted once."""
    groups = dict.fromkeys(GROUPS, 0)
    seen: set[int] = set()
    for name, param in model.named_parameters():  # yields each shared tensor once
        if id(param) in seen:
            continue
        seen.add(id(param))
        groups[classify(name)] += param.numel()
    total = sum(p.numel() for p in model.parameters())
    if total != sum(groups.values()):
        raise RuntimeError(f"groups add up to {sum(groups.values())}, total is {total}")
    return {"total": total, "groups": groups, "model_class": type(model).__name__}


def fixture(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """One fixture: the config as given and what transformers counts for it."""
    model_type = config.get("model_type")
    if not isinstance(model_type, str):
        raise SystemExit(f"{name}: config has no model_type")
    counted = count(build_model(model_type, config))
    return {"name": name, "model_type": model_type, "config": config,
            "total": counted["total"], "groups": counted["groups"]}


def check_models(path: Path) -> int:
    """Recount every reference model and compare totals and groups; 0 when all agree."""
    bad = 0
    for m in json.loads(path.read_text()):
        got = fixture(m["name"], m["config_json"])
        ok = got["total"] == m["total"] and all(
            got["groups"][g] == m["groups"].get(g, 0) for g in GROUPS)
        bad += not ok
        print(f"{'ok   ' if ok else 'WRONG'} {m['name']:20s} {got['total']:>16,} {got['groups']}")
    return 1 if bad else 0


def parse_value(raw: str) -> Any:
    """Read a --set value as JSON, falling back to the plain string."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def main() -> int:
    """Write one fixture per config, or check the classifier against models.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("configs", nargs="*", type=Path, help="config.json files")
    ap.add_argument("--model-type", help="start from this family's default config")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=JSON")
    ap.add_argument("--name", help="fixture name (default: the config file's stem)")
    ap.add_argument("--out", type=Path, help="folder for NAME.json fixtures (default: stdout)")
    ap.add_argument("--check-models", type=Path, metavar="MODELS_JSON")
    args = ap.parse_args()
    if args.check_models:
        return check_models(args.check_models)
    jobs: list[tuple[str, dict[str, Any]]] = []
    for path in args.configs:
        jobs.append((args.name or path.stem, json.loads(path.read_text())))
    if args.model_type:
        jobs.append((args.name or args.model_type, {"model_type": args.model_type}))
    for name, config in jobs:
        for pair in args.set:
            key, _, raw = pair.partition("=")
            config[key] = parse_value(raw)
        result = fixture(name, config)
        text = json.dumps(result, indent=2) + "\n"
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}.json").write_text(text)
            print(f"{name}: {result['total']:,} {result['groups']}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
