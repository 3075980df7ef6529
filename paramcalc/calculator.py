"""The pure calculator: an architecture becomes a list of named tensors, and counts.

The tensor enumeration is the one source of truth. Totals, groups, per-layer counts and the
per-tensor view all read it. Shapes follow PyTorch (`nn.Linear.weight` is `(out, in)`), so a
path and shape here match what `model.named_parameters()` shows, up to naming.
Layers with identical tensors share one `Block`, which keeps a 100-layer count cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from math import prod

from paramcalc.schema import Architecture, NormType, PositionType, QKNorm


class Group(str, Enum):
    """The five parameter groups of GROUPS.md."""

    EMBEDDING = "embedding"
    ATTENTION = "attention"
    FEEDFORWARD = "feedforward"
    NORM = "norm"
    OUTPUT = "output"


GROUPS: tuple[Group, ...] = tuple(Group)


@dataclass(frozen=True, slots=True)
class Tensor:
    """One parameter tensor, or `copies` identical ones (the routed experts of a layer)."""

    path: str
    group: Group
    shape: tuple[int, ...]
    copies: int = 1
    routed: bool = False

    @property
    def size(self) -> int:
        """Elements in all copies."""
        return prod(self.shape) * self.copies


@dataclass(frozen=True, slots=True)
class Block:
    """The tensors of one transformer block, shared by every layer index in `layers`."""

    stack: str
    kind: str
    layers: tuple[int, ...]
    tensors: tuple[Tensor, ...]


@dataclass(frozen=True, slots=True)
class Enumeration:
    """Every parameter tensor of a model: the embeddings, the blocks, then the heads."""

    front: tuple[Tensor, ...]
    blocks: tuple[Block, ...]
    back: tuple[Tensor, ...]

    def layer_order(self) -> list[tuple[Block, int]]:
        """Each (block, layer index) pair, stack by stack in model order."""
        stacks = list(dict.fromkeys(b.stack for b in self.blocks))
        pairs = [(b, i) for b in self.blocks for i in b.layers]
        return sorted(pairs, key=lambda pair: (stacks.index(pair[0].stack), pair[1]))

    def tensors(self) -> Iterator[Tensor]:
        """Yield every tensor with its full dotted path (`blocks.3.attention.q_proj.weight`)."""
        yield from self.front
        for block, index in self.layer_order():
            for t in block.tensors:
                yield Tensor(f"{block.stack}.{index}.{t.path}", t.group, t.shape, t.copies,
                             t.routed)
        yield from self.back


@dataclass(frozen=True, slots=True)
class LayerCount:
    """Parameters of one block, by group."""

    stack: str
    index: int
    kind: str
    groups: dict[Group, int]

    @property
    def total(self) -> int:
        """All parameters of the block."""
        return sum(self.groups.values())


@dataclass(frozen=True)
class Breakdown:
    """Exact counts of a model: total, the five groups, non-embedding, active and per layer."""

    name: str
    groups: dict[Group, int]
    active: int
    tied_embeddings: bool
    enumeration: Enumeration = field(repr=False)
    notes: tuple[str, ...] = ()
    """The architecture's remarks on what a checkpoint may store beyond the parameters."""

    def layers(self) -> list[LayerCount]:
        """Parameters of each block, in model order (layers may differ: dense vs MoE)."""
        return [LayerCount(b.stack, i, b.kind, group_sums(b.tensors))
                for b, i in self.enumeration.layer_order()]

    @property
    def total(self) -> int:
        """Every parameter, tied weights once."""
        return sum(self.groups.values())

    @property
    def non_embedding(self) -> int:
        """Total less the embedding group (token, position and token-type tables)."""
        return self.total - self.groups[Group.EMBEDDING]


# -- building blocks -----------------------------------------------------------------------


def linear(path: str, group: Group, inputs: int, units: int, bias: bool) -> list[Tensor]:
    """The weight `(units, inputs)` and, with a bias, the bias `(units,)` of a projection."""
    tensors = [Tensor(f"{path}.weight", group, (units, inputs))]
    if bias:
        tensors.append(Tensor(f"{path}.bias", group, (units,)))
    return tensors


def norm(arch: Architecture, path: str, width: int) -> list[Tensor]:
    """The learned tensors of one normalization layer of `width` features."""
    if arch.norm_type is NormType.NONE:
        return []
    tensors = [Tensor(f"{path}.weight", Group.NORM, (width,))]
    if arch.norm_type is NormType.LAYERNORM:
        tensors.append(Tensor(f"{path}.bias", Group.NORM, (width,)))
    return tensors


def attention(arch: Architecture, path: str, relative_bias: bool) -> list[Tensor]:
    """Projections (standard or MLA), query/key norms and relative bias of one attention."""
    tensors = mla_projections(arch, path) if arch.uses_mla else qkvo_projections(arch, path)
    if relative_bias and arch.relative_attention_num_buckets:
        # T5: nn.Embedding(num_buckets, n_heads), only in the first block of each stack.
        shape = (arch.relative_attention_num_buckets, arch.num_attention_heads)
        tensors.append(Tensor(f"{path}.relative_attention_bias.weight", Group.ATTENTION, shape))
    return tensors


def qkvo_projections(arch: Architecture, path: str) -> list[Tensor]:
    """Query, key, value and output projections of multi-head / grouped-query attention."""
    hidden, head_dim = arch.hidden_size, arch.resolved_head_dim
    q_width, kv_width = arch.num_attention_heads * head_dim, arch.kv_heads * head_dim
    a = Group.ATTENTION
    tensors = [
        *linear(f"{path}.q_proj", a, hidden, q_width, arch.qkv_bias),
        *linear(f"{path}.k_proj", a, hidden, kv_width, arch.qkv_bias),
        *linear(f"{path}.v_proj", a, hidden, kv_width, arch.qkv_bias),
        *linear(f"{path}.o_proj", a, q_width, hidden, arch.attention_out_bias),
    ]
    if arch.qk_norm is QKNorm.PER_HEAD:
        tensors += norm(arch, f"{path}.q_norm", head_dim) + norm(arch, f"{path}.k_norm", head_dim)
    elif arch.qk_norm is QKNorm.FULL:
        tensors += norm(arch, f"{path}.q_norm", q_width) + norm(arch, f"{path}.k_norm", kv_width)
    return tensors


def mla_projections(arch: Architecture, path: str) -> list[Tensor]:
    """Multi-head latent attention (DeepSeek-V2/V3 `DeepseekV2Attention`)."""
    assert arch.kv_lora_rank and arch.qk_nope_head_dim and arch.qk_rope_head_dim  # schema-checked
    assert arch.v_head_dim
    hidden, heads, a = arch.hidden_size, arch.num_attention_heads, Group.ATTENTION
    qk_head_dim = arch.qk_nope_head_dim + arch.qk_rope_head_dim
    if arch.q_lora_rank is None:
        tensors = linear(f"{path}.q_proj", a, hidden, heads * qk_head_dim, False)
    else:
        tensors = [
            *linear(f"{path}.q_a_proj", a, hidden, arch.q_lora_rank, arch.qkv_bias),
            *norm(arch, f"{path}.q_a_layernorm", arch.q_lora_rank),
            *linear(f"{path}.q_b_proj", a, arch.q_lora_rank, heads * qk_head_dim, False),
        ]
    latent = arch.kv_lora_rank + arch.qk_rope_head_dim
    kv_up = heads * (arch.qk_nope_head_dim + arch.v_head_dim)
    return tensors + [
        *linear(f"{path}.kv_a_proj_with_mqa", a, hidden, latent, arch.qkv_bias),
        *norm(arch, f"{path}.kv_a_layernorm", arch.kv_lora_rank),
        *linear(f"{path}.kv_b_proj", a, arch.kv_lora_rank, kv_up, False),
        *linear(f"{path}.o_proj", a, heads * arch.v_head_dim, hidden, arch.attention_out_bias),
    ]


def mlp(arch: Architecture, path: str, width: int, copies: int = 1, routed: bool = False,
        ) -> list[Tensor]:
    """Up (and gate) and down projections of one FFN of `width`, or of `copies` experts."""
    hidden, bias, f = arch.hidden_size, arch.ffn_bias, Group.FEEDFORWARD
    names = ("gate_proj", "up_proj") if arch.gated_ffn else ("up_proj",)
    tensors = [t for n in names for t in linear(f"{path}.{n}", f, hidden, width, bias)]
    tensors += linear(f"{path}.down_proj", f, width, hidden, bias)
    if copies == 1 and not routed:
        return tensors
    return [Tensor(t.path, t.group, t.shape, copies, routed) for t in tensors]


def mixture_of_experts(arch: Architecture, path: str) -> list[Tensor]:
    """Router, routed experts and the shared expert of one MoE layer."""
    f = Group.FEEDFORWARD
    tensors = linear(f"{path}.router", f, arch.hidden_size, arch.num_experts, arch.router_bias)
    tensors += mlp(arch, f"{path}.experts", arch.expert_intermediate_size, arch.num_experts, True)
    if arch.shared_expert_intermediate_size:
        tensors += mlp(arch, f"{path}.shared_expert", arch.shared_expert_intermediate_size)
    if arch.shared_expert_gate:
        tensors += linear(f"{path}.shared_expert_gate", f, arch.hidden_size, 1, False)
    return tensors


def block(arch: Architecture, moe: bool, relative_bias: bool, cross: bool) -> list[Tensor]:
    """One transformer block: its norms, self-attention, cross-attention and FFN."""
    hidden = arch.hidden_size
    tensors: list[Tensor] = []
    sublayers = ["attention", "cross_attention"] if cross else ["attention"]
    for name in sublayers:
        if arch.attention_input_norm:
            tensors += norm(arch, f"{name}_input_norm", hidden)
        tensors += attention(arch, name, relative_bias and name == "attention")
        if arch.attention_output_norm:
            tensors += norm(arch, f"{name}_output_norm", hidden)
    if arch.ffn_input_norm and not arch.parallel_block:
        tensors += norm(arch, "ffn_input_norm", hidden)
    if moe:
        tensors += mixture_of_experts(arch, "ffn")
    else:
        tensors += mlp(arch, "ffn", arch.resolved_intermediate_size)
    if arch.ffn_output_norm:
        tensors += norm(arch, "ffn_output_norm", hidden)
    return tensors


def stack_blocks(arch: Architecture, stack: str, layers: int, cross: bool) -> list[Block]:
    """Group the layers of one stack by their tensor layout, one `Block` per layout."""
    # Only T5's relative bias sets the first block apart, and only MoE rules vary along the
    # stack: without either, every layer shares one layout and no per-layer test is needed.
    relative = arch.relative_attention_num_buckets > 0
    routed = arch.is_moe and stack != "encoder.blocks"
    if not (relative or routed):
        return [Block(stack, "dense", tuple(range(layers)),
                      tuple(block(arch, False, relative_bias=False, cross=cross)))]
    layouts: dict[tuple[bool, bool], list[int]] = {}
    for index in range(layers):
        moe = routed and arch.is_moe_layer(index)
        layouts.setdefault((moe, relative and index == 0), []).append(index)
    blocks = []
    for (moe, first), indices in layouts.items():
        tensors = block(arch, moe, relative_bias=first, cross=cross)
        blocks.append(Block(stack, "moe" if moe else "dense", tuple(indices), tuple(tensors)))
    return blocks


def merge_equal_blocks(blocks: list[Block]) -> list[Block]:
    """Merge blocks of one stack whose tensors are identical (layer 0 is usually like the rest)."""
    if len(blocks) < 2:
        return blocks
    merged: dict[tuple[str, tuple[Tensor, ...]], Block] = {}
    for b in blocks:
        key = (b.stack, b.tensors)
        if key in merged:
            old = merged[key]
            merged[key] = Block(b.stack, b.kind, tuple(sorted(old.layers + b.layers)), b.tensors)
        else:
            merged[key] = b
    return list(merged.values())


def embeddings(arch: Architecture) -> list[Tensor]:
    """Token, position and token-type tables, width projections and the embedding norm."""
    e, width, hidden = Group.EMBEDDING, arch.token_embedding_width, arch.hidden_size
    tensors = [Tensor("embedding.tokens.weight", e, (arch.vocab_size, width))]
    if arch.position_embedding_type is PositionType.LEARNED:
        assert arch.max_position_embeddings is not None  # schema-checked
        rows = arch.max_position_embeddings + arch.position_offset
        tensors.append(Tensor("embedding.positions.weight", e, (rows, hidden)))
    if arch.type_vocab_size:
        tensors.append(Tensor("embedding.token_types.weight", e, (arch.type_vocab_size, hidden)))
    if width != hidden:
        # OPT: project_in (embedding width -> hidden) and project_out (hidden -> embedding width).
        tensors += linear("embedding.project_in", e, width, hidden, False)
        tensors += linear("embedding.project_out", e, hidden, width, False)
    if arch.embedding_norm:
        tensors += norm(arch, "embedding.norm", hidden)
    return tensors


def heads(arch: Architecture) -> list[Tensor]:
    """Final norms, the language-model head (when not tied) and the pooler."""
    stacks = ["encoder.", "decoder."] if arch.is_encoder_decoder else [""]
    tensors = [t for s in stacks if arch.final_norm for t in norm(arch, f"{s}final_norm",
                                                                   arch.hidden_size)]
    out = Group.OUTPUT
    if arch.lm_head and not arch.tie_word_embeddings:
        tensors.append(Tensor("lm_head.weight", out, (arch.vocab_size, arch.token_embedding_width)))
    if arch.lm_head and arch.lm_head_bias:
        tensors.append(Tensor("lm_head.bias", out, (arch.vocab_size,)))
    if arch.pooler:
        tensors += linear("pooler.dense", out, arch.hidden_size, arch.hidden_size, True)
    return tensors


def enumerate_tensors(arch: Architecture) -> Enumeration:
    """Every parameter tensor of the architecture; tied tensors appear once."""
    if arch.is_encoder_decoder:
        blocks = stack_blocks(arch, "encoder.blocks", arch.num_hidden_layers, cross=False)
        blocks += stack_blocks(arch, "decoder.blocks", arch.decoder_layers, cross=True)
    else:
        blocks = stack_blocks(arch, "blocks", arch.num_hidden_layers, cross=False)
    return Enumeration(tuple(embeddings(arch)), tuple(merge_equal_blocks(blocks)),
                       tuple(heads(arch)))


# -- counting ------------------------------------------------------------------------------


def group_sums(tensors: tuple[Tensor, ...] | list[Tensor]) -> dict[Group, int]:
    """Sum tensor sizes per group; every group is present."""
    sums = dict.fromkeys(GROUPS, 0)
    for t in tensors:
        sums[t.group] += t.size
    return sums


def inactive_size(tensors: tuple[Tensor, ...] | list[Tensor], experts_per_token: int) -> int:
    """Elements of the routed experts a token is not sent to."""
    return sum(prod(t.shape) * (t.copies - experts_per_token) for t in tensors if t.routed)


def count(arch: Architecture) -> Breakdown:
    """Count every parameter of `arch`, by group, per layer, and those active per token."""
    enum = enumerate_tensors(arch)
    groups = group_sums(enum.front + enum.back)
    inactive = 0
    for b in enum.blocks:
        per_layer = group_sums(b.tensors)
        for g in GROUPS:
            groups[g] += per_layer[g] * len(b.layers)
        inactive += inactive_size(b.tensors, arch.num_experts_per_tok) * len(b.layers)
    total = sum(groups.values())
    return Breakdown(
        name=arch.name or "custom",
        groups=groups,
        active=total - inactive,
        tied_embeddings=arch.tie_word_embeddings,
        enumeration=enum,
        notes=arch.notes,
    )
