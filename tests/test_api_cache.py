"""The Python API counts a preset once per process and never hands out shared dicts."""

from __future__ import annotations

from pathlib import Path

import pytest

import paramcalc
from paramcalc.calculator import Group

#: Llama-2-7B as transformers counts it (tests/data/preset_references.json).
LLAMA_2_7B = 6738415616


def test_a_preset_counted_twice_gives_its_own_dicts() -> None:
    """Changing one call's groups or towers leaves the next call's count as it was."""
    first = paramcalc.count("llama-2-7b")
    first.groups[Group.ATTENTION] = 0
    first.towers.clear()
    second = paramcalc.count("llama-2-7b")
    assert second.total == LLAMA_2_7B
    assert second.groups[Group.ATTENTION] == 32 * 4 * 4096 * 4096
    assert sum(second.towers[t][g] for t in second.towers for g in Group) == LLAMA_2_7B


def test_overrides_and_mappings_are_counted_afresh() -> None:
    """A preset with overrides is not the cached preset."""
    deeper = paramcalc.count("llama-2-7b", {"num_hidden_layers": 33})
    layer = 4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096
    assert deeper.total == LLAMA_2_7B + layer
    assert paramcalc.count("llama-2-7b").total == LLAMA_2_7B


def test_a_file_named_like_a_preset_is_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path in the working folder named as a preset is that path, as the CLI reads it,
    even after the preset was counted: here a file without a suffix, which is refused."""
    paramcalc.count("llama-2-7b")
    (tmp_path / "llama-2-7b").write_text("base: llama-2-7b\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(paramcalc.InputError, match="unsupported file type"):
        paramcalc.count("llama-2-7b")
