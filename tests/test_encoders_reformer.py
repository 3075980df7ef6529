"""Reformer beyond its fixtures: the configs paramcalc refuses, by key, and its layers, axial
positions, doubled final norm and chunked attention FLOPs in closed form (from
modeling_reformer.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.core.chunked import ChunkedLayout
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
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
        # _hash_vectors asserts even buckets (and even factors)
        ({"num_buckets": 7}, "num_buckets"),
        ({"num_buckets": [4, 3]}, "num_buckets"),
        ({"num_buckets": []}, "num_buckets"),
        # the padding multiple and every chunked layer need their chunk sizes
        ({"lsh_attn_chunk_length": None}, "lsh_attn_chunk_length"),
        ({"local_num_chunks_before": None}, "local_num_chunks_before"),
        ({"lsh_num_chunks_after": -1}, "lsh_num_chunks_after"),
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


def test_local_layers_need_no_lsh_chunks(tmp_path: Path) -> None:
    """Only the kinds attn_layers names are chunked and padded for: all-local ignores LSH's."""
    config = {"model_type": "reformer", "attn_layers": ["local"], "lsh_attn_chunk_length": None}
    counted = count(loaded(tmp_path, config))
    # 100 tokens pad to 128 = 2 local chunks of 64, each seeing itself and the one before
    pairs = 128 * 64 * 2
    assert forward_flops(counted, 1, 100).attention == 2 * pairs * 12 * (64 + 64)


def test_chunked_attention_flops_at_defaults_in_closed_form(tmp_path: Path) -> None:
    """ReformerConfig's defaults (chunks of 64, one before, one hashing round, buckets null),
    100 tokens: ReformerModel pads them to 128 rows, every layer runs over those; each layer's
    2 chunks of 64 queries see 2 x 64 keys, and each LSH layer first rotates its 128 rows into
    2 ** floor(log2(2 x 128 // 64)) = 4 buckets (below the limit 2 x max(isqrt(4096 // 64),
    64) = 128), a rotation of 4 / 2 columns per head_dim. The causal figure keeps each chunk's
    triangle and the second chunk's whole first one (the first's neighbour wraps to a later
    chunk)."""
    counted = count(loaded(tmp_path, {"model_type": "reformer"}))
    h, inner, ff, heads, hd, rows = 256, 12 * 64, 512, 12, 64, 128
    mlp = 2 * h * ff
    local, lsh = 4 * h * inner + mlp, 3 * h * inner + mlp  # q, k, v, o / query_key, v, o
    per_pair = 2 * heads * (hd + hd)  # scores and weighted values, 2 FLOPs a multiply-add
    pairs, kept = rows * 64 * 2, 2 * (64 * 65 // 2) + 64 * 64
    hashing = 2 * heads * rows * hd * 1 * (4 // 2)
    flops = forward_flops(counted, 1, 100)
    assert flops.projections == 2 * rows * 3 * (local + lsh)
    assert flops.attention == 6 * per_pair * pairs + 3 * hashing
    assert flops.attention_causal == 6 * per_pair * kept + 3 * hashing
    # within one chunk neither kind chunks nor hashes: every pair of the 64 tokens
    assert forward_flops(counted, 1, 64).attention == 6 * per_pair * 64 * 64


@pytest.mark.parametrize(
    ("length", "before", "after", "seq"),
    [(4, 1, 0, 16), (4, 2, 1, 12), (3, 0, 2, 9), (2, 3, 3, 6), (4, 5, 0, 8), (8, 1, 0, 8)],
)
def test_causal_pairs_count_each_visible_key(
    length: int, before: int, after: int, seq: int
) -> None:
    """The causal figure keeps, for every query, the keys of its chunk window (wrapping around
    the ends, as `_look_adjacent` rolls the chunks) at or before its position."""
    layout = ChunkedLayout(chunk_length=length, chunks_before=before, chunks_after=after)
    chunks = seq // length
    kept = 0
    for query in range(seq):
        for offset in range(-before, after + 1):
            start = (query // length + offset) % chunks * length
            kept += sum(1 for key in range(start, start + length) if key <= query)
    if seq <= length:
        kept = seq * (seq + 1) // 2  # one chunk: plain attention over all rows
    assert layout.kept_pairs(seq) == kept
    assert layout.pairs(seq) >= kept
