"""Perceiver's attention (`PerceiverAttention` in `modeling_perceiver.py`, transformers 5.23).

A Perceiver layer normalizes its queries (layernorm1) and, in cross-attention, what its keys
and values read (layernorm2, of that width), projects queries and keys to qk_channels and
values to v_channels (all biased), and maps the heads' output back through a biased dense
layer: to the queries' width in cross-attention, to v_channels in self-attention (which the
residual then adds to the latents, so a runnable model has v_channels = d_latents). The
layer's other LayerNorm and MLP are the block's pre_ffn norm and feed-forward.

FLOPs follow FlopCounterMode: the scores and the weighted sum cost 2 x (qk_channels +
v_channels) per query/key pair; keys and values read the sequence (the encoder's
cross-attention), the queries' own rows (self-attention), or a fixed number of rows (the
masked-LM decoder's keys and values read the latents, their projections charged here). The
model keeps no cache.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Record, Stream
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError


class PerceiverAttention(Spec):
    """Perceiver's self- or cross-attention with its own query (and key/value) norms."""

    kind: Literal["perceiver"] = "perceiver"
    num_attention_heads: PositiveInt
    """Heads (num_self_attention_heads, num_cross_attention_heads)."""
    qk_channels: PositiveInt
    """Width of the queries and keys, all heads together."""
    v_channels: PositiveInt
    """Width of the values, all heads together."""
    kv_input_size: PositiveInt | None = None
    """Width the keys and values read in cross-attention (d_model of the inputs, d_latents
    for the decoder); None for self-attention."""
    source_rows: PositiveInt | None = None
    """Rows the keys and values read when they are fixed (the decoder reads num_latents
    latents); None: the sequence (cross-attention) or the queries' rows."""

    def check(self, hidden: int, where: str) -> None:
        """The heads must split the query/key and the value widths."""
        for field in ("qk_channels", "v_channels"):
            width = getattr(self, field)
            if width % self.num_attention_heads:
                raise FieldValueError(
                    f"{where}{field}", f"{width} is not divisible by {self.num_attention_heads}"
                )

    @property
    def cross(self) -> bool:
        """Whether the keys and values read another stream than the queries."""
        return self.kv_input_size is not None

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """layernorm1 (and layernorm2), query, key, value, the output dense layer."""
        a, hidden = Group.ATTENTION, ctx.hidden
        kv_in = self.kv_input_size or hidden
        kv_stream = ctx.stream
        if self.cross:
            kv_stream = Stream.NONE if self.source_rows else Stream.SOURCE
        out = hidden if self.cross else self.v_channels
        return [
            *ctx.norm("self.layernorm1", hidden),
            *(ctx.norm("self.layernorm2", kv_in) if self.cross else []),
            Linear("self.query", hidden, self.qk_channels, True, a, ctx.tower, ctx.stream),
            Linear("self.key", kv_in, self.qk_channels, True, a, ctx.tower, kv_stream),
            Linear("self.value", kv_in, self.v_channels, True, a, ctx.tower, kv_stream),
            Linear("output.dense", self.v_channels, out, True, a, ctx.tower, ctx.stream),
        ]

    def flops(self, batch: int, queries: int, seq: int) -> int:
        """Scores and weighted sum of `queries` rows over their keys (the sequence of `seq`
        tokens, the queries' own rows or source_rows), and the projections of fixed keys."""
        keys = self.source_rows or (seq if self.cross else queries)
        own = 2 * batch * (self.qk_channels + self.v_channels) * queries * keys
        if self.source_rows:
            width = self.kv_input_size or 0
            own += 2 * batch * keys * width * (self.qk_channels + self.v_channels)
        return own
