"""Whisper-style audio towers: a convolutional front-end over log-mel frames, then encoder blocks.

Whisper's encoder (and its copies in Qwen2-Audio, Voxtral, Audio Flamingo 3, GLM-ASR) reads
`num_mel_bins` log-mel channels through two biased Conv1d of kernel 3 (the second of stride
2), adds a position table of `max_source_positions` rows (none where the blocks use rotary),
runs a stack of encoder blocks (the same blocks a text tower has) and ends in a norm. The
front-end and the table are the tower's embedding (GROUPS.md), the pooling after the blocks
holds no parameter.

FLOPs: the tower runs once per clip of audio, not per text token; as for vision towers, its
records charge rows of the audio stream, which a per-token pass leaves at zero.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Embedding, Group, Record, Stream, Tower
from paramcalc.core.spec import Stack
from paramcalc.core.types import PositiveInt, Spec

#: Whisper's front-end: Conv1d(kernel_size=3, padding=1), the second with stride=2.
KERNEL = 3
STRIDE = 2


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
        """The two front-end convolutions and the position table (embedding, audio tower)."""
        e, a, width = Group.EMBEDDING, Tower.AUDIO, self.hidden_size
        records: list[Record] = [
            Conv("conv1", self.num_mel_bins, width, (KERNEL,), 1, True, e, a, Stream.AUDIO),
            Conv(
                "conv2",
                width,
                width,
                (KERNEL,),
                1,
                True,
                e,
                a,
                Stream.AUDIO,
                downsampling=STRIDE,
            ),
        ]
        if self.position_embedding == "embedding":
            records.append(Embedding("embed_positions", self.max_source_positions, width, e, a))
        return records

    def back_records(self, ctx: Context) -> list[Record]:
        """The final norm."""
        return list(ctx.norm("post_norm", self.hidden_size)) if self.post_norm else []
