"""The Python API: load an architecture and count it, from a source, a mapping or a schema object.

    >>> import paramcalc
    >>> paramcalc.count("llama-2-7b").total
    6738415616
    >>> paramcalc.count({"base": "llama-2-7b", "num_hidden_layers": 40}).total
    8357482496
    >>> arch = paramcalc.load("mixtral-8x7b", overrides={"num_experts_per_tok": 1})
    >>> paramcalc.count(arch).active
    7242780672

Errors are `paramcalc.errors.InputError`, naming the source, the field and the bad value.

Presets are parsed once per process, and a preset counted by name without overrides is
counted once: each call gets its own Breakdown, with its own `groups` and `towers` dicts, over
the shared frozen model and records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from paramcalc.calculator import Breakdown
from paramcalc.calculator import count as count_architecture
from paramcalc.errors import InputError
from paramcalc.families.heads import HeadName
from paramcalc.schema import Architecture, Loaded
from paramcalc.sources import architecture as files
from paramcalc.sources import load as load_source

#: What `count` and `load` accept as a model.
Model = str | Mapping[str, Any] | Architecture


def load(
    model: Model, overrides: Mapping[str, Any] | None = None, head: HeadName | None = None
) -> Loaded:
    """Turn a preset name, a file path, a field mapping or an Architecture into a validated one.

    A string is what the CLI takes as SOURCE (preset, paramcalc YAML/JSON, HF config.json).
    A mapping is validated like a file's contents, so it may name a preset as `base`.
    `overrides` replace fields afterwards, as `--set` does. `head` chooses what an encoder's
    config.json counts: `mlm` (its AutoModelForMaskedLM), `pooler` (the bare model with its
    pooler) or `none` (without it); the default is what AutoModel builds.
    """
    if head is not None and not isinstance(model, str):
        raise InputError("paramcalc.load", f"{head!r} needs a config.json source string", "head")
    if isinstance(model, Architecture):
        return files.apply_overrides(model, dict(overrides or {}), "overrides")
    if isinstance(model, str):
        return load_source(model, dict(overrides or {}), head)
    if isinstance(model, Mapping):
        return files.build(model, "mapping", dict(overrides or {}), default_name="custom")
    raise InputError(
        "paramcalc.load",
        f"expected a source string, a mapping of fields or an "
        f"Architecture, got {type(model).__name__}",
    )


def count(
    model: Model, overrides: Mapping[str, Any] | None = None, head: HeadName | None = None
) -> Breakdown:
    """Count the parameters of a model given any way `load` accepts: total, groups, active
    (`head`: which head of an encoder, as for `load`)."""
    if isinstance(model, str) and not overrides and head is None:
        from paramcalc.sources.kinds import Preset
        from paramcalc.sources.resolve import resolve

        source = resolve(model)  # a file of that name in the working folder is the file
        if isinstance(source, Preset):
            return own_copy(preset_count(source.name))
    return count_architecture(load(model, overrides, head))


@cache
def preset_count(name: str) -> Breakdown:
    """The count of a shipped preset, computed once per process."""
    return count_architecture(load_source(name))


def own_copy(breakdown: Breakdown) -> Breakdown:
    """A Breakdown whose dicts no other caller holds (the model and records are frozen)."""
    towers = {tower: dict(groups) for tower, groups in breakdown.towers.items()}
    return replace(breakdown, groups=dict(breakdown.groups), towers=towers)
