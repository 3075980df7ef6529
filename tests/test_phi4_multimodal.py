"""Phi-4-multimodal: the conformer speech encoder and the projections against closed forms
written from transformers 5.23 `modeling_phi4_multimodal.py`, and the values it refuses.

The tensor-by-tensor check against transformers is in test_tensors.py
(tests/data/hf/*phi4-multimodal*).
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
    """Per-tower totals of a phi4_multimodal config."""
    counted = count(loaded(tmp_path, {"model_type": "phi4_multimodal", **config}))
    return {tower: sum(groups.values()) for tower, groups in counted.towers.items()}


def conformer(
    h: int, i: int, layers: int, c: int, feats: int, halvings: int, buckets: int, **conv: int
) -> int:
    """Phi4MultimodalAudioModel: NeMo subsampling, the relative bias table, conformer blocks."""
    heads, k, dm = conv.get("heads", 16), conv.get("k", 3), conv.get("dm", 1)
    dsout, pw = conv.get("dsout", h), conv.get("pw", h)
    for _ in range(halvings):
        feats = (feats - 1) // 2 + 1
    embed = (9 * c + c) + (halvings - 1) * ((9 * c + c) + (c * c + c)) + c * feats * h + h
    ffn = 2 * h + (h * 2 * i + 2 * i) + (i * h + h)  # pre-LayerNorm, gate_up_proj, down_proj
    attention = 4 * (h * h + h)
    conv_module = (
        2 * h  # its LayerNorm
        + (h * 2 * pw + 2 * pw)
        + 2 * pw  # GLU pointwise conv and its offsets b1, b2
        + (h * dm * k + h * dm)  # depthwise
        + (h * dm * dsout + dsout)  # pointwise after it
        + (h * pw + pw)  # last pointwise, over hidden_size inputs
    )
    layer = 2 * ffn + attention + conv_module + 2 * (2 * h)  # layer_norm_att, layer_norm
    return embed + buckets * heads + layers * layer


def test_defaults_equal_closed_forms(tmp_path: Path) -> None:
    """Phi4MultimodalConfig(): 24 conformer blocks over 80 mel bins reduced 8x (10 left), a
    2 x 1000-row bias table; projections up to 3072 and down, two image separators."""
    got = towers(tmp_path, {})
    assert got[Tower.AUDIO] == conformer(1024, 1536, 24, 1024, 80, 3, 2000)
    th, vh, ah = 3072, 1152, 1024
    pair = (vh * th + th) + (th * th + th)
    speech = 2 * ((ah * th + th) + (th * th + th))
    assert got[Tower.PROJECTOR] == pair + 2 * vh + speech


def test_conformer_fields_move_its_tensors(tmp_path: Path) -> None:
    """A symmetric bias table has bias_max_distance rows; downsample_rate widens the speech
    projections' inputs; the depthwise multiplier and channel fields size the conv module."""
    audio = {
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_blocks": 2,
        "num_attention_heads": 4,
        "nemo_conv_channels": 16,
        "input_size": 40,
        "time_reduction": 4,
        "bias_max_distance": 12,
        "bias_symmetric": True,
        "kernel_size": 5,
        "depthwise_multiplier": 3,
        "depthwise_separable_out_channel": 48,
        "ext_pw_out_channel": 32,
        "downsample_rate": 2,
    }
    text = {"vocab_size": 128, "hidden_size": 32, "intermediate_size": 64}
    got = towers(tmp_path, {**text, "num_hidden_layers": 1, "audio_config": audio})
    want = conformer(64, 96, 2, 16, 40, 2, 12, heads=4, k=5, dm=3, dsout=48, pw=32)
    assert got[Tower.AUDIO] == want
    vh, th = 1152, 32
    speech = 2 * ((64 * 2 * th + th) + (th * th + th))
    assert got[Tower.PROJECTOR] == (vh * th + th) + (th * th + th) + 2 * vh + speech


def test_the_image_encoder_always_has_its_pooling_head(tmp_path: Path) -> None:
    """Phi4MultimodalVisionConfig has no vision_use_head: a key of that name changes nothing."""
    vision = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 1}
    with_key = towers(tmp_path, {"vision_config": {**vision, "vision_use_head": False}})
    assert with_key[Tower.VISION] == towers(tmp_path, {"vision_config": vision})[Tower.VISION]


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"audio_config": {"time_reduction": 3}}, "time_reduction"),
        ({"audio_config": {"time_reduction": 1}}, "time_reduction"),
        ({"audio_config": {"hidden_size": 8, "num_attention_heads": 16}}, "num_attention_heads"),
        ({"vision_config": {"hidden_size": 100, "num_attention_heads": 16}}, "num_attention_heads"),
        ({"audio_config": [1]}, "audio_config"),
    ],
)
def test_unbuildable_values_are_refused(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """An odd time reduction and heads that do not split SigLIP's width (transformers refuses
    both), more heads than the audio width (no head width left) and a sub-config that is no
    mapping are InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config)
    assert caught.value.field == key
