"""Conformer audio encoders: a frame subsampling, then blocks of a half-step feed-forward,
self-attention, a convolution module, a second half-step feed-forward and a final norm
(Gulati et al. 2020, "Conformer: Convolution-augmented Transformer for Speech Recognition").

The record follows Phi-4-multimodal's audio encoder (`Phi4MultimodalAudioModel`,
transformers 5.23): a NeMo-style convolutional subsampling, a T5-like relative attention bias
table shared by every layer, gated (GLU) feed-forwards and a GLU pointwise, depthwise-separable
convolution module. Its block tensors are named as that encoder layer names them.

Groups (GROUPS.md): the subsampling is the frame embedding (embedding); self-attention, the
bias table and the convolution module, which mixes frames along time, are the token mixer
(attention); the feed-forwards are feedforward; LayerNorms are norm.

FLOPs: the encoder runs once per audio clip, over its subsampled frames, not per text token;
like a vision tower it adds nothing to per-token FLOPs (its records stream `Stream.AUDIO`).
It holds no KV cache.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from paramcalc.core.records import Conv, Embedding, Group, Linear, Norm, Param, Record, Stream
from paramcalc.core.records import Tower as TowerName
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

A, E, F, AUDIO = Group.ATTENTION, Group.EMBEDDING, Group.FEEDFORWARD, TowerName.AUDIO


def halvings(reduction: int) -> int:
    """int(log2(reduction)): the stride-2 stages a time reduction takes."""
    return reduction.bit_length() - 1


class NemoSubsampling(Spec):
    """NeMo's depthwise-striding subsampling (Phi4MultimodalAudioNemoConvSubsampling): a
    stride-2 3x3 convolution from one channel, then per further halving a depthwise stride-2
    3x3 and a pointwise 1x1 convolution, then `out` over channels x remaining features."""

    kind: Literal["nemo_conv"] = "nemo_conv"
    input_size: PositiveInt
    """Features per input frame (mel bins)."""
    channels: PositiveInt
    """Channels of the convolutions (nemo_conv_channels)."""
    time_reduction: PositiveInt
    """Subsampling factor; int(log2) of it stride-2 stages run over time and features."""

    @model_validator(mode="after")
    def _check_reduction(self) -> NemoSubsampling:
        if self.time_reduction % 2:
            raise FieldValueError("time_reduction", f"must be even, got {self.time_reduction}")
        return self

    @property
    def final_size(self) -> int:
        """Features left after the stride-2 stages (Phi4MultimodalAudioConfig.nemo_final_size)."""
        size = self.input_size
        for _ in range(halvings(self.time_reduction)):
            size = (size - 1) // 2 + 1
        return size

    def records(self, hidden: int) -> list[Record]:
        """The convolutions (`conv.{k}`, activations between them hold no tensor) and `out`."""
        c, s = self.channels, Stream.AUDIO
        records: list[Record] = [Conv("embed.conv.0", 1, c, (3, 3), 1, True, E, AUDIO, s)]
        for stage in range(halvings(self.time_reduction) - 1):
            first = 2 + 3 * stage  # conv, depthwise, pointwise, activation: three slots a stage
            records += [
                Conv(f"embed.conv.{first}", c, c, (3, 3), c, True, E, AUDIO, s),
                Conv(f"embed.conv.{first + 1}", c, c, (1, 1), 1, True, E, AUDIO, s),
            ]
        records.append(Linear("embed.out", c * self.final_size, hidden, True, E, AUDIO, s))
        return records


class Conformer(Spec):
    """A conformer audio encoder (Phi-4-multimodal's)."""

    kind: Literal["conformer"] = "conformer"
    hidden_size: PositiveInt
    """Width of the encoder."""
    num_hidden_layers: PositiveInt
    """Conformer blocks (num_blocks)."""
    num_attention_heads: PositiveInt
    """Heads of each block's self-attention and columns of the relative bias table."""
    head_dim: PositiveInt
    """Width of one head (hidden_size // num_attention_heads unless set)."""
    intermediate_size: PositiveInt
    """Width of each gated feed-forward (its gate_up_proj holds twice as many rows)."""
    subsampling: NemoSubsampling
    """What turns input frames into the encoder's rows."""
    bias_buckets: PositiveInt
    """Rows of the relative attention bias table (bias_max_distance, twice when asymmetric)."""
    kernel_size: PositiveInt
    """Taps of the depthwise convolution."""
    depthwise_multiplier: PositiveInt = 1
    """Output channels per input channel of the depthwise convolution."""
    depthwise_out_channels: PositiveInt
    """Outputs of the pointwise convolution after the depthwise one."""
    pointwise_out_channels: PositiveInt
    """Outputs of the GLU's and the last pointwise convolutions (ext_pw_out_channel)."""

    def front_records(self) -> list[Record]:
        """The subsampling and the relative bias table the layers share (`encoder.` roles)."""
        return [
            *self.subsampling.records(self.hidden_size),
            Embedding(
                "relative_attention_bias_layer.bias_values",
                self.bias_buckets,
                self.num_attention_heads,
                A,
                AUDIO,
            ),
        ]

    def layer_records(self) -> list[Record]:
        """One conformer block, named under its layer as Phi-4's encoder layer names it."""
        h = self.hidden_size
        inner = self.num_attention_heads * self.head_dim
        dw, pw = h * self.depthwise_multiplier, self.pointwise_out_channels
        records: list[Record] = [*self.ffn("feed_forward_in"), *self.norm("layer_norm_att")]
        records += [
            Linear(f"self_attn.{p}_proj", h, inner, True, A, AUDIO, Stream.AUDIO) for p in "qkv"
        ]
        records += [
            Linear("self_attn.o_proj", inner, h, True, A, AUDIO, Stream.AUDIO),
            *self.norm("conv.layer_norm"),
            # a GLU over one pointwise conv of twice the outputs, with two learned offsets
            Conv("conv.glu.ext_pw_conv_1d", h, 2 * pw, (1,), 1, True, A, AUDIO, Stream.AUDIO),
            Param("conv.glu.b1", (1, pw, 1), A, AUDIO),
            Param("conv.glu.b2", (1, pw, 1), A, AUDIO),
            Conv(
                "conv.dw_sep_conv_1d.dw_conv",
                h,
                dw,
                (self.kernel_size,),
                h,
                True,
                A,
                AUDIO,
                Stream.AUDIO,
            ),
            Conv(
                "conv.dw_sep_conv_1d.pw_conv",
                dw,
                self.depthwise_out_channels,
                (1,),
                1,
                True,
                A,
                AUDIO,
                Stream.AUDIO,
            ),
            # built over hidden_size inputs, whatever the depthwise-separable outputs
            Conv("conv.ext_pw_conv_1d", h, pw, (1,), 1, True, A, AUDIO, Stream.AUDIO),
            *self.ffn("feed_forward_out"),
            *self.norm("layer_norm"),
        ]
        return records

    def ffn(self, module: str) -> list[Record]:
        """A pre-normed gated feed-forward (Phi4MultimodalAudioMLP), biased."""
        h, i = self.hidden_size, self.intermediate_size
        return [
            *self.norm(f"{module}.layer_norm"),
            Linear(f"{module}.gate_up_proj", h, 2 * i, True, F, AUDIO, Stream.AUDIO),
            Linear(f"{module}.down_proj", i, h, True, F, AUDIO, Stream.AUDIO),
        ]

    def norm(self, name: str) -> list[Record]:
        """A LayerNorm over the encoder's width."""
        return [Norm(name, self.hidden_size, True, tower=AUDIO)]
