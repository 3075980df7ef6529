"""Recurrent token mixers: Mamba, Mamba-2, gated DeltaNet and LFM2's short convolution, with
the state they keep per sequence.

Their tensors count as attention (GROUPS.md: every token mixer does). Instead of a KV cache
that grows with the sequence, each keeps a fixed state per sequence: the last `conv_kernel`
inputs of its short convolution and its recurrent (SSM or delta-rule) state.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

A = Group.ATTENTION


class Mamba(Spec):
    """A Mamba (v1) selective state-space mixer (`MambaMixer`, `JambaMambaMixer`)."""

    kind: Literal["mamba"] = "mamba"
    intermediate_size: PositiveInt
    """Inner width (expand x hidden_size in most configs)."""
    state_size: PositiveInt
    """SSM state per inner channel (state_size, mamba_d_state)."""
    time_step_rank: PositiveInt
    """Width of the low-rank time-step projection (time_step_rank, mamba_dt_rank)."""
    conv_kernel: PositiveInt = 4
    """Width of the depthwise causal convolution."""
    conv_bias: bool = True
    """The convolution has a bias (use_conv_bias)."""
    bias: bool = False
    """in_proj and out_proj have biases (use_bias)."""
    inner_norms: bool = False
    """Learned RMSNorms on the time step, B and C (Jamba's dt_layernorm, b_layernorm,
    c_layernorm); Falcon-Mamba's are weightless."""
    num_heads: PositiveInt | None = None
    """Heads the inner width splits into, each with its own x_proj and dt_proj, stored stacked
    as plain parameters of the mixer (ZambaMambaMixer's n_mamba_heads: x_proj_weight,
    dt_proj_weight, dt_proj_bias, A_log and D of a leading heads axis); none for MambaMixer's
    single x_proj and dt_proj modules."""

    def check(self, hidden: int, where: str) -> None:
        """Heads must split the inner width evenly."""
        if self.num_heads and self.intermediate_size % self.num_heads:
            raise FieldValueError(
                f"{where}num_heads",
                f"{self.num_heads} must divide intermediate_size={self.intermediate_size}",
            )

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """in_proj (x and gate z), conv1d, x_proj (dt, B, C), dt_proj, A_log, D, out_proj."""
        t, inner, rank, state = (
            ctx.tower,
            self.intermediate_size,
            self.time_step_rank,
            self.state_size,
        )
        records: list[Record] = [
            Linear("in_proj", ctx.hidden, 2 * inner, self.bias, A, t),
            Conv("conv1d", inner, inner, (self.conv_kernel,), inner, self.conv_bias, A, t),
            *self.selective_projections(ctx),
            Linear("out_proj", inner, ctx.hidden, self.bias, A, t),
        ]
        if self.inner_norms:
            records += [
                *ctx.norm("dt_layernorm", rank, NormType.RMSNORM),
                *ctx.norm("b_layernorm", state, NormType.RMSNORM),
                *ctx.norm("c_layernorm", state, NormType.RMSNORM),
            ]
        return records

    def selective_projections(self, ctx: Context) -> list[Record]:
        """x_proj (dt, B, C), dt_proj, A_log and D: modules of the whole inner width, or one
        copy per head stacked in the mixer's own parameters (Zamba)."""
        t, inner, rank, state = (
            ctx.tower,
            self.intermediate_size,
            self.time_step_rank,
            self.state_size,
        )
        heads = self.num_heads
        if heads is None:
            return [
                Linear("x_proj", inner, rank + 2 * state, False, A, t),
                Linear("dt_proj", rank, inner, True, A, t),
                Param("A_log", (inner, state), A, t),
                Param("D", (inner,), A, t),
            ]
        width = inner // heads
        # ZambaMambaMixer: x_proj_weight (heads, rank + 2 state, head width), dt_proj_weight
        # (heads, head width, rank) and dt_proj_bias (heads, head width), applied per head.
        return [
            Linear(
                "x_proj",
                width,
                rank + 2 * state,
                False,
                A,
                t,
                experts=heads,
                weight_name="x_proj_weight",
            ),
            Linear(
                "dt_proj",
                rank,
                width,
                True,
                A,
                t,
                experts=heads,
                weight_name="dt_proj_weight",
                bias_name="dt_proj_bias",
            ),
            Param("A_log", (heads, width, state), A, t),
            Param("D", (heads, width), A, t),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the convolution's window and the SSM state."""
        return {
            "conv": self.intermediate_size * self.conv_kernel,
            "ssm": self.intermediate_size * self.state_size,
        }


class Mamba2(Spec):
    """A Mamba-2 selective state-space mixer (`NemotronHMamba2Mixer`, `Mamba2Mixer`)."""

    kind: Literal["mamba2"] = "mamba2"
    num_heads: PositiveInt
    """SSM heads (mamba_num_heads)."""
    head_dim: PositiveInt
    """Width of one head (mamba_head_dim); the inner width is num_heads x head_dim."""
    state_size: PositiveInt
    """SSM state per head and group (ssm_state_size)."""
    n_groups: PositiveInt = 1
    """Groups sharing the B and C projections."""
    conv_kernel: PositiveInt = 4
    """Width of the depthwise causal convolution."""
    conv_bias: bool = True
    """The convolution has a bias (use_conv_bias)."""
    bias: bool = False
    """in_proj and out_proj have biases (use_bias)."""
    out_bias: bool | None = None
    """out_proj has a bias, when that differs from in_proj (Falcon-H1's projectors_bias).
    Default: bias."""
    gated_norm: bool = True
    """A gated RMSNorm over the inner width before out_proj."""

    def check(self, hidden: int, where: str) -> None:
        """The inner width must split into the groups of the gated norm."""
        if self.gated_norm and self.inner % self.n_groups:
            raise FieldValueError(
                f"{where}n_groups",
                f"{self.n_groups} must divide num_heads x head_dim = {self.inner}",
            )

    @property
    def inner(self) -> int:
        """Width of the SSM input (intermediate size)."""
        return self.num_heads * self.head_dim

    @property
    def conv_dim(self) -> int:
        """Channels of the convolution: x, B and C."""
        return self.inner + 2 * self.n_groups * self.state_size

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """in_proj (x, B, C, gate z and dt), conv1d, dt_bias, A_log, D, the norm, out_proj."""
        t, heads = ctx.tower, self.num_heads
        records: list[Record] = [
            Linear("in_proj", ctx.hidden, self.inner + self.conv_dim + heads, self.bias, A, t),
            Conv(
                "conv1d",
                self.conv_dim,
                self.conv_dim,
                (self.conv_kernel,),
                self.conv_dim,
                self.conv_bias,
                A,
                t,
            ),
            Param("dt_bias", (heads,), A, t),
            Param("A_log", (heads,), A, t),
        ]
        if self.gated_norm:
            records += ctx.norm("norm", self.inner, NormType.RMSNORM)
        records += [
            Param("D", (heads,), A, t),
            Linear("out_proj", self.inner, ctx.hidden, self.out_proj_bias, A, t),
        ]
        return records

    @property
    def out_proj_bias(self) -> bool:
        """Whether out_proj has a bias."""
        return self.bias if self.out_bias is None else self.out_bias

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the convolution's window and the SSM state."""
        return {
            "conv": self.conv_dim * self.conv_kernel,
            "ssm": self.num_heads * self.head_dim * self.state_size,
        }


class GatedDeltaNet(Spec):
    """Gated DeltaNet linear attention (`Qwen3NextGatedDeltaNet`)."""

    kind: Literal["gated_deltanet"] = "gated_deltanet"
    num_key_heads: PositiveInt
    """Key (and query) heads (linear_num_key_heads)."""
    num_value_heads: PositiveInt
    """Value heads (linear_num_value_heads), a multiple of the key heads."""
    key_head_dim: PositiveInt
    """Width of a key head (linear_key_head_dim)."""
    value_head_dim: PositiveInt
    """Width of a value head (linear_value_head_dim)."""
    conv_kernel: PositiveInt = 4
    """Width of the depthwise causal convolution (linear_conv_kernel_dim)."""
    projections: Literal["fused", "split", "separate"] = "fused"
    """How the input projections are stored: fused as in_proj_qkvz and in_proj_ba (Qwen3-Next),
    split into in_proj_qkv, in_proj_z, in_proj_b and in_proj_a (Qwen3.5), or one per input
    (q_proj, k_proj, v_proj, a_proj, b_proj and the output gate g_proj: OLMo Hybrid)."""

    def check(self, hidden: int, where: str) -> None:
        """Value heads must group evenly over the key heads."""
        if self.num_value_heads % self.num_key_heads:
            raise FieldValueError(
                f"{where}num_value_heads",
                f"{self.num_value_heads} must be a multiple of num_key_heads={self.num_key_heads}",
            )

    @property
    def key_dim(self) -> int:
        """Width of all key heads."""
        return self.num_key_heads * self.key_head_dim

    @property
    def value_dim(self) -> int:
        """Width of all value heads."""
        return self.num_value_heads * self.value_head_dim

    @property
    def conv_dim(self) -> int:
        """Channels of the convolution: q, k and v."""
        return 2 * self.key_dim + self.value_dim

    def input_projections(self, ctx: Context) -> list[Record]:
        """The projections of queries, keys, values, the output gate z and the decay inputs
        a and b (two per value head), as the family stores them."""
        t, hidden, nv, k, v = (
            ctx.tower,
            ctx.hidden,
            self.num_value_heads,
            self.key_dim,
            self.value_dim,
        )
        widths = {
            "fused": (("in_proj_qkvz", 2 * k + 2 * v), ("in_proj_ba", 2 * nv)),
            "split": (
                ("in_proj_qkv", 2 * k + v),
                ("in_proj_z", v),
                ("in_proj_b", nv),
                ("in_proj_a", nv),
            ),
            "separate": (
                ("q_proj", k),
                ("k_proj", k),
                ("v_proj", v),
                ("a_proj", nv),
                ("b_proj", nv),
                ("g_proj", v),
            ),
        }[self.projections]
        return [Linear(role, hidden, width, False, A, t) for role, width in widths]

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """The input projections, conv1d, dt_bias, A_log, the gated norm, out_proj."""
        t, hidden, nv = ctx.tower, ctx.hidden, self.num_value_heads
        return [
            *self.input_projections(ctx),
            Conv(
                "conv1d",
                self.conv_dim,
                self.conv_dim,
                (self.conv_kernel,),
                self.conv_dim,
                False,
                A,
                t,
            ),
            Param("dt_bias", (nv,), A, t),
            Param("A_log", (nv,), A, t),
            *ctx.norm("norm", self.value_head_dim, NormType.RMSNORM),
            Linear("out_proj", self.value_dim, hidden, False, A, t),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the convolution's window and the delta-rule state."""
        return {
            "conv": self.conv_dim * self.conv_kernel,
            "recurrent": self.num_value_heads * self.key_head_dim * self.value_head_dim,
        }


class ShortConv(Spec):
    """A gated short convolution (`Lfm2ShortConv`): in_proj to B, C and x, a depthwise causal
    convolution over hidden_size channels, out_proj."""

    kind: Literal["short_conv"] = "short_conv"
    conv_kernel: PositiveInt = 3
    """Width of the convolution (conv_L_cache), which is also the state it keeps."""
    bias: bool = False
    """The convolution and both projections have biases (conv_bias)."""
    spatial: bool = False
    """The convolution is a square conv_kernel x conv_kernel one over an image's patch grid
    (LFM3-VL's vision `spatial_conv`), not a causal one along the sequence: it keeps no
    state."""

    def check(self, hidden: int, where: str) -> None:
        """Nothing to check beyond the positive sizes."""

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """conv, in_proj (B, C and x) and out_proj."""
        t, hidden, b, k = ctx.tower, ctx.hidden, self.bias, self.conv_kernel
        return [
            Conv("conv", hidden, hidden, (k, k) if self.spatial else (k,), hidden, b, A, t),
            Linear("in_proj", hidden, 3 * hidden, b, A, t),
            Linear("out_proj", hidden, hidden, b, A, t),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values kept per sequence: the convolution's window (Lfm2HybridConvCache); none for
        a spatial convolution."""
        return {} if self.spatial else {"conv": hidden * self.conv_kernel}
