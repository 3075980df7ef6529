"""The Keras Dense cross-check: the formula, its derivation, and real Keras layers."""

from __future__ import annotations

import pytest

from paramcalc.calculator import count
from paramcalc.dense import Dense, dense_formula_counts
from paramcalc.sources import load
from paramcalc.sources.presets import preset_names


def test_seed_example_dense_2_on_4_inputs() -> None:
    """Keras' Dense(2) on 4 inputs has (4 x 2) + 2 = 10 parameters; 8 without a bias."""
    from paramcalc.calculator import Group

    assert Dense("seed", Group.FEEDFORWARD, 4, 2, True).count_params() == 10
    assert Dense("seed", Group.FEEDFORWARD, 4, 2, False).count_params() == 8


@pytest.mark.parametrize("name", preset_names())
def test_dense_derivation_agrees_with_calculator(name: str) -> None:
    """For every preset, the Keras-layer derivation gives the calculator's groups."""
    arch = load(name)
    assert dense_formula_counts(count(arch)) == count(arch).groups


@pytest.mark.keras
@pytest.mark.parametrize("name", preset_names())
def test_real_keras_layers_agree(name: str) -> None:
    """Real Keras 3 layers (torch backend, meta device) count what the calculator counts."""
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    from paramcalc.keras_check import keras_counts

    arch = load(name)
    assert keras_counts(count(arch)) == count(arch).groups


@pytest.mark.keras
def test_real_keras_dense_seed_example() -> None:
    """keras.layers.Dense(2) built on 4 inputs reports 10 parameters, 8 without bias."""
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    layer = keras.layers.Dense(2)
    layer.build((None, 4))
    no_bias = keras.layers.Dense(2, use_bias=False)
    no_bias.build((None, 4))
    assert (layer.count_params(), no_bias.count_params()) == (10, 8)
