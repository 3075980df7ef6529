"""What a layer or a language model holds beside its mixers and feed-forwards (Gemma 3n, 4).

AltUp (alternating updates over several copies of the residual stream), LAuReL (a low-rank
learned residual), the per-layer input gate, Gemma 4's mixture of experts beside the MLP,
LongCat-Flash's shortcut MoE and X-MOD's language adapters sit in each layer; the per-layer
input embeddings, AltUp's stream projections and CPM-Ant's segment and position bias table sit
in the model, as do a Gemma 4 assistant's projections and XLNet's mask_emb. GROUPS.md: the
layer parts are feedforward (their norms norm), the per-layer embeddings and their projection
embedding, the bias table attention. Each part names its records as transformers names them,
relative to the layer or the model.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from paramcalc.core.context import Context
from paramcalc.core.ffn import MoE
from paramcalc.core.records import Embedding, Group, Linear, Param, Record, renamed
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError

F, E = Group.FEEDFORWARD, Group.EMBEDDING


def ff(role: str, inputs: int, outputs: int, ctx: Context, group: Group = F) -> Linear:
    """An unbiased projection of a layer or model part."""
    return Linear(role, inputs, outputs, False, group, ctx.tower, ctx.stream)


class AltUp(Spec):
    """Gemma3nTextAltUp: predicts and corrects altup_num_inputs copies of the residual stream
    with coefficients a router computes from the active copy."""

    kind: Literal["altup"] = "altup"
    num_inputs: PositiveInt
    """Copies of the residual stream (altup_num_inputs)."""

    def records(self, ctx: Context) -> list[Record]:
        """correct_output_scale, correction and prediction coefficients, the router and its norm."""
        n, hidden = self.num_inputs, ctx.hidden
        return [
            Param("altup.correct_output_scale", (hidden,), F, ctx.tower),
            ff("altup.correction_coefs", n, n, ctx),
            ff("altup.prediction_coefs", n, n * n, ctx),
            ff("altup.modality_router", hidden, n, ctx),
            *ctx.norm("altup.router_norm", hidden),
        ]


class Laurel(Spec):
    """Gemma3nTextLaurelBlock: a learned low-rank residual beside the attention."""

    kind: Literal["laurel"] = "laurel"
    rank: PositiveInt
    """Width of the low-rank path (laurel_rank)."""

    def records(self, ctx: Context) -> list[Record]:
        """linear_left, linear_right and the norm after them."""
        return [
            ff("laurel.linear_left", ctx.hidden, self.rank, ctx),
            ff("laurel.linear_right", self.rank, ctx.hidden, ctx),
            *ctx.norm("laurel.post_laurel_norm", ctx.hidden),
        ]


class PerLayerInput(Spec):
    """The gate that mixes a layer's own input embedding into its output (Gemma 3n, Gemma 4)."""

    kind: Literal["per_layer_input"] = "per_layer_input"
    width: PositiveInt
    """Width of each layer's input embedding (hidden_size_per_layer_input)."""

    def records(self, ctx: Context) -> list[Record]:
        """per_layer_input_gate, per_layer_projection and the norm after them."""
        return [
            ff("per_layer_input_gate", ctx.hidden, self.width, ctx),
            ff("per_layer_projection", self.width, ctx.hidden, ctx),
            *ctx.norm("post_per_layer_input_norm", ctx.hidden),
        ]


class ParallelMoE(Spec):
    """Gemma4TextDecoderLayer's experts beside its MLP: a scaled router reading the residual,
    routed gated experts, and the norms around their branch (the MLP's output is normed apart)."""

    kind: Literal["parallel_moe"] = "parallel_moe"
    num_experts: PositiveInt
    """Routed experts (num_experts)."""
    num_experts_per_tok: PositiveInt
    """Experts each token is sent to (top_k_experts)."""
    moe_intermediate_size: PositiveInt
    """Width of one expert."""

    @model_validator(mode="after")
    def _check_top_k(self) -> ParallelMoE:
        if self.num_experts_per_tok > self.num_experts:
            raise FieldValueError(
                "num_experts_per_tok",
                f"{self.num_experts_per_tok} must be at most num_experts={self.num_experts}",
            )
        return self

    def records(self, ctx: Context) -> list[Record]:
        """router.proj, router.scale, router.per_expert_scale (its norm has no scale), the
        stacked experts, and post_feedforward_layernorm_1, pre/post_feedforward_layernorm_2."""
        hidden, e, k, width = (
            ctx.hidden,
            self.num_experts,
            self.num_experts_per_tok,
            (self.moe_intermediate_size),
        )
        experts = [
            Linear(
                "experts",
                inputs,
                outputs,
                False,
                F,
                ctx.tower,
                ctx.stream,
                experts=e,
                active_experts=k,
                weight_name=leaf,
            )
            for inputs, outputs, leaf in (
                (hidden, 2 * width, "gate_up_proj"),
                (width, hidden, "down_proj"),
            )
        ]
        return [
            Linear("router.proj", hidden, e, False, F, ctx.tower, ctx.stream, routing=True),
            Param("router.scale", (hidden,), F, ctx.tower),
            Param("router.per_expert_scale", (e,), F, ctx.tower),
            *experts,
            *ctx.norm("post_feedforward_layernorm_1", hidden),
            *ctx.norm("pre_feedforward_layernorm_2", hidden),
            *ctx.norm("post_feedforward_layernorm_2", hidden),
        ]


class ShortcutMoE(Spec):
    """LongcatFlashMoE: a mixture of experts reading the same normed input as the layer's MLP,
    its output added to the residual only at the end of the next sublayer (LongCat-Flash's
    shortcut-connected MoE); its records are an MoE's, under `shortcut_moe`."""

    kind: Literal["shortcut_moe"] = "shortcut_moe"
    moe: MoE
    """The experts, their router and any zero experts."""

    def records(self, ctx: Context) -> list[Record]:
        """The MoE's router and stacked experts."""
        return [renamed(r, f"shortcut_moe.{r.name}") for r in self.moe.records(ctx)]


class PerLayerEmbeddings(Spec):
    """The model's per-layer input embeddings: a table of num_layers x width per token, and a
    projection of the token embedding to the same width, normed per layer."""

    kind: Literal["per_layer_embeddings"] = "per_layer_embeddings"
    vocab_size: PositiveInt
    """Rows of the per-layer table (vocab_size_per_layer_input)."""
    width: PositiveInt
    """Width per layer (hidden_size_per_layer_input)."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """embed_tokens_per_layer, per_layer_model_projection, per_layer_projection_norm."""
        wide = layers * self.width
        return [
            Embedding("embed_tokens_per_layer", self.vocab_size, wide, E, ctx.tower),
            ff("per_layer_model_projection", ctx.hidden, wide, ctx, E),
            *ctx.norm("per_layer_projection_norm", self.width),
        ]


class AltUpProjections(Spec):
    """The model's AltUp projections: num_inputs - 1 copies of the embedding made on the way
    in, and merged back on the way out."""

    kind: Literal["altup_projections"] = "altup_projections"
    num_inputs: PositiveInt
    """Copies of the residual stream (altup_num_inputs)."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """altup_projections.{j} and altup_unembed_projections.{j}, hidden -> hidden each."""
        return [
            ff(f"{side}.{j}", ctx.hidden, ctx.hidden, ctx)
            for side in ("altup_projections", "altup_unembed_projections")
            for j in range(self.num_inputs - 1)
        ]


class SegmentPositionBias(Spec):
    """CPM-Ant's relative position bias, held by the model for every layer: one row per
    (query segment, key segment) pair and one per relative-position bucket, a column per
    attention head (`CpmAntSegmentPositionEmbedding.relative_attention_bias`, attention)."""

    kind: Literal["segment_position_bias"] = "segment_position_bias"
    segment_types: PositiveInt
    """Segment kinds (segment_types): segment_types^2 rows of segment pairs."""
    num_buckets: PositiveInt
    """Relative-position buckets (position_bias_num_buckets)."""
    num_attention_heads: PositiveInt
    """Columns: one bias per attention head."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """position_bias.relative_attention_bias, a plain parameter (read by index)."""
        rows = self.segment_types**2 + self.num_buckets
        shape = (rows, self.num_attention_heads)
        return [Param("position_bias.relative_attention_bias", shape, Group.ATTENTION, ctx.tower)]


class DraftProjections(Spec):
    """What a Gemma 4 assistant (a drafter run on its target model's states) holds beside its
    language model: pre_projection from the target's embedding and hidden state side by side
    (2 x backbone_hidden_size) to its own width, post_projection back to the target's width
    (both embedding, as OPT's project_in / project_out), and with ordered embeddings the
    centroid scorer that picks which slices of the head to compute (output)."""

    kind: Literal["draft_projections"] = "draft_projections"
    backbone_hidden_size: PositiveInt
    """Width of the target model (backbone_hidden_size)."""
    num_centroids: Count = 0
    """Vocabulary clusters the centroid scorer ranks (num_centroids, with
    use_ordered_embeddings); 0 for none."""
    centroid_top_k: Count = 0
    """Clusters whose vocab_size // num_centroids tokens the head then scores
    (centroid_intermediate_top_k)."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """pre_projection, post_projection and masked_embedding.centroids, unbiased."""
        hidden, backbone = ctx.hidden, self.backbone_hidden_size
        records: list[Record] = [
            ff("pre_projection", 2 * backbone, hidden, ctx, E),
            ff("post_projection", hidden, backbone, ctx, E),
        ]
        if self.num_centroids:
            records.append(
                ff("masked_embedding.centroids", hidden, self.num_centroids, ctx, Group.OUTPUT)
            )
        return records

    def head_flops(self, rows: int, width: int, vocab: int) -> int:
        """FLOPs of the head when the centroid scorer runs (Gemma4AssistantMaskedEmbedder: one
        batched product over the chosen clusters' rows of the head, in place of lm_head over
        the whole vocabulary)."""
        return 2 * rows * width * self.centroid_top_k * (vocab // self.num_centroids)


class MaskEmbedding(Spec):
    """XLNet's learned query-stream start (`mask_emb`, (1, 1, d_model)): a learned token,
    embedding as GROUPS.md counts class tokens."""

    kind: Literal["mask_embedding"] = "mask_embedding"

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """mask_emb, a plain parameter."""
        return [Param("mask_emb", (1, 1, ctx.hidden), E, ctx.tower)]


class TokenVectors(Spec):
    """Learned vectors of the model's width that replace the embedding of one special token
    (T5Gemma 2's eoi_embedding beside each token table, a 1-D parameter): embedding, as
    GROUPS.md counts learned tokens. Looking one up costs no FLOPs and caches nothing."""

    kind: Literal["token_vectors"] = "token_vectors"
    roles: tuple[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)], ...] = (
        Field(min_length=1)
    )
    """One role per vector, which the family's naming turns into its path."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """One (hidden_size,) parameter per role."""
        return [Param(role, (ctx.hidden,), E, ctx.tower) for role in self.roles]


class LanguageAdapters(Spec):
    """X-MOD's language adapters after a layer's MLP: one bottleneck MLP per language
    (dense1 hidden -> bottleneck, dense2 back, both biased), and a LayerNorm before them when
    adapter_layer_norm. Each token passes through its own language's adapter only, so the
    adapters are routed copies of which a token uses one (XmodOutput.lang_adapter)."""

    kind: Literal["language_adapters"] = "language_adapters"
    languages: tuple[Annotated[str, Field(pattern=r"^[^.]+$", max_length=64)], ...] = ()
    """The adapters' languages, in order (languages): each names its module; none leaves only
    the norm (XmodOutput builds adapter_layer_norm whatever the languages)."""
    bottleneck: PositiveInt
    """Width inside an adapter (hidden_size // adapter_reduction_factor)."""
    norm: bool = False
    """A LayerNorm of the adapters' input of their own (adapter_layer_norm)."""

    @model_validator(mode="after")
    def _check_languages(self) -> LanguageAdapters:
        if len(set(self.languages)) != len(self.languages):
            raise FieldValueError("languages", "each language once")
        return self

    def records(self, ctx: Context) -> list[Record]:
        """adapter_modules.{language}.dense1 and .dense2, and adapter_layer_norm."""
        hidden, width, n = ctx.hidden, self.bottleneck, len(self.languages)
        adapters: list[Record] = [
            Linear(
                "adapter_modules",
                inputs,
                outputs,
                True,
                F,
                ctx.tower,
                ctx.stream,
                experts=n,
                active_experts=1,
                expert_module="{e}." + leaf,
                expert_names=self.languages,
            )
            for inputs, outputs, leaf in ((hidden, width, "dense1"), (width, hidden, "dense2"))
            if n
        ]
        return [*ctx.norm("adapter_layer_norm", hidden), *adapters] if self.norm else adapters
