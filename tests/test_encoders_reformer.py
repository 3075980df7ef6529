"""Reformer beyond its fixtures: the configs paramcalc refuses, by key, and its layers, axial
positions and doubled final norm in closed form (from modeling_reformer.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.sources import load


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # AxialPositionEmbeddings: the factor widths must sum to hidden_size
        ({"axial_pos_embds_dim": [64, 64]}, "axial_pos_embds_dim"),
        # ... and index axial_pos_shape by their axis
        ({"axial_pos_shape": [4096], "axial_pos_embds_dim": [64, 192]}, "axial_pos_embds_dim"),
        ({"axial_pos_shape": [64, 0]}, "axial_pos_shape"),
        # ReformerAttention knows only lsh and local; ReformerModel asserts a layer
        ({"attn_layers": ["lsh", "full"]}, "attn_layers"),
        ({"attn_layers": []}, "attn_layers"),
        # with both kinds, layer i reads attn_layers[i]
        ({"attn_layers": ["lsh", "local"], "num_hidden_layers": 3}, "num_hidden_layers"),
    ],
)
def test_configs_reformer_cannot_build_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config transformers cannot build is an error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {"model_type": "reformer", **config})
    assert key in str(raised.value)


def reformer_total(
    vocab: int, h: int, heads: int, hd: int, ff: int, kinds: list[str], positions: int
) -> int:
    """ReformerModel's parameters: LSH layers have query_key and value, local ones query, key
    and value (all unbiased), both an unbiased output dense and a biased two-layer MLP, each
    sub-layer its LayerNorm; the final LayerNorm is 2h wide."""
    inner = heads * hd
    per_kind = {"lsh": 2 * h * inner, "local": 3 * h * inner}
    layer = inner * h + (h * ff + ff) + (ff * h + h) + 2 * (2 * h)
    return vocab * h + positions + sum(per_kind[k] + layer for k in kinds) + 2 * (2 * h)


def test_plain_positions_and_both_attention_kinds(tmp_path: Path) -> None:
    """Without axial factors: a max_position_embeddings x hidden table."""
    kinds = ["lsh", "local", "lsh"]
    config = {
        "model_type": "reformer",
        "vocab_size": 300,
        "hidden_size": 64,
        "num_attention_heads": 3,
        "attention_head_size": 16,
        "feed_forward_size": 96,
        "attn_layers": kinds,
        "axial_pos_embds": False,
        "max_position_embeddings": 128,
    }
    counted = count(loaded(tmp_path, config))
    assert counted.total == reformer_total(300, 64, 3, 16, 96, kinds, 128 * 64)
    assert counted.groups[Group.EMBEDDING] == 300 * 64 + 128 * 64
    assert counted.groups[Group.OUTPUT] == 0


def test_axial_factors_and_one_kind_to_a_written_depth(tmp_path: Path) -> None:
    """Axial factors: shape[i] x dims[i] each; with one kind, num_hidden_layers (which wins
    over len(attn_layers)) layers of it."""
    config = {
        "model_type": "reformer",
        "vocab_size": 320,
        "hidden_size": 96,
        "num_attention_heads": 2,
        "attention_head_size": 32,
        "feed_forward_size": 128,
        "attn_layers": ["local"],
        "num_hidden_layers": 4,
        "axial_pos_shape": [8, 16, 2],
        "axial_pos_embds_dim": [32, 64],
    }
    counted = count(loaded(tmp_path, config))
    axial = 8 * 32 + 16 * 64
    assert counted.total == reformer_total(320, 96, 2, 32, 128, ["local"] * 4, axial)
    assert counted.groups[Group.EMBEDDING] == 320 * 96 + axial


def test_masked_lm_head_reads_both_streams(tmp_path: Path) -> None:
    """ReformerForMaskedLM: lm_head.decoder (2h -> vocab, no bias) never tied, lm_head.bias."""
    config = {"model_type": "reformer", "vocab_size": 100, "tie_word_embeddings": True}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    bare, mlm = count(load(str(path))), count(load(str(path), head="mlm"))
    assert mlm.total - bare.total == 100 * 2 * 256 + 100
    assert mlm.groups[Group.OUTPUT] == 100 * 2 * 256 + 100


def test_masked_lm_refuses_a_decoder(tmp_path: Path) -> None:
    """ReformerForMaskedLM asserts is_decoder false: an error naming the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "reformer", "is_decoder": True}))
    with pytest.raises(InputError) as raised:
        load(str(path), head="mlm")
    assert "is_decoder" in str(raised.value)
