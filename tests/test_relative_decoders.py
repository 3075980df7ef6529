"""CPM-Ant (and the decoders beside it): what the fixtures cannot show.

The fixtures of data/hf prove each family exact at its defaults and at random variants; these
tests pin CPM-Ant's token table and bias table in closed form (from CpmAntModel.__init__) and
the configs paramcalc refuses, each an error naming the file's key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from paramcalc.calculator import Group, count
from paramcalc.core.spec import TextTower
from paramcalc.errors import InputError
from paramcalc.sources import load


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json written from `config`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))


def test_cpmant_tables_closed_form(tmp_path: Path) -> None:
    """CPM-Ant 10B (CpmAntConfig defaults): the input table holds vocab + prompt_types x
    prompt_length rows, the untied head vocab rows, and one bias table of segment_types^2 +
    buckets rows by heads sits beside layers of four heads x dim_head projections."""
    V, d, h, hd, f, L, buckets, prompts, segments = 30720, 4096, 32, 128, 10240, 48, 512, 32, 32
    groups = count(loaded(tmp_path, {"model_type": "cpmant"})).groups
    assert groups[Group.EMBEDDING] == (V + prompts * 32) * d + segments * d
    assert groups[Group.OUTPUT] == V * d
    assert groups[Group.ATTENTION] == L * 4 * d * h * hd + (segments**2 + buckets) * h
    assert groups[Group.FEEDFORWARD] == L * 3 * d * f
    assert groups[Group.NORM] == (2 * L + 1) * d


def test_cpmant_head_is_never_tied(tmp_path: Path) -> None:
    """CpmAntForCausalLM._tied_weights_keys is empty: tie_word_embeddings changes nothing."""
    base = {"model_type": "cpmant", "hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 99}
    tied = count(loaded(tmp_path, {**base, "tie_word_embeddings": True})).total
    assert tied == count(loaded(tmp_path, {**base, "tie_word_embeddings": False})).total


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "cpmant", "segment_types": 0}, "segment_types"),
        ({"model_type": "cpmant", "prompt_length": -1}, "prompt_length"),
        ({"model_type": "cpmant", "position_bias_num_buckets": 0}, "position_bias_num_buckets"),
        ({"model_type": "cpmant", "dim_head": None}, "dim_head"),
    ],
)
def test_unrepresentable_values_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A size paramcalc cannot build a table or a head of is an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_a_tied_head_cannot_share_a_table_with_extra_rows() -> None:
    """extra_token_rows with tie_word_embeddings is refused: the shapes would differ."""
    block = {"mixer": {"kind": "attention", "num_attention_heads": 2}}
    stack = {"num_hidden_layers": 1, "block": block}
    with pytest.raises(ValidationError, match="rows it does not predict"):
        TextTower.model_validate(
            {
                "vocab_size": 10,
                "hidden_size": 8,
                "stacks": [stack],
                "extra_token_rows": 4,
                "tie_word_embeddings": True,
            }
        )
