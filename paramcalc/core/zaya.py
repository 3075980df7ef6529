"""ZAYA1's feed-forward and residual parts: a routed mixture of experts with a small MLP
router (and a skip class that computes nothing), learned residual scalings around both halves
of each layer and a learned affine map of the embeddings.

GROUPS.md: the router and experts are feedforward; scales held by a layer or by the model
that are neither mixer nor norm are feedforward too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Param, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

F = Group.FEEDFORWARD


class RouterMLPMoE(Spec):
    """ZayaSparseMoeBlock: a router (down_proj to router_hidden_size, an MLP to num_experts + 1
    classes, the last one skipping the experts) and stacked gated experts."""

    kind: Literal["router_mlp_moe"] = "router_mlp_moe"
    num_experts: PositiveInt
    """Routed experts (the router has one class more: skip)."""
    num_experts_per_tok: PositiveInt
    """Classes each token is sent to (k)."""
    moe_intermediate_size: PositiveInt
    """Width of one expert."""
    router_hidden_size: PositiveInt
    """Width of the router's MLP."""
    router_states_scale: bool = True
    """The router mixes in the previous layer's router state with a learned scale (every layer
    but the first)."""

    @model_validator(mode="after")
    def _check_top_k(self) -> RouterMLPMoE:
        if self.num_experts_per_tok > self.num_experts + 1:
            raise FieldValueError(
                "num_experts_per_tok",
                f"{self.num_experts_per_tok} exceeds the {self.num_experts + 1} router classes",
            )
        return self

    def records(self, ctx: Context) -> list[Record]:
        """gate.down_proj, gate.router_states_scale, gate.router_mlp (norm, fc1, fc2,
        out_proj), experts.gate_up_proj and experts.down_proj."""
        t, s, hidden, r = ctx.tower, ctx.stream, ctx.hidden, self.router_hidden_size
        e, k, width = self.num_experts, self.num_experts_per_tok, self.moe_intermediate_size
        records: list[Record] = [Linear("gate.down_proj", hidden, r, True, F, t, s, routing=True)]
        if self.router_states_scale:
            records.append(Param("gate.router_states_scale", (r,), F, t))
        records += [
            *ctx.norm("gate.router_mlp.norm", r),
            Linear("gate.router_mlp.fc1", r, r, True, F, t, s, routing=True),
            Linear("gate.router_mlp.fc2", r, r, True, F, t, s, routing=True),
            Linear("gate.router_mlp.out_proj", r, e + 1, False, F, t, s, routing=True),
        ]
        # A token may pick the skip class, so at most k experts run for it: counted as k.
        active = min(k, e)
        return records + [
            Linear(
                "experts",
                inputs,
                outputs,
                False,
                F,
                t,
                s,
                experts=e,
                active_experts=active,
                weight_name=leaf,
            )
            for inputs, outputs, leaf in (
                (hidden, 2 * width, "gate_up_proj"),
                (width, hidden, "down_proj"),
            )
        ]


class ResidualScaling(Spec):
    """ZayaResidualScaling: learned scales and biases of a sublayer's output and of the
    residual it is added to."""

    kind: Literal["residual_scaling"] = "residual_scaling"
    name: Annotated[str, Field(max_length=64, pattern=r"^[a-z_]+$")]
    """Module name of the scaling in the layer (post_attention_residual_scale)."""

    def records(self, ctx: Context) -> list[Record]:
        """hidden_states_scale, hidden_states_bias, residual_scale and residual_bias."""
        leaves = ("hidden_states_scale", "hidden_states_bias", "residual_scale", "residual_bias")
        return [Param(f"{self.name}.{leaf}", (ctx.hidden,), F, ctx.tower) for leaf in leaves]


class InputAffine(Spec):
    """ZayaModel's learned scale and bias of the embeddings before the first layer."""

    kind: Literal["input_affine"] = "input_affine"

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """input_hidden_states_scale and input_hidden_states_bias."""
        return [
            Param(f"input_hidden_states_{leaf}", (ctx.hidden,), F, ctx.tower)
            for leaf in ("scale", "bias")
        ]
