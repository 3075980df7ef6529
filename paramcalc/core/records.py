"""Typed tensor records: what a model's parameters are, named as transformers names them.

The calculator turns an architecture into these records and every figure is a fold over them:
counts by group and tower, per layer, memory, FLOPs, the KV cache, the Keras Dense check,
checkpoint comparison. A record knows its kind (a linear layer, an embedding table, a norm, a
convolution or a plain parameter), so nothing downstream reads a name to learn what a tensor is.

Names are module paths with `{i}` standing for the layer index of a block shared by several
layers (`model.layers.{i}.self_attn.q_proj`); `Block.at(i)` fills it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from math import prod


class Group(str, Enum):
    """The five parameter groups of GROUPS.md."""

    EMBEDDING = "embedding"
    ATTENTION = "attention"
    FEEDFORWARD = "feedforward"
    NORM = "norm"
    OUTPUT = "output"


GROUPS: tuple[Group, ...] = tuple(Group)


class Tower(str, Enum):
    """The parts of a model GROUPS.md defines: the language model, encoders and the projector."""

    TEXT = "text"
    VISION = "vision"
    AUDIO = "audio"
    PROJECTOR = "projector"


TOWERS: tuple[Tower, ...] = tuple(Tower)


class Stream(str, Enum):
    """Which rows a projection multiplies in a forward pass (for FLOPs)."""

    TOKENS = "tokens"
    """Every token of the sequence being produced (the decoder's, or a decoder-only model's)."""
    SOURCE = "source"
    """Every encoder token: the encoder stack, and cross-attention keys and values."""
    SEQUENCE = "sequence"
    """Once per sequence: a pooler on the first token."""
    IMAGE = "image"
    """Every patch (or merged patch) of an image: vision towers and projectors."""
    AUDIO = "audio"
    """Every frame of an audio clip (after any subsampling): audio towers and what projects
    their output."""
    PATCHES = "patches"
    """Every patch of bytes a byte-level model groups its tokens into (BLT's global
    transformer): one row per `Stack.patch_size` tokens."""
    NONE = "none"
    """No token row: a head only another method runs (ESM's contact head), or a projection
    of a table whose owner charges its FLOPs (DeBERTa's position projections)."""


@dataclass(frozen=True, slots=True)
class Tensor:
    """One stored parameter: its full name and shape, and the record it belongs to."""

    name: str
    shape: tuple[int, ...]
    record: Record

    @property
    def size(self) -> int:
        """Elements of the tensor."""
        return prod(self.shape)

    @property
    def group(self) -> Group:
        """The group of the record the tensor belongs to."""
        return self.record.group

    @property
    def tower(self) -> Tower:
        """The tower of the record the tensor belongs to."""
        return self.record.tower


@dataclass(frozen=True, slots=True)
class Linear:
    """A projection `inputs -> outputs` (Keras `Dense(outputs)` on `inputs` features).

    `experts` > 0 stacks that many routed or shared copies in one 3-D parameter, as
    transformers' fused expert modules do (`experts.gate_up_proj`, `(E, out, in)`).
    """

    name: str
    inputs: int
    outputs: int
    bias: bool
    group: Group
    tower: Tower = Tower.TEXT
    stream: Stream = Stream.TOKENS
    experts: int = 0
    active_experts: int = 0
    """For routed experts: how many copies a token passes through (k); 0 when it passes all."""
    routing: bool = False
    """A router or gate that decides where tokens go (left unquantized by quantizers)."""
    tied: bool = False
    """The weight is another record's (a tied head): only the bias is a parameter of its own."""
    transposed: bool = False
    """Stored `(in, out)`: GPT-2's Conv1D, gpt-oss's experts."""
    flat: bool = False
    """Stacked copies stored as one 2-D tensor, copy after copy along the first axis
    (DBRX's experts: `(E x out, in)`, or `(E x in, out)` transposed)."""
    weight_name: str = "weight"
    bias_name: str = "bias"
    """Parameter names under the module; a stacked expert's are its own (`gate_up_proj`)."""
    head_split: int = 0
    """Stored with the head axis split out, as einsum weights: (in, heads, out / heads) when
    transposed, (out, heads, in / heads) otherwise (XLNet's q, k, v, r and o); 0 for 2-D."""
    expert_module: str = ""
    """For experts kept as one module each (Switch's `expert_{e}.wi`): the module path under
    the record's, with `{e}` for the expert's index; each expert's weight and bias are then
    `weight` and `bias` tensors of their own."""
    expert_names: tuple[str, ...] = ()
    """Names that stand for `{e}` in `expert_module`, one per copy, when the modules are keyed
    by name rather than index (X-MOD's adapter_modules.{language})."""

    @property
    def copies(self) -> int:
        """How many `inputs x outputs` matrices the record holds."""
        return self.experts or 1

    @property
    def routed(self) -> bool:
        """Whether the copies are routed experts, of which a token uses `active_experts`."""
        return self.active_experts > 0

    @property
    def per_copy(self) -> int:
        """Parameters of one copy, a tied weight excluded."""
        return (0 if self.tied else self.inputs * self.outputs) + (self.outputs if self.bias else 0)

    @property
    def size(self) -> int:
        """Parameters of the record, a tied weight excluded."""
        return self.per_copy * self.copies

    @property
    def active_size(self) -> int:
        """Parameters one token passes through."""
        return self.per_copy * (self.active_experts or self.copies)

    def tensors(self) -> Iterator[Tensor]:
        """The weight (unless tied) and the bias, as transformers stores them."""
        if self.expert_module:
            yield from self.expert_tensors()
            return
        lead = (self.experts,) if self.experts else ()
        if not self.tied:
            shape: tuple[int, ...] = (
                (self.inputs, self.outputs) if self.transposed else (self.outputs, self.inputs)
            )
            if self.flat:
                lead, shape = (), (shape[0] * self.copies, shape[1])
            if self.head_split:
                shape = (shape[0], self.head_split, shape[1] // self.head_split)
            yield Tensor(self.param(self.weight_name), lead + shape, self)
        if self.bias:
            yield Tensor(self.param(self.bias_name), (*lead, self.outputs), self)

    def expert_tensors(self) -> Iterator[Tensor]:
        """One weight (and bias) per expert module, named by `expert_module`."""
        shape = (self.inputs, self.outputs) if self.transposed else (self.outputs, self.inputs)
        keys = self.expert_names or tuple(map(str, range(self.experts)))
        for key in keys:
            module = self.param(self.expert_module.format(e=key))
            yield Tensor(f"{module}.weight", shape, self)
            if self.bias:
                yield Tensor(f"{module}.bias", (self.outputs,), self)

    def param(self, leaf: str) -> str:
        """A parameter's full name: the module path and the leaf (a bare leaf for experts, the
        bare path for a weight the module holds as itself: XLNet's `rel_attn.q`)."""
        return f"{self.name}.{leaf}" if self.name and leaf else self.name or leaf


@dataclass(frozen=True, slots=True)
class Embedding:
    """A lookup table of `rows` vectors of `width` (nn.Embedding), read by index."""

    name: str
    rows: int
    width: int
    group: Group
    tower: Tower = Tower.TEXT

    @property
    def size(self) -> int:
        """rows x width."""
        return self.rows * self.width

    def tensors(self) -> Iterator[Tensor]:
        """The table."""
        yield Tensor(f"{self.name}.weight", (self.rows, self.width), self)


@dataclass(frozen=True, slots=True)
class Norm:
    """A normalization layer of `width` features: a scale, and a bias for a full LayerNorm."""

    name: str
    width: int
    bias: bool
    group: Group = Group.NORM
    tower: Tower = Tower.TEXT
    rms: bool = False
    """RMSNorm (Keras RMSNormalization) rather than LayerNorm."""

    @property
    def size(self) -> int:
        """width, twice with a bias."""
        return self.width * (2 if self.bias else 1)

    def tensors(self) -> Iterator[Tensor]:
        """The scale and the bias."""
        yield Tensor(f"{self.name}.weight", (self.width,), self)
        if self.bias:
            yield Tensor(f"{self.name}.bias", (self.width,), self)


@dataclass(frozen=True, slots=True)
class Conv:
    """A convolution: `out_channels` filters of `kernel` over `in_channels / groups` channels.

    A depthwise 1-D conv (Mamba's `conv1d`) has groups == in_channels; a patch embedding is a
    2-D conv with `kernel` = (patch, patch).
    """

    name: str
    in_channels: int
    out_channels: int
    kernel: tuple[int, ...]
    groups: int
    bias: bool
    group: Group
    tower: Tower = Tower.TEXT
    stream: Stream = Stream.TOKENS
    columns: int = 1
    """Positions each filter slides across per row beside the sequence (for FLOPs): a (k, 1)
    kernel over the head_dim columns of a value head is applied head_dim times per token
    (Nystromformer's conv)."""
    downsampling: int = 1
    """Positions of its stream per output row: a strided 1-D convolution over the tokens
    (CANINE's chars_to_molecules) yields seq // downsampling rows; 1 for a row per position
    (Mamba's conv1d, a patch convolution whose rows are its patches)."""

    @property
    def weights(self) -> int:
        """Elements of the filter bank."""
        return self.out_channels * (self.in_channels // self.groups) * prod(self.kernel)

    @property
    def size(self) -> int:
        """Filters plus the bias."""
        return self.weights + (self.out_channels if self.bias else 0)

    def tensors(self) -> Iterator[Tensor]:
        """The filters `(out, in / groups, *kernel)` and the bias."""
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel)
        yield Tensor(f"{self.name}.weight", shape, self)
        if self.bias:
            yield Tensor(f"{self.name}.bias", (self.out_channels,), self)


@dataclass(frozen=True, slots=True)
class Param:
    """A plain parameter of any shape (attention sinks, `A_log`, `D`, class tokens)."""

    name: str
    shape: tuple[int, ...]
    group: Group
    tower: Tower = Tower.TEXT

    @property
    def size(self) -> int:
        """Elements of the parameter."""
        return prod(self.shape)

    def tensors(self) -> Iterator[Tensor]:
        """The parameter itself."""
        yield Tensor(self.name, self.shape, self)


Record = Linear | Embedding | Norm | Conv | Param


def grouped(record: Record, groups: int) -> Record:
    """A projection as a grouped 1x1 convolution (SqueezeBERT's Conv1d): each of `groups`
    channel groups maps its share of the inputs to its share of the outputs."""
    if not isinstance(record, Linear):
        return record
    r = record
    return Conv(r.name, r.inputs, r.outputs, (1,), groups, r.bias, r.group, r.tower, r.stream)


def renamed(record: Record, name: str) -> Record:
    """The same record under another module name.

    A frozen slots dataclass copied slot by slot: `dataclasses.replace` re-runs `__init__`,
    which made renaming the largest cost of a count.
    """
    copy = object.__new__(type(record))
    for slot in record.__slots__:
        object.__setattr__(copy, slot, getattr(record, slot))
    object.__setattr__(copy, "name", name)
    return copy


@dataclass(frozen=True, slots=True)
class Block:
    """The records of one layer layout, shared by every layer index in `layers`.

    `kind` says what the layer is (`attention+mlp`, `mamba2`, `sliding_attention+moe`).
    """

    stack: str
    kind: str
    layers: tuple[int, ...]
    records: tuple[Record, ...]
    runs: int = 1
    """Times a forward pass runs each of these layers (its stack's runs)."""
    sublayers: int = 1
    """Consecutive layers one transformers module holds (its stack's sublayers)."""
    downsampling: int = 1
    """Tokens per row these layers run over: seq // downsampling rows (CANINE's molecule
    stack); 1 for a row per token."""

    def at(self, index: int) -> Iterator[Record]:
        """The records of layer `index`, their names filled in: `{i}` the module's index,
        `{j}` the sublayer's within it."""
        module, sub = divmod(index, self.sublayers)
        text, sub_text = str(module), str(sub)
        for r in self.records:
            yield renamed(r, r.name.replace("{i}", text).replace("{j}", sub_text))

    @property
    def size(self) -> int:
        """Parameters of one layer of this layout."""
        return sum(r.size for r in self.records)


def idle_size(records: tuple[Record, ...] | list[Record]) -> int:
    """Elements of the routed experts a token is not sent to, in these records."""
    return sum(r.size - r.active_size for r in records if isinstance(r, Linear) and r.routed)
