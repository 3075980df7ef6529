"""A layer's conditioning on a per-sequence signal: Voxtral Realtime's time-conditioned norm.

VoxtralRealtimeTextAdaRmsNorm scales the normed input of the MLP by 1 + linear2(gelu(linear1(
t_cond))), where t_cond is the sinusoidal embedding of the transcription delay: one vector per
pass, not per token. Its two unbiased projections are neither mixer nor norm, so feedforward
(GROUPS.md); their FLOPs are charged once per sequence.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Record, Stream
from paramcalc.core.types import PositiveInt, Spec


class TimeConditionedNorm(Spec):
    """Voxtral Realtime's ada_rms_norm: hidden -> rank -> hidden, both unbiased."""

    kind: Literal["time_conditioned_norm"] = "time_conditioned_norm"
    rank: PositiveInt = 32
    """Width between linear1 and linear2 (32, fixed in transformers)."""

    def records(self, ctx: Context) -> list[Record]:
        """linear1 and linear2, over the conditioning vector of each sequence."""
        f, s = Group.FEEDFORWARD, Stream.SEQUENCE
        return [
            Linear("ada_rms_norm.linear1", ctx.hidden, self.rank, False, f, ctx.tower, s),
            Linear("ada_rms_norm.linear2", self.rank, ctx.hidden, False, f, ctx.tower, s),
        ]
