"""Attention mixers: multi-head / grouped-query attention and DeepSeek's latent attention.

Each kind owns its tensors (as role-named records, `q_proj`, `o_proj`...), what it caches per
token, and the widths its score and value products multiply (for FLOPs).
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Embedding, Group, Linear, Param, Record, Stream
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError


class QKNorm(str, Enum):
    """Norms on queries and keys: none, one shared by the heads (size head_dim), one over all
    heads, or a scale of each head's own."""

    NONE = "none"
    PER_HEAD = "per_head"
    FULL = "full"
    STACKED = "stacked"
    """Each head its own scale, stored as one (heads, head_dim) tensor (Cohere's q_norm)."""
    SEPARATE = "separate"
    """Each head its own norm module of head_dim (StableLM's q_layernorm.norms.{h})."""


def linear(
    role: str, inputs: int, outputs: int, bias: bool, ctx: Context, stream: Stream | None = None
) -> Linear:
    """A projection of the attention group in the context's tower."""
    return Linear(role, inputs, outputs, bias, Group.ATTENTION, ctx.tower, stream or ctx.stream)


class Attention(Spec):
    """Softmax attention over query heads sharing key/value heads (MHA, GQA or MQA)."""

    kind: Literal["attention"] = "attention"
    num_attention_heads: PositiveInt
    """Query heads."""
    num_key_value_heads: PositiveInt | None = None
    """Key/value heads: equal to the query heads (MHA), fewer (GQA) or 1 (MQA). Default: heads."""
    head_dim: PositiveInt | None = None
    """Width of one head. Default: hidden_size / num_attention_heads."""
    v_head_dim: PositiveInt | None = None
    """Width of one value head when it differs from the query/key heads (MiMo-V2-Flash).
    Default: head_dim."""
    qkv_bias: bool = False
    """Query, key and value projections have biases."""
    o_bias: bool = False
    """The output projection has a bias."""
    qk_norm: QKNorm = QKNorm.NONE
    """Norms on queries and keys (Qwen3, Gemma 3: per_head; OLMo 2: full)."""
    qk_norm_type: NormType | None = None
    """Kind of the query/key norms. Default: the tower's norm kind."""
    sinks: bool = False
    """A learned attention sink per query head (gpt-oss `sinks`)."""
    output_gate: bool = False
    """A sigmoid gate on the output computed by q_proj, which is twice as wide (Qwen3-Next)."""
    gate_projection: bool = False
    """A sigmoid gate on the output from its own projection, gate_proj (hidden -> heads x
    head_dim, biased as q/k/v are: HRM)."""
    kv_input_size: PositiveInt | None = None
    """Width the key and value projections read when it is not the block's (or, for
    cross-attention, the source's): TrOCR's cross_attention_hidden_size."""
    separate_o_bias: bool = False
    """A bias of hidden_size held by the attention module itself and added after an unbiased
    o_proj (GPT-NeoX-Japanese's `dense_bias`, in its last layer only)."""
    sub_norm: bool = False
    """A norm of hidden_size on the attention output before o_proj (BitNet's attn_sub_norm)."""
    sliding_window: PositiveInt | None = None
    """Tokens a sliding-window layer attends to; none for full attention."""
    attention_chunk_size: PositiveInt | None = None
    """Chunked attention (Llama 4): a query sees the keys of its own chunk only."""
    relative_attention_num_buckets: Count = 0
    """Rows of a learned relative position bias (T5: in the first block of each stack)."""
    differential: bool = False
    """Differential attention (DiffLlama): four learned lambda vectors of head_dim
    (lambda_q1, lambda_k1, lambda_q2, lambda_k2); its group norm has no learned tensor."""
    head_gate: bool = False
    """A sigmoid gate per head on the attention output, from its own projection hidden ->
    heads (LFM3's g_proj)."""
    values_from_keys: bool = False
    """The values are the keys' projection (Gemma 4's attention_k_eq_v in full layers): no
    v_proj; K and V are still cached apart."""
    kv_shared: bool = False
    """The layer reuses the keys and values of an earlier layer of its kind (Gemma 3n's
    num_kv_shared_layers): it has no k_proj, v_proj or k_norm and caches nothing."""

    global_projections: bool = False
    """Longformer's second query, key and value projections for its global tokens
    (query_global, key_global, value_global), as wide and as biased as the first three.
    FLOPs count them for every token: an upper bound, as the global tokens are the input's."""

    def check(self, hidden: int, where: str) -> None:
        """Reject head counts that do not fit the width, naming the field."""
        heads, kv = self.num_attention_heads, self.kv_heads
        if self.head_dim is None and hidden % heads:
            raise FieldValueError(
                f"{where}num_attention_heads",
                f"{heads} does not divide hidden_size={hidden} "
                "(set head_dim to use heads of another width)",
            )
        if kv > heads:
            raise FieldValueError(
                f"{where}num_key_value_heads", f"{kv} exceeds num_attention_heads={heads}"
            )
        if heads % kv:
            raise FieldValueError(
                f"{where}num_key_value_heads", f"{kv} must divide num_attention_heads={heads}"
            )

    @property
    def kv_heads(self) -> int:
        """Key/value heads, defaulting to the query heads."""
        return self.num_key_value_heads or self.num_attention_heads

    def width(self, hidden: int) -> int:
        """Width of one head."""
        return self.head_dim or hidden // self.num_attention_heads

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """q, k, v and o projections, query/key norms, sinks and the relative bias table."""
        hidden, hd, vd = ctx.hidden, self.width(ctx.hidden), self.value_width(ctx.hidden)
        q_width, kv_width = self.num_attention_heads * hd, self.kv_heads * hd
        kv_in = self.kv_input_size or (ctx.source_hidden or hidden if cross else hidden)
        kv_stream = Stream.SOURCE if cross else None
        q_out = q_width * (2 if self.output_gate else 1)
        records: list[Record] = [
            linear("q_proj", hidden, q_out, self.qkv_bias, ctx),
            linear("k_proj", kv_in, kv_width, self.qkv_bias, ctx, kv_stream),
            linear("v_proj", kv_in, self.kv_heads * vd, self.qkv_bias, ctx, kv_stream),
            linear("o_proj", self.num_attention_heads * vd, hidden, self.o_bias, ctx),
        ]
        if self.global_projections:
            records += [
                linear("q_global_proj", hidden, q_width, self.qkv_bias, ctx),
                linear("k_global_proj", hidden, kv_width, self.qkv_bias, ctx),
                linear("v_global_proj", hidden, self.kv_heads * vd, self.qkv_bias, ctx),
            ]
        if self.gate_projection:
            records.append(linear("gate_proj", hidden, q_width, self.qkv_bias, ctx))
        widths = {QKNorm.PER_HEAD: (hd, hd), QKNorm.FULL: (q_width, kv_width)}.get(self.qk_norm)
        if widths:
            records += ctx.norm("q_norm", widths[0], self.qk_norm_type)
            records += ctx.norm("k_norm", widths[1], self.qk_norm_type)
        if self.kv_shared:
            records = [r for r in records if r.name not in ("k_proj", "v_proj", "k_norm")]
        elif self.values_from_keys:
            records = [r for r in records if r.name != "v_proj"]
        if self.sub_norm:
            records += ctx.norm("sub_norm", hidden)
        if self.separate_o_bias:
            records.append(Param("o_bias", (hidden,), Group.ATTENTION, ctx.tower))
        for role, heads in (("q_norm", self.num_attention_heads), ("k_norm", self.kv_heads)):
            records += self.headwise_norm(role, heads, hd, ctx)
        if self.head_gate:
            records.append(linear("g_proj", hidden, self.num_attention_heads, False, ctx))
        if self.sinks:
            records.append(Param("sinks", (self.num_attention_heads,), Group.ATTENTION, ctx.tower))
        if self.relative_attention_num_buckets:
            # T5: nn.Embedding(num_buckets, n_heads), a table inside the mixer (attention).
            records.append(
                Embedding(
                    "relative_attention_bias",
                    self.relative_attention_num_buckets,
                    self.num_attention_heads,
                    Group.ATTENTION,
                    ctx.tower,
                )
            )
        if self.differential:
            records += [
                Param(f"lambda_{x}", (hd,), Group.ATTENTION, ctx.tower)
                for x in ("q1", "k1", "q2", "k2")
            ]
        return records

    def value_width(self, hidden: int) -> int:
        """Width of one value head."""
        return self.v_head_dim or self.width(hidden)

    def headwise_norm(self, role: str, heads: int, hd: int, ctx: Context) -> list[Record]:
        """The scales of a q/k norm that gives every head its own (stacked or separate)."""
        if self.qk_norm is QKNorm.SEPARATE:
            return [
                n
                for h in range(heads)
                for n in ctx.norm(f"{role}.norms.{h}", hd, self.qk_norm_type)
            ]
        kind = self.qk_norm_type or ctx.norm_type
        if self.qk_norm is not QKNorm.STACKED or kind is NormType.NONE:
            return []
        # CohereLayerNorm((heads, head_dim)): one 2-D weight (and bias) for all the heads.
        leaves = ("weight", "bias") if kind is NormType.LAYERNORM else ("weight",)
        return [Param(f"{role}.{leaf}", (heads, hd), Group.NORM, ctx.tower) for leaf in leaves]

    def cache_values(self, hidden: int) -> int:
        """Values cached per token: K and V of every key/value head (none when shared)."""
        if self.kv_shared:
            return 0
        return self.kv_heads * (self.width(hidden) + self.value_width(hidden))

    def expanded_cache_values(self, hidden: int) -> int:
        """The same: standard attention caches its K and V as they are."""
        return self.cache_values(hidden)

    def cache_rows(self, hidden: int) -> tuple[int, ...]:
        """Widths of the rows one KV head caches per token (its K, its V): the unit a block
        format quantizes and tensor parallelism hands out whole."""
        return self.width(hidden), self.value_width(hidden)

    def score_widths(self, hidden: int) -> tuple[int, int]:
        """Per-head widths of the query/key product and of the values."""
        return self.width(hidden), self.value_width(hidden)

    @property
    def window(self) -> int | None:
        """Keys a query may attend to, when fewer than the whole sequence."""
        return self.sliding_window

    @property
    def span(self) -> str:
        """The layer's attention kind, as config.json `layer_types` names it."""
        if self.sliding_window:
            return "sliding_attention"
        if self.attention_chunk_size:
            return "chunked_attention"
        return "full_attention"


class Indexer(Spec):
    """The lightning indexer of DeepSeek sparse attention (`DeepseekV32Indexer`): it scores
    keys from the query latent and its own single key head, to pick the top-k a query sees."""

    num_heads: PositiveInt
    """Indexer heads (index_n_heads)."""
    head_dim: PositiveInt
    """Width of an indexer head and of its one key (index_head_dim)."""

    def records(self, ctx: Context, q_rank: int) -> list[Record]:
        """wq_b (from the query latent), wk, the keys' LayerNorm and the head weights."""
        hidden, heads, hd = ctx.hidden, self.num_heads, self.head_dim
        return [
            linear("indexer.wq_b", q_rank, heads * hd, False, ctx),
            linear("indexer.wk", hidden, hd, False, ctx),
            # nn.LayerNorm (weight and bias) whatever the model's own norms are.
            *ctx.norm("indexer.k_norm", hd, NormType.LAYERNORM),
            linear("indexer.weights_proj", hidden, heads, False, ctx),
        ]


class LatentAttention(Spec):
    """Multi-head latent attention (DeepSeek-V2/V3 `DeepseekV2Attention`)."""

    kind: Literal["mla"] = "mla"
    num_attention_heads: PositiveInt
    """Query heads."""
    q_lora_rank: PositiveInt | None = None
    """Rank of the query down/up projection; none for a plain q_proj."""
    kv_lora_rank: PositiveInt
    """Rank of the compressed key/value latent."""
    qk_nope_head_dim: PositiveInt
    """Per-head query/key width without rotary."""
    qk_rope_head_dim: PositiveInt
    """Per-head query/key width carrying rotary (keys share one rotary head)."""
    v_head_dim: PositiveInt
    """Per-head value width."""
    qkv_bias: bool = False
    """q_a_proj and kv_a_proj_with_mqa have biases (attention_bias)."""
    o_bias: bool = False
    """The output projection has a bias."""
    sliding_window: PositiveInt | None = None
    """Tokens a sliding-window layer attends to; none for full attention."""
    indexer: Indexer | None = None
    """A sparse-attention indexer reading the query latent (DeepSeek-V3.2 DSA); needs
    q_lora_rank."""
    head_gate: bool = False
    """A sigmoid gate per head on the output, from g_proj (hidden -> heads: Ling's MLA)."""

    def check(self, hidden: int, where: str) -> None:
        """Every width is explicit; an indexer needs the query latent it reads."""
        if self.indexer is not None and self.q_lora_rank is None:
            raise FieldValueError(
                f"{where}q_lora_rank", "required by the indexer (it reads the query latent)"
            )

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """Down and up projections of queries and of the key/value latent, with their norms."""
        hidden, heads = ctx.hidden, self.num_attention_heads
        qk_head = self.qk_nope_head_dim + self.qk_rope_head_dim
        if self.q_lora_rank is None:
            records: list[Record] = [linear("q_proj", hidden, heads * qk_head, False, ctx)]
        else:
            records = [
                linear("q_a_proj", hidden, self.q_lora_rank, self.qkv_bias, ctx),
                *ctx.norm("q_a_layernorm", self.q_lora_rank),
                linear("q_b_proj", self.q_lora_rank, heads * qk_head, False, ctx),
            ]
        latent = self.kv_lora_rank + self.qk_rope_head_dim
        kv_up = heads * (self.qk_nope_head_dim + self.v_head_dim)
        records += [
            linear("kv_a_proj_with_mqa", hidden, latent, self.qkv_bias, ctx),
            *ctx.norm("kv_a_layernorm", self.kv_lora_rank),
            linear("kv_b_proj", self.kv_lora_rank, kv_up, False, ctx),
            linear("o_proj", heads * self.v_head_dim, hidden, self.o_bias, ctx),
        ]
        if self.indexer is not None and self.q_lora_rank is not None:
            records += self.indexer.records(ctx, self.q_lora_rank)
        if self.head_gate:
            records.append(linear("g_proj", hidden, heads, False, ctx))
        return records

    @property
    def indexer_keys(self) -> int:
        """Values the indexer caches per token: its one key."""
        return self.indexer.head_dim if self.indexer is not None else 0

    def cache_values(self, hidden: int) -> int:
        """The compressed latent and the shared rotary key, as transformers 5.23 caches them,
        and the indexer's key."""
        return self.kv_lora_rank + self.qk_rope_head_dim + self.indexer_keys

    def expanded_cache_values(self, hidden: int) -> int:
        """The per-head K (qk_nope + qk_rope wide) and V (v_head_dim wide) the latent expands to,
        and the indexer's key."""
        width = self.qk_nope_head_dim + self.qk_rope_head_dim + self.v_head_dim
        return self.num_attention_heads * width + self.indexer_keys

    @property
    def kv_heads(self) -> int:
        """One: the latent is shared by every head, so tensor parallelism replicates it."""
        return 1

    def cache_rows(self, hidden: int) -> tuple[int, ...]:
        """The latent with its rotary key as one row (llama.cpp's n_embd_head_k), the
        indexer's key as another."""
        latent = (self.kv_lora_rank + self.qk_rope_head_dim,)
        return latent + ((self.indexer_keys,) if self.indexer_keys else ())

    def score_widths(self, hidden: int) -> tuple[int, int]:
        """Query/key heads are qk_nope + qk_rope wide, values v_head_dim."""
        return self.qk_nope_head_dim + self.qk_rope_head_dim, self.v_head_dim

    @property
    def window(self) -> int | None:
        """Keys a query may attend to, when fewer than the whole sequence."""
        return self.sliding_window

    @property
    def span(self) -> str:
        """The layer's attention kind."""
        return "sliding_attention" if self.sliding_window else "full_attention"
