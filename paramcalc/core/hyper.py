"""Hyper-connections (HY-V4): N residual streams mixed into each sublayer's input and back.

A block's hyper-connection projects the N streams (N x hidden wide) to N pre- and N
post-weights (`fn`, with `base` and `scale`); the model's head collapses the streams before
the final norm (`hc_fn`, `hc_base`, `hc_scale`). They are neither mixer nor norm:
feed-forward (GROUPS.md).
"""

from __future__ import annotations

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record

F = Group.FEEDFORWARD


def hyper_connection(role: str, streams: int, ctx: Context) -> list[Record]:
    """One sublayer's hyper-connection: fn (2N, N x hidden), base (2N) and scale (2)."""
    width = streams * ctx.hidden
    return [
        Linear(role, width, 2 * streams, False, F, ctx.tower, ctx.stream, weight_name="fn"),
        Param(f"{role}.base", (2 * streams,), F, ctx.tower),
        Param(f"{role}.scale", (2,), F, ctx.tower),
    ]


def hyper_head(name: str, streams: int, ctx: Context) -> list[Record]:
    """The model's stream collapse: hc_fn (N, N x hidden), hc_base (N) and hc_scale (1)."""
    width = streams * ctx.hidden
    return [
        Linear(name, width, streams, False, F, ctx.tower, ctx.stream, weight_name="hc_fn"),
        Param(f"{name}.hc_base", (streams,), F, ctx.tower),
        Param(f"{name}.hc_scale", (1,), F, ctx.tower),
    ]
