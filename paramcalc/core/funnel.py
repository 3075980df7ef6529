"""Funnel Transformer's parts (`modeling_funnel.py`, transformers 5.23): its relative attention
and the pooling that halves the sequence before each block after the first.

`FunnelRelMultiheadAttention` projects queries without a bias and keys and values with one,
each to n_head x d_head (d_head free of d_model / n_head), and back through a biased
post_proj; beside them it holds r_kernel, the (d_model, heads, head_dim) projection of the
sinusoidal relative positions, three per-head biases (r_w_bias on content scores, r_r_bias on
position scores, r_s_bias on token-type scores) and seg_embed, two rows of token-type
vectors per head. Its LayerNorm is the block's post_mixer norm.

FLOPs follow FlopCounterMode: every layer of a block runs over the block's pooled rows
(`FunnelPooling.rows`), except that with pool_q_only the first layer of a pooled block (its
first repeat) projects its keys and values from the rows before the pooling and attends over
them (charged with its attention, `FunnelAttention.pooled_layer`). Beyond the token
projections a layer of S queries and K keys costs the content scores and the weighted sum
over S x K pairs and the token-type scores (token_type_ids default to zeros, so they are
computed), two per query and head; with attention_type "relative_shift" r_kernel's
projection of the R relative positions (2S, or K + 2S for pooled queries) and the position
scores over S x R; with "factorized" the queries' projection through r_kernel and two
products of S x K x d_model. paramcalc takes the position list's pooled lengths to be the
rows' (they differ only for sequences of two or fewer rows left). The model keeps no cache
(its layers take no past_key_values).
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec

#: The parameters the attention holds itself, in the order it registers them.
BIASES = ("r_w_bias", "r_r_bias", "r_kernel", "r_s_bias", "seg_embed")


class FunnelAttention(Spec):
    """Funnel's relative multi-head attention: an unbiased query, biased key, value and
    output projections, r_kernel, three per-head biases and a two-row token-type table."""

    kind: Literal["funnel_relative"] = "funnel_relative"
    num_attention_heads: PositiveInt
    """Heads (n_head)."""
    head_dim: PositiveInt
    """Width of one head (d_head), whatever d_model / n_head."""
    factorized: bool = False
    """attention_type "factorized": the position scores through the queries' projection by
    r_kernel, not through projected relative positions (FLOPs only)."""

    def check(self, hidden: int, where: str) -> None:
        """Nothing to check: the heads have a width of their own."""

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """The per-head parameters, then q (no bias), k, v and o (biased)."""
        heads, hd, a, hidden = self.num_attention_heads, self.head_dim, Group.ATTENTION, ctx.hidden
        inner = heads * hd
        shapes = {
            "r_w_bias": (heads, hd),
            "r_r_bias": (heads, hd),
            "r_kernel": (hidden, heads, hd),
            "r_s_bias": (heads, hd),
            "seg_embed": (2, heads, hd),
        }
        return [
            *(Param(leaf, shapes[leaf], a, ctx.tower) for leaf in BIASES),
            Linear("q_proj", hidden, inner, False, a, ctx.tower, ctx.stream),
            Linear("k_proj", hidden, inner, True, a, ctx.tower, ctx.stream),
            Linear("v_proj", hidden, inner, True, a, ctx.tower, ctx.stream),
            Linear("o_proj", inner, hidden, True, a, ctx.tower, ctx.stream),
        ]

    def flops(self, batch: int, queries: int, keys: int, hidden: int) -> int:
        """FlopCounterMode's products of one layer beyond its projections, `queries` rows
        attending to `keys` (more only in the first layer of a block pooled queries-only)."""
        heads, hd = self.num_attention_heads, self.head_dim
        pairs = 2 * batch * heads * hd * 2 * queries * keys  # content scores and weighted sum
        token_types = 2 * batch * heads * hd * queries * 2
        if self.factorized:
            # q @ r_kernel to d_model, then two (queries x d_model) @ (d_model x keys) per head
            positions = 2 * batch * queries * heads * hd * hidden
            positions += 2 * 2 * batch * heads * queries * keys * hidden
        else:
            # the relative positions get_position_embeds builds: 2S, or keys + 2 x queries
            # between pooled queries and unpooled keys (relative_pos with shift 2)
            relative = 2 * queries if queries == keys else keys + 2 * queries
            positions = 2 * relative * hidden * heads * hd  # r_head: no batch dimension
            positions += 2 * batch * heads * queries * relative * hd
        return pairs + token_types + positions

    def stack_flops(
        self, pooling: FunnelPooling | None, uses: int, batch: int, seq: int, hidden: int
    ) -> int:
        """The products beyond projections of `uses` layer runs of a block over a sequence
        of `seq` tokens, its first layer's wider keys included."""
        rows = pooling.rows(seq) if pooling is not None else seq
        own = self.flops(batch, rows, rows, hidden) * uses
        if pooling is None:
            return own
        return own + self.pooled_layer(batch, rows, pooling.key_rows(seq), hidden)

    def pooled_layer(self, batch: int, queries: int, keys: int, hidden: int) -> int:
        """What the first layer of a block pooled queries-only costs beyond a layer over
        `queries` rows: its keys and values projected from and attended over `keys` rows."""
        if keys == queries:
            return 0
        inner = self.num_attention_heads * self.head_dim
        projections = 2 * batch * (keys - queries) * hidden * inner * 2  # k_head and v_head
        extra = self.flops(batch, queries, keys, hidden) - self.flops(
            batch, queries, queries, hidden
        )
        return projections + extra


class FunnelPooling(Spec):
    """The pooling before a block: the sequence halved once per block before it (stride 2,
    ceil_mode), the [CLS] row kept apart (separate_cls) and the last row dropped first
    (truncate_seq) as FunnelAttentionStructure.pool_tensor does."""

    times: PositiveInt
    """Poolings before the block (its index among the blocks)."""
    separate_cls: bool = True
    """The [CLS] row is put before the pooled rows (separate_cls)."""
    truncate_seq: bool = True
    """With separate_cls, the last row is dropped to keep the length even (truncate_seq)."""
    queries_only: bool = True
    """The block's first layer pools only its queries, its keys and values read the rows
    before the pooling (pool_q_only)."""

    def key_rows(self, seq: int) -> int:
        """Rows the block's first layer reads its keys and values from."""
        if not self.queries_only:
            return self.rows(seq)
        return self.pooled(seq, self.times - 1)

    def rows(self, seq: int) -> int:
        """Rows the block runs over: each pooling, when the rows exceed 2 with separate_cls
        (else 1), halves them rounding up, after the [CLS] row is prepended (and the last
        dropped with truncate_seq)."""
        return self.pooled(seq, self.times)

    def pooled(self, seq: int, times: int) -> int:
        """Rows left of `seq` after `times` poolings."""
        rows = seq
        for _ in range(times):
            if rows <= (2 if self.separate_cls else 1):
                break  # FunnelEncoder's pooling_flag: too short to pool
            joined = rows + (1 if self.separate_cls and not self.truncate_seq else 0)
            rows = -(-joined // 2)
        return rows
