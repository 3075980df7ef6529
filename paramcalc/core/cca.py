"""Compressed convolutional attention (ZAYA1's CCA, https://huggingface.co/papers/2510.04476).

Softmax attention whose queries and keys pass through two causal convolutions (depthwise,
then grouped per head) beside residual paths, and whose values are half the current token's
and half the previous token's projection. It caches K and V as attention does, and keeps a
fixed state as well: the convolutions' last inputs and the previous token's delayed value.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from paramcalc.core.attention import Attention
from paramcalc.core.context import Context
from paramcalc.core.records import Conv, Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt
from paramcalc.errors import FieldValueError

A = Group.ATTENTION


class CompressedConvAttention(Attention):
    """ZayaAttention: qkv_proj (q_proj, k_proj, v_proj_current, v_proj_delayed and the two
    q/k convolutions), a learned key scale per key/value head, o_proj."""

    #: Both parts are slices of the activations (the q/k inputs, the delayed value).
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"conv", "recurrent"})
    kind: Literal["cca"] = "cca"  # type: ignore[assignment]
    depthwise_kernel: PositiveInt = 2
    """Width of the depthwise q/k convolution (cca_time0)."""
    grouped_kernel: PositiveInt = 2
    """Width of the per-head grouped q/k convolution (cca_time1)."""

    def check(self, hidden: int, where: str) -> None:
        """Attention's head checks; a value head splits into a current and a delayed half."""
        super().check(hidden, where)
        if self.width(hidden) % 2:
            raise FieldValueError(f"{where}head_dim", f"{self.width(hidden)} must be even")

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """The four projections and two convolutions of qkv_proj, qk_norm.temp and o_proj."""
        t, hidden, b = ctx.tower, ctx.hidden, self.qkv_bias
        hd = self.width(hidden)
        q, kv = self.num_attention_heads * hd, self.kv_heads * hd
        channels = q + kv
        return [
            Linear("qkv_proj.q_proj", hidden, q, b, A, t, ctx.stream),
            Linear("qkv_proj.k_proj", hidden, kv, b, A, t, ctx.stream),
            Linear("qkv_proj.v_proj_current", hidden, kv // 2, b, A, t, ctx.stream),
            Linear("qkv_proj.v_proj_delayed", hidden, kv // 2, b, A, t, ctx.stream),
            Conv(
                "qkv_proj.conv_qk_depthwise",
                channels,
                channels,
                (self.depthwise_kernel,),
                channels,
                True,
                A,
                t,
                ctx.stream,
            ),
            Conv(
                "qkv_proj.conv_qk_grouped",
                channels,
                channels,
                (self.grouped_kernel,),
                self.num_attention_heads + self.kv_heads,
                True,
                A,
                t,
                ctx.stream,
            ),
            # ZayaQKNorm: L2 norms with a learned key scale per key/value head
            Param("qk_norm.temp", (self.kv_heads,), Group.NORM, t),
            Linear("o_proj", q, hidden, self.o_bias, A, t, ctx.stream),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence beside the K/V: the convolutions' last inputs and the
        previous token's delayed value half."""
        hd = self.width(hidden)
        window = (self.depthwise_kernel - 1) + (self.grouped_kernel - 1)
        channels = (self.num_attention_heads + self.kv_heads) * hd
        return {"conv": channels * window, "recurrent": self.kv_heads * hd // 2}
