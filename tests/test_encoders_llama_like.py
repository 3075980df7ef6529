"""ESMC and UltraBERT beyond their fixtures: the configs their models refuse, by key, ESMC's
norms in closed form and UltraBERT's windows (`modular_esmc.py`, `modular_ultrabert.py`)."""

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
        # EsmcConfig.validate_architecture refuses grouped-query attention
        ({"model_type": "esmc", "num_key_value_heads": 20}, "num_key_value_heads"),
        ({"model_type": "esmc", "num_attention_heads": 48}, "num_attention_heads"),
        # q_norm / k_norm are hidden_size wide: a head_dim that breaks that cannot run
        ({"model_type": "esmc", "head_dim": 32}, "head_dim"),
        ({"model_type": "ultrabert", "attention_windows": [0, 128]}, "attention_windows"),
        ({"model_type": "ultrabert", "sliding_window": None}, "sliding_window"),
        ({"model_type": "ultrabert", "layer_types": ["sliding_attention"]}, "layer_types"),
    ],
)
def test_configs_the_models_refuse_name_their_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A config the model class refuses (or cannot run) is an error naming the key."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert key in str(raised.value)


def test_esmc_norms_in_closed_form(tmp_path: Path) -> None:
    """Two biased LayerNorms per layer, unbiased q and k LayerNorms of hidden_size, and an
    unbiased final LayerNorm; no head."""
    hidden, layers, vocab = 64, 3, 64
    config = {
        "model_type": "esmc",
        "vocab_size": vocab,
        "hidden_size": hidden,
        "intermediate_size": 96,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
    }
    counted = count(loaded(tmp_path, config))
    assert counted.groups[Group.NORM] == layers * (2 * 2 * hidden + 2 * hidden) + hidden
    assert counted.groups[Group.ATTENTION] == layers * 4 * hidden * hidden
    assert counted.groups[Group.OUTPUT] == 0


def test_ultrabert_layers_and_windows(tmp_path: Path) -> None:
    """Every third layer global by default; a sliding layer sees sliding_window tokens on
    either side; a legacy attention_windows list sets both the radius and the layers."""
    base = {"model_type": "ultrabert", "num_hidden_layers": 6, "hidden_size": 64}
    base |= {"num_attention_heads": 4, "intermediate_size": 96, "vocab_size": 100}
    default = loaded(tmp_path, {**base, "sliding_window": 8}).to_model().text.stacks[0]
    spans = [b.mixer.window for b, layers in default.layer_blocks().values() for _ in layers]
    kinds = list(default.layer_kinds or ())
    assert kinds == ["sliding_attention", "sliding_attention", "full_attention"] * 2
    assert sorted(spans, key=str) == [17, 17, 17, 17, None, None]
    legacy = {**base, "attention_windows": [0, 4, 4, 0, 4, 4]}
    stack = loaded(tmp_path, legacy).to_model().text.stacks[0]
    assert stack.layer_kinds == ("full_attention", *["sliding_attention"] * 2) * 2
    assert stack.kinds["sliding_attention"].mixer.window == 9
