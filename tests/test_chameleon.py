"""Chameleon: the VQ-VAE image tokenizer against a closed form written from transformers 5.23
`modeling_chameleon.py`, the values paramcalc refuses, and FLOPs per text token.

The tensor-by-tensor check against transformers is in test_tensors.py
(tests/data/hf/*chameleon*).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import count
from paramcalc.core.model import ModelFile
from paramcalc.core.records import Group, Tower
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.sources import load

IMAGE_TOKEN = {"<image>": 8711}


def loaded(tmp_path: Path, **fields: Any) -> Any:
    """The model paramcalc loads for a chameleon config.json with `fields`."""
    path = tmp_path / "config.json"
    config = {"model_type": "chameleon", "vocabulary_map": IMAGE_TOKEN, **fields}
    path.write_text(json.dumps(config))
    return load(str(path))


def conv(inputs: int, outputs: int, side: int) -> int:
    """A biased Conv2d."""
    return inputs * outputs * side * side + outputs


def resnet(inputs: int, outputs: int) -> int:
    """ChameleonVQVAEEncoderResnetBlock: two GroupNorms, two 3x3 convs, a 1x1 nin_shortcut
    when the width changes."""
    shortcut = conv(inputs, outputs, 1) if inputs != outputs else 0
    norms = 2 * inputs + 2 * outputs  # GroupNorm weight and bias
    return norms + conv(inputs, outputs, 3) + conv(outputs, outputs, 3) + shortcut


def test_default_tokenizer_equals_its_closed_form(tmp_path: Path) -> None:
    """ChameleonVQVAEConfig(): levels of 128, 128, 256, 256, 512 channels, two residual blocks
    each, a 3x3 downsample after every level but the last, no attention in the levels
    (attn_resolutions None); mid: two blocks around one attention block (GroupNorm and four
    1x1 convs); norm_out, conv_out to 256, a codebook of 8192 x 256, two 1x1 convs."""
    widths = [128 * m for m in (1, 1, 2, 2, 4)]
    levels, width = 0, 128
    for i, out in enumerate(widths):
        levels += resnet(width, out) + resnet(out, out)
        width = out
        levels += conv(width, width, 3) if i < len(widths) - 1 else 0
    mid = 2 * resnet(512, 512) + 2 * 512 + 4 * conv(512, 512, 1)
    total = conv(3, 128, 3) + levels + mid + 2 * 512 + conv(512, 256, 3)
    total += 8192 * 256 + 2 * conv(256, 256, 1)
    towers = count(loaded(tmp_path)).towers
    assert sum(towers[Tower.VISION].values()) == total
    assert towers[Tower.VISION][Group.EMBEDDING] == conv(3, 128, 3) + 8192 * 256
    assert Tower.PROJECTOR not in towers


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"vq_config": {"base_channels": 48}}, "base_channels"),
        ({"vq_config": {"base_channels": 16, "channel_multiplier": [2, 1]}}, "base_channels"),
        ({"vq_config": {"channel_multiplier": []}}, "channel_multiplier"),
        ({"vq_config": {"attn_resolutions": [0]}}, "attn_resolutions"),
        ({"hidden_size": 96, "num_attention_heads": 5}, "num_attention_heads"),
    ],
)
def test_values_transformers_refuses_are_refused(
    tmp_path: Path, fields: dict[str, Any], key: str
) -> None:
    """GroupNorm(32) needs every level's channels to split into 32 groups; a level needs a
    channel multiplier; heads must divide the width (ChameleonAttention raises)."""
    with pytest.raises(InputError) as caught:
        loaded(tmp_path, **fields)
    assert caught.value.field == key


def test_the_tokenizer_adds_no_flops_per_text_token(tmp_path: Path) -> None:
    """One token through the language model: 4 h^2 of attention and 3 h x intermediate of MLP
    per layer and the h x vocab head, twice (multiply and add); the VQ-VAE runs per image."""
    fields = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2}
    fields |= {"num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 512}
    counted = count(loaded(tmp_path, **fields))
    h, inner, vocab = 64, 96, 512
    layers = 2 * (4 * h * h + 3 * h * inner)
    assert forward_flops(counted, 1, 1).projections == 2 * (layers + h * vocab)
    text_only = count(ModelFile(text=counted.model.text))
    assert forward_flops(counted, 2, 8) == forward_flops(text_only, 2, 8)
