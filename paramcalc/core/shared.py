"""A transformer block shared by several layers of a stack (Zamba, Zamba2).

`ZambaHybridLayer` and `Zamba2HybridLayer` (transformers 5.23) run a shared transformer block
on the hidden state concatenated with the token embeddings (2 x hidden_size), project its
output with the layer's own `linear` and add it to the input of the layer's Mamba mixer. The
block's weights are tied across the layers that run it, so `named_parameters()` lists them
once, under the first of those layers; every use still costs its FLOPs and keeps its own KV
cache entry. Zamba2 gives each use its own low-rank adapters, all stored in the block.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import model_validator

from paramcalc.core.attention import Attention
from paramcalc.core.context import Context
from paramcalc.core.ffn import GatedMLP
from paramcalc.core.records import Group, Linear, Record, renamed
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError

#: The attention projections that get an adapter, by role.
ATTENTION_ADAPTERS = ("q_adapter", "k_adapter", "v_adapter")


class SharedBlock(Spec):
    """One layer's use of a shared transformer block: input norm (2 x hidden_size), attention
    reading that width, a norm and a gated MLP, then the layer's own hidden -> hidden
    projection (`linear`, no bias, feedforward)."""

    index: Count = 0
    """Which of the stack's shared blocks the layer runs (Zamba2's hybrid layers run its
    num_mem_blocks blocks in turn)."""
    holds: bool = True
    """The layer is the block's first use and holds its tensors; a later use holds none and
    applies the same weights."""
    attention: Attention
    """The block's attention; input_size is twice the hidden size."""
    ffn: GatedMLP
    """The block's gated MLP (gate and up fused as Zamba2's gate_up_proj where the naming
    says so)."""
    adapter_rank: PositiveInt | None = None
    """Rank of the block's per-use adapters (Zamba2's adapter_rank): a down and an up
    projection, no bias, added to a projection's output; none for no adapters."""
    attention_adapters: bool = False
    """Adapters on the query, key and value projections (use_shared_attention_adapter), each
    2 x hidden_size -> rank -> 2 x hidden_size."""
    adapter_slots: tuple[Count, ...] = ()
    """The uses (counted over the stack's layers that run a shared block) whose adapters the
    holder stores: the uses of this block, each with the MLP's gate_up adapter (hidden ->
    rank -> 2 x intermediate_size) and, with attention_adapters, the three of attention."""

    @model_validator(mode="after")
    def _check_adapters(self) -> SharedBlock:
        if (self.adapter_slots or self.attention_adapters) and self.adapter_rank is None:
            raise FieldValueError("adapter_rank", "required with adapters")
        if self.adapter_slots and not self.holds:
            raise FieldValueError("adapter_slots", "only the block's holder stores adapters")
        return self

    def records(self, ctx: Context) -> list[Record]:
        """The block's records under `shared.` (tied, without norms or biases, in a layer that
        does not hold it) and the layer's projection `shared_projection`."""
        f = Group.FEEDFORWARD
        own = Linear("shared_projection", ctx.hidden, ctx.hidden, False, f, ctx.tower, ctx.stream)
        block = [
            *ctx.norm("input_norm", 2 * ctx.hidden),
            *(renamed_role("attention", r) for r in self.attention.records(ctx)),
            *ctx.norm("pre_ffn_norm", ctx.hidden),
            *(renamed_role("ffn", r) for r in self.ffn.records(ctx)),
        ]
        if not self.holds:
            # the holder's weights, applied again: FLOPs but no parameters of this layer
            block = [replace(r, tied=True, bias=False) for r in block if isinstance(r, Linear)]
        block += self.adapters(ctx)
        return [*(renamed_role("shared", r) for r in block), own]

    def adapters(self, ctx: Context) -> list[Record]:
        """Each stored use's adapters (nn.Sequential of a down and an up projection)."""
        rank, hidden = self.adapter_rank or 0, ctx.hidden
        found: list[Record] = []
        width = 2 * self.ffn.intermediate_size
        for slot in self.adapter_slots:
            for proj in ATTENTION_ADAPTERS if self.attention_adapters else ():
                role = f"attention.{proj}.{slot}"
                found += low_rank(role, 2 * hidden, rank, 2 * hidden, Group.ATTENTION, ctx)
            role = f"ffn.gate_up_adapter.{slot}"
            found += low_rank(role, hidden, rank, width, Group.FEEDFORWARD, ctx)
        return found


def low_rank(
    role: str, inputs: int, rank: int, outputs: int, group: Group, ctx: Context
) -> list[Record]:
    """An adapter: `role.0` (inputs -> rank) and `role.1` (rank -> outputs), no biases."""
    return [
        Linear(f"{role}.0", inputs, rank, False, group, ctx.tower, ctx.stream),
        Linear(f"{role}.1", rank, outputs, False, group, ctx.tower, ctx.stream),
    ]


def renamed_role(parent: str, record: Record) -> Record:
    """A record under a parent role (`attention.q_proj` -> `shared.attention.q_proj`)."""
    return renamed(record, f"{parent}.{record.name}")
