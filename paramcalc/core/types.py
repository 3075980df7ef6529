"""Constrained field types and the base of every schema v2 model."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt

#: Largest size of any field: PyTorch shapes are int64, so a larger one is a typo.
MAX_SIZE = 2**63 - 1
#: Most blocks per stack: real models have at most a few hundred; the count loops over kinds.
MAX_LAYERS = 10_000

#: Builds a part without pydantic's validation while set: `paramcalc.symbolic` sets it while a
#: sweep counts a box of its grid with polynomial sizes, which validation would refuse (it
#: checks the parts' constraints and rules itself).
UNVALIDATED_BUILD: ContextVar[Callable[[Spec, dict[str, Any]], None] | None] = ContextVar(
    "unvalidated_build", default=None
)

PositiveInt = Annotated[StrictInt, Field(gt=0, le=MAX_SIZE)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_SIZE)]
Depth = Annotated[StrictInt, Field(gt=0, le=MAX_LAYERS)]


class Spec(BaseModel):
    """A frozen, strict part of an architecture; field docs are attribute docstrings, read
    by `paramcalc.field_docs` for the JSON Schema."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def __init__(self, **data: Any) -> None:
        build = UNVALIDATED_BUILD.get()
        if build is None:
            super().__init__(**data)
        else:
            build(self, data)


#: The integer bounds one field's annotation sets: (gt | ge | lt | le, limit) pairs.
Bounds = tuple[tuple[str, int], ...]

#: How each bound is tested.
HOLDS: dict[str, Callable[[Any, int], bool]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


@cache
def field_bounds(cls: type[BaseModel]) -> dict[str, Bounds]:
    """The bounded fields of a part and their bounds, read once per class from the
    annotations (`Field(gt=0)` on the field or inside an `Annotated` member of a union)."""
    found: dict[str, Bounds] = {}
    for name, info in cls.model_fields.items():
        metadata = list(info.metadata)
        for arg in get_args(info.annotation):
            metadata += [m for m in getattr(arg, "__metadata__", ()) if not isinstance(m, type)]
        bounds = tuple(
            (attribute, limit)
            for meta in metadata
            for bound in getattr(meta, "metadata", [meta])
            for attribute in HOLDS
            if isinstance(limit := getattr(bound, attribute, None), int)
        )
        if bounds:
            found[name] = bounds
    return found


@cache
def after_validators_only(cls: type[BaseModel]) -> bool:
    """Whether a part's only validators run on the built part (so a build can run them)."""
    decorators = cls.__pydantic_decorators__
    return not decorators.field_validators and all(
        d.info.mode == "after" for d in decorators.model_validators.values()
    )


def construct(part: Spec, data: dict[str, Any]) -> None:
    """Fill `part` from checked `data` as validation would: defaults filled, then the part's
    after-validators run (they hold its cross-field rules)."""
    cls = type(part)
    built = cls.model_construct(**data)
    for attribute in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    ):
        object.__setattr__(part, attribute, getattr(built, attribute))
    for decorator in cls.__pydantic_decorators__.model_validators.values():
        decorator.func(part)


@cache
def nullable_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The fields whose annotation admits None."""
    return frozenset(
        name for name, info in cls.model_fields.items() if type(None) in get_args(info.annotation)
    )


def within_bounds(cls: type[BaseModel], data: dict[str, Any]) -> bool:
    """Whether every bounded field in `data` holds a plain int inside its bounds (or None
    where the field admits it)."""
    bounds, nullable = field_bounds(cls), nullable_fields(cls)
    return all(
        (value is None and name in nullable)
        or (type(value) is int and all(HOLDS[a](value, limit) for a, limit in bounds[name]))
        for name, value in data.items()
        if name in bounds
    )


def build_trusted(part: Spec, data: dict[str, Any]) -> None:
    """Build a part that paramcalc compiles from an input already validated, without
    pydantic's core schema (building it is most of what a preset count costs): known fields,
    integers inside their bounds and after-validators only take `construct`; anything else
    takes full validation, as does a part whose after-validator refuses it, so an error reads
    as it always has."""
    cls = type(part)
    known = data.keys() <= cls.model_fields.keys()
    if known and after_validators_only(cls) and within_bounds(cls, data):
        try:
            construct(part, data)
            return
        except ValueError:  # a broken rule: reported by full validation, as a ValidationError
            pass
    BaseModel.__init__(part, **data)


@contextmanager
def trusted_parts() -> Iterator[None]:
    """Build schema v2 parts with `build_trusted` inside this block, unless another build
    (a sweep's polynomial one) is already set."""
    if UNVALIDATED_BUILD.get() is not None:
        yield
        return
    token = UNVALIDATED_BUILD.set(build_trusted)
    try:
        yield
    finally:
        UNVALIDATED_BUILD.reset(token)
