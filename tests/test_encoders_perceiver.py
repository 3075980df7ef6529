"""Perceiver beyond its fixtures: the values paramcalc refuses, by key, and its parts and FLOPs
in closed form (`modeling_perceiver.py`): latents, a cross-attention, self-attends run
num_blocks times; the masked-LM model's preprocessor, decoder and embedding decoder."""

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
    "model_type": "perceiver",
    "num_latents": 6,
    "d_latents": 32,
    "d_model": 48,
    "num_blocks": 2,
    "num_self_attends_per_block": 2,
    "num_self_attention_heads": 2,
    "num_cross_attention_heads": 4,
    "vocab_size": 40,
    "max_position_embeddings": 20,
}


def loaded(tmp_path: Path, config: dict[str, Any], head: str | None = None) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path)) if head is None else load(str(path), head=head)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"num_self_attention_heads": 3}, "num_self_attention_heads"),
        ({"num_cross_attention_heads": 5}, "num_cross_attention_heads"),
        ({"qk_channels": 30}, "num_cross_attention_heads"),
        ({"cross_attention_shape_for_attention": "v"}, "cross_attention_shape_for_attention"),
        ({"num_latents": 0}, "num_latents"),
        ({"num_blocks": None}, "num_blocks"),
    ],
)
def test_values_paramcalc_cannot_count_name_their_key(
    tmp_path: Path, fields: dict[str, Any], key: str
) -> None:
    """Heads that do not split d_latents or the attention widths, an unknown query/key
    shape, no latents, a null block count: an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {**SMALL, **fields})
    assert key in str(raised.value)


def test_the_masked_lm_decoder_needs_eight_heads_to_split_d_model(tmp_path: Path) -> None:
    """PerceiverForMaskedLM's decoder has 8 heads over d_model-wide values."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {**SMALL, "d_model": 44}, head="mlm")
    assert "d_model" in str(raised.value)


def perceiver_layer(q: int, kv: int, qk: int, v: int, out: int, widening: int, cross: bool) -> int:
    """A PerceiverLayer's attention (biased query, key, value, output) and biased MLP."""
    attention = (q * qk + qk) + (kv * qk + qk) + (kv * v + v) + (v * out + out)
    mlp = 2 * q * widening * q + widening * q + q
    norms = 2 * q + (2 * kv if cross else 0) + 2 * q
    return attention + mlp + norms


def test_the_bare_model_in_closed_form(tmp_path: Path) -> None:
    """The latents; a cross-attention whose query/key take d_model (shape "kv"); two
    self-attends at d_latents; no token table, whatever vocab_size."""
    n, d, m = 6, 32, 48
    counted = count(loaded(tmp_path, SMALL))
    cross = perceiver_layer(d, m, m, m, d, 1, cross=True)
    own = perceiver_layer(d, d, d, d, d, 1, cross=False)
    assert counted.total == n * d + cross + 2 * own
    assert counted.groups[Group.EMBEDDING] == n * d
    assert not any("embeddings.weight" in t.name for t in counted.enumeration.tensors())


def test_the_masked_lm_model_always_reads_the_token_table(tmp_path: Path) -> None:
    """The preprocessor's two tables, the decoder's position queries and its cross-attention
    (8 heads, qk 256, values d_model), and one bias: the embedding decoder is the token
    table's transpose whatever tie_word_embeddings says."""
    d, m, vocab, positions = 32, 48, 40, 20
    bare = count(loaded(tmp_path, SMALL)).total
    decoder = perceiver_layer(m, d, 256, m, m, 1, cross=True)
    added = vocab * m + 2 * positions * m + decoder + vocab
    for tie in (True, False):
        config = {**SMALL, "tie_word_embeddings": tie}
        assert count(loaded(tmp_path, config, head="mlm")).total == bare + added


def test_forward_flops_in_closed_form(tmp_path: Path) -> None:
    """The latents' rows through every query-side projection and MLP, the sequence through
    the cross-attention's keys and values; scores and weighted sums over latents x tokens,
    then latents x latents in each of num_blocks x 2 self-attends."""
    b, s, n, d, m = 2, 24, 6, 32, 48
    cross = 2 * b * (n * (d * m + m * d + 2 * d * d) + s * 2 * m * m) + 2 * b * 2 * m * n * s
    own = 2 * b * n * (4 * d * d + 2 * d * d) + 2 * b * 2 * d * n * n
    assert forward_flops(count(loaded(tmp_path, SMALL)), b, s).forward == cross + 4 * own
