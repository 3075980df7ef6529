"""Schema v2: a model is towers; a tower is embeddings, stacks of blocks and a head.

A block is a token mixer plus a feed-forward (either may be absent) plus its norms. Mixers and
feed-forwards are tagged unions (`kind`), so each variant says only what it has. Layers of a
stack may differ: a stack names its block kinds and lists (or repeats a pattern of) the kind of
each layer, as `layer_types` and `hybrid_override_pattern` do in config.json files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from paramcalc.core.attention import Attention, LatentAttention
from paramcalc.core.augment import (
    AltUp,
    AltUpProjections,
    DraftProjections,
    LanguageAdapters,
    Laurel,
    MaskEmbedding,
    ParallelMoE,
    PerLayerEmbeddings,
    PerLayerInput,
    SegmentPositionBias,
    ShortcutMoE,
    TokenVectors,
)
from paramcalc.core.axial import AxialPositions
from paramcalc.core.blt import ByteLatentParts
from paramcalc.core.bottleneck import Bottleneck, StackedFFNs
from paramcalc.core.cca import CompressedConvAttention
from paramcalc.core.characters import HashEmbeddings, InputConv
from paramcalc.core.compressed import CompressedAttention
from paramcalc.core.conditioning import TimeConditionedNorm
from paramcalc.core.context import NormType
from paramcalc.core.entities import EntityEmbeddings, EntityPredictions
from paramcalc.core.ffn import FeedForward
from paramcalc.core.funnel import FunnelAttention, FunnelPooling
from paramcalc.core.hyper import HyperConnections
from paramcalc.core.inkling import (
    BlockResidualQueries,
    ConvRelativeAttention,
    FinalResidualQuery,
    ScaledGatedMLP,
    SinkMoE,
)
from paramcalc.core.kda import DeltaAttention
from paramcalc.core.neomme import InputMix, PatchStem, ValueEmbeddings
from paramcalc.core.ngram import NGramEmbedding
from paramcalc.core.perceiver import PerceiverAttention
from paramcalc.core.recurrent import GatedDeltaNet, Mamba, Mamba2, ShortConv
from paramcalc.core.rnn import MLSTM, RGLRU, LightningAttention, RWKVChannelMix, RWKVTimeMix
from paramcalc.core.shared import SharedBlock
from paramcalc.core.types import Count, Depth, PositiveInt, Spec
from paramcalc.core.xlnet import TwoStreamAttention
from paramcalc.core.zaya import InputAffine, ResidualScaling, RouterMLPMoE
from paramcalc.errors import FieldValueError

Mixer = Annotated[
    Attention
    | LatentAttention
    | Mamba
    | Mamba2
    | GatedDeltaNet
    | ShortConv
    | RGLRU
    | RWKVTimeMix
    | MLSTM
    | LightningAttention
    | CompressedConvAttention
    | ConvRelativeAttention
    | CompressedAttention
    | DeltaAttention
    | TwoStreamAttention
    | FunnelAttention
    | PerceiverAttention,
    Field(discriminator="kind"),
]
FFN = Annotated[
    FeedForward | ScaledGatedMLP | SinkMoE | RWKVChannelMix | RouterMLPMoE,
    Field(discriminator="kind"),
]
#: Parts of a layer beside its mixer and feed-forward (Gemma 3n, Gemma 4, ZAYA1, NeoMME,
#: LongCat-Flash, X-MOD, MobileBERT, Qwen4-Exp, Voxtral Realtime).
LayerExtra = Annotated[
    AltUp
    | Laurel
    | PerLayerInput
    | ParallelMoE
    | ResidualScaling
    | BlockResidualQueries
    | InputMix
    | ShortcutMoE
    | LanguageAdapters
    | Bottleneck
    | StackedFFNs
    | NGramEmbedding
    | TimeConditionedNorm,
    Field(discriminator="kind"),
]
#: Parts of a language model beside its embeddings, stacks and head (Gemma 3n, ZAYA1, LUKE,
#: NeoMME, CPM-Ant, Gemma 4's assistants, XLNet, Reformer, BLT, T5Gemma 2).
TowerExtra = Annotated[
    PerLayerEmbeddings
    | AltUpProjections
    | InputAffine
    | FinalResidualQuery
    | EntityEmbeddings
    | EntityPredictions
    | PatchStem
    | ValueEmbeddings
    | SegmentPositionBias
    | DraftProjections
    | MaskEmbedding
    | TokenVectors
    | AxialPositions
    | ByteLatentParts,
    Field(discriminator="kind"),
]
CrossMixer = Annotated[Attention | LatentAttention, Field(discriminator="kind")]
#: Where a block has a norm: before/after the mixer, cross-attention and feed-forward.
NormSite = Literal["input", "post_mixer", "pre_cross", "post_cross", "pre_ffn", "post_ffn"]
DEFAULT_NORMS: tuple[NormSite, ...] = ("input", "pre_ffn")
#: Most stacks a tower holds (Funnel: a stack per block and its decoder).
MAX_STACKS = 16


class NormGate(Spec):
    """A low-rank sigmoid gate on some of a block's norms (A.X-K2's GatedRMSNorm: the norm's
    output times sigmoid(fc2(silu(fc1(output))))); its two projections are feedforward."""

    sites: tuple[NormSite, ...] = Field(min_length=1)
    """The gated norms."""
    rank: PositiveInt
    """Width between fc1 and fc2 (gated_norm_rank)."""


class Block(Spec):
    """One layer: a token mixer, an optional cross-attention, a feed-forward and norms."""

    mixer: Mixer | None = None
    """The token mixer (attention of any variant, Mamba, Mamba-2, gated DeltaNet); none for an
    MLP-only layer."""
    parallel_mixer: Mixer | None = None
    """A second token mixer reading the same normed input beside `mixer`, its output added to
    the first's (Falcon-H1: Mamba-2 beside attention in every layer)."""
    cross_attention: CrossMixer | None = None
    """Attention over the encoder's (or another tower's) output."""
    shared: SharedBlock | None = None
    """A transformer block shared with other layers, run before this layer's own mixer and
    norms, which then sit in a layer of their own inside this one (Zamba's mamba_decoder)."""
    ffn: FFN | None = None
    """The feed-forward; none for a mixer-only layer."""
    hyper_connections: HyperConnections = 0
    """Hyper-connections: HY-V4's by their residual streams (hc_mult), or Qwen4-Exp's gated
    kind; the block then holds one before its mixer and one before its feed-forward; 0 for a
    plain residual."""
    hyper_mixing: bool = False
    """The hyper-connections also mix the streams through an N x N matrix (DeepSeek-V4's
    manifold-constrained mHC): each then yields (2 + N) x N weights and has three scales."""
    norms: tuple[NormSite, ...] = DEFAULT_NORMS
    """The block's norms: pre-norm Llama has input and pre_ffn; BERT post_mixer and post_ffn;
    Gemma 2 all four; a parallel block (GPT-J) only input."""
    norm_gate: NormGate | None = None
    """A low-rank gate on some of the norms (A.X-K2)."""
    scales: tuple[Annotated[str, Field(max_length=64)], ...] = ()
    """Learned vectors of hidden_size the layer holds itself, by name (Doge's input_residual
    and post_attention_residual on its residual branches): feedforward, as GROUPS.md says."""
    gates: tuple[Annotated[str, Field(max_length=64)], ...] = ()
    """Learned one-element residual gates the layer holds, by name (Mllama's gate_attn and
    gate_ffn, cross_attn_attn_gate and cross_attn_mlp_gate): feedforward, as GROUPS.md says."""
    extras: tuple[LayerExtra, ...] = ()
    """What else the layer holds, each part once (Gemma 3n: AltUp, LAuReL, the per-layer
    input gate); feedforward, their norms norm."""

    @property
    def kind(self) -> str:
        """What the layer is, for per-layer views: `full_attention+moe`, `mamba2`, `mlp`."""
        parts = [getattr(mixer, "span", mixer.kind) for mixer in self.mixers]
        if self.cross_attention is not None:
            parts.append("cross_attention")
        if self.ffn is not None:
            parts.append(self.ffn.kind)
        return "+".join(parts) or "empty"

    @property
    def mixers(self) -> tuple[Mixer, ...]:
        """The block's self token mixers: the shared block's attention, the mixer and the one
        beside it, where present."""
        shared = self.shared.attention if self.shared is not None else None
        return tuple(m for m in (shared, self.mixer, self.parallel_mixer) if m is not None)


class StackConv(Spec):
    """DeBERTa-v2's ConvLayer: a biased Conv1d of the stack's width along the sequence, then a
    LayerNorm of its sum with the first layer's output."""

    kernel: PositiveInt
    """Width of the convolution along the sequence (conv_kernel_size)."""
    groups: PositiveInt = 1
    """Channel groups of the convolution (conv_groups); divides the width."""


class Stack(Spec):
    """A sequence of blocks: uniform, or one kind per layer from `kinds`."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)] = "decoder"
    """Which stack: the decoder (of a decoder-only model too), the encoder of an
    encoder-decoder, or the name of one of several stacks one after the other (HRM's L_module
    and H_module; CANINE's character, molecule and final character stacks)."""
    num_hidden_layers: Depth
    """Blocks in the stack."""
    runs: PositiveInt = 1
    """Times one forward pass runs the stack (HRM runs its low-level module H_cycles x
    L_cycles times): each run caches its own K/V and costs its FLOPs again."""
    sublayers: PositiveInt = 1
    """Consecutive layers transformers keeps in one decoder-layer module (LongCat-Flash: two
    attention/MLP sublayers in each, `layers.{i}.self_attn.{j}`); a multiple of it is the
    depth."""
    block: Block | None = None
    """The block of every layer, when all are alike."""
    kinds: dict[Annotated[str, Field(max_length=64)], Block] = {}
    """Named block kinds, when layers differ."""
    layer_kinds: tuple[str, ...] | None = None
    """The kind of each layer (one entry per layer) or a pattern repeated to the depth."""
    final_norm: bool = True
    """A norm after the last block."""
    reversible: bool = False
    """Reversible residual layers (Reformer): the stack carries two copies of its stream,
    which the final norm reads concatenated, 2 x its width."""
    final_norm_type: NormType | None = None
    """Kind of the final norm when it differs from the blocks' (xLSTM's out_norm has no bias
    even when its blocks' norms do). Default: the tower's norm kind."""
    hidden_size: PositiveInt | None = None
    """Width of this stack's residual stream when it differs from the tower's (T5Gemma's
    encoder); the decoder's cross-attention then reads this width."""
    token_embeddings: Count = 0
    """Rows of this stack's own token table (0: it reads the tower's). An untied BART-style
    model holds three: the shared one, the encoder's and the decoder's."""
    position_embeddings: Count = 0
    """Rows of this stack's own position table (BART, Marian, Pegasus: one per stack)."""
    position_width: PositiveInt | None = None
    """Width of that table when it is not the stack's (RoFormer's sinusoid table, one head
    wide, that rotary attention reads)."""
    embedding_norm: bool = False
    """A norm right after this stack's embeddings (BART's layernorm_embedding)."""
    type_vocab_size: Count = 0
    """Rows of this stack's own token-type table (the BERT encoder of an EncoderDecoderModel)."""
    type_vocab_sizes: tuple[PositiveInt, ...] = ()
    """Rows of each of several token-type tables of this stack's own, as
    TextTower.type_vocab_sizes (the TAPAS encoder of an EncoderDecoderModel)."""
    box_position_embeddings: Count = 0
    """Rows of each of four 2-D position tables of this stack's own, as
    TextTower.box_position_embeddings (the LayoutLM encoder of an EncoderDecoderModel)."""
    input_tables: tuple[InputTable, ...] = ()
    """Further per-token tables of this stack's own, as TextTower.input_tables (the RoCBERT
    encoder of an EncoderDecoderModel)."""
    input_mapping: bool = False
    """A biased Linear from this stack's token embedding (and its concatenated input tables)
    to its width, as TextTower.input_mapping (RoCBERT's, MobileBERT's encoder)."""
    trigram_input: bool = False
    """The input mapping reads each token beside its two neighbours (MobileBERT's)."""
    embedding_size: PositiveInt | None = None
    """Width of this stack's own tables when it differs from the stack's width (the ELECTRA or
    ALBERT encoder of an EncoderDecoderModel); they reach the stream through
    embedding_projection, or only the token table is that wide and the input mapping reads
    it (MobileBERT's)."""
    embedding_projection: Literal["none", "in", "in_no_bias", "in_before_norm"] = "none"
    """How this stack's own tables meet its stream, as TextTower.embedding_projection says of
    a tower's: none (they are as wide as the stack), one projection in after the tables and
    their norm (biased or not), or an unbiased one before the norm (DeBERTa's embed_proj)."""
    pooler: bool = False
    """A pooler on this stack's first token (dense width -> width with bias), as the BERT
    encoder of an EncoderDecoderModel keeps."""
    output_projection: bool = False
    """A biased Linear from this encoder's width to the tower's, on its output, which the
    decoder's cross-attention then reads (EncoderDecoderModel's enc_to_dec_proj)."""
    learned_tokens: Count = 0
    """Rows of a table of learned vectors of the stack's width it holds beside its token
    table: PEGASUS-X's global tokens (encoder.embed_global), ProphetNet's n-gram stream
    embeddings (decoder.ngram_embeddings); 0 for none."""
    relative_attention_bias: Count = 0
    """Rows (buckets) of one relative position bias table the stack holds for all its layers,
    a column per attention head (MPNet's encoder.relative_attention_bias)."""
    prefix_tokens: Count = 0
    """Learned tokens the model puts before every sequence (CPM-Ant's prompt_length prompt
    ids): the stack runs over them and caches them, the head does not see them."""
    relative_positions: Count = 0
    """Rows of a relative position table of the stack's width that every layer's relative
    scores project (DeBERTa's encoder.rel_embeddings: 2 x max_relative_positions, or 2 x
    position_buckets); attention, as an embedding table inside a mixer is."""
    relative_positions_norm: bool = False
    """A norm of that table before the layers read it (DeBERTa-v2's norm_rel_ebd layer_norm)."""
    conv: StackConv | None = None
    """A convolution the stack applies to its first layer's input, added to that layer's
    output (DeBERTa-v2's encoder.conv)."""
    patch_size: PositiveInt | None = None
    """The stack runs once per patch of this many tokens instead of once per token (BLT's
    global transformer; by convention every patch is patch_size bytes long, the last one
    shorter): ceil(tokens / patch_size) rows."""
    keeps_cache: bool = True
    """The stack's layers keep their K/V between generation steps; false for a stack the model
    runs without a cache (BLT's global transformer and patcher)."""
    input_conv: InputConv | None = None
    """A convolution and a norm making the stack's input from the stacks before it (CANINE's
    chars_to_molecules and projection); a strided one makes the stack run over
    seq // stride rows."""
    pooling: FunnelPooling | None = None
    """The pooling before the stack that halves the sequence once per block before it
    (Funnel's blocks after the first): the stack runs over its pooled rows."""
    learned_queries: Count = 0
    """Rows of a learned parameter of the stack's width its first layer takes as queries in
    place of the stream before it (Perceiver's latents, its decoder's output position
    encodings): embedding; 0 for none."""
    latent_rows: Count = 0
    """The stack runs over this many rows whatever the sequence (Perceiver's latents); 0: the
    rows the sequence gives."""

    @model_validator(mode="after")
    def _check_layers(self) -> Stack:
        if (self.block is None) == (not self.kinds):
            raise FieldValueError(
                "block", "give block (every layer alike) or kinds with layer_kinds, not both"
            )
        if self.num_hidden_layers % self.sublayers:
            raise FieldValueError(
                "num_hidden_layers",
                f"{self.num_hidden_layers} is not a multiple of sublayers={self.sublayers}",
            )
        if self.relative_attention_bias and self.bias_heads() is None:
            raise FieldValueError(
                "relative_attention_bias", "needs every layer's mixer to be one attention"
            )
        if self.kinds:
            if not self.layer_kinds:
                raise FieldValueError("layer_kinds", "required with kinds")
            unknown = sorted(set(self.layer_kinds) - set(self.kinds))
            if unknown:
                raise FieldValueError(
                    "layer_kinds", f"{unknown[0]!r} is not one of kinds ({', '.join(self.kinds)})"
                )
            if self.num_hidden_layers % len(self.layer_kinds) and (
                len(self.layer_kinds) < self.num_hidden_layers
            ):
                raise FieldValueError(
                    "layer_kinds",
                    f"a pattern of {len(self.layer_kinds)} does "
                    f"not repeat evenly to {self.num_hidden_layers} layers",
                )
            if len(self.layer_kinds) > self.num_hidden_layers:
                raise FieldValueError(
                    "layer_kinds",
                    f"{len(self.layer_kinds)} entries for "
                    f"num_hidden_layers={self.num_hidden_layers}",
                )
        return self

    @model_validator(mode="after")
    def _check_shared(self) -> Stack:
        blocks = [self.block] if self.block is not None else list(self.kinds.values())
        if all(b.shared is None for b in blocks):
            return self  # no shared block: nothing to walk layer by layer
        held: set[int] = set()
        for i in range(self.num_hidden_layers):
            block = self.block_of(i)
            if block.shared is None:
                continue
            copy, holds = block.shared.index, block.shared.holds
            if holds == (copy in held):
                where = f"layer {i}"
                raise FieldValueError(
                    "shared.holds",
                    f"{where}: the first layer running shared block {copy} holds it, no other",
                )
            held.add(copy)
        return self

    @property
    def downsampling(self) -> int:
        """Tokens per row the stack runs over: its input convolution's stride, else 1."""
        return self.input_conv.stride if self.input_conv is not None else 1

    def rows(self, seq: int) -> int:
        """Rows the stack's layers run over for a sequence of `seq` tokens: one per token, one
        per patch (BLT, by convention patches of patch_size), seq // its input
        convolution's stride (CANINE), its pooled rows (Funnel), or its latents (Perceiver)."""
        if self.latent_rows:
            return self.latent_rows
        if self.patch_size:
            return -(-seq // self.patch_size)
        if self.pooling is not None:
            return self.pooling.rows(seq)
        return seq // self.downsampling

    def block_of(self, index: int) -> Block:
        """The block of layer `index`."""
        if self.block is not None:
            return self.block
        assert self.layer_kinds is not None  # checked above
        return self.kinds[self.layer_kinds[index % len(self.layer_kinds)]]

    def bias_heads(self) -> int | None:
        """Columns of the shared relative bias: the heads of the one attention every layer has."""
        blocks = [self.block] if self.block is not None else list(self.kinds.values())
        heads = {getattr(b.mixer, "num_attention_heads", None) for b in blocks}
        return heads.pop() if len(heads) == 1 else None

    def width(self, tower_hidden: int) -> int:
        """Width of the stack's residual stream."""
        return self.hidden_size or tower_hidden

    def check_mixers(self, tower_hidden: int) -> None:
        """Hold every mixer of the stack to its rules at the width it reads (heads that split
        it, groups that divide it), whichever tower the stack is in."""
        width = self.width(tower_hidden)
        for key, (block, _) in self.layer_blocks().items():
            where = f"kinds.{key}." if key else "block."
            shared = block.shared.attention if block.shared is not None else None
            for part, mixer in (
                ("mixer.", block.mixer),
                ("parallel_mixer.", block.parallel_mixer),
                ("cross_attention.", block.cross_attention),
                ("shared.attention.", shared),
            ):
                if mixer is not None:
                    mixer.check(width, where + part)

    def layer_blocks(self) -> dict[str, tuple[Block, tuple[int, ...]]]:
        """Each kind's block with the layer indices that use it, in order of first use."""
        if self.block is not None:
            return {"": (self.block, tuple(range(self.num_hidden_layers)))}
        assert self.layer_kinds is not None  # checked above
        period = len(self.layer_kinds)
        indices: dict[str, list[int]] = {}
        for i in range(self.num_hidden_layers):
            indices.setdefault(self.layer_kinds[i % period], []).append(i)
        return {key: (self.kinds[key], tuple(found)) for key, found in indices.items()}


class InputTable(Spec):
    """A per-token embedding table beside the token table (RoCBERT's pronunciation and shape
    tables), read with the same input ids' companions."""

    role: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
    """The table's role, which the family's naming turns into its module path."""
    rows: PositiveInt
    """Rows of the table."""
    width: PositiveInt
    """Columns of the table."""
    concatenated: bool = False
    """Concatenated to the token embedding before the input mapping (else built, unused)."""


class HeadTransform(Spec):
    """A dense layer (hidden -> hidden), or two, and a norm between the last hidden state and
    the LM head (ModernBERT's prediction head): output and norm, as GROUPS.md says."""

    bias: bool = True
    """The dense layer has a bias (classifier_bias)."""
    width: PositiveInt | None = None
    """Width the dense layer maps to, and of its norm and of what the LM head reads, when it
    is not hidden_size (ALBERT's and ELECTRA's embedding_size, RemBERT's
    output_embedding_size)."""
    intermediate_size: PositiveInt | None = None
    """Width of a first dense layer before the one to `width`, which then reads it
    (UltraBERT's head.linear1 to prediction_head_size, linear2 back to hidden_size); None:
    one dense layer."""
    norm: bool = True
    """A norm after the dense layers (UltraBERT's head has none)."""


class TextTower(Spec):
    """A language model: token embeddings, one stack (decoder or encoder) or two, a head."""

    kind: Literal["text"] = "text"
    vocab_size: PositiveInt
    """Rows of the token embedding (and outputs of the LM head); with hash_embeddings only
    the range of the ids the model reads."""
    hash_embeddings: HashEmbeddings | None = None
    """Hashed embedding tables in place of the token table (CANINE's code points)."""
    token_table: bool = True
    """The tower holds a token table; false for a model given embeddings, not ids
    (PerceiverModel without an input preprocessor): vocab_size then names no table."""
    extra_token_rows: Count = 0
    """Rows of the token embedding beyond vocab_size that the head does not predict (CPM-Ant's
    prompt_types x prompt_length prompt tokens): the table has vocab_size + these rows."""
    hidden_size: PositiveInt
    """Width of the residual stream (d_model)."""
    embedding_size: PositiveInt | None = None
    """Width of the token embedding when it differs from hidden_size; adds the projections
    between the two widths (OPT's word_embed_proj_dim)."""
    embedding_projection: Literal["in_out", "in", "in_no_bias", "in_before_norm"] = "in_out"
    """How the embeddings meet the residual stream: OPT's unbiased project_in and project_out
    (only when embedding_size differs), or one biased projection in, always there, after
    embeddings that are all embedding_size wide (hidden_size without one): the position and
    token-type tables and the embedding norm too (ELECTRA's embeddings_project, RemBERT's and
    ALBERT's embedding_hidden_mapping_in, FNet's embeddings.projection), counted as
    embedding; in_no_bias is that projection without a bias (NeoMME's factorized
    embed_tokens.embedding_projection); in_before_norm, only when embedding_size differs, is
    one unbiased projection in after embedding_size-wide tables and before a norm of
    hidden_size (DeBERTa's embed_proj)."""
    position_embeddings: Count = 0
    """Rows of a learned absolute position table (0 for rotary, ALiBi, relative or none)."""
    type_vocab_size: Count = 0
    """Rows of a token-type (segment) embedding (BERT: 2)."""
    type_vocab_sizes: tuple[PositiveInt, ...] = ()
    """Rows of each of several token-type tables whose rows are summed into the embedding,
    in place of the one table (TAPAS's type_vocab_sizes: token_type_embeddings_{i})."""
    input_tables: tuple[InputTable, ...] = ()
    """Further per-token embedding tables (RoCBERT's pronunciation and shape tables)."""
    input_mapping: bool = False
    """A biased Linear from the token embedding concatenated with every concatenated input
    table to hidden_size (RoCBERT's map_inputs_layer, MobileBERT's embedding_transformation);
    an embedding_size then adds no other projection."""
    trigram_input: bool = False
    """The input mapping reads each token's embedding beside those of its two neighbours,
    three token widths (MobileBERT's trigram_input)."""
    box_position_embeddings: Count = 0
    """Rows of each of four 2-D position tables, one per coordinate of a token's box (x, y,
    height, width), as wide as the position table (LayoutLM's max_2d_position_embeddings)."""
    initial_state: bool = False
    """A learned initial hidden state of hidden_size the model holds (HRM's z_L_init); counted
    as embedding, like a learned token."""
    embedding_norm: bool = False
    """A norm right after the embeddings (BLOOM, BERT)."""
    norm_type: NormType = NormType.RMSNORM
    """Parameterisation of the tower's norms."""
    stacks: tuple[Stack, ...] = Field(min_length=1, max_length=MAX_STACKS)
    """The decoder, the encoder then the decoder of an encoder-decoder model, or stacks run
    one after the other (HRM's two modules, CANINE's three, BLT's local encoder, global
    transformer, local decoder and patcher, Funnel's blocks and decoder)."""
    lm_head: bool = True
    """The tower ends in a language-model head (false for a bare encoder)."""
    tie_word_embeddings: bool = False
    """The head shares the token embedding matrix (counted once, in embedding)."""
    lm_head_bias: bool = False
    """The head has a bias (Phi, GPT-J)."""
    head_vocab_size: PositiveInt | None = None
    """Rows of an untied LM head when it has fewer than the token table (Mllama's table keeps
    8 rows past vocab_size for its image tokens); none for vocab_size."""
    head_transform: HeadTransform | None = None
    """A dense layer and a norm before the LM head."""
    head_bias: bool = False
    """A bias vector of vocab_size the head holds beside its decoder (BERT's
    cls.predictions.bias, which a tied decoder takes as its own bias): output."""
    head_remainder: bool = False
    """The head reads the whole hidden state though its decoder reads the token width: the
    columns beyond it are scored by a weight of their own, stored (hidden_size - token
    width, vocab_size) (MobileBERT's cls.predictions.dense, concatenated after the tied
    decoder's transpose): output."""
    unembedding_projection: bool = False
    """The LM head reads the last hidden state projected back to the token width by the
    transpose of a weight shaped as embedding_projection's (NeoMME's masked-LM
    unembedding_projection): embedding, as OPT's project_out; the tie shares it with
    embedding_projection as it shares the token table."""
    pooler: bool = False
    """A pooler (dense hidden -> hidden with bias) on the first token, as BERT's."""
    contact_head: bool = False
    """ESM's contact-prediction regression: a biased Linear from every layer's attention maps
    (layers x heads) to 1, run by predict_contacts, not by the forward pass."""
    hyper_head: HyperConnections = 0
    """The model's collapse of the hyper-connection streams after the last block: HY-V4's
    hc_head by its residual streams (before the final norm), or Qwen4-Exp's gated mixer
    (hyper_connection_mixer); 0 for none."""
    extras: tuple[TowerExtra, ...] = ()
    """What else the model holds, each part once (Gemma 3n: per-layer input embeddings,
    AltUp's stream projections)."""
    keeps_cache: bool = True
    """The model keeps its layers' K/V (or state) between generation steps; false for a
    drafter that reads its target's and runs its own layers with use_cache=False (Gemma 4's
    assistants)."""

    @model_validator(mode="after")
    def _check_blocks(self) -> TextTower:
        for stack in self.stacks:
            width = stack.width(self.hidden_size)
            if stack.conv is not None and width % stack.conv.groups:
                raise FieldValueError("conv.groups", f"must divide the stack's width {width}")
            stack.check_mixers(self.hidden_size)
        for stack in self.stacks:
            if stack.input_conv is not None:
                stack.input_conv.check(f"stacks.{stack.name}.input_conv.")
        if self.hash_embeddings is not None:
            self.hash_embeddings.check(self.hidden_size)
            if self.lm_head or self.embedding_size:
                raise FieldValueError(
                    "hash_embeddings", "has no token table for a head or a projection to read"
                )
        if not self.token_table and (self.lm_head or self.hash_embeddings or self.embedding_size):
            raise FieldValueError(
                "token_table", "false leaves no table for a head, hashes or a projection"
            )
        if self.type_vocab_size and self.type_vocab_sizes:
            raise FieldValueError("type_vocab_sizes", "give it or type_vocab_size, not both")
        if self.head_vocab_size is not None and self.tie_word_embeddings:
            raise FieldValueError("head_vocab_size", "a tied head has the token table's rows")
        names = [s.name for s in self.stacks]
        if len(set(names)) != len(names):
            raise FieldValueError("stacks", f"each stack once, got {names}")
        if self.lm_head and self.tie_word_embeddings and self.head_width != self.token_width:
            raise FieldValueError(
                "head_transform",
                f"a tied head reads the token width {self.token_width}, not {self.head_width}",
            )
        projected_in = self.embedding_projection != "in_out" and self.embedding_size
        if self.unembedding_projection and not (self.lm_head and projected_in):
            raise FieldValueError(
                "unembedding_projection",
                "needs an LM head and an embedding_projection from embedding_size in",
            )
        if self.head_remainder and not (self.lm_head and self.hidden_size > self.token_width):
            raise FieldValueError(
                "head_remainder", "needs an LM head and a token width below hidden_size"
            )
        if self.extra_token_rows and self.tie_word_embeddings:
            raise FieldValueError(
                "extra_token_rows", "a tied head cannot share a table with rows it does not predict"
            )
        return self

    @property
    def head_width(self) -> int:
        """Columns the LM head reads: the head transform's width, else the token width, or
        both streams of a reversible last stack (Reformer's lm_head reads 2 x hidden_size)."""
        transform = self.head_transform
        if transform is not None and transform.width is not None:
            return transform.width
        if transform is None and self.stacks[-1].reversible:
            return 2 * self.hidden_size
        return self.token_width

    @property
    def token_width(self) -> int:
        """Columns of the token embedding (and of a tied head)."""
        return self.embedding_size or self.hidden_size

    @property
    def is_encoder_decoder(self) -> bool:
        """Whether the tower has an encoder and a decoder."""
        return len(self.stacks) == 2 and self.stack("encoder") is not None

    def stack(self, name: str) -> Stack | None:
        """The stack called `name`, if the tower has one."""
        return next((s for s in self.stacks if s.name == name), None)

    def block_uses(self) -> list[tuple[Stack, Block, tuple[int, ...]]]:
        """Each stack's distinct blocks with the layer indices that use them."""
        return [
            (stack, block, layers)
            for stack in self.stacks
            for block, layers in stack.layer_blocks().values()
        ]

    @property
    def num_layers(self) -> int:
        """Blocks in all stacks."""
        return sum(s.num_hidden_layers for s in self.stacks)
