"""Kosmos-2: the CLIP vision model, the latent-query projection and the sub-LN text model
against closed forms written from transformers 5.23 `modeling_kosmos2.py`, and the values
paramcalc refuses.

The tensor-by-tensor check against transformers is in test_tensors.py
(tests/data/hf/*kosmos-2*).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError


def towers(tmp_path: Path, config: dict[str, Any]) -> dict[Tower, int]:
    """Per-tower totals of a Kosmos-2 config."""
    tmp_path.mkdir(exist_ok=True)
    counted = count(loaded(tmp_path, {"model_type": "kosmos-2", **config}))
    return {tower: sum(groups.values()) for tower, groups in counted.towers.items()}


def clip(h: int, inner: int, layers: int, image: int, patch: int) -> int:
    """CLIPVisionTransformer: unbiased patch conv, class token, positions, pre- and post-norm."""
    rows = (image // patch) ** 2 + 1
    layer = 4 * (h * h + h) + (h * inner + inner) + (inner * h + h) + 4 * h
    return 3 * patch * patch * h + h + rows * h + 4 * h + layers * layer


def text(vocab: int, h: int, layers: int, ffn: int, tied: bool) -> int:
    """Kosmos2TextForCausalLM: table, sub-LN blocks, final LayerNorm, the head when untied."""
    attention = 4 * (h * h + h) + 2 * h  # and inner_attn_ln
    mlp = (h * ffn + ffn) + (ffn * h + h) + 2 * ffn  # and ffn_layernorm
    return vocab * h + layers * (attention + mlp + 4 * h) + 2 * h + (0 if tied else vocab * h)


def test_defaults_equal_closed_forms(tmp_path: Path) -> None:
    """Kosmos2Config(): CLIP ViT-L/14 at 224, 64 latent queries, a 24-layer text model of 2048
    with its head tied."""
    got = towers(tmp_path, {})
    assert got[Tower.VISION] == clip(1024, 4096, 24, 224, 14)
    assert got[Tower.PROJECTOR] == (1024 * 2048 + 2048) + 64 * 2048 + 4 * (2048 * 2048 + 2048)
    assert got[Tower.TEXT] == text(65037, 2048, 24, 8192, tied=True)


@pytest.mark.parametrize(("top", "inner", "tied"), [(False, False, False), (False, True, True)])
def test_either_flag_ties_the_head(tmp_path: Path, top: bool, inner: bool, tied: bool) -> None:
    """The model's tied-weights mapping applies when either config ties."""
    t = {"vocab_size": 50, "embed_dim": 32, "layers": 1, "ffn_dim": 48, "attention_heads": 4}
    config = {"tie_word_embeddings": top, "text_config": {**t, "tie_word_embeddings": inner}}
    assert towers(tmp_path, config)[Tower.TEXT] == text(50, 32, 1, 48, tied)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"text_config": {"attention_heads": 5}}, "attention_heads"),
        ({"text_config": {"add_cross_attention": True}}, "add_cross_attention"),
        ({"latent_query_num": 0}, "latent_query_num"),
    ],
)
def test_unbuildable_values_are_refused(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """Heads that do not split the text width, cross-attention blocks nothing feeds, no latent
    query: InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config)
    assert caught.value.field == key
