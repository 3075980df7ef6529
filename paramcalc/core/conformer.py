"""Conformer audio encoders: a frame subsampling, then blocks of a half-step feed-forward,
self-attention, a convolution module, a second half-step feed-forward and a final norm
(Gulati et al. 2020, "Conformer: Convolution-augmented Transformer for Speech Recognition").

One record, `Conformer`, with two block layouts (transformers 5.23), each naming its block
tensors as its encoder layer does:
- `glu_conv`, Phi-4-multimodal's (`Phi4MultimodalAudioModel`): a NeMo-style convolutional
  subsampling, a T5-like relative attention bias table shared by every layer, gated feed-
  forwards, a GLU pointwise then depthwise-separable convolution module;
- `shaw_batchnorm`, Granite Speech's (`GraniteSpeechCTCEncoder`): a linear input layer, Shaw
  relative position tables in every layer's attention, plain feed-forwards, a GLU pointwise
  convolution, an unbiased depthwise one and a BatchNorm, and the CTC projections out of and
  back into the width that the middle layer's output passes through.

Groups (GROUPS.md): the subsampling is the frame embedding (embedding); self-attention, its
position tables and the convolution module, which mixes frames along time, are the token
mixer (attention); the feed-forwards and the CTC projections (neither mixer nor norm) are
feedforward; LayerNorms and the BatchNorm are norm (its running statistics are buffers).

FLOPs: the encoder runs once per audio clip, over its subsampled frames, not per text token;
like a vision tower it adds nothing to per-token FLOPs (its records stream `Stream.AUDIO`).
It holds no KV cache.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

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


class LinearInput(Spec):
    """A linear layer from each input frame's features to the width (Granite's input_linear)."""

    kind: Literal["linear"] = "linear"
    input_size: PositiveInt
    """Features per input frame."""

    def records(self, hidden: int) -> list[Record]:
        """The projection."""
        return [Linear("input_linear", self.input_size, hidden, True, E, AUDIO, Stream.AUDIO)]


def conv1d(name: str, inputs: int, outputs: int, kernel: int = 1, **kw: int) -> Conv:
    """A 1-D convolution of the convolution module (attention group): biased unless bias=0,
    over groups=kw["groups"] channel groups."""
    groups, bias = kw.get("groups", 1), bool(kw.get("bias", 1))
    return Conv(name, inputs, outputs, (kernel,), groups, bias, A, AUDIO, Stream.AUDIO)


def linear(name: str, inputs: int, outputs: int, bias: bool = True, group: Group = A) -> Linear:
    """A projection over the encoder's frames."""
    return Linear(name, inputs, outputs, bias, group, AUDIO, Stream.AUDIO)


def layer_norm(name: str, width: int) -> Norm:
    """A LayerNorm (or BatchNorm: the same weight and bias) of the audio tower."""
    return Norm(name, width, True, tower=AUDIO)


class GluConvLayout(Spec):
    """Phi-4-multimodal's conformer block (Phi4MultimodalAudioConformerEncoderLayer) and the
    relative attention bias table its layers share."""

    kind: Literal["glu_conv"] = "glu_conv"
    bias_buckets: PositiveInt
    """Rows of the relative attention bias table (bias_max_distance, twice when asymmetric)."""
    depthwise_multiplier: PositiveInt = 1
    """Output channels per input channel of the depthwise convolution."""
    depthwise_out_channels: PositiveInt
    """Outputs of the pointwise convolution after the depthwise one."""
    pointwise_out_channels: PositiveInt
    """Outputs of the GLU's and the last pointwise convolutions (ext_pw_out_channel)."""

    def front(self, t: Conformer) -> list[Record]:
        """The bias table, a column per head."""
        name = "relative_attention_bias_layer.bias_values"
        return [Embedding(name, self.bias_buckets, t.num_attention_heads, A, AUDIO)]

    def layer(self, t: Conformer) -> list[Record]:
        """One block: feed_forward_in, layer_norm_att, self_attn, conv, feed_forward_out and
        the final layer_norm."""
        h, inner, k = t.hidden_size, t.num_attention_heads * t.head_dim, t.kernel_size
        dw, pw = h * self.depthwise_multiplier, self.pointwise_out_channels
        return [
            *self.ffn("feed_forward_in", t),
            layer_norm("layer_norm_att", h),
            *(linear(f"self_attn.{p}_proj", h, inner) for p in "qkv"),
            linear("self_attn.o_proj", inner, h),
            layer_norm("conv.layer_norm", h),
            # a GLU over one pointwise conv of twice the outputs, with two learned offsets
            conv1d("conv.glu.ext_pw_conv_1d", h, 2 * pw),
            Param("conv.glu.b1", (1, pw, 1), A, AUDIO),
            Param("conv.glu.b2", (1, pw, 1), A, AUDIO),
            conv1d("conv.dw_sep_conv_1d.dw_conv", h, dw, k, groups=h),
            conv1d("conv.dw_sep_conv_1d.pw_conv", dw, self.depthwise_out_channels),
            # built over hidden_size inputs, whatever the depthwise-separable outputs
            conv1d("conv.ext_pw_conv_1d", h, pw),
            *self.ffn("feed_forward_out", t),
            layer_norm("layer_norm", h),
        ]

    def back(self, t: Conformer) -> list[Record]:
        """Nothing after the blocks."""
        return []

    @staticmethod
    def ffn(module: str, t: Conformer) -> list[Record]:
        """A pre-normed gated feed-forward (Phi4MultimodalAudioMLP), biased."""
        h, i = t.hidden_size, t.intermediate_size
        return [
            layer_norm(f"{module}.layer_norm", h),
            linear(f"{module}.gate_up_proj", h, 2 * i, group=F),
            linear(f"{module}.down_proj", i, h, group=F),
        ]


class ShawBatchNormLayout(Spec):
    """Granite Speech's conformer block (GraniteSpeechConformerBlock) and its CTC projections."""

    kind: Literal["shaw_batchnorm"] = "shaw_batchnorm"
    relative_positions: PositiveInt
    """Rows of each layer's Shaw position table (2 x max_pos_emb + 1), head_dim wide."""
    conv_expansion_factor: PositiveInt
    """Channels of the depthwise convolution per encoder feature."""
    ctc_classes: PositiveInt
    """Outputs of the CTC projection (output_dim)."""

    def front(self, t: Conformer) -> list[Record]:
        """Nothing beside the input layer."""
        return []

    def layer(self, t: Conformer) -> list[Record]:
        """One block: ff1, attn, conv, ff2 and post_norm."""
        h, inner = t.hidden_size, t.num_attention_heads * t.head_dim
        channels = h * self.conv_expansion_factor
        return [
            *self.ffn("ff1", t),
            layer_norm("attn.pre_norm", h),
            linear("attn.to_q", h, inner, bias=False),
            linear("attn.to_kv", h, 2 * inner, bias=False),
            linear("attn.to_out", inner, h),
            Embedding("attn.rel_pos_emb", self.relative_positions, t.head_dim, A, AUDIO),
            layer_norm("conv.norm", h),
            conv1d("conv.up_conv", h, 2 * channels),  # halved by the GLU
            conv1d(
                "conv.depth_conv.conv", channels, channels, t.kernel_size, groups=channels, bias=0
            ),
            layer_norm("conv.batch_norm", channels),
            conv1d("conv.down_conv", channels, h),
            *self.ffn("ff2", t),
            layer_norm("post_norm", h),
        ]

    def back(self, t: Conformer) -> list[Record]:
        """The CTC projection and the one back into the width (feedforward)."""
        h, n = t.hidden_size, self.ctc_classes
        return [linear("out", h, n, group=F), linear("out_mid", n, h, group=F)]

    @staticmethod
    def ffn(module: str, t: Conformer) -> list[Record]:
        """A pre-normed SiLU feed-forward (GraniteSpeechConformerFeedForward), biased."""
        h, i = t.hidden_size, t.intermediate_size
        return [
            layer_norm(f"{module}.pre_norm", h),
            linear(f"{module}.up_proj", h, i, group=F),
            linear(f"{module}.down_proj", i, h, group=F),
        ]


Subsampling = Annotated[NemoSubsampling | LinearInput, Field(discriminator="kind")]
Layout = Annotated[GluConvLayout | ShawBatchNormLayout, Field(discriminator="kind")]


class Conformer(Spec):
    """A conformer audio encoder: its subsampling, its block layout and their sizes."""

    kind: Literal["conformer"] = "conformer"
    hidden_size: PositiveInt
    """Width of the encoder."""
    num_hidden_layers: PositiveInt
    """Conformer blocks (num_blocks, num_layers)."""
    num_attention_heads: PositiveInt
    """Heads of each block's self-attention."""
    head_dim: PositiveInt
    """Width of one head."""
    intermediate_size: PositiveInt
    """Width of each feed-forward (a gated one's gate_up_proj holds twice as many rows)."""
    kernel_size: PositiveInt
    """Taps of the depthwise convolution."""
    subsampling: Subsampling
    """What turns input frames into the encoder's rows."""
    layout: Layout
    """The blocks' tensors and what the encoder holds beside them."""

    def front_records(self) -> list[Record]:
        """The subsampling and what the layers share, under the encoder's path."""
        return [*self.subsampling.records(self.hidden_size), *self.layout.front(self)]

    def layer_records(self) -> list[Record]:
        """One conformer block, under its layer's path."""
        return self.layout.layer(self)

    def back_records(self) -> list[Record]:
        """What the encoder holds after its blocks, under its path."""
        return self.layout.back(self)
