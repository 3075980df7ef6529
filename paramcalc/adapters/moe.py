"""PEFT's rewrite of LoRA targets for MoE models whose experts transformers 5 fuses.

transformers 5 stores a family's experts as stacked 3-D parameters and its router as a custom
module, so `gate_proj`/`up_proj`/`down_proj`/`gate` name no `nn.Linear` any more. PEFT 0.21
(`peft.utils.transformers_weight_conversion._convert_peft_config_moe`) keeps adapters written
for transformers 4 working: for the model types below it moves those names from
`target_modules` to `target_parameters` (the fused `gate_up_proj` at twice the rank), and
resolves `all-linear` to leaf names first. It applies to every module of that leaf name, so a
dense layer's `down_proj` is no longer adapted; paramcalc counts what PEFT builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from paramcalc.adapters.config import LoraSpec
from paramcalc.errors import FieldValueError

#: v4 target name -> v5 parameter name, in PEFT's matching order, by conversion pattern.
TARGET_MAPPING = {
    "mixtral": {
        "gate": "gate.weight",
        "w1": "gate_up_proj",
        "w3": "gate_up_proj",
        "w2": "down_proj",
    },
    "qwen2_moe": {
        "gate": "gate.weight",
        "gate_proj": "gate_up_proj",
        "up_proj": "gate_up_proj",
        "down_proj": "down_proj",
    },
}
#: Fused parameters and the v4 targets they stack, by conversion pattern.
FUSED = {
    "mixtral": {"gate_up_proj": ("w1", "w3")},
    "qwen2_moe": {"gate_up_proj": ("gate_proj", "up_proj")},
}
#: model_type -> conversion pattern: transformers 5.23 `_MODEL_TO_CONVERSION_PATTERN` entries
#: with a checkpoint conversion mapping, plus PEFT's own `mixtral` entry.
CONVERTED = {
    **dict.fromkeys(("mixtral", "minimax", "minimax_m2"), "mixtral"),
    **dict.fromkeys(
        (
            "afmoe",
            "beam",
            "cohere2_moe",
            "deepseek_v2",
            "deepseek_v3",
            "deepseek_v32",
            "dots1",
            "ernie4_5_moe",
            "exaone_moe",
            "flex_olmo",
            "glm4_moe",
            "glm4_moe_lite",
            "glm4v_moe",
            "glm_moe_dsa",
            "hunyuan_v1_moe",
            "longcat_flash",
            "mellum",
            "olmoe",
            "qwen3_moe",
            "qwen3_next",
            "qwen3_omni_moe",
            "qwen3_omni_moe_text",
            "qwen3_omni_moe_thinker",
            "solar_open",
        ),
        "qwen2_moe",
    ),
}


@dataclass(frozen=True)
class Names:
    """What the rewrite reads of a model: its linear leaves, module and parameter paths."""

    linear_leaves: set[str]
    modules: list[str]
    parameters: list[str]
    matches: Callable[[str], bool]
    """PEFT's check_target_module_exists under the spec as given."""


def regex_leaves(mapping: dict[str, str], names: Names) -> set[str]:
    """PEFT's `_resolve_string_target_modules` for a regex: the leaf names it matches."""
    found = {k.rsplit(".", 1)[-1] for k in names.modules + names.parameters if names.matches(k)}
    containers: dict[str, list[str]] = {}
    for key in names.parameters:
        container, _, leaf = key.rpartition(".")
        containers.setdefault(leaf, []).append(container)
    for old, new in mapping.items():
        if old not in found and any(names.matches(f"{c}.{old}") for c in containers.get(new, ())):
            found.add(old)
    return found


def converted(spec: LoraSpec, model_type: str | None, names: Names) -> LoraSpec:
    """The spec PEFT applies to `model_type`: MoE targets moved to parameters."""
    pattern = CONVERTED.get(model_type or "")
    if pattern is None or spec.target_modules is None:
        return spec
    mapping, fused = TARGET_MAPPING[pattern], FUSED[pattern]
    targets = spec.target_modules
    if isinstance(targets, str):
        if targets.lower() == "all-linear":
            resolved = names.linear_leaves | set(mapping)
        else:
            resolved = regex_leaves(mapping, names)
        if not resolved:
            return spec
        targets = tuple(sorted(resolved))
    parameters = set(spec.target_parameters)
    remaining: list[str] = []
    present: dict[str, set[str]] = {name: set() for name in fused}
    for target in targets:
        hit = next((o for o in mapping if target == o or target.endswith(f".{o}")), None)
        if hit is None:
            remaining.append(target)
            continue
        parameters.add(mapping[hit])
        present.setdefault(mapping[hit], set()).add(hit)
    ranks, alphas = dict(spec.rank_pattern), dict(spec.alpha_pattern)
    for name, parts in fused.items():
        if 0 < len(present[name]) < len(parts):
            missing = ", ".join(sorted(set(parts) - present[name]))
            raise FieldValueError(
                "target_modules", f"{model_type} fuses {name}: target {missing} too (as PEFT asks)"
            )
        if len(present[name]) == len(parts):
            ranks[rf".*\.{name}"] = spec.r * len(parts)
            alphas[rf".*\.{name}"] = spec.lora_alpha * len(parts)
    return spec.model_copy(
        update={
            "target_modules": tuple(remaining),
            "target_parameters": tuple(sorted(parameters)),
            "rank_pattern": ranks,
            "alpha_pattern": alphas,
        }
    )
