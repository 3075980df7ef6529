"""A LoRA adapter's settings, in PEFT's `LoraConfig` vocabulary, validated once.

The same record comes from `paramcalc lora` flags and from an `adapter_config.json`. Fields a
count does not depend on (dropout, initialisation, task bookkeeping) are accepted from a file
and ignored; an option that changes the trainable parameters in a way paramcalc does not model
is refused by name, never counted wrongly.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError, InputError, describe, from_validation_error

Targets = StrictStr | tuple[StrictStr, ...]

#: adapter_config.json keys that change no parameter count, whatever their value.
IGNORED_KEYS = frozenset(
    {
        "peft_type",
        "base_model_name_or_path",
        "revision",
        "auto_mapping",
        "inference_mode",
        "lora_dropout",
        "fan_in_fan_out",
        "init_lora_weights",
        "use_rslora",
        "megatron_core",
        "loftq_config",
        "eva_config",
        "corda_config",
        "runtime_config",
        "peft_version",
        "qalora_group_size",
    }
)
#: Values that leave an option off: any other key (a newer PEFT's variant) must hold one.
OFF_VALUES: tuple[object, ...] = (None, False, {}, [])
#: Task types whose PEFT model class adds no modules to save of its own.
PLAIN_TASKS = (None, "CAUSAL_LM", "SEQ_2_SEQ_LM", "FEATURE_EXTRACTION")


class LoraSpec(Spec):
    """What a LoRA adapter wraps and at which rank (PEFT `LoraConfig` field names)."""

    r: PositiveInt = 8
    """The rank of every adapted module unless `rank_pattern` says otherwise."""
    lora_alpha: StrictInt | StrictFloat = 8
    """The scaling numerator (scaling = alpha / r); recorded, it changes no count."""
    target_modules: Targets | None = None
    """Module names (exact or `.`-suffix), a full-match regex, or `all-linear`."""
    target_parameters: tuple[StrictStr, ...] = ()
    """Parameter names (exact or `.`-suffix) adapted directly, as fused 3-D experts are."""
    exclude_modules: Targets | None = None
    """Modules never adapted: names (exact or `.`-suffix) or a full-match regex."""
    layers_to_transform: StrictInt | tuple[StrictInt, ...] | None = None
    """Only these layer indices (with a list of targets)."""
    layers_pattern: StrictStr | tuple[StrictStr, ...] | None = None
    """The module name before the layer index (`layers`, `h`); default any."""
    rank_pattern: dict[StrictStr, PositiveInt] = Field(default_factory=dict)
    """Ranks by regex suffix of the module name, first match wins."""
    alpha_pattern: dict[StrictStr, StrictInt | StrictFloat] = Field(default_factory=dict)
    """Alphas by regex suffix of the module name, first match wins."""
    use_dora: StrictBool = False
    """DoRA: a trainable magnitude per output feature of each adapted module."""
    lora_bias: StrictBool = False
    """A bias on each lora_B (one per output feature)."""
    bias: Literal["none", "all", "lora_only"] = "none"
    """Which base biases train: none, every `*.bias`, or those of adapted modules."""
    modules_to_save: tuple[StrictStr, ...] = ()
    """Modules copied whole and trained (a name the module's path ends with)."""
    task_type: Annotated[str, Field(max_length=64)] | None = None
    """PEFT's task type; one whose model adds modules of its own is refused."""

    @model_validator(mode="after")
    def _check(self) -> LoraSpec:
        if self.layers_to_transform is not None and isinstance(self.target_modules, str):
            raise FieldValueError(
                "layers_to_transform", "cannot be used when target_modules is a str (as in PEFT)"
            )
        if self.layers_pattern and self.layers_to_transform is None:
            raise FieldValueError("layers_pattern", "needs layers_to_transform (as in PEFT)")
        if self.target_modules is None and not self.target_parameters:
            raise FieldValueError("target_modules", "give target modules or target_parameters")
        if self.lora_bias and self.use_dora:
            raise FieldValueError("lora_bias", "PEFT refuses lora_bias with use_dora")
        if self.task_type not in PLAIN_TASKS:
            raise FieldValueError(
                "task_type", f"{self.task_type!r} adds task modules paramcalc does not model"
            )
        return self

    @property
    def layers(self) -> tuple[int, ...] | None:
        """The layer indices to adapt, or None for all."""
        if self.layers_to_transform is None:
            return None
        value = self.layers_to_transform
        return (value,) if isinstance(value, int) else value


def listed(value: Any) -> Any:
    """PEFT stores lists and sets as JSON lists: a tuple here."""
    return tuple(value) if isinstance(value, list) else value


def from_adapter_config(data: dict[str, Any], where: str) -> LoraSpec:
    """A LoraSpec from an adapter_config.json mapping; an option not modelled is an error."""
    from pydantic import ValidationError

    peft_type = data.get("peft_type")
    if peft_type != "LORA":
        raise InputError(where, f"{peft_type!r}: only LORA adapters are counted", "peft_type")
    fields = set(LoraSpec.model_fields)
    known = {k: listed(v) for k, v in data.items() if k in fields and v is not None}
    for key, value in data.items():
        if key not in fields and key not in IGNORED_KEYS and value not in OFF_VALUES:
            raise InputError(where, f"{describe(value)} is not modelled by paramcalc", key)
    try:
        return LoraSpec.model_validate(known)
    except ValidationError as exc:
        raise from_validation_error(exc, where) from None
