"""Feed-forward kinds: a plain MLP, a gated MLP (SwiGLU/GeGLU) and a mixture of experts.

Each kind owns its tensors as role-named records (`gate_proj`, `experts`, `router`...). Routed
experts are one stacked record per projection, as transformers 5.23 stores them
(`experts.gate_up_proj` of `(E, 2 x width, hidden)`), carrying how many a token passes through.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record, grouped
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError


def projection(role: str, inputs: int, outputs: int, bias: bool, ctx: Context) -> Linear:
    """A feed-forward projection in the context's tower."""
    return Linear(role, inputs, outputs, bias, Group.FEEDFORWARD, ctx.tower, ctx.stream)


def mlp_records(
    prefix: str, hidden: int, width: int, gated: bool, bias: bool, ctx: Context
) -> list[Record]:
    """gate (when gated), up and down projections of one MLP of `width`."""
    names = ("gate_proj", "up_proj") if gated else ("up_proj",)
    records: list[Record] = [projection(f"{prefix}{n}", hidden, width, bias, ctx) for n in names]
    return records + [projection(f"{prefix}down_proj", width, hidden, bias, ctx)]


class MLP(Spec):
    """Up and down projections around an activation (GPT-2, BERT, OPT)."""

    kind: Literal["mlp"] = "mlp"
    intermediate_size: PositiveInt
    """Width of the hidden layer."""
    bias: bool = False
    """Both projections have biases."""
    activation_scalars: tuple[Annotated[str, Field(max_length=64)], ...] = ()
    """Learned scalars of the activation, each of shape (1,), under `act_fn` (Apertus's xIELU:
    alpha_p, alpha_n)."""

    conv_groups: tuple[PositiveInt, PositiveInt] | None = None
    """Groups of up and down when they are grouped 1x1 convolutions (SqueezeBERT's
    intermediate and output Conv1d); each divides hidden_size and intermediate_size."""

    linear_groups: PositiveInt = 1
    """Groups of up and down when they are ConvBERT's GroupedLinearLayer (num_groups): each
    group maps its share of the inputs to its share of the outputs, the weights stored as one
    (groups, in / groups, out / groups) tensor beside one bias of out."""
    sub_norm: bool = False
    """A norm of intermediate_size on the activation before down_proj (Kosmos-2's and
    Kosmos-2.5's ffn_layernorm)."""

    @model_validator(mode="after")
    def _check_groups(self) -> MLP:
        if self.conv_groups and self.linear_groups > 1:
            raise FieldValueError("linear_groups", "give it or conv_groups, not both")
        return self

    def records(self, ctx: Context) -> list[Record]:
        """up_proj and down_proj, the norm before down_proj and the activation's learned
        scalars."""
        records = mlp_records("", ctx.hidden, self.intermediate_size, False, self.bias, ctx)
        if self.linear_groups > 1:
            records = [r for p in records for r in self.grouped_linear(p, ctx)]
        for groups in self.conv_groups or ():
            if ctx.hidden % groups or self.intermediate_size % groups:
                raise FieldValueError(
                    "conv_groups",
                    f"{groups} does not divide hidden_size={ctx.hidden} and "
                    f"intermediate_size={self.intermediate_size}",
                )
        if self.conv_groups:
            records = [grouped(r, g) for r, g in zip(records, self.conv_groups, strict=True)]
        if self.sub_norm:
            records += ctx.norm("sub_norm", self.intermediate_size)
        return records + [
            Param(f"act_fn.{name}", (1,), Group.FEEDFORWARD, ctx.tower)
            for name in self.activation_scalars
        ]

    def grouped_linear(self, record: Record, ctx: Context) -> list[Record]:
        """One projection as GroupedLinearLayer stores it: the groups' weights stacked
        `(in, out)` (a batched matmul), and the bias apart."""
        groups = self.linear_groups
        assert isinstance(record, Linear)  # mlp_records makes projections
        if record.inputs % groups or record.outputs % groups:
            raise FieldValueError(
                "linear_groups",
                f"{groups} does not divide hidden_size={ctx.hidden} and "
                f"intermediate_size={self.intermediate_size}",
            )
        weights = replace(
            record,
            inputs=record.inputs // groups,
            outputs=record.outputs // groups,
            bias=False,
            experts=groups,
            transposed=True,
        )
        bias = [Param(f"{record.name}.bias", (record.outputs,), Group.FEEDFORWARD, ctx.tower)]
        return [weights, *(bias if record.bias else [])]


class GatedMLP(Spec):
    """A gate, an up and a down projection (SwiGLU, GeGLU: Llama and most decoders)."""

    kind: Literal["gated"] = "gated"
    intermediate_size: PositiveInt
    """Width of the gate and up projections."""
    bias: bool = False
    """All three projections have biases."""
    down_bias: bool | None = None
    """down_proj has a bias when gate and up have none, or the reverse (GTE: only down_proj).
    Default: as `bias`."""
    sub_norm: bool = False
    """A norm of intermediate_size on the gated activation before down_proj (BitNet's
    ffn_sub_norm)."""

    def records(self, ctx: Context) -> list[Record]:
        """gate_proj, up_proj and down_proj, and the norm before down_proj."""
        hidden, width = ctx.hidden, self.intermediate_size
        down = self.bias if self.down_bias is None else self.down_bias
        records: list[Record] = [
            projection(role, hidden, width, self.bias, ctx) for role in ("gate_proj", "up_proj")
        ]
        records.append(projection("down_proj", width, hidden, down, ctx))
        return records + (ctx.norm("sub_norm", self.intermediate_size) if self.sub_norm else [])


class MoE(Spec):
    """A router sending each token to k of E routed experts, beside optional shared experts."""

    kind: Literal["moe"] = "moe"
    num_experts: PositiveInt
    """Routed experts."""
    num_experts_per_tok: PositiveInt
    """Routed experts each token is sent to (k)."""
    moe_intermediate_size: PositiveInt
    """Width of one routed expert."""
    gated_experts: bool = True
    """Experts are gated MLPs (gate_up_proj, down_proj); false for plain up/down experts."""
    expert_bias: bool = False
    """Routed experts have biases (gpt-oss `gate_up_proj_bias`)."""
    router_bias: bool = False
    """The router has a bias."""
    shared_expert_intermediate_size: Count = 0
    """Total width of the always-active shared expert MLP (DeepSeek: n_shared x expert width)."""
    shared_expert_bias: bool = False
    """The shared expert's projections have biases."""
    shared_expert_gated: bool = True
    """The shared expert is a gated MLP; false for a plain up/down one (Nemotron-H)."""
    latent_size: PositiveInt | None = None
    """Routed experts work in a narrower space, with projections to and from it around them
    (Nemotron-H moe_latent_size)."""
    latent_bias: bool = False
    """The latent projections have biases."""
    shared_expert_gate: bool = False
    """A sigmoid gate (hidden -> 1) on the shared expert (Qwen2-MoE, Qwen3-Next)."""
    output_norm: bool = False
    """A norm of the block's output inside the MoE block (A.X-K1 `mlp.post_mlp_layernorm`)."""
    output_bias: bool = False
    """A bias of hidden_size added to the experts' weighted sum (JetMoE's `mlp.bias`)."""
    flat_experts: bool = False
    """Routed experts stored as DBRX stores them: gate (`w1`), up (`v1`) and down (`w2`,
    transposed) each one 2-D tensor of (E x width, hidden), without biases."""
    zero_experts: Count = 0
    """Experts that compute nothing (LongCat-Flash's zero_expert_num): the router also scores
    them (E + zero outputs), a token sent to one keeps its input, and transformers 5.23 still
    stacks gate_up_proj for all E + zero (down_proj for the E routed ones only). Active
    counts and FLOPs take a token's k experts as routed ones: an upper bound."""
    score_bias: Literal["none", "vector", "row"] = "none"
    """A per-expert bias added to the routing scores that transformers holds as a (frozen)
    parameter: of shape (E,) (`vector`, Laguna's `e_score_correction_bias`) or (1, E) (`row`,
    ERNIE 4.5's one expert group)."""

    @model_validator(mode="after")
    def _check_top_k(self) -> MoE:
        if self.flat_experts and (self.expert_bias or not self.gated_experts):
            raise FieldValueError("flat_experts", "DBRX-style experts are gated and have no biases")
        if self.zero_experts and (self.flat_experts or self.latent_size):
            raise FieldValueError("zero_experts", "needs stacked experts without a latent")
        if self.num_experts_per_tok > self.num_experts + self.zero_experts:
            raise FieldValueError(
                "num_experts_per_tok",
                f"{self.num_experts_per_tok} must be between 1 and num_experts={self.num_experts}"
                + (f" + zero_experts={self.zero_experts}" if self.zero_experts else ""),
            )
        return self

    def records(self, ctx: Context) -> list[Record]:
        """Router, stacked routed experts, the shared expert and its gate."""
        hidden, width, e, k = (
            ctx.hidden,
            self.moe_intermediate_size,
            self.num_experts,
            self.num_experts_per_tok,
        )
        inner = self.latent_size or hidden
        up = 2 * width if self.gated_experts else width
        f, b = Group.FEEDFORWARD, self.expert_bias
        up_name = "gate_up_proj" if self.gated_experts else "up_proj"
        scored = e + self.zero_experts
        router = Linear(
            "router", hidden, scored, self.router_bias, f, ctx.tower, ctx.stream, routing=True
        )
        if self.flat_experts:
            return [router, *self.flat_records(ctx)]
        records: list[Record] = [
            router,
            Linear(
                "experts",
                inner,
                up,
                b,
                f,
                ctx.tower,
                ctx.stream,
                experts=scored,
                active_experts=k,
                weight_name=up_name,
                bias_name=f"{up_name}_bias",
            ),
            Linear(
                "experts",
                width,
                inner,
                b,
                f,
                ctx.tower,
                ctx.stream,
                experts=e,
                active_experts=min(k, e),
                weight_name="down_proj",
                bias_name="down_proj_bias",
            ),
        ]
        if self.latent_size:
            records += [
                projection("fc1_latent_proj", hidden, inner, self.latent_bias, ctx),
                projection("fc2_latent_proj", inner, hidden, self.latent_bias, ctx),
            ]
        if self.shared_expert_intermediate_size:
            records += mlp_records(
                "shared_expert.",
                hidden,
                self.shared_expert_intermediate_size,
                self.shared_expert_gated,
                self.shared_expert_bias,
                ctx,
            )
        if self.shared_expert_gate:
            records.append(
                Linear(
                    "shared_expert_gate", hidden, 1, False, f, ctx.tower, ctx.stream, routing=True
                )
            )
        if self.output_norm:
            records += ctx.norm("output_norm", hidden)
        if self.output_bias:
            records.append(Param("bias", (hidden,), f, ctx.tower))
        if self.score_bias != "none":
            shape = (e,) if self.score_bias == "vector" else (1, e)
            records.append(Param("score_bias", shape, f, ctx.tower))
        return records

    def flat_records(self, ctx: Context) -> list[Record]:
        """DBRX's experts.mlp: w1 (gate), v1 (up) and w2 (down, stored transposed)."""
        hidden, width, e, k = (
            ctx.hidden,
            self.moe_intermediate_size,
            self.num_experts,
            self.num_experts_per_tok,
        )
        parts = (
            ("w1", hidden, width, False),
            ("v1", hidden, width, False),
            ("w2", width, hidden, True),
        )
        return [
            Linear(
                "experts",
                inputs,
                outputs,
                False,
                Group.FEEDFORWARD,
                ctx.tower,
                ctx.stream,
                experts=e,
                active_experts=k,
                transposed=transposed,
                flat=True,
                weight_name=name,
            )
            for name, inputs, outputs, transposed in parts
        ]


FeedForward = MLP | GatedMLP | MoE
