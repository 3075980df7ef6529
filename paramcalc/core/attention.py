"""Attention mixers: multi-head / grouped-query attention and DeepSeek's latent attention.

Each kind owns its tensors (as role-named records, `q_proj`, `o_proj`...), what it caches per
token, and the widths its score and value products multiply (for FLOPs).
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from paramcalc.core.chunked import ChunkedLayout
from paramcalc.core.context import Context, NormType
from paramcalc.core.disentangled import RelativeScores
from paramcalc.core.layouts import GlobalLocal, ngram_kept_pairs, ngram_pairs
from paramcalc.core.records import (
    Conv,
    Embedding,
    Group,
    Linear,
    Param,
    Record,
    Stream,
    grouped,
    renamed,
)
from paramcalc.core.span_conv import SpanConv
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


def causal_pairs(seq: int, window: int | None) -> int:
    """Query/key pairs a causal mask keeps; a window keeps at most `window` keys per query."""
    if window is None or window >= seq:
        return seq * (seq + 1) // 2
    return window * (window + 1) // 2 + (seq - window) * window


class KeyIndexer(Spec):
    """A block-sparse lightning indexer beside standard attention (MiniMax-M3's
    `self_attn.indexer`): its own query heads and one key head, each with an RMSNorm, score
    blocks of keys to pick those a query sees; it caches its one key per token."""

    num_heads: PositiveInt
    """Indexer query heads (index_n_heads)."""
    head_dim: PositiveInt
    """Width of an indexer head and of its one key (index_head_dim)."""
    block_size: PositiveInt | None = None
    """Keys averaged into one scored block, when each query's heads score every complete
    block of the keys it sees, as products FlopCounterMode counts (Qwen4-Exp's
    indexer_compress_ratio); None where those scores are not charged (MiniMax-M3)."""

    def score_products(self, queries: int) -> int:
        """Multiply-adds of the block scores of a causal pass over `queries` tokens: query i
        scores floor((i + 1) / block_size) blocks with each head (Qwen4ExpTextQSAIndexer)."""
        if self.block_size is None:
            return 0
        full, rest = divmod(queries, self.block_size)
        blocks = self.block_size * full * (full - 1) // 2 + full * (rest + 1)
        return self.num_heads * self.head_dim * blocks

    def records(self, ctx: Context) -> list[Record]:
        """q_proj and k_proj from the block's input, and their per-head norms."""
        hidden, hd = ctx.hidden, self.head_dim
        return [
            linear("indexer.q_proj", hidden, self.num_heads * hd, False, ctx),
            linear("indexer.k_proj", hidden, hd, False, ctx),
            *ctx.norm("indexer.q_norm", hd),
            *ctx.norm("indexer.k_norm", hd),
        ]


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
    k_bias: bool | None = None
    """The key projection has a bias, when that differs from qkv_bias (Whisper's encoders:
    an unbiased k_proj beside biased q_proj and v_proj). Default: qkv_bias."""
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
    gate_proj: Literal["none", "per_channel", "per_head"] = "none"
    """A separate gate projection from the block's input on the attention output, without bias:
    one value per channel (heads x head_dim: AFMoE's gate_proj) or one per head (Laguna's
    per-head g_proj)."""
    gate_bias: bool = False
    """The gate projection has a bias, as q/k/v do (HRM's per-channel gate_proj)."""
    query_experts: Count = 0
    """Mixture of attention heads (JetMoE's MoA): routed experts of a query and an output
    projection each num_key_value_heads x head_dim wide, num_attention_heads / kv heads of them
    per token, with a router, an output bias and one fused kv_proj; 0 for plain attention."""
    key_indexer: KeyIndexer | None = None
    """A block-sparse indexer choosing the keys each query sees (MiniMax-M3's sparse layers)."""
    gate_head_bias: bool = False
    """A learned bias per head on the gate in place of a projection bias, with an unbiased
    per-channel gate_proj (Beam's gate_proj and gate_bias)."""
    dynamic_mask: bool = False
    """Doge's dynamic mask: a learned A per key/value head and dt_proj, which turns the values
    into one score per key/value head (with the q/k/v bias)."""
    input_size: PositiveInt | None = None
    """Width the query, key and value projections read when it is not the block's, the output
    projection still writing the block's width (Zamba's shared attention reads the hidden
    state concatenated with the token embeddings: 2 x hidden_size)."""
    kv_input_size: PositiveInt | None = None
    """Width the key and value projections read when it is not the block's (or, for
    cross-attention, the source's): TrOCR's cross_attention_hidden_size."""
    value_input_size: PositiveInt | None = None
    """Width the value projection alone reads when it is not the keys' (MobileBERT: the
    layer's input, hidden_size, while query and key read the bottleneck)."""
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
    shared_query_key: bool = False
    """The keys are the queries' projection (Reformer's LSH attention, query_key): one
    qk_proj in place of q_proj and k_proj; K and V are still cached apart."""
    kv_shared: bool = False
    """The layer reuses the keys and values of an earlier layer of its kind (Gemma 3n's
    num_kv_shared_layers): it has no k_proj, v_proj or k_norm and caches nothing."""

    global_projections: bool = False
    """Longformer's second query, key and value projections for its global tokens
    (query_global, key_global, value_global), as wide and as biased as the first three.
    FLOPs count them for every token: an upper bound, as the global tokens are the input's."""

    global_norm: bool = False
    """A norm of hidden_size over the global tokens the layer attends to beside its local
    block: LongT5's transient-global global_input_layer_norm (over the block summaries),
    PEGASUS-X's global_self_attn_layer_norm (over the learned global tokens)."""
    global_relative_attention_bias: bool = False
    """A second relative position table, as large as the first, for the keys of the global
    tokens (LongT5's transient-global global_relative_attention_bias)."""
    local_radius: Count | None = None
    """LongT5's local attention: queries in blocks of local_radius + 1 tokens (the sequence
    padded to whole blocks), each block seeing its own and its two neighbours' keys; none for
    attention over the whole sequence."""
    local_chunk: PositiveInt | None = None
    """CANINE's local attention: the sequence cut into chunks of this many tokens (the last
    one shorter), each attending only to itself and computed chunk by chunk, so only the
    pairs inside a chunk are multiplied; none for attention over the whole sequence."""
    chunk_layout: ChunkedLayout | None = None
    """Reformer's local and LSH attention: the model pads the sequence to whole chunks and,
    past one chunk, each chunk of queries (per hashing round, LSH) sees its own and its
    neighbouring chunks' keys; none for attention over the whole sequence."""
    global_block_size: PositiveInt | None = None
    """LongT5's transient-global attention: every global_block_size tokens are summed into a
    global token whose key and value every query also sees (needs local_radius)."""
    relative_position_projection: Count = 0
    """Buckets of a relative position bias projected from the queries' hidden states: a
    biased Linear hidden -> buckets x heads (ProphetNet's relative_pos_embeddings); 0 for
    none."""
    global_local: GlobalLocal | None = None
    """PEGASUS-X's encoder attention: padded local blocks beside learned global tokens, which
    every projection of the layer also runs over; none for attention over the sequence."""
    ngram: Count = 0
    """ProphetNet's n-gram self-attention: the layer runs ngram predicting streams beside the
    main one (each as long), each attending to the main stream and itself, and a head reads
    the predicting streams; 0 for one stream."""

    conv_groups: tuple[PositiveInt, PositiveInt, PositiveInt, PositiveInt] | None = None
    """Groups of q, k, v and o when they are grouped 1x1 convolutions (SqueezeBERT's Conv1d
    query/key/value and post_attention); each divides its projection's widths."""

    span_conv: SpanConv | None = None
    """ConvBERT's dynamic convolution heads beside the attention heads, as many and as wide;
    the output projection then reads both halves (2 x heads x head_dim)."""

    entity_queries: bool = False
    """LUKE's entity-aware attention: three more query projections as wide and as biased as
    q_proj, for word-to-entity, entity-to-word and entity-to-entity scores (w2e_query,
    e2w_query, e2e_query). They run only on an entity sequence, which paramcalc's forward
    pass (words alone) has not: they are charged no FLOPs."""

    exclusive_alpha: bool = False
    """NeoMME's exclusive self-attention: a learned scalar per head (alpha) scaling the part
    of each head's output along its own value that is taken away (elementwise, no FLOPs)."""
    query_value_bias: bool = False
    """Query and value biases held by the attention as parameters of heads x head_dim
    (DeBERTa's q_bias and v_bias beside its unbiased in_proj); keys have none."""
    relative_scores: RelativeScores | None = None
    """DeBERTa's disentangled relative-position scores, read from the stack's shared table."""
    talking_heads: bool = False
    """Talking-heads attention (Shazeer et al. 2020; DeBERTa's talking_head): unbiased
    heads -> heads projections mixing the heads' scores before the softmax and their
    probabilities after it, applied to every query/key pair."""
    value_conv: PositiveInt | None = None
    """Kernel of a depthwise convolution of each head's values along the sequence, added to
    the attention output (Nystromformer's conv: one (kernel, 1) filter per head, no bias)."""
    relative_position_grid: PositiveInt | None = None
    """Side of the square patch grid (or window) a vision layer's decomposed relative
    positions span: rel_pos_h and rel_pos_w, 2 x side - 1 rows of head_dim each (SAM's
    use_rel_pos; GOT-OCR2)."""

    def check(self, hidden: int, where: str) -> None:
        """Reject head counts that do not fit the width, naming the field."""
        heads, kv = self.num_attention_heads, self.kv_heads
        for groups in self.conv_groups or ():
            if hidden % groups or (heads * self.width(hidden)) % groups:
                raise FieldValueError(
                    f"{where}conv_groups", f"{groups} does not divide hidden_size={hidden}"
                )
        if self.local_chunk is not None and self.local_radius is not None:
            raise FieldValueError(f"{where}local_chunk", "give it or local_radius, not both")
        if self.chunk_layout is not None and (self.local_chunk or self.local_radius is not None):
            raise FieldValueError(f"{where}chunk_layout", "give it or local_chunk/local_radius")
        if self.global_block_size and self.local_radius is None:
            raise FieldValueError(
                f"{where}global_block_size", "needs local_radius (global tokens join local blocks)"
            )
        if self.global_relative_attention_bias and not self.relative_attention_num_buckets:
            raise FieldValueError(
                f"{where}global_relative_attention_bias",
                "needs relative_attention_num_buckets (the table is as large as the first)",
            )
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
        if self.query_experts and self.moa_top_k > self.query_experts:
            raise FieldValueError(
                f"{where}query_experts",
                f"{self.query_experts} is fewer than the {self.moa_top_k} experts a token uses",
            )

    @property
    def kv_heads(self) -> int:
        """Key/value heads, defaulting to the query heads."""
        return self.num_key_value_heads or self.num_attention_heads

    @property
    def key_biased(self) -> bool:
        """Whether k_proj has a bias."""
        return self.qkv_bias if self.k_bias is None else self.k_bias

    def width(self, hidden: int) -> int:
        """Width of one head."""
        return self.head_dim or hidden // self.num_attention_heads

    def records(self, ctx: Context, cross: bool = False) -> list[Record]:
        """q, k, v and o projections, query/key norms, sinks and the relative bias table."""
        hidden, hd, vd = ctx.hidden, self.width(ctx.hidden), self.value_width(ctx.hidden)
        q_width, kv_width = self.num_attention_heads * hd, self.kv_heads * hd
        if self.query_experts:
            return self.moa_records(ctx, kv_width)
        reads = self.input_size or hidden
        kv_in = self.kv_input_size or (ctx.source_hidden or hidden if cross else reads)
        kv_stream = Stream.SOURCE if cross else None
        q_out = q_width * (2 if self.output_gate else 1)
        o_in = self.num_attention_heads * vd * (2 if self.span_conv else 1)
        records: list[Record] = [
            linear("q_proj", reads, q_out, self.qkv_bias, ctx),
            linear("k_proj", kv_in, kv_width, self.key_biased, ctx, kv_stream),
            linear(
                "v_proj",
                self.value_input_size or kv_in,
                self.kv_heads * vd,
                self.qkv_bias,
                ctx,
                kv_stream,
            ),
            linear("o_proj", o_in, hidden, self.o_bias, ctx),
        ]
        if self.span_conv is not None:
            records += self.span_conv.records(ctx, self.num_attention_heads, hd)
        if self.entity_queries:
            records += [
                linear(f"{pair}_q_proj", hidden, q_width, self.qkv_bias, ctx, Stream.NONE)
                for pair in ("w2e", "e2w", "e2e")
            ]
        if self.conv_groups:
            records = [grouped(r, g) for r, g in zip(records, self.conv_groups, strict=True)]
        if self.global_projections:
            records += [
                linear("q_global_proj", hidden, q_width, self.qkv_bias, ctx),
                linear("k_global_proj", hidden, kv_width, self.qkv_bias, ctx),
                linear("v_global_proj", hidden, self.kv_heads * vd, self.qkv_bias, ctx),
            ]
        if self.gate_proj != "none":
            gates = q_width if self.gate_proj == "per_channel" else self.num_attention_heads
            records.append(linear("gate_proj", hidden, gates, self.gate_bias, ctx))
        widths = {QKNorm.PER_HEAD: (hd, hd), QKNorm.FULL: (q_width, kv_width)}.get(self.qk_norm)
        if widths:
            records += ctx.norm("q_norm", widths[0], self.qk_norm_type)
            records += ctx.norm("k_norm", widths[1], self.qk_norm_type)
        if self.gate_head_bias:
            records.append(
                Param("gate_bias", (self.num_attention_heads,), Group.ATTENTION, ctx.tower)
            )
        if self.dynamic_mask:
            records += [
                Param("A", (self.kv_heads,), Group.ATTENTION, ctx.tower),
                linear("dt_proj", self.kv_heads * vd, self.kv_heads, self.qkv_bias, ctx),
            ]
        if self.kv_shared:
            records = [r for r in records if r.name not in ("k_proj", "v_proj", "k_norm")]
        elif self.values_from_keys:
            records = [r for r in records if r.name != "v_proj"]
        if self.shared_query_key:
            records = [
                renamed(r, "qk_proj") if r.name == "q_proj" else r
                for r in records
                if r.name != "k_proj"
            ]
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
        if self.exclusive_alpha:
            alpha = (self.num_attention_heads,)
            records.append(Param("exclusive_alpha", alpha, Group.ATTENTION, ctx.tower))
        return records + self.position_records(ctx, hd, vd)

    def position_records(self, ctx: Context, hd: int, vd: int) -> list[Record]:
        """DeBERTa's query/value biases, position and talking-heads projections,
        Nystromformer's value convolution, T5's relative bias table, the key indexer and
        DiffLlama's lambdas."""
        heads, a = self.num_attention_heads, Group.ATTENTION
        records: list[Record] = []
        if self.query_value_bias:
            records += [Param(f"{x}_bias", (heads * hd,), a, ctx.tower) for x in "qv"]
        if self.relative_scores is not None:
            records += self.relative_scores.records(ctx, heads * hd)
        if self.talking_heads:
            # per pair, not per token: pair_products charges them
            records += [
                Linear(role, heads, heads, False, a, ctx.tower, Stream.NONE)
                for role in ("head_logits_proj", "head_weights_proj")
            ]
        if self.value_conv:
            # Conv2d(heads, heads, (kernel, 1), groups=heads, bias=False) over (heads, seq, vd)
            kernel = (self.value_conv, 1)
            records.append(
                Conv("conv", heads, heads, kernel, heads, False, a, ctx.tower, ctx.stream, vd)
            )
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
        if self.key_indexer is not None:
            records += self.key_indexer.records(ctx)
        if self.relative_position_grid:
            rows = 2 * self.relative_position_grid - 1
            records += [Param(f"rel_pos_{axis}", (rows, hd), a, ctx.tower) for axis in "hw"]
        records += self.global_records(ctx)
        if self.differential:
            records += [
                Param(f"lambda_{x}", (hd,), Group.ATTENTION, ctx.tower)
                for x in ("q1", "k1", "q2", "k2")
            ]
        return records

    def global_records(self, ctx: Context) -> list[Record]:
        """The global tokens' norm and relative table, and a projected relative bias."""
        heads, records = self.num_attention_heads, list[Record]()
        if self.global_norm:
            records += ctx.norm("global_input_norm", ctx.hidden)
        if self.global_relative_attention_bias:
            buckets = self.relative_attention_num_buckets
            records.append(
                Embedding(
                    "global_relative_attention_bias", buckets, heads, Group.ATTENTION, ctx.tower
                )
            )
        if self.relative_position_projection:
            width = self.relative_position_projection * heads
            records.append(linear("relative_position_proj", ctx.hidden, width, True, ctx))
        return records

    def moa_records(self, ctx: Context, width: int) -> list[Record]:
        """JetMoeAttention: experts.{input,output}_linear (E stacked), experts.bias, the
        router and kv_proj (keys and values of the kv heads, fused)."""
        e, k, hidden, a = self.query_experts, self.moa_top_k, ctx.hidden, Group.ATTENTION

        def experts(role: str, inputs: int, outputs: int) -> Linear:
            return Linear(role, inputs, outputs, False, a, ctx.tower, ctx.stream, e, k)

        return [
            experts("experts.input_linear", hidden, width),
            experts("experts.output_linear", width, hidden),
            Param("experts.bias", (hidden,), a, ctx.tower),
            Linear(
                "experts.router.layer", hidden, e, False, a, ctx.tower, ctx.stream, routing=True
            ),
            linear("kv_proj", hidden, 2 * width, self.qkv_bias, ctx),
        ]

    @property
    def moa_top_k(self) -> int:
        """Query experts per token: each brings num_key_value_heads query heads."""
        return self.num_attention_heads // self.kv_heads

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
        """Values cached per token: K and V of every key/value head (none when shared), and
        an indexer's key."""
        if self.kv_shared:
            return 0
        indexed = self.key_indexer.head_dim if self.key_indexer is not None else 0
        return self.kv_heads * (self.width(hidden) + self.value_width(hidden)) + indexed

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

    def pair_products(self, hidden: int) -> int:
        """Multiply-adds per query/key pair: every head's score and value products, and the
        talking-heads projections of the pair's scores and probabilities."""
        heads = self.num_attention_heads
        talking = 2 * heads * heads if self.talking_heads else 0
        return heads * (self.width(hidden) + self.value_width(hidden)) + talking

    def pass_flops(self, batch: int, seq: int, hidden: int) -> int:
        """FLOPs one pass over batch x seq tokens spends beyond the pairs and the token rows'
        projections: DeBERTa's relative-position scores, Reformer's LSH rotations."""
        heads, hd = self.num_attention_heads, self.width(hidden)
        flops = 0
        if self.chunk_layout is not None:
            flops += self.chunk_layout.hashing_flops(batch, seq, heads, hd)
        if self.relative_scores is not None:
            flops += self.relative_scores.flops(batch, seq, hidden, heads, hd)
        return flops

    def layer_rows(self, seq: int) -> int:
        """Rows every projection of the layer multiplies for a sequence of seq tokens: the
        padded tokens and the global tokens (PEGASUS-X), the tokens padded to whole chunks
        (Reformer), or every stream's tokens."""
        if self.global_local is not None:
            return self.global_local.layer_rows(seq)
        if self.chunk_layout is not None:
            return self.chunk_layout.padded(seq)
        return (1 + self.ngram) * seq

    def output_rows(self, seq: int) -> int:
        """Rows of the layer's output a head reads: the predicting streams, if any."""
        return self.ngram * seq if self.ngram else seq

    def masked_pairs(self, seq: int) -> int | None:
        """Pairs the layer's own mask keeps when it is not causal or windowed (ProphetNet's
        n-gram streams); none otherwise."""
        return ngram_kept_pairs(seq, self.ngram) if self.ngram else None

    def attended_pairs(self, queries: int, keys: int) -> int:
        """Query/key pairs the score and value products compute without a mask: every pair,
        or, in local blocks, each padded block against three blocks and the global tokens
        (LongT5), or its block and the learned global tokens (PEGASUS-X), or every stream's, or
        only the pairs inside each chunk (CANINE's local layer), or each chunk's against its
        neighbours' over the padded rows (Reformer)."""
        if self.global_local is not None:
            return self.global_local.pairs(queries)
        if self.chunk_layout is not None:
            return self.chunk_layout.pairs(queries)
        if self.ngram:
            return ngram_pairs(queries, self.ngram)
        if self.local_chunk is not None:
            full, rest = divmod(queries, self.local_chunk)
            return full * self.local_chunk**2 + rest**2
        if self.local_radius is None:
            return queries * keys
        block = self.local_radius + 1
        blocks = -(-queries // block)
        return blocks * block * (3 * block + self.global_tokens(queries))

    def kept_pairs(self, queries: int) -> int:
        """Query/key pairs a causal mask keeps of a self-attention over `queries` tokens:
        within each local chunk, or Reformer's chunks and their neighbours, else within the
        sliding window."""
        if self.chunk_layout is not None:
            return self.chunk_layout.kept_pairs(queries)
        if self.local_chunk is None:
            return causal_pairs(queries, self.window)
        full, rest = divmod(queries, self.local_chunk)
        return full * causal_pairs(self.local_chunk, None) + causal_pairs(rest, None)

    def global_tokens(self, seq: int) -> int:
        """Transient global tokens of a sequence: one per whole global block."""
        return seq // self.global_block_size if self.global_block_size else 0

    def summary_products(self, seq: int, hidden: int) -> int:
        """Multiply-adds per sequence outside the layer's rows: building LongT5's transient
        global tokens (summing the tokens into them, seq x globals x hidden, and their keys
        and values), and a staggered PEGASUS-X layer's padding through q, k, v and o (less
        the pair products a single global token leaves to a broadcast multiply)."""
        tokens = self.global_tokens(seq)
        kv_width = self.kv_heads * (self.width(hidden) + self.value_width(hidden))
        summaries = tokens * hidden * (seq + kv_width)
        blocked = self.global_local
        if blocked is None:
            return summaries
        heads, v = self.num_attention_heads, self.value_width(hidden)
        q_width, o_width = heads * self.width(hidden), heads * v
        padded = blocked.stagger_rows * hidden * (q_width + kv_width + o_width)
        return summaries + padded - blocked.broadcast_products(seq, heads, v)

    def query_products(self, hidden: int) -> int:
        """Multiply-adds per query beyond its projections and its pairs, whatever the mask:
        ConvBERT's span kernels over each query's window (Inkling adds its bias bank)."""
        if self.span_conv is None:
            return 0
        return self.span_conv.token_products(self.num_attention_heads, self.width(hidden))

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
        if self.local_chunk:
            return "local_attention"
        return "full_attention"


class Indexer(Spec):
    """The lightning indexer of DeepSeek sparse attention (`DeepseekV32Indexer`): it scores
    keys from the query latent and its own single key head, to pick the top-k a query sees."""

    num_heads: PositiveInt
    """Indexer heads (index_n_heads)."""
    head_dim: PositiveInt
    """Width of an indexer head and of its one key (index_head_dim)."""
    from_hidden: bool = False
    """wq_b reads the block's input through a LayerNorm of its own (q_input_norm), and the
    queries take a learned log-position scale and bias per head (MistralLarge4TextIndexer, in
    a model without a query latent)."""

    def records(self, ctx: Context, q_rank: int | None) -> list[Record]:
        """wq_b (from the query latent or the input), wk, the keys' LayerNorm and the head
        weights."""
        hidden, heads, hd = ctx.hidden, self.num_heads, self.head_dim
        # nn.LayerNorm (weight and bias) whatever the model's own norms are.
        records: list[Record] = [
            linear("indexer.wq_b", q_rank or hidden, heads * hd, False, ctx),
            linear("indexer.wk", hidden, hd, False, ctx),
            *ctx.norm("indexer.k_norm", hd, NormType.LAYERNORM),
            linear("indexer.weights_proj", hidden, heads, False, ctx),
        ]
        if self.from_hidden:
            records += ctx.norm("indexer.q_input_norm", hidden, NormType.LAYERNORM)
            records += softmax_scaling("indexer.softmax_scaling", heads, ctx)
        return records


def softmax_scaling(role: str, heads: int, ctx: Context) -> list[Record]:
    """MistralLarge4TextSoftmaxScaling: a learned scale and bias per head, scaling the queries
    by scale * log(position + 1) + bias."""
    return [
        Param(f"{role}.{leaf}", (heads,), Group.ATTENTION, ctx.tower) for leaf in ("scale", "bias")
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
    query_gate: bool = False
    """No q_b_proj: q_gate_proj reads the query latent beside its un-normed copy (2 x
    q_lora_rank) and gives each head its query and a sigmoid output gate of v_head_dim
    (A.X-K2); needs q_lora_rank."""
    rope_key_norm: bool = False
    """A norm over the shared rotary key (dots3's k_rope_only_layernorm, qk_rope_head_dim)."""
    head_gate: bool = False
    """A sigmoid gate per head on the output, from g_proj (hidden -> heads: Ling's MLA,
    dots3)."""
    gate_proj: bool = False
    """A sigmoid gate on every value channel, projected from the block's input without bias
    (HY-V4's gate_proj: hidden -> heads x v_head_dim)."""
    sinks: bool = False
    """A learned attention sink per head (HY-V4 `sinks`)."""
    rotary: bool = True
    """False in a NoPE layer (MistralLarge4's no_rope_layers): the key latent has no rotary
    slice, and the per-head key kv_b_proj expands takes the rotary width as well."""
    kv_shared: bool = False
    """The layer reads the key/value latent of an earlier layer (MistralLarge4's
    kv_source_layers): it has no kv_a_proj_with_mqa or kv_a_layernorm and caches no latent."""
    softmax_scaling: bool = False
    """A learned log-position query scale and bias per head (MistralLarge4's
    softmax_scaling)."""

    def check(self, hidden: int, where: str) -> None:
        """Every width is explicit; an indexer needs the query latent it reads."""
        reads_latent = self.indexer is not None and not self.indexer.from_hidden
        if reads_latent and self.q_lora_rank is None:
            raise FieldValueError(
                f"{where}q_lora_rank", "required by the indexer (it reads the query latent)"
            )
        if self.query_gate and self.q_lora_rank is None:
            raise FieldValueError(f"{where}q_lora_rank", "required by query_gate")

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
                self.query_up(ctx, self.q_lora_rank, heads * qk_head),
            ]
        # a NoPE layer's keys keep the rotary width in their per-head (nope) part
        nope = self.qk_nope_head_dim + (0 if self.rotary else self.qk_rope_head_dim)
        if not self.kv_shared:
            records += [
                linear("kv_a_proj_with_mqa", hidden, self.latent_width, self.qkv_bias, ctx),
                *ctx.norm("kv_a_layernorm", self.kv_lora_rank),
            ]
        records += [
            linear("kv_b_proj", self.kv_lora_rank, heads * (nope + self.v_head_dim), False, ctx),
            linear("o_proj", heads * self.v_head_dim, hidden, self.o_bias, ctx),
        ]
        if self.rope_key_norm:
            records += ctx.norm("k_rope_norm", self.qk_rope_head_dim)
        if self.indexer is not None:
            records += self.indexer.records(ctx, self.q_lora_rank)
        if self.softmax_scaling:
            records += softmax_scaling("softmax_scaling", heads, ctx)
        if self.head_gate:
            records.append(linear("g_proj", hidden, heads, False, ctx))
        if self.gate_proj:
            records.append(linear("gate_proj", hidden, heads * self.v_head_dim, False, ctx))
        if self.sinks:
            records.append(Param("sinks", (heads,), Group.ATTENTION, ctx.tower))
        return records

    def query_up(self, ctx: Context, rank: int, width: int) -> Linear:
        """q_b_proj, or A.X-K2's q_gate_proj, which also yields the output gate."""
        if self.query_gate:
            gate = self.num_attention_heads * self.v_head_dim
            return linear("q_gate_proj", 2 * rank, width + gate, False, ctx)
        return linear("q_b_proj", rank, width, False, ctx)

    @property
    def indexer_keys(self) -> int:
        """Values the indexer caches per token: its one key."""
        return self.indexer.head_dim if self.indexer is not None else 0

    @property
    def latent_width(self) -> int:
        """kv_a_proj_with_mqa's outputs: the latent and the shared rotary key (none in a NoPE
        layer)."""
        return self.kv_lora_rank + (self.qk_rope_head_dim if self.rotary else 0)

    def cache_values(self, hidden: int) -> int:
        """The compressed latent and the shared rotary key, as transformers 5.23 caches them
        (none in a layer reading an earlier layer's), and the indexer's key."""
        return (0 if self.kv_shared else self.latent_width) + self.indexer_keys

    def expanded_cache_values(self, hidden: int) -> int:
        """The per-head K (qk_nope + qk_rope wide) and V (v_head_dim wide) the latent expands to
        (none in a layer reading an earlier layer's), and the indexer's key."""
        if self.kv_shared:
            return self.indexer_keys
        width = self.qk_nope_head_dim + self.qk_rope_head_dim + self.v_head_dim
        return self.num_attention_heads * width + self.indexer_keys

    @property
    def kv_heads(self) -> int:
        """One: the latent is shared by every head, so tensor parallelism replicates it."""
        return 1

    def cache_rows(self, hidden: int) -> tuple[int, ...]:
        """The latent with its rotary key as one row (llama.cpp's n_embd_head_k), the
        indexer's key as another."""
        latent = () if self.kv_shared else (self.latent_width,)
        return latent + ((self.indexer_keys,) if self.indexer_keys else ())

    def score_widths(self, hidden: int) -> tuple[int, int]:
        """Query/key heads are qk_nope + qk_rope wide, values v_head_dim."""
        return self.qk_nope_head_dim + self.qk_rope_head_dim, self.v_head_dim

    def pair_products(self, hidden: int) -> int:
        """Multiply-adds per query/key pair: every head's score and value products, and the
        indexer's (each of its heads scores the pair over head_dim, then is weighted)."""
        qk, v = self.score_widths(hidden)
        index = self.indexer.num_heads * (self.indexer.head_dim + 1) if self.indexer else 0
        return self.num_attention_heads * (qk + v) + index

    @property
    def window(self) -> int | None:
        """Keys a query may attend to, when fewer than the whole sequence."""
        return self.sliding_window

    @property
    def span(self) -> str:
        """The layer's attention kind."""
        return "sliding_attention" if self.sliding_window else "full_attention"
