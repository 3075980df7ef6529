"""Ovis2: its visual head and table of visual words against a closed form, and the refusals
that name the config key paramcalc cannot build.

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
    "num_hidden_layers": 1,
    "num_attention_heads": 4,
    "image_size": 32,
    "patch_size": 8,
    "vocab_size": 100,
    "hidden_stride": 2,
    "num_visual_indicator_tokens": 5,
}


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_visual_head_and_table_match_a_closed_form(tmp_path: Path) -> None:
    """head_linear reads 2 x 2 patches (4 x 64) into the 95 visual words that are not
    indicators, head_norm is a LayerNorm of 95, the table is 100 words x the top-level
    hidden_size (48)."""
    projector = 4 * 64 * 95 + 2 * 95 + 100 * 48
    config = {"model_type": "ovis2", "vision_config": VISION, "hidden_size": 48}
    towers = count(write(tmp_path, config)).towers
    assert sum(towers[Tower.PROJECTOR].values()) == projector


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"tie_word_embeddings": False, "hidden_size": 48}, "hidden_size"),
        ({"vision_config": {**VISION, "num_attention_heads": 3}}, "num_attention_heads"),
        (
            {"vision_config": {**VISION, "num_visual_indicator_tokens": 100}},
            "num_visual_indicator_tokens",
        ),
        ({"vision_config": {**VISION, "image_size": [32, 32]}}, "image_size"),
        ({"text_config": {"model_type": "bert"}}, "text_config"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, config: dict[str, object], key: str) -> None:
    """An untied lm_head sized by top-level keys that differ from the text model's, heads that
    do not split the width, no visual word left, a non-square image and a text model that is
    not a decoder paramcalc names under language_model."""
    with pytest.raises(InputError, match=key):
        load(write(tmp_path, {"model_type": "ovis2", "vision_config": VISION, **config}))
