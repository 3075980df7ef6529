"""Fuyu: the linear patch projection, the flat config form published checkpoints use, and the
values paramcalc refuses, against transformers 5.23 `configuration_fuyu.py` / `modeling_fuyu.py`.

The tensor-by-tensor check against transformers is in test_tensors.py (tests/data/hf/*fuyu*).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import count
from paramcalc.core.records import Group, Tower
from paramcalc.errors import InputError
from paramcalc.sources import load

TEXT = {"vocab_size": 512, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2}
TEXT |= {"num_attention_heads": 4, "qk_layernorm": True}


def counted(tmp_path: Path, **config: Any) -> Any:
    """The count paramcalc gives a fuyu config.json."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "fuyu", **config}))
    return count(load(str(path)))


def test_the_patch_projection_is_the_vision_tower(tmp_path: Path) -> None:
    """vision_embed_tokens: a biased Linear of 30 x 30 x 3 inputs to the text width, counted
    as the vision tower's patch embedding; no projector."""
    towers = counted(tmp_path, text_config=TEXT).towers
    assert towers[Tower.VISION] == {**dict.fromkeys(Group, 0), Group.EMBEDDING: 2700 * 64 + 64}
    assert Tower.PROJECTOR not in towers


def test_the_flat_form_is_the_nested_one(tmp_path: Path) -> None:
    """FuyuConfig moves top-level text keys into a null text_config (adept/fuyu-8b's form)."""
    nested = counted(tmp_path, text_config=TEXT, patch_size=8)
    flat = counted(tmp_path, **TEXT, patch_size=8)
    assert flat.groups == nested.groups


def test_the_default_text_model_is_persimmon_8b(tmp_path: Path) -> None:
    """36 layers of 4096 with 64 biased heads, per-head q/k LayerNorms, a biased 16384-wide
    MLP, LayerNorms with bias, an untied 262144-row head."""
    h, inner, vocab, head = 4096, 16384, 262144, 64
    layer = 4 * h * h + 4 * h + 2 * 2 * head + 2 * h * inner + inner + h + 2 * 2 * h
    total = vocab * h + 36 * layer + 2 * h + vocab * h
    assert sum(counted(tmp_path).towers[Tower.TEXT].values()) == total


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"patch_size": None}, "patch_size"),
        ({"num_channels": 0}, "num_channels"),
        ({"text_config": {"model_type": "llama"}}, "text_config"),
    ],
)
def test_values_paramcalc_cannot_count_are_refused(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A null patch size builds no projection; only a Persimmon text model is known."""
    with pytest.raises(InputError) as caught:
        counted(tmp_path, **config)
    assert caught.value.field == key
