"""paramcalc: exact parameter counts of transformer architectures, group by group.

The Python API (see `paramcalc.api`)::

    import paramcalc
    paramcalc.count("llama-2-7b").total          # 6738415616
    paramcalc.count({"base": "gpt2", "num_hidden_layers": 24}).groups[paramcalc.Group.NORM]
    arch = paramcalc.load("path/to/config.json", overrides={"vocab_size": 32768})

`count`, `load`, `Architecture`, `Breakdown`, `Group` and the errors are imported on first
use, so `import paramcalc` (and the CLI's start-up) does not pay for pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it, imported when the name is first used.
_LAZY = {
    "count": "paramcalc.api",
    "load": "paramcalc.api",
    "Architecture": "paramcalc.schema",
    "Breakdown": "paramcalc.calculator",
    "Group": "paramcalc.calculator",
    "ParamcalcError": "paramcalc.errors",
    "InputError": "paramcalc.errors",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:
    from paramcalc.api import count as count
    from paramcalc.api import load as load
    from paramcalc.calculator import Breakdown as Breakdown
    from paramcalc.calculator import Group as Group
    from paramcalc.errors import InputError as InputError
    from paramcalc.errors import ParamcalcError as ParamcalcError
    from paramcalc.schema import Architecture as Architecture


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562), then keep it here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paramcalc' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public API with the module's own names."""
    return sorted(set(globals()) | set(__all__))
