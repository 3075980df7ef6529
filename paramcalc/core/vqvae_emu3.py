"""Emu3's VQ-VAE: a spatial encoder with temporal convolutions, a codebook, and the decoder
transformers builds beside them (`Emu3VQVAE`, `modeling_emu3.py`, transformers 5.23).

Every tensor is the vision tower. Groups as for Chameleon's tokenizer
(`paramcalc.core.vqvae`): the encoder's conv_in and the codebook are embedding, the attention
blocks' q/k/v/out projections attention, GroupNorms, BatchNorms and a spatial norm's
GroupNorm norm; every other convolution, a spatial norm's conv_y and conv_b (scale and shift
from the quantized latent, conditioning) included, is feedforward. The attention blocks are
`hidden_size` wide whatever the channels of their level, as transformers builds them.
paramcalc gives the tokenizer no per-image FLOPs figure.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Embedding, Group, Linear, Record, Stream, Tower
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.core.vqvae import conv

F, V = Group.FEEDFORWARD, Tower.VISION
NORMS = Context(1, NormType.LAYERNORM, V, Stream.IMAGE)


def conv3d(name: str, inputs: int, outputs: int, kernel: tuple[int, int, int]) -> Record:
    """Emu3VQVAEConv3d: a biased Conv3d held as `.conv`."""
    return Conv(f"{name}.conv", inputs, outputs, kernel, 1, True, F, V, Stream.IMAGE)


def spatial_norm(name: str, quant: int, channels: int) -> list[Record]:
    """Emu3VQVAESpatialNorm: a GroupNorm and two 1x1 convs from the quantized latent."""
    return [
        *NORMS.norm(f"{name}.norm_layer", channels),
        conv(f"{name}.conv_y", quant, channels, 1, F),
        conv(f"{name}.conv_b", quant, channels, 1, F),
    ]


def norm(name: str, channels: int, quant: int | None) -> list[Record]:
    """A GroupNorm, or a spatial norm in the decoder (`quant` channels of latent)."""
    if quant is None:
        return [*NORMS.norm(name, channels)]
    return spatial_norm(name, quant, channels)


def resnet(name: str, inputs: int, outputs: int, quant: int | None = None) -> list[Record]:
    """Emu3VQVAEResnetBlock: norm1, norm2, two 3x3 convs, a 1x1 nin_shortcut when the width
    changes."""
    records = [
        *norm(f"{name}.norm1", inputs, quant),
        *norm(f"{name}.norm2", outputs, quant),
        conv(f"{name}.conv1", inputs, outputs, 3, F),
        conv(f"{name}.conv2", outputs, outputs, 3, F),
    ]
    if inputs != outputs:
        records.append(conv(f"{name}.nin_shortcut", inputs, outputs, 1, F))
    return records


def temporal_resnet(name: str, channels: int) -> list[Record]:
    """Emu3VQVAETemporalResnetBlock of one width: BatchNorm3d and a 3x3x3 conv, twice."""
    return [
        *NORMS.norm(f"{name}.norm1", channels),
        conv3d(f"{name}.conv1", channels, channels, (3, 3, 3)),
        *NORMS.norm(f"{name}.norm2", channels),
        conv3d(f"{name}.conv2", channels, channels, (3, 3, 3)),
    ]


class Emu3Tokenizer(Spec):
    """Emu3VQVAE: encoder, decoder, codebook, quant_conv and post_quant_conv."""

    kind: Literal["emu3_vqvae"] = "emu3_vqvae"
    in_channels: PositiveInt = 3
    """Channels of an input image."""
    out_channels: PositiveInt = 3
    """Channels the decoder gives back."""
    base_channels: PositiveInt
    """Channels of the first level."""
    channel_multiplier: tuple[PositiveInt, ...] = Field(min_length=1)
    """Each level's channels as a multiple of base_channels."""
    num_res_blocks: Count
    """Residual blocks per encoder level (one more per decoder level) and temporal ones."""
    attn_levels: tuple[Count, ...] = ()
    """Levels (indices) with an attention block after each residual block."""
    temporal_blocks: Count
    """Temporal down- (encoder) and upsampling (decoder) convolutions:
    log2(temporal_downsample_factor)."""
    hidden_size: PositiveInt
    """Width of every attention block."""
    latent_channels: PositiveInt
    """Channels of the latent."""
    double_latent: bool = False
    """The encoder's conv_out (and its temporal layers) give twice latent_channels."""
    embed_dim: PositiveInt
    """Width of a codebook vector (the decoder's spatial norms read it)."""
    codebook_size: Count
    """Vectors of the codebook."""

    def attention(self, name: str) -> list[Record]:
        """Emu3VQVAEAttentionBlock: biased k, v, q and out projections of hidden_size."""
        h = self.hidden_size
        return [
            Linear(f"{name}.{p}", h, h, True, Group.ATTENTION, V, Stream.IMAGE)
            for p in ("k_proj", "v_proj", "q_proj", "out_proj")
        ]

    def middle(self, name: str, channels: int, quant: int | None) -> list[Record]:
        """Emu3VQVAEMiddleBlock: block_1, attn_1, attn_norm, block_2."""
        return [
            *resnet(f"{name}.block_1", channels, channels, quant),
            *self.attention(f"{name}.attn_1"),
            *norm(f"{name}.attn_norm", channels, quant),
            *resnet(f"{name}.block_2", channels, channels, quant),
        ]

    def encoder(self) -> list[Record]:
        """conv_in, down_block, middle_block, norm_out, conv_out, time_conv, time_res_stack."""
        base, mults = self.base_channels, self.channel_multiplier
        records = [conv("conv_in", self.in_channels, base, 3, Group.EMBEDDING)]
        channels = base
        for level, mult in enumerate(mults):
            name, out = f"down_block.down.{level}", base * mult
            blocks: list[Record] = []
            attns: list[Record] = []
            norms: list[Record] = []
            for b in range(self.num_res_blocks):
                blocks += resnet(f"{name}.block.{b}", channels, out)
                channels = out
                if level in self.attn_levels:
                    attns += self.attention(f"{name}.attn.{b}")
                    norms += NORMS.norm(f"{name}.attn_norms.{b}", channels)
            records += blocks + attns + norms
            if level != len(mults) - 1:
                records.append(conv(f"{name}.downsample.conv", channels, channels, 3, F))
        latent = 2 * self.latent_channels if self.double_latent else self.latent_channels
        records += [
            *self.middle("middle_block", channels, None),
            *NORMS.norm("norm_out", channels),
            conv("conv_out", channels, latent, 3, F),
        ]
        for i in range(self.temporal_blocks):
            records.append(conv3d(f"time_conv.{i}.conv", latent, latent, (4, 3, 3)))
        for i in range(self.num_res_blocks):
            records += temporal_resnet(f"time_res_stack.{i}", latent)
        return records

    def decoder(self) -> list[Record]:
        """time_res_stack, time_conv, conv_in, middle_block, up_block, norm_out, conv_out; every
        norm but the temporal BatchNorms a spatial norm over the embed_dim-wide latent."""
        base, mults, quant, latent = (
            self.base_channels,
            self.channel_multiplier,
            self.embed_dim,
            self.latent_channels,
        )
        records: list[Record] = []
        for i in range(self.num_res_blocks):
            records += temporal_resnet(f"time_res_stack.{i}", latent)
        for i in range(self.temporal_blocks):
            records.append(conv3d(f"time_conv.{i}.conv", latent, latent, (3, 3, 3)))
        channels = base * mults[-1]
        records.append(conv("conv_in", latent, channels, 3, F))
        records += self.middle("middle_block", channels, quant)
        levels: list[list[Record]] = []
        for level in reversed(range(len(mults))):  # built from the top, listed from level 0
            name, out = f"up_block.up.{level}", base * mults[level]
            blocks: list[Record] = []
            attns: list[Record] = []
            norms: list[Record] = []
            for b in range(self.num_res_blocks + 1):
                blocks += resnet(f"{name}.block.{b}", channels, out, quant)
                channels = out
                if level in self.attn_levels:
                    attns += self.attention(f"{name}.attn.{b}")
                    norms += spatial_norm(f"{name}.attn_norms.{b}", quant, channels)
            upsample = [conv(f"{name}.upsample.conv", channels, channels, 3, F)] if level else []
            levels.insert(0, blocks + attns + norms + upsample)
        records += [r for level_records in levels for r in level_records]
        first = base * mults[0]
        records += [
            *spatial_norm("norm_out", quant, first),
            conv("conv_out", first, self.out_channels, 3, F),
        ]
        return records

    def records(self) -> list[Record]:
        """encoder, decoder, quantize's codebook, quant_conv and post_quant_conv, in the order
        transformers registers them."""
        latent, dim = self.latent_channels, self.embed_dim
        return [
            *(prefixed("encoder", r) for r in self.encoder()),
            *(prefixed("decoder", r) for r in self.decoder()),
            Embedding("quantize.embedding", self.codebook_size, dim, Group.EMBEDDING, V),
            conv3d("quant_conv", latent, dim, (3, 1, 1)),
            conv3d("post_quant_conv", dim, latent, (3, 1, 1)),
        ]


def prefixed(root: str, record: Record) -> Record:
    """A record moved under `root`."""
    from dataclasses import replace

    return replace(record, name=f"{root}.{record.name}")
