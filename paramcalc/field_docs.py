"""Field descriptions from attribute docstrings, read only when the JSON Schema is asked for.

The schema's field docs are attribute docstrings (`name: int` then `\"\"\"doc\"\"\"`). pydantic's
`use_attribute_docstrings` reads each class's source when the class is created, which cost
more than half of a count's start-up; only the JSON Schema shows the descriptions, so
`document` reads them there, as that option would, and rebuilds the classes' schemas.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel
from pydantic._internal._docs_extraction import extract_docstrings_from_cls


def docstrings(cls: type[BaseModel]) -> dict[str, str]:
    """Each field's attribute docstring, its own class's first, then its bases' (as pydantic
    copies an inherited field's description)."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if issubclass(klass, BaseModel) and klass is not BaseModel:
            own = extract_docstrings_from_cls(klass, use_inspect=True)
            mine = klass.__dict__.get("__annotations__", {})
            found |= {k: v for k, v in own.items() if k in mine or k not in found}
    return found


def schema_classes(root: type[BaseModel]) -> list[type[BaseModel]]:
    """`root` and every subclass, in the order they were defined: a class's parts first."""
    classes, queue = [root], [root]
    while queue:
        for sub in queue.pop(0).__subclasses__():
            classes.append(sub)
            queue.append(sub)
    return classes


@cache
def document(*roots: type[BaseModel]) -> None:
    """Give every field of these classes (and their subclasses) its attribute docstring as
    its description, then rebuild their schemas, parts before wholes."""
    classes = [c for root in roots for c in schema_classes(root)]
    for cls in classes:
        docs = docstrings(cls)
        for name, info in cls.model_fields.items():
            if info.description is None and name in docs:
                info.description = docs[name]
    for cls in classes:
        cls.model_rebuild(force=True)
