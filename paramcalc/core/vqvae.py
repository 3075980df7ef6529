"""A VQ-VAE image tokenizer: a convolutional encoder, a codebook and its 1x1 convolutions.

Early-fusion models (Chameleon) turn an image into codebook indices that the language model
reads as ordinary tokens, so the tokenizer feeds no projector. Its tensors are the vision
tower: the input convolution and the codebook are embedding, the attention blocks' 1x1
q/k/v/proj_out convolutions attention, the GroupNorms norm, every other convolution (residual
blocks, downsampling, conv_out, quant_conv, post_quant_conv) feedforward.

Follows `ChameleonVQVAE` (`modeling_chameleon.py`, transformers 5.23). paramcalc gives the
tokenizer no per-image FLOPs figure.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Embedding, Group, Record, Stream, Tower
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError

#: Groups of every GroupNorm of the encoder (torch.nn.GroupNorm(num_groups=32, ...)).
NORM_GROUPS = 32


def conv(name: str, inputs: int, outputs: int, side: int, group: Group) -> Record:
    """A biased square convolution of the tokenizer."""
    return Conv(name, inputs, outputs, (side, side), 1, True, group, Tower.VISION, Stream.IMAGE)


class VQTokenizer(Spec):
    """Chameleon's VQ-VAE: encoder levels of residual blocks (and attention blocks at the
    listed resolutions), a middle block pair around an attention block, a codebook."""

    kind: Literal["vqvae"] = "vqvae"
    in_channels: PositiveInt = 3
    """Channels of an input image."""
    base_channels: PositiveInt
    """Channels of the first level (conv_in's outputs)."""
    channel_multiplier: tuple[PositiveInt, ...] = Field(min_length=1)
    """Each level's channels as a multiple of base_channels."""
    num_res_blocks: Count
    """Residual blocks per level."""
    resolution: PositiveInt
    """Side of an input image: with attn_resolutions, which levels hold attention blocks."""
    attn_resolutions: tuple[PositiveInt, ...] = ()
    """Sides at which a level puts an attention block after each residual block."""
    attention: bool = True
    """Attention blocks at all (attn_type "vanilla"); false leaves the middle one out too."""
    latent_channels: PositiveInt
    """Channels of the latent that quant_conv reads."""
    double_latent: bool = False
    """conv_out gives twice latent_channels."""
    embed_dim: PositiveInt
    """Width of a codebook vector."""
    num_embeddings: Count
    """Vectors of the codebook."""

    @model_validator(mode="after")
    def _check_groups(self) -> VQTokenizer:
        for mult in (1, *self.channel_multiplier):
            if (self.base_channels * mult) % NORM_GROUPS:
                raise FieldValueError(
                    "base_channels",
                    f"{self.base_channels} x {mult} channels do not split into "
                    f"{NORM_GROUPS} GroupNorm groups",
                )
        return self

    def resnet(self, name: str, inputs: int, outputs: int) -> list[Record]:
        """GroupNorm, 3x3 conv, GroupNorm, 3x3 conv, and a 1x1 nin_shortcut when the width
        changes."""
        ctx, f = self.context(), Group.FEEDFORWARD
        records = [
            *ctx.norm(f"{name}.norm1", inputs),
            conv(f"{name}.conv1", inputs, outputs, 3, f),
            *ctx.norm(f"{name}.norm2", outputs),
            conv(f"{name}.conv2", outputs, outputs, 3, f),
        ]
        if inputs != outputs:
            records.append(conv(f"{name}.nin_shortcut", inputs, outputs, 1, f))
        return records

    def attention_block(self, name: str, channels: int) -> list[Record]:
        """GroupNorm and 1x1 q, k, v and proj_out convolutions."""
        a = Group.ATTENTION
        parts = [conv(f"{name}.{p}", channels, channels, 1, a) for p in ("q", "k", "v")]
        return [
            *self.context().norm(f"{name}.norm", channels),
            *parts,
            conv(f"{name}.proj_out", channels, channels, 1, a),
        ]

    def context(self) -> Context:
        """Affine GroupNorms (weight and bias) in the vision tower."""
        return Context(self.base_channels, NormType.LAYERNORM, Tower.VISION, Stream.IMAGE)

    def records(self) -> list[Record]:
        """encoder (conv_in, down levels, mid, norm_out, conv_out), quantize's codebook,
        quant_conv and post_quant_conv, in the order transformers registers them."""
        base, mults = self.base_channels, self.channel_multiplier
        records = [conv("encoder.conv_in", self.in_channels, base, 3, Group.EMBEDDING)]
        side, channels = self.resolution, base
        for level, mult in enumerate(mults):
            out, attention = base * mult, self.attention and side in self.attn_resolutions
            blocks, attns = [], []
            for b in range(self.num_res_blocks):
                blocks += self.resnet(f"encoder.down.{level}.block.{b}", channels, out)
                channels = out
                if attention:
                    attns += self.attention_block(f"encoder.down.{level}.attn.{b}", channels)
            records += blocks + attns
            if level != len(mults) - 1:
                name = f"encoder.down.{level}.downsample.conv"
                records.append(conv(name, channels, channels, 3, Group.FEEDFORWARD))
                side //= 2
        records += self.resnet("encoder.mid.block_1", channels, channels)
        if self.attention:
            records += self.attention_block("encoder.mid.attn_1", channels)
        records += self.resnet("encoder.mid.block_2", channels, channels)
        latent = self.latent_channels
        out = 2 * latent if self.double_latent else latent
        records += [
            *self.context().norm("encoder.norm_out", channels),
            conv("encoder.conv_out", channels, out, 3, Group.FEEDFORWARD),
            Embedding(
                "quantize.embedding",
                self.num_embeddings,
                self.embed_dim,
                Group.EMBEDDING,
                Tower.VISION,
            ),
            conv("quant_conv", latent, self.embed_dim, 1, Group.FEEDFORWARD),
            conv("post_quant_conv", self.embed_dim, latent, 1, Group.FEEDFORWARD),
        ]
        return records
