"""ConvBERT's span-based dynamic convolution, the second half of its mixed attention heads.

Beside the self-attention heads, each layer predicts a convolution kernel per token and head
from the product of the query and a separable convolution of the input, and applies it to a
window of `conv_kernel_size` values around the token (`ConvBertSelfAttention`). The heads'
output (attention and convolution side by side) is twice the attention's width.
"""

from __future__ import annotations

from paramcalc.core.context import Context
from paramcalc.core.records import Conv, Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec


class SpanConv(Spec):
    """The dynamic convolution heads beside an attention's heads (ConvBERT)."""

    conv_kernel_size: PositiveInt
    """Tokens each dynamic kernel spans (odd: the window is centred on the token)."""

    def records(self, ctx: Context, heads: int, width: int) -> list[Record]:
        """The separable key convolution (depthwise, pointwise, its bias), the kernel
        projection and the projection of the values the kernels weigh."""
        a, t, hidden, k = Group.ATTENTION, ctx.tower, ctx.hidden, self.conv_kernel_size
        inner = heads * width
        return [
            Conv("span_conv.depthwise", hidden, hidden, (k,), hidden, False, a, t, ctx.stream),
            Conv("span_conv.pointwise", hidden, inner, (1,), 1, False, a, t, ctx.stream),
            # SeparableConv1D.bias: nn.Parameter(torch.zeros(output_filters, 1))
            Param("span_conv.bias", (inner, 1), a, t),
            Linear("span_kernel", inner, heads * k, True, a, t, ctx.stream),
            Linear("span_values", hidden, inner, True, a, t, ctx.stream),
        ]

    def token_products(self, heads: int, width: int) -> int:
        """Multiply-adds per token beyond the projections: each head's unfolded window of
        values times its kernel (a batched matmul in FlopCounterMode)."""
        return heads * width * self.conv_kernel_size
