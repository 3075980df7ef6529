"""Build the Dense-derivation's layers as real Keras 3 layers and read `count_params()`.

Optional (`pip install paramcalc[keras]`). Keras runs on the torch backend with the meta
device, so layers of any size are built instantly and allocate no memory. Identical layers
are built once and multiplied by how often they occur.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from paramcalc.calculator import GROUPS, Breakdown, Group
from paramcalc.dense import Dense, KerasConv, KerasEmbedding, KerasNorm, Layer, Weight, keras_layers
from paramcalc.errors import ParamcalcError


class KerasUnavailable(ParamcalcError):
    """Keras 3 with the torch backend is not installed."""


def import_keras() -> ModuleType:
    """Import Keras on the torch backend with meta tensors, or explain how to install it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    os.environ.setdefault("KERAS_TORCH_DEVICE", "meta")
    try:
        import keras
    except ImportError as exc:
        raise KerasUnavailable(
            f"--keras needs Keras 3 and torch ({exc.name} is missing): "
            "pip install 'paramcalc[keras]'"
        ) from None
    if keras.backend.backend() != "torch":
        raise KerasUnavailable(f"--keras needs KERAS_BACKEND=torch, not {keras.backend.backend()}")
    return keras


#: The Keras convolution of each kernel rank (a Conv3d patch embedding is rank 3).
CONV_LAYERS: dict[int, Callable[[ModuleType], Any]] = {
    1: lambda keras: keras.layers.Conv1D,
    2: lambda keras: keras.layers.Conv2D,
    3: lambda keras: keras.layers.Conv3D,
}


def build_layer(keras: ModuleType, layer: Layer) -> Any:
    """Create and build the Keras layer that a spec describes."""
    if isinstance(layer, Dense):
        built = keras.layers.Dense(layer.units, use_bias=layer.use_bias)
        built.build((None, layer.inputs))
    elif isinstance(layer, KerasEmbedding):
        built = keras.layers.Embedding(layer.input_dim, layer.output_dim)
        built.build((None,))
    elif isinstance(layer, KerasNorm) and layer.rms:
        built = keras.layers.RMSNormalization()
        built.build((None, layer.width))
    elif isinstance(layer, KerasNorm):
        built = keras.layers.LayerNormalization(center=layer.center, scale=True)
        built.build((None, layer.width))
    elif isinstance(layer, KerasConv):
        conv = CONV_LAYERS[len(layer.kernel)](keras)
        built = conv(layer.filters, layer.kernel, groups=layer.groups, use_bias=layer.use_bias)
        built.build((None, *([None] * len(layer.kernel)), layer.channels))
    else:
        built = keras.layers.Layer()
        built.add_weight(shape=layer.shape)
        built.built = True
    return built


def spec_key(layer: Layer) -> tuple[Any, ...]:
    """What makes two specs build the same Keras layer (their name and repeat do not)."""
    if isinstance(layer, Dense):
        return ("dense", layer.inputs, layer.units, layer.use_bias)
    if isinstance(layer, KerasEmbedding):
        return ("embedding", layer.input_dim, layer.output_dim)
    if isinstance(layer, KerasNorm):
        return ("norm", layer.width, layer.center, layer.rms)
    if isinstance(layer, KerasConv):
        return ("conv", layer.channels, layer.filters, layer.kernel, layer.groups, layer.use_bias)
    assert isinstance(layer, Weight)
    return ("weight", layer.shape)


def keras_counts(counted: Breakdown) -> dict[Group, int]:
    """Per-group counts from real Keras layers' `count_params()`."""
    keras = import_keras()
    built: dict[tuple[Any, ...], int] = {}
    counts = dict.fromkeys(GROUPS, 0)
    for layer in keras_layers(counted):
        key = spec_key(layer)
        if key not in built:
            built[key] = int(build_layer(keras, layer).count_params())
        counts[layer.group] += built[key] * layer.repeat
    return counts
