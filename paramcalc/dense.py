"""The Keras Dense check: every record as the Keras layer that would hold its parameters.

A linear record is `keras.layers.Dense(outputs)` on `inputs` features, whose count is
`inputs * units + units` with a bias (the seed example: `Dense(2)` on 4 inputs has 10); a
stacked expert record is that Dense once per expert; a tied head is a Dense on zero inputs
(its bias alone). Embeddings are `Embedding`, norms `LayerNormalization` / `RMSNormalization`,
convolutions `Conv1D`/`Conv2D`; a plain parameter has no layer and counts its elements.
`paramcalc verify` compares the Keras formulas per group with the records' own sizes, and
`--keras` builds these layers for real.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from paramcalc.calculator import GROUPS, Breakdown, Group
from paramcalc.core.records import Conv, Embedding, Linear, Norm, Param, Record


@dataclass(frozen=True, slots=True)
class Dense:
    """`keras.layers.Dense(units, use_bias)` on `inputs` features, occurring `repeat` times."""

    name: str
    group: Group
    inputs: int
    units: int
    use_bias: bool
    repeat: int = 1

    def count_params(self) -> int:
        """Keras' Dense count for one layer: a kernel, plus a bias vector when used."""
        return self.inputs * self.units + (self.units if self.use_bias else 0)


@dataclass(frozen=True, slots=True)
class KerasEmbedding:
    """`keras.layers.Embedding(input_dim, output_dim)`, occurring `repeat` times."""

    name: str
    group: Group
    input_dim: int
    output_dim: int
    repeat: int = 1

    def count_params(self) -> int:
        """One row of output_dim weights per input id."""
        return self.input_dim * self.output_dim


@dataclass(frozen=True, slots=True)
class KerasNorm:
    """LayerNormalization (scale, and bias when `center`) or RMSNormalization (`rms`)."""

    name: str
    group: Group
    width: int
    center: bool
    rms: bool
    repeat: int = 1

    def count_params(self) -> int:
        """gamma, plus beta when centred."""
        return self.width * (2 if self.center else 1)


@dataclass(frozen=True, slots=True)
class KerasConv:
    """`keras.layers.Conv1D/Conv2D(filters, kernel, groups, use_bias)` on `channels` inputs."""

    name: str
    group: Group
    channels: int
    filters: int
    kernel: tuple[int, ...]
    groups: int
    use_bias: bool
    repeat: int = 1

    def count_params(self) -> int:
        """A kernel of channels / groups per filter, plus a bias per filter."""
        kernel = self.filters * (self.channels // self.groups) * prod(self.kernel)
        return kernel + (self.filters if self.use_bias else 0)


@dataclass(frozen=True, slots=True)
class Weight:
    """A plain weight with no Keras layer of its own (`add_weight(shape)`)."""

    name: str
    group: Group
    shape: tuple[int, ...]
    repeat: int = 1

    def count_params(self) -> int:
        """Its elements."""
        return prod(self.shape)


Layer = Dense | KerasEmbedding | KerasNorm | KerasConv | Weight


def keras_layer(record: Record, repeat: int) -> Layer:
    """The Keras layer that holds a record's parameters, occurring `repeat` times."""
    if isinstance(record, Linear):
        inputs = 0 if record.tied else record.inputs
        return Dense(
            record.name, record.group, inputs, record.outputs, record.bias, repeat * record.copies
        )
    if isinstance(record, Embedding):
        return KerasEmbedding(record.name, record.group, record.rows, record.width, repeat)
    if isinstance(record, Norm):
        return KerasNorm(record.name, record.group, record.width, record.bias, record.rms, repeat)
    if isinstance(record, Conv):
        return KerasConv(
            record.name,
            record.group,
            record.in_channels,
            record.out_channels,
            record.kernel,
            record.groups,
            record.bias,
            repeat,
        )
    assert isinstance(record, Param)
    return Weight(record.name, record.group, record.shape, repeat)


def keras_layers(counted: Breakdown) -> list[Layer]:
    """Every Keras layer the model needs, with how often each occurs."""
    return [keras_layer(r, n) for r, n in counted.enumeration.every_record()]


def dense_formula_counts(counted: Breakdown) -> dict[Group, int]:
    """Per-group counts from the Keras formulas over the records' layer descriptions."""
    counts = dict.fromkeys(GROUPS, 0)
    for layer in keras_layers(counted):
        counts[layer.group] += layer.count_params() * layer.repeat
    return counts
