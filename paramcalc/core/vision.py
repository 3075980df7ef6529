"""Vision towers and projectors: an image encoder and what feeds its output to the language model.

A vision tower is a patch embedding (a convolution or a linear layer over flattened patches),
optional class token and position table, a stack of encoder blocks (the same blocks a text
tower has) and its norms, and optionally a pooling head (SigLIP's attention-pooling `head`,
counted as output per GROUPS.md). A projector is a short list of projections and norms.
"""

from __future__ import annotations

from math import isqrt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Embedding, Group, Linear, Param, Record, Stream, Tower
from paramcalc.core.spec import Stack
from paramcalc.core.tiles import TileEmbeddings
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError

Role = Annotated[str, Field(min_length=1, max_length=64)]


class VisionNeck(Spec):
    """SAM's neck after the encoder blocks (GOT-OCR2's vision_tower.neck): an unbiased 1x1
    convolution to output_channels, a LayerNorm over channels, an unbiased 3x3 convolution and
    another LayerNorm; its convolutions are feedforward."""

    output_channels: PositiveInt
    """Channels the neck gives the projector."""

    def records(self, hidden: int) -> list[Record]:
        """conv1, layer_norm1, conv2, layer_norm2."""
        out, f, v = self.output_channels, Group.FEEDFORWARD, Tower.VISION
        ctx = Context(out, NormType.LAYERNORM, v, Stream.IMAGE)
        return [
            Conv("neck.conv1", hidden, out, (1, 1), 1, False, f, v, Stream.IMAGE),
            *ctx.norm("neck.layer_norm1", out),
            Conv("neck.conv2", out, out, (3, 3), 1, False, f, v, Stream.IMAGE),
            *ctx.norm("neck.layer_norm2", out),
        ]


class VisionTower(Spec):
    """An image encoder (SigLIP, CLIP ViT, Llama 4's vision model)."""

    kind: Literal["vision"] = "vision"
    hidden_size: PositiveInt
    """Width of the encoder."""
    num_channels: PositiveInt = 3
    """Channels of an input image."""
    image_size: PositiveInt | None = None
    """Side of the (square) input image, in pixels; none for an encoder of any resolution
    without a position table (Qwen2-VL)."""
    patch_size: PositiveInt
    """Side of one patch, in pixels."""
    temporal_patch_size: PositiveInt | None = None
    """Frames of one patch, for a Conv3d patch embedding over video frames (Qwen2-VL), or
    flattened into a linear one's inputs (LFM3-VL); none for a Conv2d."""
    patch_embedding: Literal["conv", "linear"] = "conv"
    """A Conv2d over the image (SigLIP) or a linear layer over flattened patches (Llama 4)."""
    patch_bias: bool = True
    """The patch embedding has a bias."""
    class_token: bool = False
    """A learned class embedding is prepended to the patches."""
    position_embedding: Literal[
        "embedding", "parameter", "axes", "rows_columns", "grid", "none"
    ] = "embedding"
    """Learned positions as an nn.Embedding table (SigLIP), a bare parameter (Llama 4), a
    bare parameter of one table per image axis, (2, position_rows, width), that a patch's x
    and y index (Gemma 4), two nn.Embedding tables of position_rows rows that a patch's row
    and column index (Pix2Struct's row_embedder and column_embedder), or a bare parameter
    laid out as a patch grid, (*position_grid, width), resampled to each image's grid (Kimi
    K2.5)."""
    position_grid: tuple[PositiveInt, PositiveInt] | None = None
    """Rows and columns of a grid position table (Kimi K2.5's pos_emb_height and
    pos_emb_width)."""
    position_rows: PositiveInt | None = None
    """Rows of a position table resampled to each image's grid (Qwen3-VL's
    num_position_embeddings); none for one row per patch of image_size."""
    batched_tokens: bool = False
    """The class token, mask token and position parameter keep timm's leading singleton
    dimensions ((1, 1, width), (1, positions, width); InternVL)."""
    mask_token: bool = False
    """A learned mask token (InternVL's use_mask_token)."""
    pre_norm: bool = False
    """A norm before the encoder blocks."""
    post_norm: bool = True
    """A norm after the encoder blocks."""
    norm_type: NormType = NormType.LAYERNORM
    """Parameterisation of the tower's norms."""
    post_norm_type: NormType | None = None
    """Parameterisation of the final norm when it differs from the blocks' (InternVL's final
    LayerNorm after RMSNorm blocks)."""
    stack: Stack
    """The encoder blocks."""
    global_stack: Stack | None = None
    """A second stack run on the first's output, under its own name (Mllama's gated
    global_transformer)."""
    neck: VisionNeck | None = None
    """SAM's convolutional neck after the blocks (GOT-OCR2)."""
    tiles: TileEmbeddings | None = None
    """Tile and aspect-ratio embeddings of an encoder over image tiles (Mllama)."""
    head: Literal["none", "attention_pool"] = "none"
    """SigLIP's attention-pooling head (probe, multi-head attention, norm and MLP)."""
    head_intermediate_size: PositiveInt | None = None
    """Width of the pooling head's MLP."""
    head_heads: PositiveInt | None = None
    """Heads of the pooling head's attention."""

    @model_validator(mode="after")
    def _check_patches(self) -> VisionTower:
        if (self.position_embedding == "grid") != (self.position_grid is not None):
            raise FieldValueError("position_grid", "set exactly when position_embedding is grid")
        if self.image_size is None:
            sized = self.position_rows is not None or self.position_grid is not None
            if self.position_embedding != "none" and not sized:
                raise FieldValueError("image_size", "required by a position table")
        elif self.patch_size > self.image_size:
            raise FieldValueError(
                "patch_size", f"{self.patch_size} exceeds image_size={self.image_size}"
            )
        if self.global_stack is not None and self.global_stack.name == self.stack.name:
            raise FieldValueError("global_stack.name", f"{self.stack.name!r} names both stacks")
        if self.head == "attention_pool" and self.head_intermediate_size is None:
            raise FieldValueError("head_intermediate_size", "required by the attention-pool head")
        for stack in self.stacks:
            stack.check_mixers(self.hidden_size)
        return self

    @property
    def stacks(self) -> tuple[Stack, ...]:
        """The encoder's stacks in the order they run."""
        return (self.stack,) if self.global_stack is None else (self.stack, self.global_stack)

    @property
    def patches(self) -> int:
        """Patches of one image (0 when the resolution is free)."""
        return ((self.image_size or 0) // self.patch_size) ** 2

    def grid(self, image_size: int) -> int:
        """Patches of a square image of `image_size` pixels a side (a partial patch is
        dropped, as the strided convolution does)."""
        return (image_size // self.patch_size) ** 2

    def image_rows(self, image_size: int) -> int:
        """Rows the encoder's blocks run over for one image: a row per patch and the class
        token."""
        return self.grid(image_size) + (1 if self.class_token else 0)

    def head_flops(self, rows: int) -> int:
        """FLOPs of the attention-pooling head over `rows` encoder rows, as
        nn.MultiheadAttention runs it (its probe is one query): the probe's query and the rows'
        keys and values (in_proj split, q against k and v), one score and one weighted sum per
        row over the full width, out_proj and the MLP on the probe alone."""
        if self.head == "none":
            return 0
        vh, vi = self.hidden_size, self.head_intermediate_size or 0
        query, keys_values, pairs = vh * vh, rows * 2 * vh * vh, 2 * rows * vh
        return 2 * (query + keys_values + pairs + vh * vh + 2 * vh * vi)

    @property
    def positions(self) -> int:
        """Rows of the position table: a patch each, and the class token."""
        if self.position_rows is not None:
            return self.position_rows
        return self.patches + (1 if self.class_token else 0)

    def context(self) -> Context:
        """What the tower's blocks sit in."""
        return Context(self.hidden_size, self.norm_type, Tower.VISION, Stream.IMAGE)

    def embedding_records(self, ctx: Context) -> list[Record]:
        """Patch embedding, class token and positions (embedding group, vision tower)."""
        e, v, vh = Group.EMBEDDING, Tower.VISION, self.hidden_size
        p, t = self.patch_size, self.temporal_patch_size
        if self.patch_embedding == "conv":
            records: list[Record] = [
                Conv(
                    "patch_embedding",
                    self.num_channels,
                    vh,
                    (p, p) if t is None else (t, p, p),
                    1,
                    self.patch_bias,
                    e,
                    v,
                    Stream.IMAGE,
                )
            ]
        else:
            records = [
                Linear(
                    "patch_embedding",
                    self.num_channels * (t or 1) * p * p,
                    vh,
                    self.patch_bias,
                    e,
                    v,
                    Stream.IMAGE,
                )
            ]
        lead = (1, 1) if self.batched_tokens else ()
        if self.class_token:
            records.append(Param("class_embedding", (*lead, vh), e, v))
        if self.mask_token:
            records.append(Param("mask_token", (*lead, vh), e, v))
        if self.position_embedding == "embedding":
            records.append(Embedding("position_embedding", self.positions, vh, e, v))
        elif self.position_embedding == "parameter":
            rows = (1, self.positions) if self.batched_tokens else (self.positions,)
            records.append(Param("position_embedding", (*rows, vh), e, v))
        elif self.position_embedding == "axes":
            records.append(Param("position_embedding", (2, self.positions, vh), e, v))
        elif self.position_embedding == "rows_columns":
            records.append(Embedding("row_embedding", self.positions, vh, e, v))
            records.append(Embedding("column_embedding", self.positions, vh, e, v))
        elif self.position_grid is not None:
            grid = (*lead[:1], *self.position_grid, vh)  # SAM's pos_embed keeps a leading 1
            records.append(Param("position_embedding", grid, e, v))
        if self.tiles is not None:
            records += self.tiles.records(vh, self.positions)
        if self.pre_norm:
            records += ctx.norm("pre_norm", vh)
        return records

    def back_records(self, ctx: Context) -> list[Record]:
        """The final norm and the pooling head."""
        records: list[Record] = []
        if self.neck is not None:
            records += self.neck.records(self.hidden_size)
        if self.post_norm:
            records += ctx.norm("post_norm", self.hidden_size, self.post_norm_type)
        if self.head == "attention_pool":
            assert self.head_intermediate_size is not None  # checked above
            vh, vi, o, v = self.hidden_size, self.head_intermediate_size, Group.OUTPUT, Tower.VISION
            records += [
                Param("head.probe", (1, 1, vh), o, v),
                # nn.MultiheadAttention: one in_proj for q, k and v, then out_proj.
                Linear(
                    "head.attention",
                    vh,
                    3 * vh,
                    True,
                    o,
                    v,
                    Stream.IMAGE,
                    weight_name="in_proj_weight",
                    bias_name="in_proj_bias",
                ),
                Linear("head.attention.out_proj", vh, vh, True, o, v, Stream.IMAGE),
                *ctx.norm("head.layernorm", vh, group=o),
                Linear("head.mlp.fc1", vh, vi, True, o, v, Stream.IMAGE),
                Linear("head.mlp.fc2", vi, vh, True, o, v, Stream.IMAGE),
            ]
        return records


class ProjectorLinear(Spec):
    """A projection of the projector (projector tower): feedforward, or attention for the
    projections of a real token mixer (a cross-attention's, per GROUPS.md)."""

    kind: Literal["linear"] = "linear"
    role: Role
    """Its role, which the family's naming turns into a module path."""
    inputs: PositiveInt
    """Input features."""
    outputs: PositiveInt
    """Output features."""
    bias: bool = False
    """The projection has a bias."""
    weight_name: Annotated[str, Field(max_length=64)] = "weight"
    """The parameter's own name (Gemma 3 stores `mm_input_projection_weight`)."""
    bias_name: Annotated[str, Field(max_length=64)] = "bias"
    """The bias parameter's own name (nn.MultiheadAttention's `in_proj_bias`)."""
    transposed: bool = False
    """Stored (in, out), as a bare parameter multiplied from the left."""
    mixer: bool = False
    """A projection of a token mixer inside the projector (attention group)."""

    def records(self) -> list[Record]:
        """The projection."""
        return [
            Linear(
                self.role,
                self.inputs,
                self.outputs,
                self.bias,
                Group.ATTENTION if self.mixer else Group.FEEDFORWARD,
                Tower.PROJECTOR,
                Stream.IMAGE,
                transposed=self.transposed,
                weight_name=self.weight_name,
                bias_name=self.bias_name,
            )
        ]


class ProjectorConv(Spec):
    """A square convolution of the projector over the encoder's patch grid (GLM-4V's
    downsample): feedforward group, projector tower."""

    kind: Literal["conv"] = "conv"
    role: Role
    """Its role, which the family's naming turns into a module path."""
    in_channels: PositiveInt
    """Input channels (the encoder's width)."""
    out_channels: PositiveInt
    """Filters."""
    kernel_size: PositiveInt
    """Side of the kernel."""
    bias: bool = True
    """The convolution has a bias."""

    def records(self) -> list[Record]:
        """The filter bank."""
        k = self.kernel_size
        return [
            Conv(
                self.role,
                self.in_channels,
                self.out_channels,
                (k, k),
                1,
                self.bias,
                Group.FEEDFORWARD,
                Tower.PROJECTOR,
                Stream.IMAGE,
            )
        ]


class ProjectorNorm(Spec):
    """A norm of the projector (norm group, projector tower)."""

    kind: Literal["norm"] = "norm"
    role: Role
    """Its role, which the family's naming turns into a module path."""
    width: PositiveInt
    """Features normalized."""
    norm_type: NormType = NormType.RMSNORM
    """Parameterisation of the norm."""

    def records(self) -> list[Record]:
        """The norm's tensors."""
        return list(
            Context(self.width, self.norm_type, Tower.PROJECTOR).norm(self.role, self.width)
        )


class ProjectorToken(Spec):
    """A learned vector of the projector, such as a separator token, or a table of learned
    queries (embedding group)."""

    kind: Literal["token"] = "token"
    role: Role
    """Its role, which the family's naming turns into a parameter name."""
    width: PositiveInt
    """Elements of the vector (LLaVA-NeXT's `image_newline`: the text width)."""
    lead: tuple[PositiveInt, ...] = ()
    """Leading dimensions of a table of such vectors (Aria's learned queries and Idefics2's
    latents: (rows,); Gemma 4 unified's factorized positions: (positions, 2))."""

    def records(self) -> list[Record]:
        """The parameter."""
        return [Param(self.role, (*self.lead, self.width), Group.EMBEDDING, Tower.PROJECTOR)]


class ProjectorScale(Spec):
    """A learned scale or gate of the projector, neither a projection nor a norm (DeepSeek-VL
    hybrid's high_res_vision_alpha): feedforward group, as GROUPS.md files such extras."""

    kind: Literal["scale"] = "scale"
    role: Role
    """Its role, which the family's naming turns into a parameter name."""
    shape: tuple[PositiveInt, ...] = (1,)
    """Its shape."""

    def records(self) -> list[Record]:
        """The parameter."""
        return [Param(self.role, self.shape, Group.FEEDFORWARD, Tower.PROJECTOR)]


ProjectorPart = Annotated[
    ProjectorLinear | ProjectorConv | ProjectorNorm | ProjectorToken | ProjectorScale,
    Field(discriminator="kind"),
]


class ImageRows(Spec):
    """How the projector lays out one image's encoder output into its rows: which rows it
    keeps and how many it merges into one (the rows every projection then multiplies)."""

    class_token: bool = False
    """The class token reaches the projector (LLaVA's vision_feature_select_strategy "full");
    otherwise it is dropped, or the encoder has none."""
    merge: PositiveInt = 1
    """Side of the square of patches a pixel shuffle puts in one row: scale_factor (Idefics3)
    or 1 / the shuffle ratio (InternVL, Llama 4); it must divide the grid's side, unless
    drops_partial."""
    drops_partial: bool = False
    """The merge drops the patches past the side's last whole square (Mistral 3's unfold of
    spatial_merge_size) instead of needing the side to divide."""
    pooled_side: PositiveInt | None = None
    """Side of the grid an average pool leaves, with a kernel of the patch grid's side //
    pooled_side (Gemma 3: int(mm_tokens_per_image ** 0.5)); none without a pool."""

    def rows(self, patches: int, class_tokens: int) -> int | None:
        """Projector rows of an image of `patches` patches on a square grid; none when the
        shuffle or the pool cannot lay the grid out (the model fails there)."""
        side = isqrt(patches)
        if self.pooled_side is not None:
            kernel = side // self.pooled_side
            merged = (side // kernel) ** 2 if kernel else None
        else:
            whole = self.drops_partial or not side % self.merge
            merged = (side // self.merge) ** 2 if whole else None
        if merged is None:
            return None
        return merged + (class_tokens if self.class_token else 0)

    def describe(self) -> str:
        """What the layout does to the grid, for a message."""
        if self.pooled_side is not None:
            return f"an average pool to {self.pooled_side} x {self.pooled_side}"
        return f"a pixel shuffle by {self.merge}"


class Projector(Spec):
    """What connects an encoder to the language model: projections, norms and learned tokens."""

    parts: tuple[ProjectorPart, ...]
    """The projector's layers."""
    image_tokens: Count = 0
    """Tokens one image becomes in the language model (for per-image figures)."""
    image_rows: ImageRows | None = None
    """How one image's rows reach the projector; none where paramcalc does not compute
    per-image FLOPs (a layout not checked against the model's image path)."""
