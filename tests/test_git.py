"""GIT: the CLIP image encoder, the projection and the BERT-layout text model against closed
forms written from transformers 5.23 `modeling_git.py`, and the values paramcalc refuses.

The tensor-by-tensor check against transformers is in test_tensors.py (tests/data/hf/*git*).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_kosmos2 import clip

from conftest import loaded
from paramcalc.calculator import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError


def towers(tmp_path: Path, config: dict[str, Any]) -> dict[Tower, int]:
    """Per-tower totals of a GIT config."""
    tmp_path.mkdir(exist_ok=True)
    counted = count(loaded(tmp_path, {"model_type": "git", **config}))
    return {tower: sum(groups.values()) for tower, groups in counted.towers.items()}


def text(vocab: int, h: int, inner: int, layers: int, positions: int, tied: bool) -> int:
    """Tables and their LayerNorm, post-norm layers, the biased output head."""
    layer = 4 * (h * h + h) + (h * inner + inner) + (inner * h + h) + 4 * h
    head = vocab if tied else vocab * h + vocab
    return (vocab + positions) * h + 2 * h + layers * layer + head


def test_defaults_equal_closed_forms(tmp_path: Path) -> None:
    """GitConfig(): CLIP ViT-B/16 at 224, linear + LayerNorm into 768, six text layers, an
    untied output head."""
    got = towers(tmp_path, {})
    assert got[Tower.VISION] == clip(768, 3072, 12, 224, 16)
    assert got[Tower.PROJECTOR] == 768 * 768 + 768 + 2 * 768
    assert got[Tower.TEXT] == text(30522, 768, 3072, 6, 1024, tied=False)


def test_frames_and_tying(tmp_path: Path) -> None:
    """num_image_with_embedding adds one vision-width vector per frame; a tied head keeps its
    bias."""
    v = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 1}
    config = {
        "vision_config": {**v, "num_attention_heads": 4},
        "vocab_size": 50,
        "hidden_size": 32,
        "num_attention_heads": 4,
        "intermediate_size": 48,
        "num_hidden_layers": 1,
        "max_position_embeddings": 16,
        "num_image_with_embedding": 6,
        "tie_word_embeddings": True,
    }
    got = towers(tmp_path, config)
    assert got[Tower.PROJECTOR] == 64 * 32 + 32 + 2 * 32 + 6 * 64
    assert got[Tower.TEXT] == text(50, 32, 48, 1, 16, tied=True)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"num_attention_heads": 5}, "num_attention_heads"),
        ({"vision_config": {"model_type": "siglip_vision_model"}}, "vision_config"),
    ],
)
def test_unbuildable_values_are_refused(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """Heads that do not split the text width, an image encoder of another model_type:
    InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config)
    assert caught.value.field == key
