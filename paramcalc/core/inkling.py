"""Inkling's parts: attention with short convolutions and a relative bias, and its MLPs.

`InklingAttention` in transformers 5.23 (`models/inkling/modeling_inkling.py`): q, k, v and o
projections, per-head RMSNorms on queries and keys, a depthwise causal convolution (with a
residual) on the keys and on the values, and a relative position bias mixed per token from a
bank of profiles (`r_proj` gives each head its relative state of d_rel, `rel_logits_proj.proj`
is d_rel x rel_extent). The decoder layer adds two more short convolutions of hidden_size, on
the attention output and on the MLP output; all four are the layer's token mixing, so this kind
owns them (attention group, GROUPS.md), and the four windows are the layer's cache state
(`number_of_conv_states = 4`). The convolutions run in float32, so their windows are kept in
float32 whatever the model's dtype.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from paramcalc.core.attention import Attention
from paramcalc.core.context import Context
from paramcalc.core.ffn import GatedMLP
from paramcalc.core.records import Conv, Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

A, F = Group.ATTENTION, Group.FEEDFORWARD


def short_conv(role: str, channels: int, kernel: int, ctx: Context) -> Conv:
    """A depthwise causal convolution without bias (`InklingShortConvolution.conv1d`)."""
    return Conv(f"{role}.conv1d", channels, channels, (kernel,), channels, False, A, ctx.tower)


class ConvRelativeAttention(Attention):
    """InklingAttention with the decoder layer's two residual short convolutions."""

    #: Every window is kept in float32 (the convolutions cast their input), the state dtype.
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset()
    kind: Literal["conv_relative"] = "conv_relative"  # type: ignore[assignment]
    d_rel: PositiveInt
    """Width of each head's relative state (d_rel)."""
    rel_extent: PositiveInt
    """Backward distances the relative bias covers: rel_extent in full layers, the window in
    sliding ones."""
    conv_kernel: PositiveInt = 4
    """Width of the four short convolutions (conv_kernel_size, alias sconv_kernel_size)."""

    def check(self, hidden: int, where: str) -> None:
        """Attention's head checks; the heads' width is always given."""
        super().check(hidden, where)
        if self.head_dim is None:
            raise FieldValueError(f"{where}head_dim", "required by conv_relative attention")

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """q/k/v/r/o, the k and v convolutions, q/k norms, the bias bank, the residual convs."""
        t, hidden, hd, heads = (
            ctx.tower,
            ctx.hidden,
            self.width(ctx.hidden),
            self.num_attention_heads,
        )
        kv = self.kv_heads * hd
        return [
            Linear("q_proj", hidden, heads * hd, False, A, t),
            Linear("k_proj", hidden, kv, False, A, t),
            Linear("v_proj", hidden, kv, False, A, t),
            Linear("r_proj", hidden, heads * self.d_rel, False, A, t),
            Linear("o_proj", heads * hd, hidden, False, A, t),
            short_conv("k_sconv", kv, self.conv_kernel, ctx),
            short_conv("v_sconv", kv, self.conv_kernel, ctx),
            *ctx.norm("q_norm", hd),
            *ctx.norm("k_norm", hd),
            Param("rel_logits_proj.proj", (self.d_rel, self.rel_extent), A, t),
            short_conv("attn_sconv", hidden, self.conv_kernel, ctx),
            short_conv("mlp_sconv", hidden, self.conv_kernel, ctx),
        ]

    def query_products(self, hidden: int) -> int:
        """Multiply-adds per query beyond the projections: each head's relative state times
        the bias bank (`relative_states @ proj`), before the bias is gathered per pair."""
        return self.num_attention_heads * self.d_rel * self.rel_extent

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence beside the K/V: the last conv_kernel inputs of the k, v,
        attention-output and MLP-output convolutions (LinearAttentionLayer.conv_states)."""
        kv = self.kv_heads * self.width(hidden)
        return {"conv": (2 * kv + 2 * hidden) * self.conv_kernel}


class ScaledGatedMLP(GatedMLP):
    """A gated MLP whose output is multiplied by a learned scalar (InklingMLP.global_scale)."""

    kind: Literal["scaled_gated"] = "scaled_gated"  # type: ignore[assignment]

    def records(self, ctx: Context) -> list[Record]:
        """global_scale, then gate_proj, up_proj and down_proj."""
        return [Param("global_scale", (1,), F, ctx.tower), *super().records(ctx)]


class SinkMoE(Spec):
    """InklingMoE: a sigmoid router that also scores the shared experts (their weights come
    from the same softmax, a sink), routed experts, and shared experts stored stacked."""

    kind: Literal["sink_moe"] = "sink_moe"
    num_experts: PositiveInt
    """Routed experts (n_routed_experts)."""
    num_experts_per_tok: PositiveInt
    """Routed experts each token is sent to (k)."""
    moe_intermediate_size: PositiveInt
    """Width of one routed and of one shared expert."""
    num_shared_experts: PositiveInt
    """Shared experts every token passes through (n_shared_experts)."""

    def records(self, ctx: Context) -> list[Record]:
        """gate (E + shared rows) and its global_scale, experts, shared_experts."""
        hidden, width, e, s = (
            ctx.hidden,
            self.moe_intermediate_size,
            self.num_experts,
            self.num_shared_experts,
        )
        k, t = self.num_experts_per_tok, ctx.tower

        def stacked(
            role: str, inputs: int, outputs: int, leaf: str, copies: int, used: int
        ) -> Linear:
            # (copies, outputs, inputs) parameters named by their leaf (`experts.down_proj`)
            return Linear(
                role,
                inputs,
                outputs,
                False,
                F,
                t,
                experts=copies,
                active_experts=used,
                weight_name=leaf,
            )

        return [
            Linear("router", hidden, e + s, False, F, t, routing=True),
            Param("router.global_scale", (1,), F, t),
            stacked("experts", hidden, 2 * width, "gate_up_proj", e, k),
            stacked("experts", width, hidden, "down_proj", e, k),
            stacked("shared_experts", hidden, width, "gate_proj", s, 0),
            stacked("shared_experts", hidden, width, "up_proj", s, 0),
            stacked("shared_experts", width, hidden, "down_proj", s, 0),
        ]

    @model_validator(mode="after")
    def _check_top_k(self) -> SinkMoE:
        if self.num_experts_per_tok > self.num_experts:
            raise FieldValueError(
                "num_experts_per_tok",
                f"{self.num_experts_per_tok} must be between 1 and num_experts={self.num_experts}",
            )
        return self
