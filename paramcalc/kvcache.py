"""The KV cache and recurrent state, per token and for a batch, as transformers 5.23 holds them.

Per layer and token, a standard attention caches K and V for its KV heads only (GQA/MQA):
2 x kv_heads x head_dim values (`DynamicLayer`, shape [batch, kv_heads, seq, head_dim]).
A sliding-window layer keeps only the last window - 1 tokens after a pass
(`DynamicSlidingWindowLayer.update`: the next token makes the window whole).
DeepSeek MLA layers cache the compressed latent, kv_lora_rank + qk_rope_head_dim values, as
inference engines do (`DeepseekV3Attention.forward` updates the cache before `expand_kv`);
the per-head K and V it expands to are reported beside it. An encoder-decoder's decoder
caches its self-attention K/V per decoder token and cross-attention K/V over the encoder
tokens (`EncoderDecoderCache`). A layer that shares an earlier layer's K/V (Gemma 3n's
num_kv_shared_layers) caches nothing of its own, and a drafter that reads its target's K/V
(Gemma 4's assistants, which run their layers with use_cache=False) caches nothing at all.
XLNet keeps no K/V but `mems`, each layer's input (hidden_size per token), capped at mem_len;
CPM-Ant's layers cache its prompt tokens before the sequence's; CANINE's molecule stack keys
one entry per downsampling_rate characters (its rows). DeepSeek-V4's compressed
layers cache their window once (K = V), one entry per `rate` tokens of each compressed series,
and the windows not yet pooled (paramcalc.core.compressed), which count as per-sequence state.
Recurrent mixers (Mamba,
Mamba-2, gated DeltaNet, short convolutions, RG-LRU, RWKV, mLSTM, lightning attention) cache no
K/V: each keeps a fixed state per sequence, its convolution window (or token shift) and its
recurrent state (a short convolution only the window); ZAYA1's CCA attention keeps such a state
beside its K/V, and so does Inkling's attention (the windows of its four short convolutions, in
float32: they cast their input). transformers 5.23's `LinearAttentionLayer` stores the window
in the activations' dtype and the recurrent state as the mixer hands it over: float32 for
Mamba, Mamba-2 and gated DeltaNet, whose scans accumulate their state in float32 whatever the
weights' dtype, so the state has a dtype of its own. A kind whose whole state follows the
activations (xLSTM's matrix memory, RWKV's token shifts, lightning attention's state) says
which parts do.
Qwen4-Exp's PLE layers keep, beside their DeltaNet state, their dilated convolution's window
(in the activations' dtype) and the last ngram_size - 1 token ids (int64); its attention
layers cache their QSA indexer's one key per token. Its first indexed layer also keeps the
3-D position ids of every token (3 int64 per token) for all indexers, which paramcalc leaves
out: they are positions, not activations, and a few bytes per token.

Block formats (GGML's q8_0, q4_0, q4_1, q5_0, q5_1) quantize each head's row of K or V in
blocks of 32 values with their scales; as llama.cpp refuses a head width that is not a whole
number of blocks ("K cache type q8_0 with block size 32 does not divide n_embd_head_k"), so
does paramcalc, naming the dtype. Recurrent state stays in fp32 under a block format, as
llama.cpp keeps it (`llama_memory_recurrent` with GGML_TYPE_F32).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil

from paramcalc.core.attention import Attention, LatentAttention
from paramcalc.core.cca import CompressedConvAttention
from paramcalc.core.compressed import CompressedAttention
from paramcalc.core.inkling import ConvRelativeAttention
from paramcalc.core.kda import DeltaAttention
from paramcalc.core.model import Model
from paramcalc.core.ngram import NGramEmbedding
from paramcalc.core.recurrent import GatedDeltaNet, Mamba, Mamba2, ShortConv
from paramcalc.core.rnn import MLSTM, RGLRU, LightningAttention, RWKVChannelMix, RWKVTimeMix
from paramcalc.core.spec import Block
from paramcalc.core.xlnet import TwoStreamAttention
from paramcalc.errors import InputError
from paramcalc.precision import CacheDType, DType

Recurrent = (
    Mamba
    | Mamba2
    | GatedDeltaNet
    | ShortConv
    | DeltaAttention
    | RGLRU
    | RWKVTimeMix
    | MLSTM
    | LightningAttention
)


@dataclass(frozen=True)
class CachedLayer:
    """What one decoder layer caches: values per token, and the tokens it keeps."""

    index: int
    kind: str
    values_per_token: int
    tokens: int
    heads: int = 1
    """KV heads the values are split into (1 for an MLA latent, which every head shares)."""
    window: int | None = None
    """The layer's sliding window, when it has one."""
    limit: int | None = None
    """Most tokens the layer keeps whatever the context, when no window says it (XLNet's
    mem_len)."""
    prefix: int = 0
    """Tokens the layer caches before the sequence's own (CPM-Ant's prompt)."""
    stride: int = 1
    """Tokens per cached entry: a compressor's rate (DeepSeek-V4 pools `rate` tokens into
    one entry) or a stack's downsampling (CANINE's molecules), 1 for a cache of every token."""

    def kept(self, seq: int) -> int:
        """Entries the layer keeps after a pass over `seq` tokens."""
        if self.stride > 1:
            return seq // self.stride
        seq += self.prefix
        return min(seq, self.limit) if self.limit else cached_tokens(self.window, seq)


@dataclass(frozen=True)
class StateLayer:
    """What one recurrent layer keeps per sequence, by part (`conv`, `ssm`, `recurrent`)."""

    index: int
    kind: str
    values: dict[str, int]
    activation_parts: frozenset[str] = frozenset({"conv"})
    """Parts kept in the activations' dtype (the convolution window, unless the kind says
    more); the others in the state dtype, except the token ids."""
    id_parts: frozenset[str] = frozenset()
    """Parts that are token ids, kept as int64 whatever the dtypes (Qwen4-Exp's n-gram
    context)."""

    @property
    def values_per_sequence(self) -> int:
        """All the values of the layer's state."""
        return sum(self.values.values())

    @property
    def window_values(self) -> int:
        """Values kept in the activations' dtype: the convolution window and the like."""
        return sum(v for part, v in self.values.items() if part in self.activation_parts)

    @property
    def id_values(self) -> int:
        """Token ids kept, ID_BYTES each."""
        return sum(v for part, v in self.values.items() if part in self.id_parts)

    @property
    def recurrent_values(self) -> int:
        """Values of the recurrent (SSM or delta-rule) state, kept in the state dtype."""
        return self.values_per_sequence - self.window_values - self.id_values


@dataclass(frozen=True)
class KVCache:
    """The KV cache of `batch` sequences of `seq` tokens (and `encoder_seq` encoder tokens)."""

    dtype: CacheDType
    batch: int
    seq: int
    encoder_seq: int
    layers: tuple[CachedLayer, ...]
    cross_values_per_token: int
    expanded_values_per_token: int
    states: tuple[StateLayer, ...] = ()
    state_dtype: CacheDType = CacheDType.FP32
    """Precision of the recurrent state (`--state-dtype`); the convolution windows take the
    cache's dtype, or fp32 under a GGML block format, as llama.cpp keeps them."""

    @property
    def bytes_per_token(self) -> int:
        """Bytes one more token adds to every layer, before any window caps it."""
        values = sum(Fraction(layer.values_per_token, layer.stride) for layer in self.layers)
        return self.dtype.nbytes(ceil(values))

    @property
    def self_attention_bytes(self) -> int:
        """Bytes of the self-attention cache for the batch, windows applied."""
        values = sum(layer.values_per_token * layer.tokens for layer in self.layers)
        return self.dtype.nbytes(values * self.batch)

    @property
    def cross_attention_bytes_per_token(self) -> int:
        """Bytes one encoder token adds to the cross-attention cache (0 without one)."""
        return self.dtype.nbytes(self.cross_values_per_token)

    @property
    def cross_attention_bytes(self) -> int:
        """Bytes of the cross-attention cache for the batch."""
        return self.dtype.nbytes(self.cross_values_per_token * self.encoder_seq * self.batch)

    @property
    def window_dtype(self) -> CacheDType:
        """The convolution windows' precision: the cache's, fp32 under a GGML block format."""
        return CacheDType.FP32 if self.dtype.is_block_format else self.dtype

    def state_bytes_for(self, sequences: int) -> int:
        """Bytes of the recurrent layers' windows and states for `sequences` sequences."""
        window = sum(s.window_values for s in self.states) * sequences
        recurrent = sum(s.recurrent_values for s in self.states) * sequences
        ids = sum(s.id_values for s in self.states) * sequences
        return (
            self.window_dtype.nbytes(window) + self.state_dtype.nbytes(recurrent) + ID_BYTES * ids
        )

    @property
    def state_bytes_per_sequence(self) -> int:
        """Bytes of the recurrent layers' state for one sequence, whatever its length."""
        return self.state_bytes_for(1)

    @property
    def state_bytes(self) -> int:
        """Bytes of the recurrent state for the batch."""
        return self.state_bytes_for(self.batch)

    @property
    def bytes(self) -> int:
        """The whole cache for the batch: self-attention, cross-attention and recurrent state."""
        return self.self_attention_bytes + self.cross_attention_bytes + self.state_bytes

    @property
    def expanded_bytes_per_token(self) -> int:
        """MLA: bytes per token if the per-head K and V were cached instead of the latent."""
        return self.dtype.nbytes(self.expanded_values_per_token)


def cached_tokens(window: int | None, seq: int) -> int:
    """Tokens a layer keeps after a pass over `seq` tokens."""
    if window:
        return min(seq, window - 1)
    return seq


#: Bytes of one cached token id (int64, as input_ids are).
ID_BYTES = 8
#: Mixers that keep a fixed state per sequence instead of a KV cache.
RECURRENT = (
    Mamba,
    Mamba2,
    GatedDeltaNet,
    ShortConv,
    DeltaAttention,
    RGLRU,
    RWKVTimeMix,
    MLSTM,
    LightningAttention,
)

#: Attention kinds that keep a fixed state beside their K/V.
ATTENTION_WITH_STATE = (CompressedConvAttention, ConvRelativeAttention)


#: A compressor's pending windows follow the activations' dtype.
PENDING = frozenset({"pending"})


def compressed_layers(index: int, mixer: CompressedAttention, seq: int) -> list[CachedLayer]:
    """DeepSeek-V4: the window (K = V), then one entry per closed window of each series."""
    window = mixer.sliding_window
    layers = [
        CachedLayer(index, mixer.span, mixer.cache_values(0), cached_tokens(window, seq), 1, window)
    ]
    rate = mixer.compressor.rate if mixer.compressor else 1
    for width in mixer.series_widths():
        layers.append(CachedLayer(index, "compressed", width, seq // rate, 1, None, stride=rate))
    return layers


def state_layer(
    index: int,
    block: Block,
    mixer: Recurrent | CompressedConvAttention | ConvRelativeAttention,
    hidden: int,
) -> StateLayer:
    """The state of one layer: its mixer's parts, and a feed-forward's own (RWKV's channel-mix
    token shift) as `ffn_` parts, with the parts the kinds keep in the activations' dtype."""
    values = mixer.state_values(hidden)
    parts = set(getattr(mixer, "ACTIVATION_PARTS", {"conv"}))
    ids: set[str] = set()
    if isinstance(block.ffn, RWKVChannelMix):
        values |= {f"ffn_{k}": v for k, v in block.ffn.state_values(hidden).items()}
        parts |= {f"ffn_{k}" for k in block.ffn.ACTIVATION_PARTS}
    for extra in block.extras:
        if isinstance(extra, NGramEmbedding):  # its conv window and n-gram context
            values |= extra.state_values(hidden)
            parts |= extra.ACTIVATION_PARTS
            ids |= extra.ID_PARTS
    return StateLayer(index, mixer.kind, values, frozenset(parts), frozenset(ids))


def check_rows(dtype: CacheDType, mixer: Attention | LatentAttention, hidden: int) -> None:
    """Refuse a block format whose blocks do not tile each cached row, as llama.cpp does."""
    per_block = dtype.block[0]
    for width in mixer.cache_rows(hidden):
        if dtype.is_block_format and width % per_block:
            raise InputError(
                "--kv-dtype",
                f"{dtype.value} stores blocks of {per_block} values; a cached row of "
                f"{width} values (a head's K or V, or an MLA latent) is not a whole number "
                "of blocks (llama.cpp refuses it too)",
            )


def kv_cache(
    model: Model,
    dtype: DType | CacheDType,
    batch: int,
    seq: int,
    encoder_seq: int | None = None,
    state_dtype: DType | CacheDType = CacheDType.FP32,
) -> KVCache:
    """The cache transformers holds after one forward pass over `batch` x `seq` tokens."""
    dtype = CacheDType(dtype.value)
    tower = model.text
    layers: list[CachedLayer] = []
    states: list[StateLayer] = []
    cross = expanded = 0
    for stack, block, indices in tower.block_uses() if tower.keeps_cache else ():
        if stack.name == "encoder" and tower.is_encoder_decoder:
            continue  # the encoder runs once over the prompt and caches nothing
        if not stack.keeps_cache:
            continue  # run without a cache (BLT's global transformer and patcher)
        hidden = stack.width(model.hidden_size)
        for i in indices:
            for mixer in (m for m in block.mixers for _ in range(stack.runs)):
                if isinstance(mixer, TwoStreamAttention):  # XLNet's mems: the layer's input
                    if mixer.keeps_memory:
                        limit = mixer.memory_limit
                        kept = min(seq, limit) if limit else seq
                        layers.append(CachedLayer(i, "memory", hidden, kept, limit=limit))
                    continue
                if isinstance(mixer, CompressedAttention):
                    layers += compressed_layers(i, mixer, seq)
                    pending = mixer.pending_values(seq)
                    if pending:
                        states.append(StateLayer(i, mixer.kind, {"pending": pending}, PENDING))
                    continue
                if (
                    isinstance(mixer, (Attention, LatentAttention))
                    and mixer.kv_shared
                    and not mixer.cache_values(hidden)
                ):
                    continue  # reads an earlier layer's K/V: transformers keeps no cache layer
                if isinstance(mixer, (Attention, LatentAttention)):
                    check_rows(dtype, mixer, hidden)
                    layers.append(
                        CachedLayer(
                            i,
                            mixer.span,
                            mixer.cache_values(hidden),
                            cached_tokens(mixer.window, stack.rows(seq) + stack.prefix_tokens),
                            mixer.kv_heads,
                            mixer.window,
                            prefix=stack.prefix_tokens,
                            stride=stack.downsampling,
                        )
                    )
                    if isinstance(mixer, LatentAttention):
                        expanded += mixer.expanded_cache_values(hidden)
                    if isinstance(mixer, ATTENTION_WITH_STATE):  # K/V and a fixed state
                        states.append(state_layer(i, block, mixer, hidden))
                elif isinstance(mixer, RECURRENT):
                    states.append(state_layer(i, block, mixer, hidden))
            if block.cross_attention is not None:
                check_rows(dtype, block.cross_attention, hidden)
                cross += block.cross_attention.cache_values(hidden)
    layers.sort(key=lambda layer: layer.index)
    states.sort(key=lambda layer: layer.index)
    return KVCache(
        dtype,
        batch,
        seq,
        encoder_seq or seq,
        tuple(layers),
        cross,
        expanded,
        tuple(states),
        CacheDType(state_dtype.value),
    )
