"""GOT-OCR2: its SAM-style encoder (relative tables per window or grid, the neck) against a
closed form, and the refusals that name the config key paramcalc cannot build.

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
    "mlp_dim": 96,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "image_size": 64,
    "patch_size": 8,
    "output_channels": 32,
    "window_size": 3,
    "global_attn_indexes": [1],
}


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


@pytest.mark.parametrize(
    ("model_type", "vision_type"),
    [
        ("got_ocr2", "got_ocr2_vision"),
        ("pp_chart2table", "pp_chart2table_vision"),
        ("pp_chart2table", "got_ocr2_vision"),
    ],
)
def test_sam_encoder_matches_a_closed_form(
    tmp_path: Path, model_type: str, vision_type: str
) -> None:
    """PP-Chart2Table builds GOT-OCR2's model from the same fields. A 3-channel 8x8 biased
    Conv2d, a (1, 8, 8, 64) position table, layer 0 windowed
    (relative tables of 2 x 3 - 1 rows), layer 1 global over the 8 x 8 grid (2 x 8 - 1 rows),
    each table head_dim (16) wide, and the neck (1x1 and 3x3 convolutions, two LayerNorms)."""
    h, i, hd = 64, 96, 16
    block = (h * 3 * h + 3 * h) + (h * h + h) + (h * i + i) + (i * h + h) + 2 * 2 * h
    rel = 2 * (2 * 3 - 1) * hd + 2 * (2 * 8 - 1) * hd
    neck = 64 * 32 + 2 * 32 + 32 * 32 * 9 + 2 * 32
    vision = (3 * 8 * 8 * h + h) + 8 * 8 * h + 2 * block + rel + neck
    config = {
        "model_type": model_type,
        "vision_config": {**VISION, "model_type": vision_type},
    }
    towers = count(write(tmp_path, config)).towers
    assert sum(towers[Tower.VISION].values()) == vision


def test_window_size_zero_makes_every_layer_global(tmp_path: Path) -> None:
    """GotOcr2VisionAttention: window_size 0 spans the whole grid's relative positions."""
    base = {"model_type": "got_ocr2", "vision_config": {**VISION, "global_attn_indexes": []}}
    (tmp_path / "w").mkdir()
    (tmp_path / "g").mkdir()
    windowed = count(write(tmp_path / "w", base)).total
    zero = {**base, "vision_config": {**VISION, "global_attn_indexes": [], "window_size": 0}}
    assert count(write(tmp_path / "g", zero)).total - windowed == 2 * 2 * 2 * (8 - 3) * 16


@pytest.mark.parametrize(
    ("vision", "key"),
    [
        ({"num_attention_heads": 3}, "num_attention_heads"),
        ({"image_size": [64, 64]}, "image_size"),
        ({"global_attn_indexes": "all"}, "global_attn_indexes"),
        ({"patch_size": 128}, "patch_size"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, vision: dict[str, object], key: str) -> None:
    """Heads that do not split the width, a non-square image (the relative tables divide
    image_size itself), a global-layer list that is not one, and a patch larger than the
    image."""
    config = {"model_type": "got_ocr2", "vision_config": {**VISION, **vision}}
    with pytest.raises(InputError, match=key):
        load(write(tmp_path, config))
