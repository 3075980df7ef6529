"""MobileBERT's layer parts around its narrow attention and MLP (Sun et al. 2020, "MobileBERT").

A MobileBERT layer keeps the residual stream at hidden_size between layers but runs its
attention and MLPs at intra_bottleneck_size: a bottleneck projects the layer's input in (and,
with key_query_shared_bottleneck, a second one gives the queries and keys their input), and the
output bottleneck projects back out; num_feedforward_networks - 1 further MLPs, each with its
LayerNorm (or NoNorm), run before the layer's own. GROUPS.md: their projections are
feedforward (neither mixer nor norm), their norms norm. Names follow `modeling_mobilebert.py`.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Record, Stream
from paramcalc.core.types import PositiveInt, Spec

F = Group.FEEDFORWARD


class Bottleneck(Spec):
    """MobileBertLayer's bottleneck (input, optional shared attention input) and
    MobileBertOutput's output bottleneck, around a block that runs at the stack's width."""

    kind: Literal["bottleneck"] = "bottleneck"
    outer: PositiveInt
    """Width of the residual stream between layers (hidden_size)."""
    shared_query_key: bool = False
    """A second input bottleneck for the queries and keys (key_query_shared_bottleneck)."""
    shared_runs: bool = True
    """Whether that second bottleneck runs: under use_bottleneck_attention it is built but
    every projection reads the first one, so it costs no FLOPs."""

    def records(self, ctx: Context) -> list[Record]:
        """bottleneck.input, bottleneck.attention and output.bottleneck, dense and norm."""
        outer, inner = self.outer, ctx.hidden
        records: list[Record] = [
            Linear("bottleneck.input.dense", outer, inner, True, F, ctx.tower, ctx.stream),
            *ctx.norm("bottleneck.input.LayerNorm", inner),
        ]
        if self.shared_query_key:
            stream = ctx.stream if self.shared_runs else Stream.NONE
            records.append(
                Linear("bottleneck.attention.dense", outer, inner, True, F, ctx.tower, stream)
            )
            records += ctx.norm("bottleneck.attention.LayerNorm", inner)
        return [
            *records,
            Linear("output.bottleneck.dense", inner, outer, True, F, ctx.tower, ctx.stream),
            *ctx.norm("output.bottleneck.LayerNorm", outer),
        ]


class StackedFFNs(Spec):
    """MobileBertLayer's `ffn`: MLPs with a post-norm each, run before the layer's own MLP."""

    kind: Literal["stacked_ffns"] = "stacked_ffns"
    count: PositiveInt
    """MLPs beside the layer's own (num_feedforward_networks - 1)."""
    intermediate_size: PositiveInt
    """Width inside each."""

    def records(self, ctx: Context) -> list[Record]:
        """stacked_ffns.{j}: intermediate.dense, output.dense and output.LayerNorm."""
        hidden, width = ctx.hidden, self.intermediate_size
        records: list[Record] = []
        for j in range(self.count):
            role = f"stacked_ffns.{j}"
            records += [
                Linear(f"{role}.intermediate.dense", hidden, width, True, F, ctx.tower, ctx.stream),
                Linear(f"{role}.output.dense", width, hidden, True, F, ctx.tower, ctx.stream),
                *ctx.norm(f"{role}.output.LayerNorm", hidden),
            ]
        return records
