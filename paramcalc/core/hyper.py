"""Hyper-connections (HY-V4): N residual streams mixed into each sublayer's input and back.

A block's hyper-connection projects the N streams (N x hidden wide) to N pre- and N
post-weights (`fn`, with `base` and `scale`), and DeepSeek-V4's mHC to an N x N mix of the
streams as well, which a matmul applies (`comb`); the model's head collapses the streams before
the final norm (`hc_fn`, `hc_base`, `hc_scale`). Qwen4-Exp's gated kind mixes the streams
through a low-rank projection instead. They are neither mixer nor norm: feed-forward
(GROUPS.md); their stream norms are norm.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Group, Linear, Param, Record
from paramcalc.core.types import Count, PositiveInt, Spec

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


class GatedResidual(Spec):
    """Qwen4-Exp's hyper-connections (`Qwen4ExpTextGatedResidual`): the N streams are RMS-normed
    per stream (hc_norm, N x hidden wide), a low-rank sigmoid mix (input_mix_weight_down to
    `rank`, then up) weighs them into the sublayer's input, and block_inject_weight gives each
    stream's share of the sublayer's output; the model's mixer has no block_inject_weight."""

    kind: Literal["gated"] = "gated"
    streams: PositiveInt
    """Residual streams (hc_count)."""
    rank: PositiveInt
    """Width of the low-rank input mix (hc_lowrank)."""

    def records(self, role: str, ctx: Context, inject: bool = True) -> list[Record]:
        """hc_norm, input_mix_weight_down and _up, and block_inject_weight when `inject`."""
        width = self.streams * ctx.hidden
        records: list[Record] = [
            *ctx.norm(f"{role}.hc_norm", width, NormType.RMSNORM),
            Linear(f"{role}.input_mix_weight_down", width, self.rank, False, F, ctx.tower),
            Linear(f"{role}.input_mix_weight_up", self.rank, width, False, F, ctx.tower),
        ]
        if inject:
            inject_role = f"{role}.block_inject_weight"
            records.append(Linear(inject_role, width, self.streams, False, F, ctx.tower))
        return records


#: A block's or a tower's hyper-connections: HY-V4's by stream count, or Qwen4-Exp's gated kind.
HyperConnections = Count | GatedResidual


def sublayer_hyper(
    role: str, hyper: HyperConnections, ctx: Context, mixing: bool = False
) -> list[Record]:
    """The hyper-connection before one sublayer, of whichever kind (none for 0); `mixing`:
    DeepSeek-V4's mHC stream mix."""
    if isinstance(hyper, GatedResidual):
        return hyper.records(role, ctx)
    return hyper_connection(role, hyper, ctx, mixing) if hyper else []


def tower_hyper(name: str, hyper: HyperConnections, ctx: Context) -> list[Record]:
    """The model's stream collapse after the last block, of whichever kind (none for 0)."""
    if isinstance(hyper, GatedResidual):
        return hyper.records(name, ctx, inject=False)
    return hyper_head(name, hyper, ctx) if hyper else []
