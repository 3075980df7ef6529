"""Kimi K2.5: its MoonViT-style vision tower and projector against a closed form, and the
refusals that name the config key paramcalc cannot build.

The fixtures (data/hf) prove every tensor against transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.api import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError
from paramcalc.sources import load

VISION = {
    "hidden_size": 64,
    "intermediate_size": 96,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "patch_size": 8,
    "pos_emb_height": 5,
    "pos_emb_width": 6,
    "merge_kernel_size": [2, 3],
}


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_vision_tower_and_projector_match_a_closed_form(tmp_path: Path) -> None:
    """Conv2d over 3 channels with bias, a 5 x 6 grid of positions, two ViT blocks, the final
    LayerNorm; the projector reads 2 x 3 patches side by side."""
    h, i = 64, 96
    block = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 2 * 2 * h
    vision = (3 * 8 * 8 * h + h) + 5 * 6 * h + 2 * block + 2 * h
    merged, text_hidden, norm = 6 * h, 7168, 40
    projector = 2 * norm + (merged * merged + merged) + (merged * text_hidden + text_hidden)
    config = {"model_type": "kimi_k25", "vision_config": VISION, "projection_hidden_size": norm}
    towers = count(write(tmp_path, config)).towers
    assert sum(towers[Tower.VISION].values()) == vision
    assert sum(towers[Tower.PROJECTOR].values()) == projector


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"vision_config": {**VISION, "merge_kernel_size": [2]}}, "merge_kernel_size"),
        ({"vision_config": {**VISION, "num_attention_heads": 3}}, "num_attention_heads"),
        ({"projection_hidden_size": None}, "projection_hidden_size"),
        ({"text_config": {"model_type": "llama"}}, "text_config"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, config: dict[str, object], key: str) -> None:
    """A merge kernel that is not two sides, heads that do not split the width, a null norm
    width (transformers cannot build the LayerNorm) and a text model other than DeepSeek-V3."""
    with pytest.raises(InputError, match=key):
        load(write(tmp_path, {"model_type": "kimi_k25", **config}))


def test_kimi_k2_text_model_type_is_read_as_deepseek_v3(tmp_path: Path) -> None:
    """Kimi_K25Config.__post_init__ maps a text model_type of kimi_k2 to deepseek_v3."""
    base = {"model_type": "kimi_k25", "vision_config": VISION}
    k2 = {**base, "text_config": {"model_type": "kimi_k2"}}
    v3 = {**base, "text_config": {"model_type": "deepseek_v3"}}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert count(write(tmp_path / "a", k2)).total == count(write(tmp_path / "b", v3)).total
