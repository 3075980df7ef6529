"""Kimi delta attention (KDA): a gated delta rule whose decay is per channel, not per head.

`KimiLinearDeltaAttention` and Ling's `BailingHybridDeltaAttention` in transformers 5.23: q, k
and v projections to heads x head_dim, one depthwise convolution over all three, a forget gate
giving one decay per channel (`forget_gate`: its projection, dt_bias per channel, A_log per
head), a beta per head (`b_proj`), an output gate, a gated RMSNorm per head and o_proj. Its
tensors count as attention. It keeps, per sequence, the convolution's window and one
head_dim x head_dim delta-rule state per head.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec

A = Group.ATTENTION


class DeltaAttention(Spec):
    """Kimi delta attention (Kimi Linear, Ling/Bailing hybrid linear layers)."""

    kind: Literal["kda"] = "kda"
    num_heads: PositiveInt
    """Heads of queries, keys and values alike (linear_num_heads)."""
    head_dim: PositiveInt
    """Width of one head (linear_head_dim)."""
    conv_kernel: PositiveInt = 4
    """Width of the depthwise causal convolution (short_conv_kernel_size)."""
    gate_rank: PositiveInt | None = None
    """Rank of the low-rank forget and output gates (Kimi: f_a/f_b and g_a/g_b through
    head_dim); none for full-width f_proj and g_proj (Ling)."""
    a_log_broadcast: bool = False
    """A_log is stored (1, 1, heads, 1), ready to broadcast (Kimi), not (heads,)."""

    def check(self, hidden: int, where: str) -> None:
        """Nothing to check beyond the positive sizes."""

    @property
    def inner(self) -> int:
        """Width of all heads."""
        return self.num_heads * self.head_dim

    def gate(self, prefix: str, ctx: Context) -> list[Record]:
        """A hidden -> inner gate projection: full (`{p}_proj`) or low rank (`{p}_a`, `{p}_b`)."""
        t, hidden, inner, rank = ctx.tower, ctx.hidden, self.inner, self.gate_rank
        if rank is None:
            return [Linear(f"{prefix}_proj", hidden, inner, False, A, t)]
        return [
            Linear(f"{prefix}_a_proj", hidden, rank, False, A, t),
            Linear(f"{prefix}_b_proj", rank, inner, False, A, t),
        ]

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """q/k/v, conv1d, the forget gate, b_proj, the output gate, o_norm and o_proj."""
        t, hidden, inner, heads = ctx.tower, ctx.hidden, self.inner, self.num_heads
        conv = 3 * inner
        a_log = (1, 1, heads, 1) if self.a_log_broadcast else (heads,)
        return [
            *(Linear(f"{x}_proj", hidden, inner, False, A, t) for x in "qkv"),
            Conv("conv1d", conv, conv, (self.conv_kernel,), conv, False, A, t),
            *(self.gate("forget_gate.f", ctx)),
            Param("forget_gate.dt_bias", (inner,), A, t),
            Param("forget_gate.A_log", a_log, A, t),
            Linear("b_proj", hidden, heads, False, A, t),
            *self.gate("g", ctx),
            *ctx.norm("o_norm", self.head_dim, NormType.RMSNORM),
            Linear("o_proj", inner, hidden, False, A, t),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the convolution's window and the delta-rule state."""
        return {
            "conv": 3 * self.inner * self.conv_kernel,
            "recurrent": self.num_heads * self.head_dim * self.head_dim,
        }
