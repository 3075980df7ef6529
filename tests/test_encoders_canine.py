"""CANINE beyond its fixtures: the values paramcalc refuses, by key, and its parts in closed
form (`modeling_canine.py`): hashed tables, three stacks, two convolutions, the pooler."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.core.characters import InputConv
from paramcalc.core.spec import TextTower
from paramcalc.errors import FieldValueError, InputError
from paramcalc.flops import forward_flops
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType
from paramcalc.sources import load
from paramcalc.training import activations

SMALL = {
    "model_type": "canine",
    "hidden_size": 64,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "intermediate_size": 96,
    "num_hash_functions": 4,
    "num_hash_buckets": 50,
    "type_vocab_size": 3,
    "downsampling_rate": 3,
    "upsampling_kernel_size": 5,
    "local_transformer_stride": 8,
}


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"num_hash_functions": 17, "hidden_size": 17 * 8}, "num_hash_functions"),
        ({"num_hash_functions": 3}, "num_hash_functions"),
        ({"num_attention_heads": 5}, "num_attention_heads"),
        ({"type_vocab_size": 0}, "type_vocab_size"),
        ({"downsampling_rate": 0}, "downsampling_rate"),
        ({"upsampling_kernel_size": 0}, "upsampling_kernel_size"),
        ({"num_hash_buckets": 0}, "num_hash_buckets"),
        ({"local_transformer_stride": 0}, "local_transformer_stride"),
    ],
)
def test_values_paramcalc_cannot_count_name_their_key(
    tmp_path: Path, fields: dict[str, Any], key: str
) -> None:
    """More hash functions than CANINE's 16 primes, shards that do not make up the width,
    heads that do not divide it, a zero-row table or a zero-width convolution: an error
    naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {**SMALL, **fields})
    assert key in str(raised.value)


def test_a_strided_convolution_must_tile_the_characters() -> None:
    """A stack's input convolution strides by 1 or by its kernel, nothing else."""
    with pytest.raises(FieldValueError) as raised:
        InputConv(input_width=64, kernel=4, stride=2).check("input_conv.")
    assert raised.value.field == "input_conv.stride"


def test_hashed_embeddings_have_no_table_for_a_head(tmp_path: Path) -> None:
    """Hashed tables leave no token table for an LM head to read or tie to."""
    text = dict(loaded(tmp_path, SMALL).text)
    with pytest.raises(ValueError, match="has no token table for a head"):
        TextTower(**{**text, "lm_head": True})


def test_groups_in_closed_form(tmp_path: Path) -> None:
    """Hashed shards and the position table (num_hash_buckets rows each), token types; BERT
    layers in the two one-layer character stacks and the molecule stack; the strided and the
    up-sampling convolutions as feedforward; the pooler as output."""
    h, i, buckets, hashes, types = 64, 96, 50, 4, 3
    rate, kernel, deep = 3, 5, 3
    counted = count(loaded(tmp_path, SMALL))
    layers = 1 + deep + 1
    attention = 4 * (h * h + h)  # query, key, value, output dense
    mlp = h * i + i + i * h + h  # intermediate, output
    convs = (h * h * rate + h) + (2 * h * h * kernel + h)
    norms = 2 * h * (1 + 2 * layers + 2)  # embeddings, two per layer, one per convolution
    assert counted.groups == {
        Group.EMBEDDING: hashes * buckets * (h // hashes) + buckets * h + types * h,
        Group.ATTENTION: layers * attention,
        Group.FEEDFORWARD: layers * mlp + convs,
        Group.NORM: norms,
        Group.OUTPUT: h * h + h,
    }


def test_no_head_drops_the_pooler(tmp_path: Path) -> None:
    """`head="none"` counts CanineModel(add_pooling_layer=False): everything but the pooler."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(SMALL))
    bare = count(load(str(path), head="none"))
    full = count(load(str(path)))
    assert full.total - bare.total == 64 * 64 + 64
    assert not any(t.name.startswith("pooler.") for t in bare.enumeration.tensors())


def test_forward_flops_in_closed_form(tmp_path: Path) -> None:
    """2 x rows x weights with seq // downsampling_rate rows for the molecule stack and the
    strided convolution; score and value products over the pairs inside each local chunk of
    the first layer, over every molecule pair, over every character pair of the last layer."""
    b, s, h, i, heads, deep, rate, kernel, chunk = 2, 29, 64, 96, 4, 3, 3, 5, 8
    counted = count(loaded(tmp_path, SMALL))
    molecules = s // rate
    layer = 4 * h * h + 2 * h * i  # q, k, v, o; intermediate and output
    projections = 2 * b * layer * (s + deep * molecules + s)
    convs = 2 * b * molecules * h * h * rate + 2 * b * s * 2 * h * h * kernel
    pooler = 2 * b * h * h
    local_pairs = (s // chunk) * chunk**2 + (s % chunk) ** 2
    pairs = local_pairs + deep * molecules**2 + s * s
    attention = 2 * b * heads * 2 * (h // heads) * pairs
    flops = forward_flops(counted, b, s)
    assert flops.projections == projections + convs + pooler
    assert flops.attention == attention


def test_kv_cache_keeps_the_rows_each_stack_runs_over(tmp_path: Path) -> None:
    """K and V of every character in the two character layers, of every molecule in the
    molecule stack."""
    b, s, h, deep, rate = 2, 29, 64, 3, 3
    cache = kv_cache(loaded(tmp_path, SMALL).to_model(), DType.FP32, b, s)
    values = 2 * h * (s + deep * (s // rate) + s)
    assert cache.self_attention_bytes == 4 * b * values


def test_activations_follow_the_rows_of_each_stack(tmp_path: Path) -> None:
    """Korthikanti et al.'s 34sbh per layer and 5as²b of scores, with s the rows each stack
    runs over: the characters twice, the molecules in the deep stack."""
    b, s, h, heads, deep, rate = 2, 29, 64, 4, 3, 3
    found = activations(loaded(tmp_path, SMALL).to_model(), b, s)
    rows = [s, *[s // rate] * deep, s]
    assert found.per_layer_without_scores == 34 * b * h * sum(rows) // len(rows)
    assert found.scores == sum(5 * heads * r * r * b for r in rows)
