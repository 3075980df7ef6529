"""Pix2Struct: its encoder and decoder against a closed form, the top-level tie, and the
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

VISION = {
    "hidden_size": 64,
    "patch_embed_hidden_size": 48,
    "d_ff": 96,
    "d_kv": 8,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "seq_len": 20,
}
TEXT = {
    "vocab_size": 100,
    "hidden_size": 64,
    "num_heads": 4,
    "d_kv": 40,
    "d_ff": 128,
    "relative_attention_num_buckets": 16,
}


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "pix2struct", **config}))
    return str(path)


@pytest.mark.parametrize("layers", [1, 3])
def test_encoder_and_decoder_match_a_closed_form(tmp_path: Path, layers: int) -> None:
    """The encoder: a biased 48 -> 64 projection, two 20-row position tables, per layer
    unbiased q/k/v/o of 4 x 8 and a gated MLP, two RMS norms, a final one. The decoder: a
    token table, per layer self- and cross-attention 64 square (d_kv reads nothing), a gated
    MLP and three norms, one 16 x 4 relative table, a final norm and an untied head."""
    vh, vi, inner = 64, 96, 32
    vision = (48 * vh + vh) + 2 * 20 * vh + 2 * (4 * vh * inner + 3 * vh * vi + 2 * vh) + vh
    d, f, v = 64, 128, 100
    text = 2 * v * d + layers * (8 * d * d + 3 * d * f + 3 * d) + 16 * 4 + d
    config = {"vision_config": VISION, "text_config": {**TEXT, "num_layers": layers}}
    towers = count(write(tmp_path, config)).towers
    assert sum(towers[Tower.VISION].values()) == vision
    assert sum(towers[Tower.TEXT].values()) == text


@pytest.mark.parametrize(("top", "text", "head"), [(True, False, 0), (False, True, 100 * 64)])
def test_the_top_level_tie_decides(tmp_path: Path, top: bool, text: bool, head: int) -> None:
    """Pix2StructForConditionalGeneration ties decoder.lm_head as the top-level
    tie_word_embeddings says; the text config's is not read."""
    config = {
        "tie_word_embeddings": top,
        "vision_config": VISION,
        "text_config": {**TEXT, "tie_word_embeddings": text},
    }
    assert count(write(tmp_path, config)).groups["output"] == head


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"text_config": {**TEXT, "num_heads": 3}}, "num_heads"),
        (
            {"text_config": {**TEXT, "relative_attention_num_buckets": 0}},
            "relative_attention_num_buckets",
        ),
        ({"vision_config": {"model_type": "siglip_vision_model"}}, "vision_config"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, config: dict[str, object], key: str) -> None:
    """What paramcalc cannot say of a Pix2Struct config is an InputError naming its key."""
    with pytest.raises(InputError) as error:
        count(write(tmp_path, config))
    assert error.value.field == key
