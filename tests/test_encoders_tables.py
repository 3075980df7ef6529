"""TAPAS and LUKE beyond their fixtures: the tables paramcalc refuses, by key, and their extra
embeddings and queries in closed form (`modeling_tapas.py`, `modeling_luke.py`)."""

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
        ({"model_type": "tapas", "type_vocab_sizes": [3, 0]}, "type_vocab_sizes"),
        ({"model_type": "tapas", "type_vocab_sizes": 3}, "type_vocab_sizes"),
        ({"model_type": "tapas", "num_attention_heads": 5}, "num_attention_heads"),
        ({"model_type": "luke", "type_vocab_size": 0}, "type_vocab_size"),
        ({"model_type": "luke", "use_entity_aware_attention": "yes"}, "use_entity_aware_attention"),
        ({"model_type": "luke", "entity_emb_size": 0}, "entity_emb_size"),
    ],
)
def test_tables_paramcalc_cannot_list_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A table size paramcalc cannot list (or a bad flag) is an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_tapas_sums_one_table_per_type_vocab_size(tmp_path: Path) -> None:
    """Tokens, positions and one hidden-wide table per entry of type_vocab_sizes."""
    vocab, positions, tables, hidden = 300, 64, [3, 7, 11], 64
    config = {
        "model_type": "tapas",
        "vocab_size": vocab,
        "max_position_embeddings": positions,
        "type_vocab_sizes": tables,
        "hidden_size": hidden,
        "num_attention_heads": 4,
        "intermediate_size": 128,
        "num_hidden_layers": 1,
    }
    counted = count(loaded(tmp_path, config))
    assert counted.groups[Group.EMBEDDING] == (vocab + positions + sum(tables)) * hidden
    assert counted.groups[Group.OUTPUT] == hidden * hidden + hidden  # the pooler


@pytest.mark.parametrize(("width", "aware"), [(32, True), (64, False)])
def test_luke_entity_embeddings_and_queries(tmp_path: Path, width: int, aware: bool) -> None:
    """The entity table at entity_emb_size (projected without bias only when narrower than
    hidden_size), its positions, token types and LayerNorm; w2e, e2w and e2e queries."""
    vocab, entities, positions, types, hidden, layers = 300, 50, 64, 2, 64, 2
    config = {
        "model_type": "luke",
        "vocab_size": vocab,
        "entity_vocab_size": entities,
        "entity_emb_size": width,
        "max_position_embeddings": positions,
        "type_vocab_size": types,
        "hidden_size": hidden,
        "num_attention_heads": 4,
        "intermediate_size": 128,
        "num_hidden_layers": layers,
        "use_entity_aware_attention": aware,
    }
    counted = count(loaded(tmp_path, config))
    words = (vocab + positions + types) * hidden
    projection = width * hidden if width != hidden else 0
    entity = entities * width + projection + (positions + types) * hidden
    assert counted.groups[Group.EMBEDDING] == words + entity
    per_query = hidden * hidden + hidden
    attention = (4 + (3 if aware else 0)) * per_query  # q, k, v, output.dense (+ 3 queries)
    assert counted.groups[Group.ATTENTION] == layers * attention
    # both embedding LayerNorms and two per layer
    assert counted.groups[Group.NORM] == 2 * (2 * hidden) + layers * 2 * (2 * hidden)
