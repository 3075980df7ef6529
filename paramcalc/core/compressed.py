"""DeepSeek-V4's attention (`DeepseekV4Attention`): one shared key/value head over a sliding
window, and in compressed layers a compressor that pools every `rate` tokens into one more
key/value entry every query may see (CSA's through a lightning indexer's top-k).

Its tensors, what it caches and the widths of its products live here. transformers 5.23 caches
a sliding layer's window as K and V (`DynamicSlidingWindowLayer`, the same tensor twice), a
compressed layer's window once (`DeepseekV4HCACache` keeps K = V in one tensor), and beside it
the compressed entries (one per `rate` tokens), the tokens of a window not yet closed (their
kv and gate projections) and, for CSA's overlapping windows, the last closed window's first
series (`overlap_kv`, `overlap_gate`); the indexer keeps the same at its own width.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

A = Group.ATTENTION


def linear(role: str, inputs: int, outputs: int, ctx: Context) -> Linear:
    """An unbiased projection of the attention group."""
    return Linear(role, inputs, outputs, False, A, ctx.tower, ctx.stream)


def pooling(role: str, width: int, series: int, rate: int, ctx: Context) -> list[Record]:
    """kv_proj and gate_proj (series x width), position_bias (rate, series x width), kv_norm."""
    return [
        linear(f"{role}.kv_proj", ctx.hidden, series * width, ctx),
        linear(f"{role}.gate_proj", ctx.hidden, series * width, ctx),
        Param(f"{role}.position_bias", (rate, series * width), A, ctx.tower),
        *ctx.norm(f"{role}.kv_norm", width),
    ]


class CompressedIndexer(Spec):
    """DeepseekV4Indexer: its own overlapping compressor at head_dim, queries from the query
    latent, and a head-weighted score of each compressed entry."""

    num_heads: PositiveInt
    """Indexer query heads (index_n_heads)."""
    head_dim: PositiveInt
    """Width of an indexer head and of its compressed keys (index_head_dim)."""
    top_k: PositiveInt
    """Compressed entries a query keeps (index_topk)."""


class Compressor(Spec):
    """A compressor pooling every `rate` tokens into one entry of head_dim."""

    rate: PositiveInt
    """Tokens per compressed entry (compress_rates)."""
    overlap: bool = False
    """Two series per token, each entry pooling its window and the one before (CSA)."""
    indexer: CompressedIndexer | None = None
    """The lightning indexer choosing the entries each query sees (CSA)."""

    @property
    def series(self) -> int:
        """Series the projections yield per token: two when windows overlap."""
        return 2 if self.overlap else 1


class CompressedAttention(Spec):
    """DeepSeek-V4 attention: a query latent, one key/value head (K = V), per-head sinks and a
    grouped low-rank output projection; a compressor in CSA and HCA layers."""

    kind: Literal["compressed"] = "compressed"
    num_attention_heads: PositiveInt
    """Query heads."""
    head_dim: PositiveInt
    """Width of a query head and of the one key/value head."""
    q_lora_rank: PositiveInt
    """Rank of the query latent."""
    o_groups: PositiveInt
    """Head groups of the output projection (o_groups)."""
    o_lora_rank: PositiveInt
    """Width each group is projected to before o_b_proj (o_lora_rank)."""
    sliding_window: PositiveInt
    """Keys of the uncompressed sequence a query sees."""
    compressor: Compressor | None = None
    """The layer's compressor; none for a sliding layer."""
    layer_type: Literal[
        "sliding_attention", "compressed_sparse_attention", "heavily_compressed_attention"
    ] = "sliding_attention"
    """The layer's kind, as config.json `layer_types` names it."""

    def check(self, hidden: int, where: str) -> None:
        """The heads split into whole output groups."""
        if (self.num_attention_heads * self.head_dim) % self.o_groups:
            raise FieldValueError(
                f"{where}o_groups",
                f"{self.o_groups} does not divide num_attention_heads x head_dim",
            )

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """Query latent and up projection, the shared kv_proj, the grouped output projection,
        sinks, and the compressor with its indexer."""
        hidden, heads, hd = ctx.hidden, self.num_attention_heads, self.head_dim
        grouped = self.o_groups * self.o_lora_rank
        records: list[Record] = [
            linear("q_a_proj", hidden, self.q_lora_rank, ctx),
            *ctx.norm("q_a_norm", self.q_lora_rank),
            linear("q_b_proj", self.q_lora_rank, heads * hd, ctx),
            linear("kv_proj", hidden, hd, ctx),
            *ctx.norm("kv_norm", hd),
            # DeepseekV4GroupedLinear: one (groups x rank, heads x hd / groups) weight, each
            # group's block applied to its heads (a bmm of the same FLOPs as a Linear)
            linear("o_a_proj", heads * hd // self.o_groups, grouped, ctx),
            linear("o_b_proj", grouped, hidden, ctx),
            Param("sinks", (heads,), A, ctx.tower),
        ]
        c = self.compressor
        if c is None:
            return records
        records += pooling("compressor", hd, c.series, c.rate, ctx)
        if c.indexer is not None:
            ix, role = c.indexer, "compressor.indexer"
            records += [
                *pooling(role, ix.head_dim, 2, c.rate, ctx),
                linear(f"{role}.q_b_proj", self.q_lora_rank, ix.num_heads * ix.head_dim, ctx),
                linear(f"{role}.scorer.weights_proj", hidden, ix.num_heads, ctx),
            ]
        return records

    @property
    def kv_heads(self) -> int:
        """One key/value head, shared by every query head."""
        return 1

    @property
    def window(self) -> int | None:
        """Keys of the uncompressed sequence a query may attend to."""
        return self.sliding_window

    @property
    def span(self) -> str:
        """The layer's attention kind."""
        return self.layer_type

    def cache_values(self, hidden: int) -> int:
        """Values the window caches per token: K and V apart in a sliding layer, one tensor
        in a compressed one."""
        return self.head_dim * (1 if self.compressor else 2)

    def series_widths(self) -> tuple[int, ...]:
        """Widths of the compressed series: the compressor's entries and the indexer's."""
        c = self.compressor
        if c is None:
            return ()
        return (self.head_dim,) + ((c.indexer.head_dim,) if c.indexer else ())

    def pending_values(self, seq: int) -> int:
        """Values a sequence keeps of windows not yet pooled after a pass over `seq` tokens:
        the open window's kv and gate projections, and (overlapping) the last closed
        window's first series of both."""
        c = self.compressor
        if c is None:
            return 0
        widths = [(self.head_dim, c.series)]
        if c.indexer is not None:
            widths.append((c.indexer.head_dim, 2))
        values = 0
        for width, series in widths:
            values += 2 * (seq % c.rate) * series * width  # buffer_kv, buffer_gate
            if c.overlap and seq >= c.rate:
                values += 2 * c.rate * width  # overlap_kv, overlap_gate
        return values

    def pair_products(self, hidden: int) -> int:
        """Multiply-adds per query/key pair of the window: scores and values of every head."""
        return 2 * self.num_attention_heads * self.head_dim

    def entry_products(self, seq: int) -> tuple[int, int]:
        """Multiply-adds of one sequence's queries with the compressed entries, over every
        pair (as eager attention and the indexer's scorer compute them) and over the pairs
        the masks keep: query t sees the entries closed before it ((t + 1) // rate), through
        an indexer at most its top-k of them."""
        c = self.compressor
        if c is None:
            return 0, 0
        entries = seq // c.rate
        attention = 2 * self.num_attention_heads * self.head_dim
        index = c.indexer.num_heads * c.indexer.head_dim if c.indexer else 0
        most = c.indexer.top_k if c.indexer else entries
        every = seq * entries * (attention + index)
        kept = attention * visible_entries(seq, c.rate, most) + index * visible_entries(
            seq, c.rate, entries
        )
        return every, kept


def visible_entries(seq: int, rate: int, most: int) -> int:
    """Sum over queries t < seq of min((t + 1) // rate, most), in closed form."""
    # below u = most x rate a query sees u // rate entries; from there on `most`
    tail = max(seq - most * rate + 1, 0)
    head = seq - tail
    whole, rest = divmod(head, rate)
    return rate * whole * (whole - 1) // 2 + whole * (rest + 1) + most * tail
