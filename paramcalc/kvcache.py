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
num_kv_shared_layers) caches nothing of its own. Recurrent mixers (Mamba, Mamba-2, gated
DeltaNet, short convolutions, RG-LRU, RWKV, mLSTM, lightning attention) cache no K/V: each
keeps a fixed state per sequence, its convolution window (or token shift) and its recurrent
state (a short convolution only the window).
"""

from __future__ import annotations

from dataclasses import dataclass

from paramcalc.core.attention import Attention, LatentAttention
from paramcalc.core.cca import CompressedConvAttention
from paramcalc.core.model import Model
from paramcalc.core.recurrent import GatedDeltaNet, Mamba, Mamba2, ShortConv
from paramcalc.core.rnn import MLSTM, RGLRU, LightningAttention, RWKVChannelMix, RWKVTimeMix
from paramcalc.core.spec import Block
from paramcalc.precision import DType, nbytes

Recurrent = (
    Mamba | Mamba2 | GatedDeltaNet | ShortConv | RGLRU | RWKVTimeMix | MLSTM | LightningAttention
)


@dataclass(frozen=True)
class CachedLayer:
    """What one decoder layer caches: values per token, and the tokens it keeps."""

    index: int
    kind: str
    values_per_token: int
    tokens: int


@dataclass(frozen=True)
class StateLayer:
    """What one recurrent layer keeps per sequence, by part (`conv`, `ssm`, `recurrent`)."""

    index: int
    kind: str
    values: dict[str, int]

    @property
    def values_per_sequence(self) -> int:
        """All the values of the layer's state."""
        return sum(self.values.values())


@dataclass(frozen=True)
class KVCache:
    """The KV cache of `batch` sequences of `seq` tokens (and `encoder_seq` encoder tokens)."""

    dtype: DType
    batch: int
    seq: int
    encoder_seq: int
    layers: tuple[CachedLayer, ...]
    cross_values_per_token: int
    expanded_values_per_token: int
    states: tuple[StateLayer, ...] = ()

    @property
    def bytes_per_token(self) -> int:
        """Bytes one more token adds to every layer, before any window caps it."""
        return nbytes(sum(layer.values_per_token for layer in self.layers), self.dtype)

    @property
    def self_attention_bytes(self) -> int:
        """Bytes of the self-attention cache for the batch, windows applied."""
        values = sum(layer.values_per_token * layer.tokens for layer in self.layers)
        return nbytes(values * self.batch, self.dtype)

    @property
    def cross_attention_bytes_per_token(self) -> int:
        """Bytes one encoder token adds to the cross-attention cache (0 without one)."""
        return nbytes(self.cross_values_per_token, self.dtype)

    @property
    def cross_attention_bytes(self) -> int:
        """Bytes of the cross-attention cache for the batch."""
        return nbytes(self.cross_values_per_token * self.encoder_seq * self.batch, self.dtype)

    @property
    def state_bytes_per_sequence(self) -> int:
        """Bytes of the recurrent layers' state for one sequence, whatever its length."""
        return nbytes(sum(s.values_per_sequence for s in self.states), self.dtype)

    @property
    def state_bytes(self) -> int:
        """Bytes of the recurrent state for the batch."""
        return nbytes(sum(s.values_per_sequence for s in self.states) * self.batch, self.dtype)

    @property
    def bytes(self) -> int:
        """The whole cache for the batch: self-attention, cross-attention and recurrent state."""
        return self.self_attention_bytes + self.cross_attention_bytes + self.state_bytes

    @property
    def expanded_bytes_per_token(self) -> int:
        """MLA: bytes per token if the per-head K and V were cached instead of the latent."""
        return nbytes(self.expanded_values_per_token, self.dtype)


def cached_tokens(window: int | None, seq: int) -> int:
    """Tokens a layer keeps after a pass over `seq` tokens."""
    if window:
        return min(seq, window - 1)
    return seq


#: Mixers that keep a fixed state per sequence instead of a KV cache.
RECURRENT = (
    Mamba,
    Mamba2,
    GatedDeltaNet,
    ShortConv,
    RGLRU,
    RWKVTimeMix,
    MLSTM,
    LightningAttention,
)


def layer_state(block: Block, mixer: Recurrent, hidden: int) -> dict[str, int]:
    """The state of one recurrent layer: its mixer's parts, and a feed-forward's own (RWKV's
    channel-mix token shift) as `ffn_` parts."""
    values = mixer.state_values(hidden)
    if isinstance(block.ffn, RWKVChannelMix):
        values |= {f"ffn_{k}": v for k, v in block.ffn.state_values(hidden).items()}
    return values


def kv_cache(
    model: Model, dtype: DType, batch: int, seq: int, encoder_seq: int | None = None
) -> KVCache:
    """The cache transformers holds after one forward pass over `batch` x `seq` tokens."""
    tower, hidden = model.text, model.hidden_size
    layers: list[CachedLayer] = []
    states: list[StateLayer] = []
    cross = expanded = 0
    for stack, block, indices in tower.block_uses():
        if stack.name == "encoder" and tower.is_encoder_decoder:
            continue  # the encoder runs once over the prompt and caches nothing
        mixer = block.mixer
        for i in indices:
            if isinstance(mixer, Attention) and mixer.kv_shared:
                pass  # reads an earlier layer's K/V: transformers keeps no cache layer for it
            elif isinstance(mixer, (Attention, LatentAttention)):
                layers.append(
                    CachedLayer(
                        i, mixer.span, mixer.cache_values(hidden), cached_tokens(mixer.window, seq)
                    )
                )
                if isinstance(mixer, LatentAttention):
                    expanded += mixer.expanded_cache_values(hidden)
                if isinstance(mixer, CompressedConvAttention):  # K/V and a fixed state
                    states.append(StateLayer(i, mixer.kind, mixer.state_values(hidden)))
            elif isinstance(mixer, RECURRENT):
                states.append(StateLayer(i, mixer.kind, layer_state(block, mixer, hidden)))
            if block.cross_attention is not None:
                cross += block.cross_attention.cache_values(hidden)
    layers.sort(key=lambda layer: layer.index)
    states.sort(key=lambda layer: layer.index)
    return KVCache(
        dtype, batch, seq, encoder_seq or seq, tuple(layers), cross, expanded, tuple(states)
    )
