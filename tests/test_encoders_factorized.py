"""FNet and ALBERT beyond their fixtures: the sharing configs paramcalc refuses, by key, and
ALBERT's factorized embedding in closed form."""

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
        # groups used unequally (int(i / (12 / 5))) and several inner layers in several groups
        ({"model_type": "albert", "num_hidden_groups": 5}, "num_hidden_groups"),
        ({"model_type": "albert", "num_hidden_groups": 2, "inner_group_num": 2}, "inner_group_num"),
        ({"model_type": "albert", "num_attention_heads": 5}, "num_attention_heads"),
        ({"model_type": "fnet", "type_vocab_size": 0}, "type_vocab_size"),
    ],
)
def test_configs_paramcalc_cannot_say_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A sharing paramcalc cannot represent is an error naming the key, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_albert_embeddings_are_factorized(tmp_path: Path) -> None:
    """Tables and LayerNorm at embedding_size E, then one biased E -> H projection."""
    vocab, positions, types, e, h = 300, 64, 2, 16, 64
    config = {
        "model_type": "albert",
        "vocab_size": vocab,
        "max_position_embeddings": positions,
        "type_vocab_size": types,
        "embedding_size": e,
        "hidden_size": h,
        "num_attention_heads": 4,
        "intermediate_size": 128,
    }
    counted = count(loaded(tmp_path, config))
    assert counted.groups[Group.EMBEDDING] == (vocab + positions + types) * e + e * h + h
    # the embedding LayerNorm at E; the one stored layer's two LayerNorms at H
    assert counted.groups[Group.NORM] == 2 * e + 2 * (2 * h)
