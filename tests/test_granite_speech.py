"""Granite Speech and Granite Speech Plus: the conformer CTC encoder, the Q-Former projector
and the text model against closed forms written from transformers 5.23
`modeling_granite_speech.py` and `modeling_blip_2.py`, and the values they refuse.

The tensor-by-tensor check against transformers is in test_tensors.py
(tests/data/hf/*granite-speech*).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError


def towers(tmp_path: Path, config: dict[str, Any], model_type: str) -> dict[Tower, int]:
    """Per-tower totals of a Granite Speech config."""
    counted = count(loaded(tmp_path, {"model_type": model_type, **config}))
    return {tower: sum(groups.values()) for tower, groups in counted.towers.items()}


def encoder(h: int, inputs: int, layers: int, heads: int, dh: int, mult: int, **k: int) -> int:
    """GraniteSpeechCTCEncoder: input_linear, conformer blocks, out and out_mid."""
    inner, ff, ch = heads * dh, h * mult, h * k["expansion"]
    ffn = 2 * h + (h * ff + ff) + (ff * h + h)  # pre_norm, up_proj, down_proj
    attention = 2 * h + h * inner + h * 2 * inner + (inner * h + h) + k["positions"] * dh
    conv = 2 * h + (h * 2 * ch + 2 * ch) + ch * k["kernel"] + 2 * ch + (ch * h + h)
    layer = 2 * ffn + attention + conv + 2 * h  # and post_norm
    n = k["classes"]
    return inputs * h + h + layers * layer + (h * n + n) + (n * h + h)


def qformer(qh: int, qi: int, keys: int, layers: int, every: int, text_path: bool) -> int:
    """Blip2QFormerModel: a LayerNorm and layers of self-attention, cross-attention in layers
    0, every, 2 x every..., the queries' MLP (and the text path's)."""
    attention = 4 * (qh * qh + qh) + 2 * qh
    cross = 2 * (qh * qh + qh) + 2 * (keys * qh + qh) + 2 * qh
    mlp = (qh * qi + qi) + (qi * qh + qh) + 2 * qh
    crossed = len(range(0, layers, every))
    return 2 * qh + layers * (attention + mlp * (2 if text_path else 1)) + crossed * cross


@pytest.mark.parametrize("model_type", ["granite_speech", "granite_speech_plus"])
def test_defaults_equal_closed_forms(tmp_path: Path, model_type: str) -> None:
    """GraniteSpeechConfig(): 10 conformer blocks of 1024, 3 learned queries (15 // 5) into a
    12-layer Q-Former over 1408 features, Granite's 32 layers with the head tied."""
    got = towers(tmp_path, {}, model_type)
    want = encoder(1024, 160, 10, 8, 128, 4, expansion=2, positions=1025, kernel=15, classes=42)
    assert got[Tower.AUDIO] == want
    projector = 3 * 768 + qformer(768, 3072, 1408, 12, 2, False) + 768 * 4096 + 4096
    assert got[Tower.PROJECTOR] == projector
    h, inner = 4096, 11008
    assert got[Tower.TEXT] == 32000 * h + 32 * (4 * h * h + 3 * h * inner + 2 * h) + h


def test_fields_move_the_projector(tmp_path: Path) -> None:
    """window_size // downsample_rate queries; the text path's MLP; cross-attention in every
    third layer; an untied head at the top level whatever text_config says."""
    text = {"vocab_size": 100, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1}
    q = {
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "cross_attention_frequency": 3,
        "encoder_hidden_size": 48,
        "use_qformer_text_input": True,
    }
    config = {
        "text_config": {**text, "tie_word_embeddings": True},
        "projector_config": q,
        "window_size": 12,
        "downsample_rate": 4,
        "tie_word_embeddings": False,
    }
    got = towers(tmp_path, config, "granite_speech")
    assert got[Tower.PROJECTOR] == 3 * 64 + qformer(64, 96, 48, 4, 3, True) + 64 * 32 + 32
    layer = 4 * 32 * 32 + 3 * 32 * 64 + 2 * 32
    assert got[Tower.TEXT] == 100 * 32 + layer + 32 + 100 * 32


CONCATENATED = "cat_hidden_layers"


@pytest.mark.parametrize(
    ("model_type", "config", "key"),
    [
        ("granite_speech", {"window_size": 4}, "window_size"),
        ("granite_speech", {"projector_config": {"num_attention_heads": 5}}, "num_attention_heads"),
        (
            "granite_speech",
            {"projector_config": {"cross_attention_frequency": 0}},
            "cross_attention_frequency",
        ),
        ("granite_speech", {"text_config": {"model_type": "gpt2"}}, "text_config"),
        (
            "granite_speech_plus",
            {"encoder_config": {"cat_hidden_layers": [10]}},
            "cat_hidden_layers",
        ),
        ("granite_speech_plus", {"encoder_config": {"cat_hidden_layers": [3]}}, "projector_config"),
    ],
)
def test_unbuildable_values_are_refused(
    tmp_path: Path, model_type: str, config: dict[str, Any], key: str
) -> None:
    """No learned query (window_size // downsample_rate == 0), Q-Former heads that do not split
    its width, no cross-attention period, a text model named otherwise, and (Plus) a
    concatenated layer out of range or a Q-Former input other than hidden_dim x (len + 1):
    InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config, model_type)
    assert caught.value.field == key
