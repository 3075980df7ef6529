"""Mllama: the tiled vision model and the cross-attention decoder against closed forms written
from transformers 5.23 `modeling_mllama.py`, and the schema rules its records rely on.

The tensor-by-tensor check against transformers is in test_tensors.py (tests/data/hf/*mllama*).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.calculator import count
from paramcalc.core.records import Tower
from paramcalc.core.spec import TextTower
from paramcalc.sources import load


def counted_defaults(tmp_path: Path) -> dict[Tower, int]:
    """Per-tower totals of MllamaConfig() (Llama 3.2 11B Vision's shapes)."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "mllama"}))
    towers = count(load(str(path))).towers
    return {tower: sum(groups.values()) for tower, groups in towers.items()}


def test_vision_model_equals_its_closed_form(tmp_path: Path) -> None:
    """Patch conv, class token, gated positions with the per-tile table, two gated
    aspect-ratio tables, two LayerNorms, 32 local layers and 8 gated global layers."""
    h, inner, patches, tiles, layouts = 1280, 5120, (448 // 14) ** 2 + 1, 4, 8 + 1
    embeddings = 3 * 14 * 14 * h + h + patches * h + 1 + layouts * tiles * patches * h
    aspect_ratios = 2 * (layouts * tiles * h + 1)
    layer = 4 * h * h + 2 * h * inner + inner + h + 4 * h  # no attention bias; biased MLP
    total = embeddings + aspect_ratios + 4 * h + 32 * layer + 8 * (layer + 2)
    assert counted_defaults(tmp_path)[Tower.VISION] == total


def test_text_model_equals_its_closed_form(tmp_path: Path) -> None:
    """40 layers, 8 of them cross-attention with per-head q/k norms and two tanh gates; the
    token table keeps vocab_size + 8 rows, the untied head vocab_size."""
    vocab, h, inner, kv, head = 128256, 4096, 14336, 8 * 128, 128
    attention = 2 * h * h + 2 * h * kv
    layer = attention + 3 * h * inner + 2 * h
    total = (vocab + 8) * h + 40 * layer + 8 * (2 * head + 2) + h + vocab * h
    assert counted_defaults(tmp_path)[Tower.TEXT] == total
    assert counted_defaults(tmp_path)[Tower.PROJECTOR] == 7680 * h + h


def test_a_tied_head_cannot_have_fewer_rows_than_the_table() -> None:
    """head_vocab_size is for an untied head only."""
    text = {
        "vocab_size": 64,
        "head_vocab_size": 56,
        "hidden_size": 8,
        "tie_word_embeddings": True,
        "stacks": [
            {
                "num_hidden_layers": 1,
                "block": {"mixer": {"kind": "attention", "num_attention_heads": 2}},
            }
        ],
    }
    with pytest.raises(ValueError, match="a tied head has the token table's rows"):
        TextTower.model_validate(text)
