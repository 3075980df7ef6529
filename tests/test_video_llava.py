"""Video-LLaVA: two CLIP towers of one vision_config and LLaVA's projector, against closed
forms written from transformers 5.23 `modeling_video_llava.py`, and what it refuses.

The tensor-by-tensor check against transformers is in test_tensors.py
(tests/data/hf/*video-llava*).
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
    """Per-tower totals of a video_llava config."""
    counted = count(loaded(tmp_path, {"model_type": "video_llava", **config}))
    return {tower: sum(groups.values()) for tower, groups in counted.towers.items()}


def clip(h: int, inner: int, layers: int, image: int, patch: int) -> int:
    """CLIPVisionModel: unbiased patch conv, class token, positions, pre/post LayerNorms and
    biased ViT layers."""
    positions = (image // patch) ** 2 + 1
    layer = 4 * (h * h + h) + (h * inner + inner) + (inner * h + h) + 4 * h
    return 3 * patch * patch * h + h + positions * h + 4 * h + layers * layer


def test_defaults_hold_two_clip_towers(tmp_path: Path) -> None:
    """VideoLlavaConfig(): image_tower and video_tower are each CLIP ViT-L/14 at 224 pixels;
    linear_1 and linear_2 (biased) map 1024 features to 4096."""
    got = towers(tmp_path, {})
    assert got[Tower.VISION] == 2 * clip(1024, 4096, 24, 224, 14)
    assert got[Tower.PROJECTOR] == (1024 * 4096 + 4096) + (4096 * 4096 + 4096)


def test_feature_layers_widen_linear_1(tmp_path: Path) -> None:
    """A list of vision_feature_layer puts that many layers' features side by side."""
    got = towers(tmp_path, {"vision_feature_layer": [-3, -2, -1]})
    assert got[Tower.PROJECTOR] == (3 * 1024 * 4096 + 4096) + (4096 * 4096 + 4096)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"vision_feature_layer": []}, "vision_feature_layer"),
        ({"vision_config": {"model_type": "siglip_vision_model"}}, "vision_config"),
    ],
)
def test_unbuildable_values_are_refused(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """No feature layer, or a vision model other than CLIP: InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config)
    assert caught.value.field == key
