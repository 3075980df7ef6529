"""A model's modules as PEFT sees them: every `named_modules()` path with what it is.

PEFT matches targets against module paths, containers included, and wraps only some module
types (`nn.Linear`, GPT-2's `Conv1D`, `nn.Embedding`, `nn.Conv1d/2d/3d`). The tensor records
say which is which: a Linear record is an `nn.Linear`, except stacked experts and the routers
transformers 5 writes as custom modules holding a bare `weight` parameter. T5's
`encoder.embed_tokens` and `decoder.embed_tokens` are modules of their own whose weight is
`shared`'s: they hold no record, so they are added here as aliases of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from paramcalc.core.enumerate import Enumeration
from paramcalc.core.records import Conv, Embedding, Group, Linear, Norm, Param, Record, Stream

#: Families whose router is an `nn.Linear` subclass in transformers 5.23 (`Llama4Router`,
#: `PhimoeTopKRouter`); every other family's router is a module with a bare `weight`.
LINEAR_ROUTERS = frozenset({"llama4", "llama4_text", "phimoe"})


#: Modules that share another's weight and hold no record: family -> (record, aliases).
TIED_MODULES = {
    t: ("shared", ("encoder.embed_tokens", "decoder.embed_tokens")) for t in ("t5", "mt5", "umt5")
}


class Kind(str, Enum):
    """What a module is, for PEFT."""

    LINEAR = "linear"
    EMBEDDING = "embedding"
    CONV = "conv"
    NORM = "norm"
    OTHER = "other"
    """A container, or a custom module holding bare parameters (experts, routers)."""


@dataclass
class Module:
    """One module path: its kind, its own records and where it sits."""

    name: str
    kind: Kind
    records: list[Record] = field(default_factory=list)
    stack: str | None = None
    layer: int | None = None

    @property
    def leaf(self) -> str:
        """The last part of the path (`q_proj`)."""
        return self.name.rsplit(".", 1)[-1]


def is_module_linear(r: Linear, model_type: str | None) -> bool:
    """Whether a Linear record is an `nn.Linear` (or Conv1D) module of its own.

    Not one: stacked experts, a bare weight parameter of another name (Gemma 3's
    `mm_input_projection_weight`), and a router, unless the family's router is an `nn.Linear`
    or the gate has one output (the shared-expert gate of Qwen2-MoE and Qwen3-Next).
    """
    if r.experts or r.weight_name != "weight":
        return False
    return not r.routing or r.outputs == 1 or model_type in LINEAR_ROUTERS


def kind_of(r: Record, model_type: str | None) -> Kind:
    """The module kind a record's module has."""
    if isinstance(r, Linear):
        return Kind.LINEAR if is_module_linear(r, model_type) else Kind.OTHER
    if isinstance(r, Embedding):
        return Kind.EMBEDDING
    if isinstance(r, Conv):
        return Kind.CONV
    if isinstance(r, Norm):
        return Kind.NORM
    return Kind.OTHER


def placed(enum: Enumeration) -> Iterator[tuple[Record, str | None, int | None]]:
    """Every record with its full name, and its stack and layer index inside a block."""
    for r in enum.front:
        yield r, None, None
    for block, index in enum.layer_order():
        for r in block.at(index):
            yield r, block.stack, index
    for r in enum.back:
        yield r, None, None


def module_path(r: Record) -> str:
    """The path of the module that holds the record's tensors."""
    return r.name.rsplit(".", 1)[0] if isinstance(r, Param) and "." in r.name else r.name


def modules(enum: Enumeration, model_type: str | None) -> dict[str, Module]:
    """Every module path of the model, containers included, in model order."""
    found: dict[str, Module] = {}
    for r, stack, layer in placed(enum):
        path = module_path(r)
        parts = path.split(".")
        for end in range(1, len(parts)):
            prefix = ".".join(parts[:end])
            found.setdefault(prefix, Module(prefix, Kind.OTHER, [], stack, None))
        own = Kind.OTHER if isinstance(r, Param) else kind_of(r, model_type)
        module = found.setdefault(path, Module(path, own, [], stack, layer))
        if module.records and module.kind is not own:
            module.kind = Kind.OTHER
        module.records.append(r)
        module.layer = layer
    return with_aliases(found, model_type)


def with_aliases(found: dict[str, Module], model_type: str | None) -> dict[str, Module]:
    """The modules plus those that alias a tied module's record (T5's embed_tokens)."""
    source, aliases = TIED_MODULES.get(model_type or "", ("", ()))
    if source not in found:
        return found
    for alias in aliases:
        stack = alias.split(".")[0]
        found.setdefault(stack, Module(stack, Kind.OTHER, [], stack, None))
        found[alias] = Module(alias, found[source].kind, list(found[source].records), stack)
    return found


def is_output_head(r: Record) -> bool:
    """The language-model head: what PEFT's `all-linear` leaves out (get_output_embeddings)."""
    return isinstance(r, Linear) and r.group is Group.OUTPUT and r.stream is Stream.TOKENS
