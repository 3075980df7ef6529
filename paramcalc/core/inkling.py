"""Inkling's parts: attention with short convolutions and a relative bias, and its MLPs.

`InklingAttention` in transformers 5.23 (`models/inkling/modeling_inkling.py`): q, k, v and o
projections, per-head RMSNorms on queries and keys, a depthwise causal convolution (with a
residual) on the keys and on the values, and a relative position bias mixed per token from a
bank of profiles (`r_proj` gives each head its relative state of d_rel, `rel_logits_proj.proj`
is d_rel x rel_extent). The decoder layer adds two more short convolutions of hidden_size, on
the attention output and on the MLP output; all four are the layer's token mixing, so this kind
owns them (attention group, GROUPS.md), and the four windows are the layer's cache state
(`number_of_conv_states = 4`). The convolutions run in float32, so their windows are kept in
float32 whatever the model's dtype. Inkling 2 (`models/inkling2`) adds an output gate, a sink
per head and learned scales before L2 clips (in place of the q/k norms), and in its full
layers per-token convolution taps and three input norms; its layers also hold the queries of
block attention residuals.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from paramcalc.core.attention import Attention, linear
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
    """InklingAttention with the decoder layer's two residual short convolutions; Inkling 2's
    sliding and full attention with the options below."""

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
    dynamic_kv_conv: bool = False
    """The key and value convolutions add per-token taps projected from their input, shared by
    each key/value head (Inkling 2's full layers: static_weight of kernel x K/V width and
    weight_proj, hidden -> kv heads x kernel), in place of a depthwise conv1d."""
    sink_proj: bool = False
    """An attention sink per head projected from the input (Inkling 2's sink_proj)."""
    clip_scales: bool = False
    """Learned (heads, width) scales before the L2 clips of the queries and the relative states
    (Inkling 2's q_l2_clip.scale, rel_l2_clip.scale); the keys' clip has none."""
    split_input_norms: bool = False
    """Three input norms, for the query, key and value inputs (Inkling 2's full layers, whose
    keys and values read their own mixture of earlier blocks), in place of the block's."""

    def check(self, hidden: int, where: str) -> None:
        """Attention's head checks; the heads' width is always given."""
        super().check(hidden, where)
        if self.head_dim is None:
            raise FieldValueError(f"{where}head_dim", "required by conv_relative attention")

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """Attention's q/k/v/o (gate, q/k norms), then r_proj, the k and v convolutions, the
        bias bank, the sink and clip scales, split input norms and the residual convs."""
        t, hidden, hd, heads = (
            ctx.tower,
            ctx.hidden,
            self.width(ctx.hidden),
            self.num_attention_heads,
        )
        kv, k = self.kv_heads * hd, self.conv_kernel
        records = super().records(ctx, cross)
        records.append(linear("r_proj", hidden, heads * self.d_rel, False, ctx))
        for x in "kv":
            if self.dynamic_kv_conv:
                records += [
                    Param(f"{x}_sconv.static_weight", (k, kv), A, t),
                    linear(f"{x}_sconv.weight_proj", hidden, self.kv_heads * k, False, ctx),
                ]
            else:
                records.append(short_conv(f"{x}_sconv", kv, k, ctx))
        records.append(Param("rel_logits_proj.proj", (self.d_rel, self.rel_extent), A, t))
        if self.sink_proj:
            records.append(linear("sink_proj", hidden, heads, False, ctx))
        if self.clip_scales:
            records += [
                Param("q_l2_clip.scale", (heads, hd), A, t),
                Param("rel_l2_clip.scale", (heads, self.d_rel), A, t),
            ]
        if self.split_input_norms:
            records += [n for x in "qkv" for n in ctx.norm(f"{x}_input_norm", hidden)]
        return records + [
            short_conv("attn_sconv", hidden, k, ctx),
            short_conv("mlp_sconv", hidden, k, ctx),
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
    """InklingMoE: a router that also scores the shared experts (their weights are normalized
    with the chosen routed experts', a sink), routed experts, and shared experts stored stacked
    as (n_shared, out, in) parameters."""

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
                ctx.stream,
                experts=copies,
                active_experts=used,
                weight_name=leaf,
            )

        return [
            Linear("router", hidden, e + s, False, F, t, ctx.stream, routing=True),
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


class BlockResidualQueries(Spec):
    """Inkling 2's block attention residuals in a layer: learned queries that attend over the
    sums of earlier blocks of layers (and the current partial sum) to make the attention's and
    the MLP's inputs. Feedforward (GROUPS.md: block parts neither mixer nor norm). Their
    products (a few queries over at most layers / n_layers_per_attn_res_block + 2 states per
    token) run through scaled_dot_product_attention, which FlopCounterMode on the CPU does not
    see: paramcalc leaves them out of FLOPs by the same convention."""

    kind: Literal["block_residual"] = "block_residual"
    attention_queries: Literal[0, 1, 3] = 1
    """Queries making the attention's input: 1, 3 for a full layer (query, key and value
    inputs), 0 for the first layer, which reads the embeddings."""

    def records(self, ctx: Context) -> list[Record]:
        """attention_input.query ((hidden,) or (3, hidden)) and mlp_input.query."""
        hidden, q = ctx.hidden, self.attention_queries
        shape = (hidden,) if q == 1 else (q, hidden)
        own = [Param("attention_input.query", shape, F, ctx.tower)] if q else []
        return [*own, Param("mlp_input.query", (hidden,), F, ctx.tower)]


class FinalResidualQuery(Spec):
    """The model's last block attention residual before the final norm (Inkling 2's
    final_input.query of hidden_size): feedforward, its products uncounted as above."""

    kind: Literal["final_block_residual"] = "final_block_residual"

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """final_input.query."""
        return [Param("final_input.query", (ctx.hidden,), F, ctx.tower)]
