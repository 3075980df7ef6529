"""LongT5, PEGASUS-X and ProphetNet beyond their fixtures: the configs paramcalc refuses, by key,
and what their global tokens and n-gram streams add, in closed form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.errors import InputError


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "longt5", "encoder_attention_type": "global"}, "encoder_attention_type"),
        # nn.Embedding(0, heads) is a zero-element table paramcalc does not list
        ({"model_type": "longt5", "relative_attention_num_buckets": 0}, "relative_attention"),
        ({"model_type": "longt5", "feed_forward_proj": "gelu-gated"}, "feed_forward_proj"),
        ({"model_type": "pegasus_x", "encoder_attention_heads": 3}, "encoder_attention_heads"),
        ({"model_type": "pegasus_x", "num_global_tokens": 0}, "num_global_tokens"),
        # staggered layers pad block_size // 2 at each end: an odd block cannot be viewed whole
        ({"model_type": "pegasus_x", "block_size": 5}, "block_size"),
        ({"model_type": "prophetnet", "num_decoder_attention_heads": 3}, "num_decoder_attention"),
        ({"model_type": "prophetnet", "num_buckets": 0}, "num_buckets"),
        ({"model_type": "prophetnet", "ngram": 0}, "ngram"),
    ],
)
def test_configs_paramcalc_cannot_say_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A value the model cannot build, or builds as a zero-element tensor, names its key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


LONGT5 = {
    "model_type": "longt5",
    "vocab_size": 300,
    "d_model": 64,
    "d_kv": 16,
    "num_heads": 4,
    "d_ff": 128,
    "num_layers": 3,
    "num_decoder_layers": 2,
    "relative_attention_num_buckets": 8,
}


def test_transient_global_adds_a_norm_per_layer_and_one_table(tmp_path: Path) -> None:
    """Over local attention: each encoder layer's global_input_layer_norm (d_model) and the
    first one's global_relative_attention_bias (buckets x heads)."""
    local = count(loaded(tmp_path, LONGT5))
    config = {**LONGT5, "encoder_attention_type": "transient-global"}
    (tmp_path / "tg").mkdir()
    transient = count(loaded(tmp_path / "tg", config))
    assert transient.groups[Group.NORM] - local.groups[Group.NORM] == 3 * 64
    assert transient.groups[Group.ATTENTION] - local.groups[Group.ATTENTION] == 8 * 4
    # LongT5Config ties whatever the file says: no head of its own
    assert transient.groups[Group.OUTPUT] == 0


def test_prophetnet_ngram_streams_in_closed_form(tmp_path: Path) -> None:
    """The decoder's n-gram table (ngram x hidden) and each layer's relative projection
    (hidden -> buckets x heads, biased) on top of a post-norm encoder-decoder."""
    h, v, p, ffn, buckets, heads, ngram = 64, 300, 32, 96, 8, 4, 3
    config = {
        "model_type": "prophetnet",
        "vocab_size": v,
        "hidden_size": h,
        "encoder_ffn_dim": ffn,
        "decoder_ffn_dim": ffn,
        "num_encoder_layers": 1,
        "num_decoder_layers": 2,
        "num_encoder_attention_heads": heads,
        "num_decoder_attention_heads": heads,
        "max_position_embeddings": p,
        "ngram": ngram,
        "num_buckets": buckets,
    }
    counted = count(loaded(tmp_path, config))
    attention = 4 * (h * h + h)
    assert counted.groups[Group.EMBEDDING] == v * h + 2 * p * h + ngram * h
    # encoder: self-attention; decoder: self-attention, its projection, cross-attention
    relative = h * buckets * heads + buckets * heads
    assert counted.groups[Group.ATTENTION] == attention + 2 * (2 * attention + relative)
    # two embedding LayerNorms, two per encoder layer, three per decoder layer
    assert counted.groups[Group.NORM] == 2 * h * (2 + 2 + 2 * 3)
