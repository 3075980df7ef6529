"""Funnel beyond its fixtures: the values paramcalc refuses, by key, the class AutoModel
picks from architectures, and its parts and FLOPs in closed form (`modeling_funnel.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.sources import load

SMALL = {
    "model_type": "funnel",
    "vocab_size": 50,
    "d_model": 32,
    "n_head": 2,
    "d_head": 8,
    "d_inner": 40,
    "block_sizes": [2, 1],
    "num_decoder_layers": 1,
}


def loaded(tmp_path: Path, config: dict[str, Any], head: str | None = None) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path)) if head is None else load(str(path), head=head)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"block_sizes": [2, 0]}, "block_sizes"),
        ({"block_sizes": []}, "block_sizes"),
        ({"block_sizes": [1] * 16}, "block_sizes"),
        ({"block_repeats": [1]}, "block_repeats"),
        ({"block_repeats": [1, 0]}, "block_repeats"),
        ({"attention_type": "rotary"}, "attention_type"),
        ({"pooling_type": "min"}, "pooling_type"),
        ({"d_head": None}, "d_head"),
        ({"architectures": "FunnelModel"}, "architectures"),
    ],
)
def test_values_paramcalc_cannot_count_name_their_key(
    tmp_path: Path, fields: dict[str, Any], key: str
) -> None:
    """A block of no layers (it would skip its pooling), too many blocks, repeats that do not
    match the blocks, an attention or pooling kind FunnelConfig refuses, a null head width:
    an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {**SMALL, **fields})
    assert key in str(raised.value)


def test_groups_in_closed_form(tmp_path: Path) -> None:
    """The token table and its LayerNorm; per layer an unbiased query, biased key, value and
    output projections, r_kernel, three per-head biases and seg_embed, a biased MLP and two
    LayerNorms, in three encoder layers and one decoder layer."""
    v, h, heads, hd, i, layers = 50, 32, 2, 8, 40, 4
    inner = heads * hd
    attention = h * inner + 2 * (h * inner + inner) + inner * h + h  # q, k, v, post_proj
    attention += h * heads * hd + 3 * heads * hd + 2 * heads * hd  # r_kernel, biases, seg
    assert count(loaded(tmp_path, SMALL)).groups == {
        Group.EMBEDDING: v * h,
        Group.ATTENTION: layers * attention,
        Group.FEEDFORWARD: layers * (h * i + i + i * h + h),
        Group.NORM: 2 * h * (1 + 2 * layers),
        Group.OUTPUT: 0,
    }


@pytest.mark.parametrize(
    ("architectures", "decoder"),
    [
        (None, True),
        (["FunnelModel"], True),
        (["FunnelBaseModel"], False),
        (["FunnelForMaskedLM", "FunnelBaseModel"], False),
        (["FunnelForMaskedLM"], True),
    ],
)
def test_architectures_choose_the_class(
    tmp_path: Path, architectures: list[str] | None, decoder: bool
) -> None:
    """AutoModel builds the first funnel class architectures names, else FunnelModel:
    FunnelBaseModel has no decoder."""
    config = {**SMALL} if architectures is None else {**SMALL, "architectures": architectures}
    names = [t.name for t in count(loaded(tmp_path, config)).enumeration.tensors()]
    assert any(n.startswith("decoder.layers.0.") for n in names) is decoder


def test_no_decoder_layers_leave_no_decoder(tmp_path: Path) -> None:
    """num_decoder_layers 0: FunnelModel's decoder holds nothing."""
    names = [
        t.name
        for t in count(loaded(tmp_path, {**SMALL, "num_decoder_layers": 0})).enumeration.tensors()
    ]
    assert not any(n.startswith("decoder.") for n in names)


def test_the_masked_lm_head_refuses_funnel_base(tmp_path: Path) -> None:
    """FunnelForMaskedLM builds FunnelModel whatever architectures says: paramcalc refuses
    to put its head on a FunnelBaseModel count, naming architectures."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {**SMALL, "architectures": ["FunnelBaseModel"]}, head="mlm")
    assert "architectures" in str(raised.value)


def test_the_masked_lm_head_keeps_its_bias_when_tied(tmp_path: Path) -> None:
    """lm_head is tied to the token table by default and adds only its bias."""
    bare = count(loaded(tmp_path, SMALL)).total
    assert count(loaded(tmp_path, SMALL, head="mlm")).total == bare + 50


def layer_flops(b: int, q: int, k: int, h: int, inner: int, i: int, heads: int) -> int:
    """One relative_shift layer of q queries over k keys, as FlopCounterMode counts it."""
    hd = inner // heads
    rel = 2 * q if q == k else k + 2 * q
    projections = 2 * b * (q * h * inner * 2 + k * h * inner * 2 + q * 2 * h * i)
    scores = 2 * b * heads * hd * (2 * q * k + 2 * q + q * rel) + 2 * rel * h * inner
    return projections + scores


def test_forward_flops_in_closed_form(tmp_path: Path) -> None:
    """Block 0 over the 17 tokens, block 1 over the 9 rows pooling leaves ([CLS] apart, the
    last row dropped), its first layer's keys and values over the 17 (pool_q_only), the
    decoder over the 17 again; the relative positions 2S, or K + 2S for pooled queries."""
    b, s, h, inner, i, heads = 2, 17, 32, 16, 40, 2
    pooled = 9
    expected = (
        2 * layer_flops(b, s, s, h, inner, i, heads)
        + layer_flops(b, pooled, s, h, inner, i, heads)
        + layer_flops(b, s, s, h, inner, i, heads)
    )
    assert forward_flops(count(loaded(tmp_path, SMALL)), b, s).forward == expected
