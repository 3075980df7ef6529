"""T5Gemma 2 beyond its fixtures: the configs its model refuses, by key, and what the top-level
tie_word_embeddings changes, in closed form (`modeling_t5gemma2.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.sources import load

STACK = {
    "vocab_size": 100,
    "hidden_size": 64,
    "intermediate_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "head_dim": 16,
}
VISION = {"num_hidden_layers": 1, "hidden_size": 32, "intermediate_size": 16}


def small(**fields: Any) -> dict[str, Any]:
    """A small T5Gemma 2 config; `fields` replace top-level keys."""
    return {
        "model_type": "t5gemma2",
        "encoder": {
            "text_config": dict(STACK),
            "vision_config": {**VISION, "num_attention_heads": 2},
        },
        "decoder": dict(STACK),
        **fields,
    }


def loaded(tmp_path: Path, config: dict[str, Any]) -> Any:
    """The architecture of a config written as a file."""
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(config))
    return load(str(path))


@pytest.mark.parametrize(
    ("stack", "change", "key"),
    [
        # validate_architecture: one width and one vocabulary for both stacks
        ("decoder", {"hidden_size": 96}, "hidden_size"),
        ("decoder", {"vocab_size": 99}, "vocab_size"),
        ("decoder", {"num_attention_heads": 3}, "num_attention_heads"),
        ("decoder", {"num_key_value_heads": None}, "num_key_value_heads"),
        ("encoder", {"layer_types": ["full_attention"]}, "layer_types"),
    ],
)
def test_configs_the_model_refuses_name_their_key(
    tmp_path: Path, stack: str, change: dict[str, Any], key: str
) -> None:
    """A config T5Gemma2Config or its modules refuse is an error naming the key."""
    config = small()
    (config["decoder"] if stack == "decoder" else config["encoder"]["text_config"]).update(change)
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_untied_adds_the_decoder_table_its_vector_and_the_head(tmp_path: Path) -> None:
    """Tied, the decoder's table (with its eoi_embedding) and lm_head.out_proj are the
    encoder's; untied, each is its own: 2 x V x d + d more, the head in output."""
    d, v = 64, 100
    tied = count(loaded(tmp_path, small()))
    untied = count(loaded(tmp_path, small(tie_word_embeddings=False)))
    assert untied.total - tied.total == 2 * v * d + d
    assert untied.groups[Group.OUTPUT] - tied.groups[Group.OUTPUT] == v * d
    # SigLIP's defaults: a biased 3 x 16 x 16 patch convolution and (224 / 16)^2 positions
    vision = 32 * 3 * 16 * 16 + 32 + 196 * 32
    assert tied.groups[Group.EMBEDDING] == v * d + d + vision


def test_default_layer_pattern_every_sixth_full(tmp_path: Path) -> None:
    """Without layer_types, sliding_window_pattern (6 by default) makes every sixth layer
    full and the others sliding, in each stack."""
    config = small()
    config["decoder"] |= {"num_hidden_layers": 7}
    model = loaded(tmp_path, config).to_model()
    decoder = model.text.stacks[1]
    assert list(decoder.layer_kinds) == ["sliding_attention"] * 5 + [
        "full_attention",
        "sliding_attention",
    ]
