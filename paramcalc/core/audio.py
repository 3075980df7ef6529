"""Whisper-style audio towers: a convolutional front-end over log-mel frames, then encoder blocks.

Whisper's encoder (and its copies in Qwen2-Audio, Voxtral, Audio Flamingo 3, GLM-ASR) reads
`num_mel_bins` log-mel channels through two biased Conv1d of kernel 3 (the second of stride
2), adds a position table of `max_source_positions` rows (none where the blocks use rotary),
runs a stack of encoder blocks (the same blocks a text tower has) and ends in a norm. The
front-end and the table are the tower's embedding (GROUPS.md), the pooling after the blocks
holds no parameter.

Qwen3-Omni's and Qwen3-ASR's encoders replace the two Conv1d by a strided Conv2d front-end
(`Conv2dFrontEnd`): three Conv2d of kernel 3 and stride 2 over the (mel, frame) plane, the
first from one channel, then an unbiased `conv_out` from the channels x mel bins left to the
width.

FLOPs: the tower runs once per clip of audio, not per text token; as for vision towers, its
records charge rows of the audio stream, which a per-token pass leaves at zero.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Embedding, Group, Linear, Record, Stream, Tower
from paramcalc.core.spec import Stack
from paramcalc.core.types import PositiveInt, Spec

#: Whisper's front-end: Conv1d(kernel_size=3, padding=1), the second with stride=2.
KERNEL = 3
STRIDE = 2


class WhisperFrontEnd(Spec):
    """Whisper's two biased Conv1d of kernel 3 over the log-mel channels, the second strided."""

    kind: Literal["whisper"] = "whisper"

    def records(self, mels: int, width: int) -> list[Record]:
        """conv1 and conv2 (embedding, audio tower)."""
        e, a, s = Group.EMBEDDING, Tower.AUDIO, Stream.AUDIO
        return [
            Conv("conv1", mels, width, (KERNEL,), 1, True, e, a, s),
            Conv("conv2", width, width, (KERNEL,), 1, True, e, a, s, downsampling=STRIDE),
        ]


class Conv2dFrontEnd(Spec):
    """Qwen3-Omni's front-end: conv2d1..conv2dN, biased Conv2d(kernel 3, stride 2, padding 1)
    over the (mel, frame) plane from one input channel, then conv_out, an unbiased linear map
    of the channels x the mel rows left to the width."""

    kind: Literal["conv2d"] = "conv2d"
    channels: PositiveInt
    """Filters of every convolution (downsample_hidden_size)."""
    layers: PositiveInt = 3
    """Strided convolutions."""

    def records(self, mels: int, width: int) -> list[Record]:
        """The convolutions and conv_out (embedding, audio tower)."""
        e, a, s, c = Group.EMBEDDING, Tower.AUDIO, Stream.AUDIO, self.channels
        records: list[Record] = []
        rows = mels
        for i in range(self.layers):
            inputs = 1 if i == 0 else c
            down = STRIDE ** (i + 1)
            records.append(
                Conv(
                    f"conv2d{i + 1}",
                    inputs,
                    c,
                    (KERNEL, KERNEL),
                    1,
                    True,
                    e,
                    a,
                    s,
                    downsampling=down,
                )
            )
            rows = (rows + 1) // STRIDE  # padding 1, kernel 3, stride 2
        records.append(Linear("conv_out", c * rows, width, False, e, a, s))
        return records


FrontEnd = Annotated[WhisperFrontEnd | Conv2dFrontEnd, Field(discriminator="kind")]


class AudioTower(Spec):
    """A Whisper-style speech encoder (Qwen2-Audio's, Voxtral's audio_tower)."""

    kind: Literal["audio"] = "audio"
    hidden_size: PositiveInt
    """Width of the encoder (d_model)."""
    num_mel_bins: PositiveInt = 128
    """Log-mel channels of an input frame: the first convolution's input channels."""
    max_source_positions: PositiveInt = 1500
    """Rows of the position table: frames after the strided convolution."""
    position_embedding: Literal["embedding", "none"] = "embedding"
    """A learned (or frozen sinusoidal, still a parameter) nn.Embedding table, or none for
    blocks with rotary positions (GLM-ASR)."""
    front_end: FrontEnd = WhisperFrontEnd()
    """The convolutions that turn log-mel frames into encoder rows."""
    post_norm: bool = True
    """A norm after the encoder blocks."""
    norm_type: NormType = NormType.LAYERNORM
    """Parameterisation of the tower's norms."""
    stack: Stack
    """The encoder blocks."""

    @model_validator(mode="after")
    def _check_mixers(self) -> AudioTower:
        self.stack.check_mixers(self.hidden_size)
        return self

    @property
    def stacks(self) -> tuple[Stack, ...]:
        """The encoder's stacks in the order they run."""
        return (self.stack,)

    def context(self) -> Context:
        """What the tower's blocks sit in."""
        return Context(self.hidden_size, self.norm_type, Tower.AUDIO, Stream.AUDIO)

    def embedding_records(self, ctx: Context) -> list[Record]:
        """The front-end and the position table (embedding, audio tower)."""
        records = self.front_end.records(self.num_mel_bins, self.hidden_size)
        if self.position_embedding == "embedding":
            e, a = Group.EMBEDDING, Tower.AUDIO
            records.append(
                Embedding("embed_positions", self.max_source_positions, self.hidden_size, e, a)
            )
        return records

    def back_records(self, ctx: Context) -> list[Record]:
        """The final norm."""
        return list(ctx.norm("post_norm", self.hidden_size)) if self.post_norm else []
