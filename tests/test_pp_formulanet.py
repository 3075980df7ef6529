"""PP-FormulaNet: its projector and mBART decoder against a closed form, the head that is never
tied, and the refusals that name the config key paramcalc cannot build.

The fixtures (data/hf) prove every tensor against transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.api import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError

VISION = {
    "hidden_size": 64,
    "mlp_dim": 96,
    "num_hidden_layers": 1,
    "num_attention_heads": 4,
    "image_size": 64,
    "patch_size": 8,
    "output_channels": 32,
    "post_conv_in_channels": 32,
    "post_conv_mid_channels": 48,
    "post_conv_out_channels": 80,
    "decoder_hidden_size": 96,
}
TEXT = {
    "vocab_size": 100,
    "d_model": 96,
    "decoder_attention_heads": 4,
    "decoder_layers": 2,
    "decoder_ffn_dim": 128,
    "max_position_embeddings": 30,
}


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "pp_formulanet", **config}))
    return str(path)


def test_projector_and_decoder_match_a_closed_form(tmp_path: Path) -> None:
    """conv1 / conv2 (3x3, no bias), linear_1 / linear_2 (biased); the decoder: a token table,
    30 + 2 positions, per layer self- and cross-attention (biased, d_model square), fc1/fc2 and
    three LayerNorms, the embedding and final LayerNorms, and an untied head."""
    projector = 32 * 48 * 9 + 48 * 80 * 9 + (80 * 80 + 80) + (80 * 96 + 96)
    d, f, v = 96, 128, 100
    layer = 2 * 4 * (d * d + d) + (d * f + f) + (f * d + d) + 3 * 2 * d
    text = v * d + 32 * d + 2 * layer + 2 * 2 * d + v * d
    towers = count(write(tmp_path, {"vision_config": VISION, "text_config": TEXT})).towers
    assert sum(towers[Tower.PROJECTOR].values()) == projector
    assert sum(towers[Tower.TEXT].values()) == text


def test_tie_word_embeddings_never_ties_the_head(tmp_path: Path) -> None:
    """PPFormulaNetForConditionalGeneration declares no tied weights."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    config = {"vision_config": VISION, "text_config": TEXT}
    untied = count(write(tmp_path / "a", config)).total
    tied = {**config, "text_config": {**TEXT, "tie_word_embeddings": True}}
    assert count(write(tmp_path / "b", tied)).total == untied


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"vision_config": {"model_type": "siglip_vision_model"}}, "vision_config"),
        ({"text_config": {**TEXT, "decoder_attention_heads": 5}}, "decoder_attention_heads"),
        ({"text_config": 3}, "text_config"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, config: dict[str, object], key: str) -> None:
    """What PPFormulaNetConfig would not build is an InputError naming its key."""
    with pytest.raises(InputError) as error:
        count(write(tmp_path, config))
    assert error.value.field == key
