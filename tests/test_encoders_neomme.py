"""NeoMME beyond its fixtures: the configs its model refuses, by key, its extras in closed form
and its per-layer windows (`modeling_neomme.py`, `configuration_neomme.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.sources import load


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "neomme", **config}))
    return load(str(path))


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"num_key_value_heads": 3}, "num_key_value_heads"),
        ({"num_key_value_heads": None}, "num_key_value_heads"),
        ({"num_hidden_layers": 2, "layer_types": ["sliding_attention"] * 2}, "layer_types"),
        ({"sliding_window": None}, "sliding_window"),
        ({"per_layer_config": {"0": {"intermediate_size": 64}}}, "per_layer_config"),
        ({"per_layer_config": {"0": {"sliding_window": 0}}}, "per_layer_config"),
        ({"per_layer_config": {"40": {"sliding_window": 8}}}, "per_layer_config"),
    ],
)
def test_configs_neomme_refuses_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config NeoMMEConfig refuses (or a per-layer change paramcalc does not read) is an
    error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_neomme_extras_in_closed_form(tmp_path: Path) -> None:
    """Factorized tokens with an unbiased projection, the patch stem and the value table are
    embedding; no norm has a weight but the stem's LayerNorm; each layer's alpha, gate and
    lambdas."""
    vocab, rank, hidden, heads, kv, hd, patch, layers = 100, 16, 64, 4, 2, 16, 2, 3
    config = {
        "vocab_size": vocab,
        "embedding_rank": rank,
        "hidden_size": hidden,
        "intermediate_size": 96,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "head_dim": hd,
        "patch_size": patch,
    }
    counted = count(loaded(tmp_path, config))
    patch_dim = 3 * patch**2
    stem = patch_dim * 2 * hidden + 2 * hidden * hidden + hidden
    embedding = vocab * rank + rank * hidden + stem + vocab * kv * hd
    assert counted.groups[Group.EMBEDDING] == embedding
    assert counted.groups[Group.NORM] == 2 * patch_dim
    q, kv_width = heads * hd, kv * hd
    # q, k, v, the sigmoid gate, o_proj and exclusive self-attention's alpha per head
    attention = hidden * q + 2 * hidden * kv_width + hidden * q + q * hidden + heads
    assert counted.groups[Group.ATTENTION] == layers * attention
    assert counted.groups[Group.FEEDFORWARD] == layers * (2 * hidden * 96 + 2)


def test_neomme_windows_alternate_unless_per_layer_config_says(tmp_path: Path) -> None:
    """Sliding layers alternate sliding_window and 1024 tokens on either side; global every
    sixth and the last layer; per_layer_config overrides a layer's window."""
    base = {"num_hidden_layers": 7, "sliding_window": 8}
    stack = loaded(tmp_path, base).to_model().text.stacks[0]
    windows = [stack.kinds[k].mixer.window for k in stack.layer_kinds or ()]
    assert windows == [17, 2049, 17, 2049, 17, None, None]
    given = {**base, "per_layer_config": {"1": {"sliding_window": 4}}}
    stack = loaded(tmp_path, given).to_model().text.stacks[0]
    windows = [stack.kinds[k].mixer.window for k in stack.layer_kinds or ()]
    assert windows == [17, 9, 17, 17, 17, None, None]
