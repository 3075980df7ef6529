"""Image patches fed straight into a language model by one linear layer (Fuyu).

Fuyu has no image encoder: `vision_embed_tokens` maps each flattened patch (patch_size^2 x
num_channels values) to the text width, and the language model reads the result in place of
the image tokens' embeddings. That projection is the vision tower's patch embedding
(GROUPS.md: embedding, vision tower). paramcalc gives it no per-image FLOPs figure.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.records import Group, Linear, Record, Stream, Tower
from paramcalc.core.types import PositiveInt, Spec


class LinearPatches(Spec):
    """A biased Linear from a flattened patch to the language model's width."""

    kind: Literal["linear_patches"] = "linear_patches"
    patch_size: PositiveInt
    """Side of one patch, in pixels."""
    num_channels: PositiveInt = 3
    """Channels of an input image."""
    hidden_size: PositiveInt
    """Width the patches are projected to (the language model's)."""

    def records(self) -> list[Record]:
        """The projection, named by the family's `image_tokenizer` root."""
        inputs = self.patch_size * self.patch_size * self.num_channels
        return [
            Linear("", inputs, self.hidden_size, True, Group.EMBEDDING, Tower.VISION, Stream.IMAGE)
        ]
