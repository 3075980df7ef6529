"""Emu3: the VQ-VAE (encoder, decoder, codebook) against a closed form written from
transformers 5.23 `modeling_emu3.py`, the values paramcalc refuses, and FLOPs per text token.

The tensor-by-tensor check against transformers is in test_tensors.py (tests/data/hf/*emu3*).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import count
from paramcalc.core.model import ModelFile
from paramcalc.core.records import Tower
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.sources import load

TEXT = {"vocab_size": 512, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2}
TEXT |= {"num_attention_heads": 4, "num_key_value_heads": 2, "pad_token_id": 0}
#: One level of 32 channels, attention in it, one residual block, no temporal convolutions.
VQ = {"base_channels": 32, "channel_multiplier": [1], "num_res_blocks": 1, "hidden_size": 32}
VQ |= {"attn_resolutions": [0], "temporal_downsample_factor": 1, "latent_channels": 4}
VQ |= {"embed_dim": 4, "codebook_size": 16, "in_channels": 3, "out_channels": 3}


def loaded(tmp_path: Path, text: dict[str, Any], vq: dict[str, Any], **top: Any) -> Any:
    """The model paramcalc loads for an emu3 config.json."""
    path = tmp_path / "config.json"
    config = {"model_type": "emu3", "text_config": text, "vq_config": vq, **top}
    path.write_text(json.dumps(config))
    return load(str(path))


def conv(inputs: int, outputs: int, *kernel: int) -> int:
    """A biased convolution."""
    size = 1
    for k in kernel:
        size *= k
    return inputs * outputs * size + outputs


def test_one_level_tokenizer_equals_its_closed_form(tmp_path: Path) -> None:
    """32 channels throughout. Encoder: conv_in, one residual block (two GroupNorms, two 3x3
    convs), an attention block (four biased 32 x 32 projections) and its GroupNorm, the middle
    block (two residual blocks, attention, a GroupNorm), norm_out, conv_out to 4, one temporal
    residual block (two BatchNorm3d, two 3x3x3 convs). Decoder: the temporal block, conv_in,
    the middle block and two residual blocks with attention, every GroupNorm a spatial norm
    (GroupNorm and two 1x1 convs from the 4-wide latent), conv_out. Then the 16 x 4 codebook
    and two (3, 1, 1) convs."""
    c, q, lat = 32, 4, 4
    res, attention, gn = 4 * c + 2 * conv(c, c, 3, 3), 4 * (c * c + c), 2 * c
    spatial = gn + 2 * conv(q, c, 1, 1)
    spatial_res = 2 * spatial + 2 * conv(c, c, 3, 3)
    temporal = 2 * 2 * lat + 2 * conv(lat, lat, 3, 3, 3)
    encoder = conv(3, c, 3, 3) + res + attention + gn + (2 * res + attention + gn)
    encoder += gn + conv(c, lat, 3, 3) + temporal
    decoder = temporal + conv(lat, c, 3, 3) + (2 * spatial_res + attention + spatial)
    decoder += 2 * (spatial_res + attention + spatial) + spatial + conv(c, 3, 3, 3)
    total = encoder + decoder + 16 * 4 + 2 * conv(lat, q, 3, 1, 1)
    towers = count(loaded(tmp_path, TEXT, VQ)).towers
    assert sum(towers[Tower.VISION].values()) == total
    assert Tower.PROJECTOR not in towers


@pytest.mark.parametrize(
    ("text", "vq", "key"),
    [
        ({}, {"base_channels": 48}, "base_channels"),
        ({}, {"attn_resolutions": None}, "attn_resolutions"),
        ({}, {"temporal_downsample_factor": 3}, "temporal_downsample_factor"),
        ({}, {"num_attention_heads": 3}, "num_attention_heads"),
        ({"pad_token_id": 512}, {}, "pad_token_id"),
        ({"pad_token_id": None}, {}, "pad_token_id"),
    ],
)
def test_values_transformers_refuses_are_refused(
    tmp_path: Path, text: dict[str, Any], vq: dict[str, Any], key: str
) -> None:
    """GroupNorm(32) splits every level's channels; the decoder reads attn_resolutions
    unchecked; log2 of the temporal factor counts convolutions; heads split hidden_size;
    nn.Embedding needs its padding index inside the table (an int, never null)."""
    with pytest.raises(InputError) as caught:
        loaded(tmp_path, TEXT | text, VQ | vq)
    assert caught.value.field == key


def test_the_top_level_tie_decides(tmp_path: Path) -> None:
    """Emu3ForConditionalGeneration ties lm_head to the table by the top-level flag."""
    untied = count(loaded(tmp_path, TEXT | {"tie_word_embeddings": True}, VQ))
    tied = count(loaded(tmp_path, TEXT, VQ, tie_word_embeddings=True))
    assert sum(untied.groups.values()) - sum(tied.groups.values()) == 512 * 64


def test_the_tokenizer_adds_no_flops_per_text_token(tmp_path: Path) -> None:
    """One token: q and o of 64 x 64, k and v of 64 x 32, the gated MLP and the head, twice
    (multiply and add); the VQ-VAE runs per image."""
    counted = count(loaded(tmp_path, TEXT, VQ))
    layer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 96
    assert forward_flops(counted, 1, 1).projections == 2 * (2 * layer + 64 * 512)
    text_only = count(ModelFile(text=counted.model.text, naming=counted.model.naming))
    assert forward_flops(counted, 2, 8) == forward_flops(text_only, 2, 8)
