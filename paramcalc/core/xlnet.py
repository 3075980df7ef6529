"""XLNet's two-stream relative attention (`XLNetRelativeAttention`, transformers 5.23).

Its five projections are einsum weights of shape (d_model, heads, head_dim): q, k, v and the
relative-position key r map d_model to the heads, o maps the heads back. Three biases per head
(r_w_bias on content scores, r_r_bias on position scores, r_s_bias on segment scores) and a
segment embedding of two rows sit beside them, and the post-attention LayerNorm is the
module's own (`rel_attn.layer_norm`, a post_mixer norm of the block).

A forward pass over S tokens (no memory) projects queries, keys and values of the S tokens
and the relative-position key of R positions (R = 2S for attn_type "bi", S + 1 for "uni");
FlopCounterMode then sees the content scores and the weighted sum over S x S pairs and the
position scores over S x R pairs (the segment scores only with token_type_ids, which a plain
pass has none of). What it keeps for the next step is no K/V but `mems`: each layer's input,
d_model per token, the last mem_len tokens (all without one; the first reuse_len of the pass
with one), when use_mems_eval.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record, Stream
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError


class TwoStreamAttention(Spec):
    """XLNet's relative attention: einsum projections, per-head biases, a segment table."""

    kind: Literal["two_stream"] = "two_stream"
    num_attention_heads: PositiveInt
    """Heads (n_head)."""
    head_dim: PositiveInt | None = None
    """Width of one head (d_head). Default: hidden_size / num_attention_heads."""
    bidirectional: bool = True
    """attn_type "bi": relative positions run from klen to -qlen; "uni" stops at -1."""
    keeps_memory: bool = True
    """Generation keeps each layer's input as memory for the next step (use_mems_eval)."""
    memory_length: PositiveInt | None = None
    """Tokens of memory a layer keeps (mem_len); none (or 0 in config.json) keeps all."""
    reuse_length: PositiveInt | None = None
    """Tokens of a pass that go into memory, from its start (reuse_len); none for all."""

    def check(self, hidden: int, where: str) -> None:
        """Reject heads that do not split the width when head_dim is not given."""
        if self.head_dim is None and hidden % self.num_attention_heads:
            raise FieldValueError(
                f"{where}num_attention_heads",
                f"{self.num_attention_heads} does not divide hidden_size={hidden}",
            )

    def width(self, hidden: int) -> int:
        """Width of one head."""
        return self.head_dim or hidden // self.num_attention_heads

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """q, k, v, o, r (each (d_model, heads, head_dim)), the three biases and seg_embed."""
        heads, hd, a = self.num_attention_heads, self.width(ctx.hidden), Group.ATTENTION
        inner = heads * hd

        def einsum(
            leaf: str,
            inputs: int,
            outputs: int,
            into_heads: bool = True,
            stream: Stream = ctx.stream,
        ) -> Linear:
            # held by the module itself (`rel_attn.q`, no `.weight`), (d_model, heads, head_dim)
            # whichever way it maps: q, k, v and r into the heads ("ibh,hnd"), o out ("hnd")
            return Linear(
                leaf,
                inputs,
                outputs,
                False,
                a,
                ctx.tower,
                stream,
                transposed=into_heads,
                weight_name="",
                head_split=heads,
            )

        return [
            *(einsum(leaf, ctx.hidden, inner) for leaf in ("q", "k", "v")),
            einsum("o", inner, ctx.hidden, into_heads=False),
            # r runs over the relative positions, not the tokens: charged in flops() below
            einsum("r", ctx.hidden, inner, stream=Stream.NONE),
            *(Param(leaf, (heads, hd), a, ctx.tower) for leaf in BIASES),
            Param("seg_embed", (2, heads, hd), a, ctx.tower),
        ]

    def positions(self, seq: int) -> int:
        """Relative positions R of a pass over `seq` tokens without memory."""
        return 2 * seq if self.bidirectional else seq + 1

    def flops(self, batch: int, seq: int, hidden: int) -> int:
        """FlopCounterMode's products of one layer beyond the token projections: r over R
        positions, content scores and the weighted sum over S x S pairs, position scores
        over S x R."""
        heads, hd, r = self.num_attention_heads, self.width(hidden), self.positions(seq)
        position_key = 2 * batch * r * hidden * heads * hd
        return position_key + 2 * batch * heads * hd * (2 * seq * seq + seq * r)

    @property
    def memory_limit(self) -> int | None:
        """Most tokens of memory a layer holds, whatever the context (XLNetModel.cache_mem keeps
        the last mem_len of the first reuse_len); none when it keeps them all."""
        limits = [n for n in (self.reuse_length, self.memory_length) if n]
        return min(limits) if limits else None


#: The per-head biases of content, position and segment scores.
BIASES = ("r_r_bias", "r_s_bias", "r_w_bias")
