"""Constrained field types and the base of every schema v2 model."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Annotated, Any

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
