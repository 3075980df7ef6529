"""LoRA's trainable parameters for a base model, exactly as PEFT 0.21 builds them.

Matching follows `peft.tuners.tuners_utils.check_target_module_exists`: a list of targets
matches a module path exactly or as a `.`-suffix (and then `layers_to_transform` filters by the
first numbered path segment), a string is a full-match regex, `all-linear` is every
`nn.Linear`/`Conv1D` but the output head. Sizes follow `peft.tuners.lora.layer`: a Linear gets
`lora_A (r, in)` and `lora_B (out, r)`, an embedding `lora_embedding_A (r, rows)` and
`lora_embedding_B (width, r)`, a convolution `lora_A` with the base kernel and a 1x1 `lora_B`
grouped as the base, a targeted parameter of E experts `r * E` rows of each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING

from paramcalc.adapters.config import LoraSpec
from paramcalc.adapters.modules import Kind, Module, is_output_head, modules
from paramcalc.adapters.moe import Names, converted
from paramcalc.core.records import Conv, Embedding, Linear, Record, Tensor
from paramcalc.errors import FieldValueError, InputError

if TYPE_CHECKING:
    from paramcalc.calculator import Breakdown

#: PEFT's `_check_lora_target_modules_mamba`: leaves it refuses to adapt in these families.
MAMBA_TYPES = frozenset({"falcon_h1", "mamba", "mamba2", "falcon_mamba", "nemotron_h"})
MAMBA_REFUSED = frozenset({"out_proj", "conv1d"})
#: PEFT's first-numbered-segment rules for layers_to_transform (lazy: not an expert index).
ANY_LAYER = re.compile(r".*?\.[^.]*\.(?P<idx>\d+)\.")


@dataclass(frozen=True, slots=True)
class Wrapped:
    """One adapted module or parameter and the trainable tensors it gains."""

    name: str
    kind: str
    """The module's last path part (`q_proj`); for a parameter, the module's and its own
    (`experts.gate_up_proj`)."""
    stack: str | None
    layer: int | None
    rank: int
    lora: int
    """lora_A plus lora_B."""
    magnitude: int = 0
    """DoRA's magnitude vector: one per output feature."""
    lora_bias: int = 0

    @property
    def size(self) -> int:
        """Trainable parameters this adapter adds."""
        return self.lora + self.magnitude + self.lora_bias


@dataclass(frozen=True, slots=True)
class Copy:
    """A module in `modules_to_save`: a full trainable copy beside the frozen original."""

    name: str
    size: int
    stack: str | None
    layer: int | None


@dataclass(frozen=True)
class LoraCount:
    """An adapter on a base: what it wraps, copies and unfreezes."""

    base: Breakdown
    spec: LoraSpec
    wrapped: tuple[Wrapped, ...]
    copies: tuple[Copy, ...]
    biases: int
    """Base biases made trainable by `bias`."""

    @property
    def adapter(self) -> int:
        """Parameters the adapter adds to the model (what adapter_model.safetensors holds)."""
        return sum(w.size for w in self.wrapped) + sum(c.size for c in self.copies)

    @property
    def trainable(self) -> int:
        """PEFT's `get_nb_trainable_parameters()[0]`."""
        return self.adapter + self.biases

    @property
    def all_parameters(self) -> int:
        """PEFT's `get_nb_trainable_parameters()[1]`: the base and the adapter."""
        return self.base.total + self.adapter

    @property
    def percent(self) -> float:
        """Trainable share of all parameters, as `print_trainable_parameters` gives it."""
        return 100 * self.trainable / self.all_parameters if self.all_parameters else 0.0


def pattern_key(keys: list[str], name: str) -> str | None:
    """The first rank/alpha pattern key PEFT's `get_pattern_key` matches against `name`."""
    return next((k for k in keys if re.match(rf"(.*\.)?({k})$", name)), None)


def layer_index(spec: LoraSpec, key: str) -> int | None:
    """The layer index PEFT reads from a module path for layers_to_transform."""
    patterns = spec.layers_pattern
    if not patterns:
        match = ANY_LAYER.match(key)
    else:
        names = (patterns,) if isinstance(patterns, str) else patterns
        match = None
        for p in names:
            match = re.match(rf"(?:^|.*?\.){p}\.(?P<idx>\d+)\.", key)
            if match:
                break
    return int(match["idx"]) if match else None


def listed_match(names: tuple[str, ...] | set[str], key: str) -> bool:
    """Exact name or `.`-suffix, PEFT's rule for a list."""
    return key in names or any(key.endswith(f".{n}") for n in names)


def excluded(spec: LoraSpec, key: str) -> bool:
    """Whether exclude_modules or modules_to_save keeps a module from being adapted."""
    ex = spec.exclude_modules
    if ex and (re.fullmatch(ex, key) if isinstance(ex, str) else listed_match(ex, key)):
        return True
    return any(re.match(rf"(^|.*\.){m}($|\..*)", key) for m in spec.modules_to_save)


def targeted(spec: LoraSpec, targets: str | tuple[str, ...] | set[str], key: str) -> bool:
    """PEFT's check_target_module_exists for one module path."""
    if excluded(spec, key):
        return False
    if isinstance(targets, str):
        return re.fullmatch(targets, key) is not None
    if key in targets:
        return True
    if not any(key.endswith(f".{t}") for t in targets):
        return False
    layers = spec.layers
    if not layers:
        return True
    index = layer_index(spec, key)
    return index is not None and index in layers


def rank_of(spec: LoraSpec, name: str) -> int:
    """The rank of one adapted module or parameter."""
    key = pattern_key(list(spec.rank_pattern), name)
    return spec.rank_pattern[key] if key is not None else spec.r


def wrap_module(spec: LoraSpec, m: Module) -> Wrapped:
    """The adapter tensors of one matched module."""
    if m.kind not in (Kind.LINEAR, Kind.EMBEDDING, Kind.CONV) or len(m.records) != 1:
        raise FieldValueError(
            "target_modules",
            f"matches {m.name!r}, a {m.kind.value} module LoRA cannot wrap "
            "(PEFT wraps Linear, Conv1D, Embedding and Conv layers)",
        )
    r, record = rank_of(spec, m.name), m.records[0]
    bias = 0
    if isinstance(record, Linear):
        lora, out = r * (record.inputs + record.outputs), record.outputs
    elif isinstance(record, Embedding):
        if spec.lora_bias:
            raise FieldValueError("lora_bias", "PEFT does not support it on embedding layers")
        lora, out = r * (record.rows + record.width), record.width
    else:
        assert isinstance(record, Conv)
        if r % record.groups:
            raise FieldValueError(
                "r", f"{m.name!r} has groups={record.groups}; PEFT needs a rank divisible by it"
            )
        lora = r * record.in_channels * prod(record.kernel) + record.out_channels * (
            r // record.groups
        )
        out = record.out_channels
    if spec.lora_bias:
        bias = out
    magnitude = out if spec.use_dora else 0
    return Wrapped(m.name, m.leaf, m.stack, m.layer, r, lora, magnitude, bias)


def wrap_parameter(spec: LoraSpec, t: Tensor, m: Module) -> Wrapped:
    """The adapter of one targeted parameter (PEFT's ParamWrapper)."""
    for option in ("use_dora", "lora_bias"):
        if getattr(spec, option):
            raise FieldValueError(option, "PEFT's ParamWrapper (target_parameters) refuses it")
    if len(t.shape) not in (2, 3):
        raise FieldValueError(
            "target_parameters", f"{t.name!r} is {len(t.shape)}-D; PEFT needs 2-D or 3-D"
        )
    experts, rows, cols = (1, *t.shape) if len(t.shape) == 2 else t.shape
    r = rank_of(spec, t.name)
    leaf = f"{m.leaf}.{t.name.rsplit('.', 1)[-1]}"  # experts.gate_up_proj, gate.weight
    return Wrapped(t.name, leaf, m.stack, m.layer, r, r * experts * (rows + cols))


def parameters(spec: LoraSpec, found: dict[str, Module]) -> list[Wrapped]:
    """Adapters of `target_parameters`: every tensor whose name matches (layers not filtered)."""
    names = set(spec.target_parameters)
    out = []
    for m in found.values():
        for record in m.records:
            for t in record.tensors():
                if listed_match(names, t.name):
                    out.append(wrap_parameter(spec, t, m))
    return out


def copies(spec: LoraSpec, found: dict[str, Module]) -> list[Copy]:
    """Full copies of `modules_to_save` (a module path ending with a name, as PEFT matches);
    a name that matches nothing is no error, as in PEFT."""
    hits = [m for m in found.values() if any(m.name.endswith(n) for n in spec.modules_to_save)]
    for a in hits:
        for b in hits:
            if b.name.startswith(f"{a.name}."):
                raise FieldValueError("modules_to_save", f"{a.name!r} holds {b.name!r}, also named")
    out = []
    for m in hits:
        inside = [
            r
            for other in found.values()
            if other.name == m.name or other.name.startswith(f"{m.name}.")
            for r in other.records
        ]
        out.append(Copy(m.name, sum(untied_size(r) for r in inside), m.stack, m.layer))
    return out


def untied_size(r: Record) -> int:
    """A record's size with a tied weight counted: a copy of a tied head owns its weight."""
    tied = r.inputs * r.outputs * r.copies if isinstance(r, Linear) and r.tied else 0
    return r.size + tied


def trainable_biases(spec: LoraSpec, base: Breakdown, wrapped: list[Wrapped]) -> int:
    """Base biases `bias` unfreezes: every `*.bias` (all) or those of adapted modules."""
    if spec.bias == "none":
        return 0
    tensors = list(base.enumeration.tensors())
    if spec.bias == "all":
        return sum(t.size for t in tensors if t.name == "bias" or t.name.endswith(".bias"))
    names = {f"{w.name}.bias" for w in wrapped}
    return sum(t.size for t in tensors if t.name in names)


def lora_count(base: Breakdown, spec: LoraSpec, where: str = "lora") -> LoraCount:
    """What `spec` makes trainable on `base`, module by module; `where` names it in errors."""
    try:
        return planned(base, spec)
    except FieldValueError as exc:
        raise InputError(where, str(exc), exc.field) from None


def planned(base: Breakdown, spec: LoraSpec) -> LoraCount:
    """Match, wrap and copy as PEFT does; a setting PEFT refuses raises FieldValueError."""
    found = modules(base.enumeration, base.model.naming)
    linear = [
        m for m in found.values() if m.kind is Kind.LINEAR and not is_output_head(m.records[0])
    ]
    names = Names(
        {m.leaf for m in linear},
        list(found),
        [t.name for m in found.values() for r in m.records for t in r.tensors()],
        lambda key: targeted(spec, spec.target_modules or (), key),
    )
    applied = converted(spec, base.model.naming, names)
    targets: str | tuple[str, ...] | set[str] = applied.target_modules or ()
    if isinstance(targets, str) and targets.lower() == "all-linear":
        targets = {m.name for m in linear}
    hits = [m for m in found.values() if targeted(applied, targets, m.name)]
    refused = [m.name for m in hits if m.leaf in MAMBA_REFUSED]
    if refused and base.model.naming in MAMBA_TYPES:
        raise FieldValueError("target_modules", f"PEFT refuses {refused[0]!r} in Mamba models")
    wrapped = [wrap_module(applied, m) for m in hits]
    wrapped += parameters(applied, found)
    if not wrapped:
        raise FieldValueError("target_modules", "matches no module of the model")
    biases = trainable_biases(applied, base, wrapped)
    return LoraCount(base, spec, tuple(wrapped), tuple(copies(applied, found)), biases)
