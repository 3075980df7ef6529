"""Kosmos-2.5: its projector and text model against a closed form, the text config's tie, and
the refusals that name the config key paramcalc cannot build.

The fixtures (data/hf) prove every tensor against transformers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.api import count
from paramcalc.core.records import Group, Tower
from paramcalc.errors import InputError

VISION = {
    "hidden_size": 48,
    "patch_embed_hidden_size": 24,
    "intermediate_size": 40,
    "head_dim": 8,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "max_num_patches": 10,
}
TEXT = {"vocab_size": 100, "embed_dim": 64, "layers": 2, "ffn_dim": 96, "attention_heads": 4}


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "kosmos-2.5", **config}))
    return str(path)


def test_projector_and_text_model_match_a_closed_form(tmp_path: Path) -> None:
    """The projector: a biased 48 -> 64 dense, 6 latent queries, a biased 64-square
    q/k/v/out_proj attention. The text model: a token table, two segment rows, per layer
    biased attention, fc1/fc2 with a 96-wide LayerNorm between, two LayerNorms, a final
    LayerNorm; the head tied."""
    d, f, v = 64, 96, 100
    attention = 4 * (d * d + d)
    layer = attention + (d * f + f) + (f * d + d) + 2 * f + 2 * 2 * d
    config = {"vision_config": VISION, "text_config": TEXT, "latent_query_num": 6}
    result = count(write(tmp_path, config))
    assert sum(result.towers[Tower.PROJECTOR].values()) == (48 * d + d) + 6 * d + attention
    assert result.towers[Tower.PROJECTOR][Group.ATTENTION] == attention
    assert sum(result.towers[Tower.TEXT].values()) == v * d + 2 * d + 2 * layer + 2 * d


@pytest.mark.parametrize(("top", "text", "head"), [(False, True, 0), (True, False, 100 * 64)])
def test_the_text_config_ties(tmp_path: Path, top: bool, text: bool, head: int) -> None:
    """Kosmos2_5TextForCausalLM ties text_model.lm_head as the text config says; the
    top-level tie_word_embeddings is not read."""
    config = {
        "tie_word_embeddings": top,
        "vision_config": VISION,
        "text_config": {**TEXT, "tie_word_embeddings": text},
    }
    assert count(write(tmp_path, config)).groups["output"] == head


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"text_config": {**TEXT, "attention_heads": 3}}, "attention_heads"),
        ({"vision_config": {"model_type": "pix2struct_vision_model"}}, "vision_config"),
        ({"latent_query_num": 0}, "latent_query_num"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, config: dict[str, object], key: str) -> None:
    """What paramcalc cannot say of a Kosmos-2.5 config is an InputError naming its key."""
    with pytest.raises(InputError) as error:
        count(write(tmp_path, config))
    assert error.value.field == key
