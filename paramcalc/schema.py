"""The architecture schema: one frozen, validated description of a transformer.

Field names follow Hugging Face `config.json` where one exists. Optional fields are resolved
by the properties at the bottom of `Architecture`, so the calculator never sees a `None`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import Enum
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from paramcalc.errors import FieldValueError

if TYPE_CHECKING:
    from paramcalc.core.model import Model, ModelFile

#: Largest size of any field: PyTorch shapes are int64, so a larger one is a typo (and every
#: count built from such sizes stays far below the digits Python will print).
MAX_SIZE = 2**63 - 1
#: Most blocks per stack: real models have at most a few hundred; the count loops over them.
MAX_LAYERS = 10_000
#: A ratio or tolerance written as text: digits, a decimal part, a short exponent or a
#: fraction ("8/3"); a long exponent would make Fraction build a gigantic integer.
NUMBER_TEXT = re.compile(r"\s*[-+]?\d+(\.\d*)?([eE][-+]?\d{1,3})?(/\d+)?\s*%?\s*")

PositiveInt = Annotated[StrictInt, Field(gt=0, le=MAX_SIZE)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_SIZE)]
Depth = Annotated[StrictInt, Field(gt=0, le=MAX_LAYERS)]
ShortStr = Annotated[StrictStr, Field(max_length=64)]
LayerType = Literal["full_attention", "sliding_attention"]


class NormType(str, Enum):
    """How a normalization layer is parameterised."""

    LAYERNORM = "layernorm"
    LAYERNORM_NO_BIAS = "layernorm_no_bias"
    RMSNORM = "rmsnorm"
    NONE = "none"


class PositionType(str, Enum):
    """The position scheme; only `learned` allocates parameters in the embedding group."""

    LEARNED = "learned"
    ROTARY = "rotary"
    ALIBI = "alibi"
    RELATIVE = "relative"
    NONE = "none"


class QKNorm(str, Enum):
    """Norms on queries and keys: none, one per head (size head_dim) or one over all heads."""

    NONE = "none"
    PER_HEAD = "per_head"
    FULL = "full"


class Architecture(BaseModel):
    """A transformer architecture, as exact as its parameter count needs."""

    # Field docs are attribute docstrings: `paramcalc.field_docs` reads them into each field's
    # description when the JSON Schema is asked for (reading them at import costs start-up).
    model_config = ConfigDict(frozen=True, extra="forbid", title="paramcalc architecture")

    # -- description (never changes a count) -------------------------------------------------
    name: StrictStr | None = None
    """Model name shown in outputs."""
    source: StrictStr | None = None
    """Where the hyperparameters come from (a paper, a model card, a config.json)."""
    notes: tuple[Annotated[StrictStr, Field(max_length=500)], ...] = ()
    """Remarks shown with the count, never changing it: what a checkpoint of the model may store
    beyond its parameters (buffers, a tied head saved twice, layers transformers does not build)."""
    expected_total: Count | ShortStr | None = None
    """Total parameter count this file should give: an integer or a figure with a unit (6.74B)."""
    tolerance: ShortStr | StrictFloat | StrictInt | None = None
    """Allowed relative difference for `paramcalc check`: a percentage (0.1%) or a fraction."""
    naming: ShortStr | None = None
    """The transformers model_type whose parameter names the tensors take (default: Llama's)."""

    # -- sizes --------------------------------------------------------------------------------
    vocab_size: PositiveInt
    """Rows of the token embedding."""
    hidden_size: PositiveInt
    """Width of the residual stream (d_model)."""
    num_hidden_layers: Depth
    """Transformer blocks (of the encoder, for an encoder-decoder model)."""
    num_attention_heads: PositiveInt
    """Query heads per attention block."""
    num_key_value_heads: PositiveInt | None = None
    """Key/value heads: equal to the query heads (MHA), fewer (GQA) or 1 (MQA). Default: heads."""
    head_dim: PositiveInt | None = None
    """Width of one head. Default: hidden_size / num_attention_heads."""
    intermediate_size: PositiveInt | None = None
    """Width of the feed-forward block. Default: from ffn_ratio."""
    ffn_ratio: StrictInt | StrictFloat | ShortStr | None = None
    """intermediate_size as a ratio of hidden_size (4, or "8/3" for SwiGLU); floored, then
    rounded up to multiple_of. Default: 4 for a plain FFN, 8/3 for a gated one."""
    multiple_of: PositiveInt = 1
    """Round a ratio-derived intermediate_size up to a multiple of this (Llama uses 256)."""
    gated_ffn: StrictBool = True
    """Gated FFN (gate, up and down projections, as SwiGLU/GeGLU) instead of up and down."""
    max_position_embeddings: PositiveInt | None = None
    """Longest sequence; rows of a learned position table (required when positions are learned)."""

    # -- embeddings and head ------------------------------------------------------------------
    position_embedding_type: PositionType = PositionType.ROTARY
    """Position scheme; rotary, ALiBi, relative and none add no embedding parameters."""
    position_offset: Count = 0
    """Extra rows a learned position table allocates beyond max_position_embeddings (OPT: 2)."""
    type_vocab_size: Count = 0
    """Rows of a token-type (segment) embedding (BERT: 2); 0 for none."""
    embedding_size: PositiveInt | None = None
    """Width of the token embedding when it differs from hidden_size; adds the projections
    between the two widths (OPT's word_embed_proj_dim). Default: hidden_size."""
    tie_word_embeddings: StrictBool = False
    """The output head shares the token embedding matrix (counted once, in embedding)."""
    lm_head: StrictBool = True
    """The model ends in a language-model head (false for an encoder loaded as a bare model)."""
    lm_head_bias: StrictBool = False
    """The language-model head has a bias (Phi)."""
    pooler: StrictBool = False
    """A pooler (dense hidden -> hidden with bias) on the first token, as BERT's."""

    # -- projections ----------------------------------------------------------------------------
    qkv_bias: StrictBool = False
    """Query, key and value projections have biases."""
    attention_out_bias: StrictBool = False
    """The attention output projection has a bias."""
    ffn_bias: StrictBool = False
    """Feed-forward projections (experts included) have biases."""
    expert_bias: StrictBool | None = None
    """Routed experts have biases. Default: ffn_bias (DeepSeek-V2's mlp_bias skips them)."""
    cross_attention: StrictBool = False
    """Every block of a decoder-only model also attends to an encoder's output (GPT-2 and BERT
    with add_cross_attention)."""

    # -- norms ----------------------------------------------------------------------------------
    norm_type: NormType = NormType.RMSNORM
    """Parameterisation of every norm: layernorm (scale and bias), layernorm_no_bias, rmsnorm
    (scale), none (no learned tensor)."""
    attention_input_norm: StrictBool = True
    """A norm before attention (pre-norm; Llama's input_layernorm)."""
    attention_output_norm: StrictBool = False
    """A norm on the attention output (post-norm: BERT, Gemma 2, OLMo 2)."""
    ffn_input_norm: StrictBool = True
    """A norm before the FFN (Llama's post_attention_layernorm)."""
    ffn_output_norm: StrictBool = False
    """A norm on the FFN output (post-norm: BERT, Gemma 2, OLMo 2)."""
    qk_norm: QKNorm = QKNorm.NONE
    """Norms on queries and keys (Qwen3, Gemma 3: per_head; OLMo 2: full)."""
    final_norm: StrictBool = True
    """A norm after the last block."""
    embedding_norm: StrictBool = False
    """A norm right after the embeddings (BLOOM, BERT)."""
    parallel_block: StrictBool = False
    """Attention and FFN read one shared normed input (GPT-J, Phi, Falcon-7B): the FFN has no
    input norm of its own."""

    # -- mixture of experts -----------------------------------------------------------------
    num_experts: Count = 0
    """Routed experts per MoE layer; 0 for a dense model."""
    num_experts_per_tok: Count = 0
    """Routed experts each token is sent to (k)."""
    moe_intermediate_size: PositiveInt | None = None
    """Width of one routed expert. Default: intermediate_size."""
    shared_expert_intermediate_size: Count = 0
    """Total width of the always-active shared expert MLP (DeepSeek: n_shared x expert width)."""
    shared_expert_gate: StrictBool = False
    """A sigmoid gate (hidden -> 1) on the shared expert (Qwen2-MoE)."""
    router_bias: StrictBool = False
    """The router has a bias."""
    first_k_dense_replace: Count = 0
    """The first k layers use a dense FFN (DeepSeek)."""
    moe_layer_freq: PositiveInt = 1
    """After the first k, layer i is MoE when i % moe_layer_freq == 0."""
    mlp_only_layers: tuple[Count, ...] = ()
    """Layers that use a dense FFN whatever the rule above says (Qwen2-MoE)."""

    # -- low-rank (MLA) attention -----------------------------------------------------------
    q_lora_rank: PositiveInt | None = None
    """Rank of the query down/up projection (DeepSeek MLA); none for a plain q_proj."""
    kv_lora_rank: PositiveInt | None = None
    """Rank of the compressed key/value latent; setting it selects MLA attention."""
    qk_nope_head_dim: PositiveInt | None = None
    """MLA: per-head query/key width without rotary."""
    qk_rope_head_dim: PositiveInt | None = None
    """MLA: per-head query/key width carrying rotary (keys share one rotary head)."""
    v_head_dim: PositiveInt | None = None
    """MLA: per-head value width."""

    # -- encoder-decoder ----------------------------------------------------------------------
    is_encoder_decoder: StrictBool = False
    """An encoder stack and a decoder stack with cross-attention (T5)."""
    num_decoder_layers: Depth | None = None
    """Blocks of the decoder stack. Default: num_hidden_layers."""
    relative_attention_num_buckets: Count = 0
    """Rows of the learned relative position bias in the first block of each stack (T5: 32)."""

    # -- attention span (memory only) -------------------------------------------------------
    sliding_window: PositiveInt | None = None
    """Tokens a sliding-window layer attends to (its KV cache is capped at this)."""
    layer_types: tuple[LayerType, ...] | None = None
    """Per-layer attention kind. Default: every layer sliding when sliding_window is set,
    else every layer full."""

    @model_validator(mode="after")
    def _check_consistency(self) -> Architecture:
        """Run the cross-field rules once every field has passed its own."""
        self.check_rules()
        return self

    def check_rules(self) -> None:
        """Reject combinations no real model can have, naming the field to fix.

        Public so that `paramcalc sweep` can run the rules on copies made with `model_copy`,
        whose fields it has bounded already.
        """
        heads, kv = self.num_attention_heads, self.kv_heads
        if self.head_dim is None and self.kv_lora_rank is None and self.hidden_size % heads:
            raise FieldValueError(
                "num_attention_heads",
                f"{heads} does not divide hidden_size={self.hidden_size} "
                "(set head_dim to use heads of another width)",
            )
        if kv > heads:
            raise FieldValueError(
                "num_key_value_heads", f"{kv} exceeds num_attention_heads={heads}"
            )
        if heads % kv:
            raise FieldValueError(
                "num_key_value_heads", f"{kv} must divide num_attention_heads={heads}"
            )
        self._check_ffn_width()
        if isinstance(self.tolerance, str) and not NUMBER_TEXT.fullmatch(self.tolerance):
            raise FieldValueError(
                "tolerance", f"expected a percentage (0.1%) or a fraction, got {self.tolerance!r}"
            )
        if self.position_embedding_type is PositionType.LEARNED and (
            self.max_position_embeddings is None
        ):
            raise FieldValueError(
                "max_position_embeddings", "required by learned position embeddings"
            )
        self._check_moe()
        self._check_mla()
        self._check_layer_types()
        if self.naming is not None:
            from paramcalc.families import naming_of

            naming_of(self.naming)  # an unknown naming is the file's error, named here

    def _check_ffn_width(self) -> None:
        if self.intermediate_size is not None and self.ffn_ratio is not None:
            raise FieldValueError("ffn_ratio", "give intermediate_size or ffn_ratio, not both")
        if self.ffn_ratio_fraction <= 0:
            raise FieldValueError("ffn_ratio", f"must be positive, got {self.ffn_ratio!r}")
        width = self.resolved_intermediate_size
        if not 1 <= width <= MAX_SIZE:
            raise FieldValueError(
                "ffn_ratio",
                f"{self.ffn_ratio!r} x hidden_size={self.hidden_size} gives an "
                f"intermediate size of {width}, outside 1..{MAX_SIZE}",
            )

    def _check_moe(self) -> None:
        if self.num_experts == 0:
            for field in ("num_experts_per_tok", "shared_expert_intermediate_size"):
                if getattr(self, field):
                    raise FieldValueError(field, "needs num_experts > 0")
            return
        k = self.num_experts_per_tok
        if not 1 <= k <= self.num_experts:
            raise FieldValueError(
                "num_experts_per_tok", f"{k} must be between 1 and num_experts={self.num_experts}"
            )
        # The calculator tests membership for every layer: indices must be real and unique.
        seen: set[int] = set()
        for index in self.mlp_only_layers:
            if index >= self.num_hidden_layers or index in seen:
                why = "listed twice" if index in seen else "no such layer"
                raise FieldValueError(
                    "mlp_only_layers",
                    f"{index}: {why} (num_hidden_layers={self.num_hidden_layers})",
                )
            seen.add(index)

    def _check_mla(self) -> None:
        if self.kv_lora_rank is None:
            if self.q_lora_rank is not None:
                raise FieldValueError("q_lora_rank", "needs kv_lora_rank (MLA attention)")
            return
        for field in ("qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
            if getattr(self, field) is None:
                raise FieldValueError(field, "required by MLA attention (kv_lora_rank is set)")

    def _check_layer_types(self) -> None:
        if self.layer_types is not None and len(self.layer_types) != self.num_hidden_layers:
            raise FieldValueError(
                "layer_types",
                f"has {len(self.layer_types)} entries for "
                f"num_hidden_layers={self.num_hidden_layers}",
            )
        if (
            self.layer_types
            and "sliding_attention" in self.layer_types
            and not (self.sliding_window)
        ):
            raise FieldValueError("sliding_window", "required by sliding_attention layers")

    # -- resolved values ----------------------------------------------------------------------
    @property
    def kv_heads(self) -> int:
        """Key/value heads, defaulting to the query heads."""
        return self.num_key_value_heads or self.num_attention_heads

    @property
    def resolved_head_dim(self) -> int:
        """Width of one head, defaulting to hidden_size / heads."""
        return self.head_dim or self.hidden_size // self.num_attention_heads

    @property
    def ffn_ratio_fraction(self) -> Fraction:
        """The FFN ratio as an exact fraction ("8/3" stays 8/3, 2.5 is 5/2)."""
        if self.ffn_ratio is None:
            return Fraction(8, 3) if self.gated_ffn else Fraction(4)
        text = str(self.ffn_ratio)
        try:
            if not NUMBER_TEXT.fullmatch(text):
                raise ValueError(text)
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise FieldValueError(
                "ffn_ratio", f"not a number or fraction: {self.ffn_ratio!r}"
            ) from None

    @property
    def resolved_intermediate_size(self) -> int:
        """FFN width: intermediate_size, or floor(ratio x hidden) rounded up to multiple_of."""
        if self.intermediate_size is not None:
            return self.intermediate_size
        width = int(self.ffn_ratio_fraction * self.hidden_size)
        return -(-width // self.multiple_of) * self.multiple_of

    @property
    def expert_intermediate_size(self) -> int:
        """Width of one routed expert."""
        return self.moe_intermediate_size or self.resolved_intermediate_size

    @property
    def token_embedding_width(self) -> int:
        """Columns of the token embedding (and of a tied head)."""
        return self.embedding_size or self.hidden_size

    @property
    def decoder_layers(self) -> int:
        """Blocks of the decoder stack of an encoder-decoder model."""
        return self.num_decoder_layers or self.num_hidden_layers

    @property
    def is_moe(self) -> bool:
        """Whether any layer routes tokens to experts."""
        return self.num_experts > 0

    @property
    def uses_mla(self) -> bool:
        """Whether attention is low-rank (DeepSeek MLA)."""
        return self.kv_lora_rank is not None

    def is_moe_layer(self, index: int) -> bool:
        """Whether block `index` has a routed-expert FFN (DeepSeek's rule, plus mlp_only_layers)."""
        return index in self.moe_layers(index + 1)

    def moe_layers(self, layers: int) -> frozenset[int]:
        """Which of blocks 0..layers-1 have a routed-expert FFN, found in one pass: a test per
        layer against the mlp_only_layers tuple would make a count quadratic in the depth."""
        if not self.is_moe:
            return frozenset()
        freq = self.moe_layer_freq
        routed = (i for i in range(self.first_k_dense_replace, layers) if i % freq == 0)
        return frozenset(routed).difference(self.mlp_only_layers)

    def to_model(self) -> Model:
        """The schema v2 model this flat architecture describes. Its parts are built from this
        validated architecture, so they skip pydantic's core schema where nothing needs it."""
        from paramcalc.core.flat import to_model
        from paramcalc.core.types import trusted_parts

        with trusted_parts():
            return to_model(self)

    def resolved_layer_types(self) -> tuple[LayerType, ...]:
        """Attention kind of each layer."""
        if self.layer_types is not None:
            return self.layer_types
        kind: LayerType = "sliding_attention" if self.sliding_window else "full_attention"
        return (kind,) * self.num_hidden_layers


#: Fields that describe a file rather than the architecture: they never change a count.
#: Names other tools and config formats give to fields of this schema (GPT-2, Llama's
#: params.json, Megatron, T5, Mixtral, DeepSeek), so an unknown field gets the right suggestion.
FIELD_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("layers", "n_layer", "n_layers", "num_layers", "depth"), "num_hidden_layers"),
    **dict.fromkeys(("heads", "n_head", "n_heads", "num_heads"), "num_attention_heads"),
    **dict.fromkeys(
        ("kv_heads", "n_kv_heads", "num_kv_heads", "num_query_groups"), "num_key_value_heads"
    ),
    **dict.fromkeys(("d_model", "dim", "n_embd", "width", "model_dim"), "hidden_size"),
    **dict.fromkeys(
        ("ffn_dim", "d_ff", "n_inner", "ffn_hidden_size", "ffn_size"), "intermediate_size"
    ),
    **dict.fromkeys(("vocab", "n_vocab", "padded_vocab_size"), "vocab_size"),
    **dict.fromkeys(
        ("n_positions", "n_ctx", "max_seq_len", "seq_length", "context_length"),
        "max_position_embeddings",
    ),
    **dict.fromkeys(("d_kv", "head_size", "kv_channels"), "head_dim"),
    **dict.fromkeys(("num_local_experts", "n_routed_experts", "moe_num_experts"), "num_experts"),
    **dict.fromkeys(("tie_embeddings", "tied", "tie_word_embedding"), "tie_word_embeddings"),
}


def suggest_field(name: str, known: Collection[str]) -> str | None:
    """The field a user most likely meant: a known synonym first, else the closest spelling."""
    import difflib

    synonym = FIELD_SYNONYMS.get(name.lower())
    if synonym in known:
        return synonym
    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


DESCRIPTION_FIELDS = frozenset({"name", "source", "notes", "expected_total", "tolerance", "naming"})


#: What a source loads to: the flat form, or a v2 model with its provenance.
Loaded: TypeAlias = "Architecture | ModelFile"
