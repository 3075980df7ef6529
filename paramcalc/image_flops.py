"""Forward FLOPs of one image through a vision tower and its projector, as FlopCounterMode
counts them on the model's image-feature path.

The encoder's blocks run over a row per patch and the class token (`VisionTower.image_rows`);
its patch embedding over the patches alone (a convolution costs 2 x outputs x in_channels x
kernel, as a linear layer over flattened patches does); its attention computes every pair of
rows. The projector's projections run over the rows its layout leaves (`ImageRows`: the class
token dropped or kept, patches merged by a pixel shuffle or an average pool, neither of which
is a matmul). A tower without a fixed image size, or a projector whose layout was not checked
against the model (`Projector.image_rows` unset), gets no figure but a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from paramcalc.core.attention import Attention
from paramcalc.core.enumerate import vision_tower
from paramcalc.core.model import Model
from paramcalc.core.names import Naming
from paramcalc.core.records import Record, Stream
from paramcalc.core.vision import Projector, VisionTower
from paramcalc.flops import matmul_flops

#: Why a vision tower has no per-image figure.
DYNAMIC = "dynamic resolution: per-image FLOPs need an image size (the tower fixes none)"
UNCHECKED = "not computed: this family's image path is not checked against the model"


@dataclass(frozen=True)
class ImageFlops:
    """FLOPs of one image of `image_size` pixels square: the encoder's, then the projector's."""

    image_size: int
    patches: int
    encoder_rows: int
    projector_rows: int
    vision: int
    projector: int

    @property
    def total(self) -> int:
        """The encoder and the projector together."""
        return self.vision + self.projector

    @property
    def image_tokens(self) -> int:
        """Tokens the language model reads for the image: the projector's output rows."""
        return self.projector_rows


@dataclass(frozen=True)
class NoImageFlops:
    """A vision tower paramcalc gives no per-image figure, and why."""

    reason: str


def rows_of(records: tuple[Record, ...] | list[Record], rows: int) -> int:
    """2 x rows x weights of every projection among `records`, each over `rows` rows."""
    layout = dict.fromkeys(Stream, 0) | {Stream.IMAGE: rows}
    return sum(matmul_flops(r, layout) for r in records)


def encoder_flops(tower: VisionTower, patches: int, rows: int) -> int | None:
    """The encoder over one image: the patch embedding over its patches, each layer's
    projections over `rows`, its attention over rows x rows pairs, the pooling head; none for
    a block with anything but plain self-attention, or image tiles."""
    if tower.tiles is not None:
        return None
    enumeration = vision_tower(tower, Naming())
    total = rows_of(enumeration.front, patches) + tower.head_flops(rows)
    for block in enumeration.blocks:
        total += rows_of(block.records, rows) * len(block.layers)
    for stack in tower.stacks:
        width = stack.width(tower.hidden_size)
        for spec, layers in stack.layer_blocks().values():
            if spec.cross_attention is not None:
                return None
            for mixer in spec.mixers:
                if not isinstance(mixer, Attention):
                    return None
                total += 2 * mixer.pair_products(width) * rows * rows * len(layers)
    return total


def projector_flops(projector: Projector, rows: int) -> int:
    """Every projection of the projector over its `rows` rows."""
    return rows_of([r for part in projector.parts for r in part.records()], rows)


def image_flops(model: Model, image_size: int | None = None) -> ImageFlops | NoImageFlops | None:
    """FLOPs of one image of `image_size` pixels a side (default: the tower's own image size,
    which a tower with a position table fixes); none for a model without a vision tower."""
    tower, projector = model.vision, model.projector
    if tower is None:
        return None
    fixed = tower.image_size
    if image_size is None and fixed is None:
        return NoImageFlops(DYNAMIC)
    if image_size is not None and fixed is not None and image_size != fixed:
        return NoImageFlops(
            f"not computed at {image_size} pixels: the tower is laid out for image_size={fixed}"
        )
    size = image_size or fixed
    assert size is not None  # one of them is set, checked above
    layout = projector.image_rows if projector is not None else None
    if projector is None or layout is None:
        return NoImageFlops(UNCHECKED)
    patches, rows = tower.grid(size), tower.image_rows(size)
    projector_rows = layout.rows(patches, rows - patches)
    if projector_rows is None:
        return NoImageFlops(
            f"not computed: {layout.describe()} cannot lay out the {patches}-patch grid "
            f"of a {size}-pixel image"
        )
    vision = encoder_flops(tower, patches, rows)
    if vision is None:
        return NoImageFlops(UNCHECKED)
    return ImageFlops(
        size, patches, rows, projector_rows, vision, projector_flops(projector, projector_rows)
    )
