"""Hyper-connections (HY-V4): N residual streams mixed into each sublayer's input and back.

A block's hyper-connection projects the N streams (N x hidden wide) to N pre- and N
post-weights (`fn`, with `base` and `scale`), and DeepSeek-V4's mHC to an N x N mix of the
streams as well, which a matmul applies (`comb`); the model's head collapses the streams before
the final norm (`hc_fn`, `hc_base`, `hc_scale`). They are neither mixer nor norm:
feed-forward (GROUPS.md).
"""

from __future__ import annotations

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record

F = Group.FEEDFORWARD


def hyper_connection(role: str, streams: int, ctx: Context, mixing: bool = False) -> list[Record]:
    """One sublayer's hyper-connection: fn (2N, N x hidden), base (2N) and scale (2); with
    mixing (mHC) N x N more weights and a third scale."""
    width, weights = streams * ctx.hidden, (2 + (streams if mixing else 0)) * streams
    return [
        Linear(role, width, weights, False, F, ctx.tower, ctx.stream, weight_name="fn"),
        Param(f"{role}.base", (weights,), F, ctx.tower),
        Param(f"{role}.scale", (3 if mixing else 2,), F, ctx.tower),
    ]


def mixing_products(streams: int, hidden: int) -> int:
    """Multiply-adds per token of an mHC's stream mix: comb (N x N) times the N streams."""
    return streams * streams * hidden


def hyper_head(name: str, streams: int, ctx: Context) -> list[Record]:
    """The model's stream collapse: hc_fn (N, N x hidden), hc_base (N) and hc_scale (1)."""
    width = streams * ctx.hidden
    return [
        Linear(name, width, streams, False, F, ctx.tower, ctx.stream, weight_name="hc_fn"),
        Param(f"{name}.hc_base", (streams,), F, ctx.tower),
        Param(f"{name}.hc_scale", (1,), F, ctx.tower),
    ]
