"""The key/value cache: bytes per token and for a batch, as transformers 5.23's caches hold it.

Per layer and token, a standard attention caches K and V for its KV heads only (GQA/MQA):
2 x kv_heads x head_dim values (`DynamicLayer`, shape [batch, kv_heads, seq, head_dim]).
A sliding-window layer keeps only the last window - 1 tokens after a pass
(`DynamicSlidingWindowLayer.update`: the next token makes the window whole).
DeepSeek MLA layers cache the compressed latent, kv_lora_rank + qk_rope_head_dim values, as
inference engines do (`DeepseekV3Attention.forward` updates the cache before `expand_kv`);
the per-head K and V it expands to are reported beside it. An encoder-decoder's decoder
caches its self-attention K/V per decoder token and cross-attention K/V over the encoder
tokens (`EncoderDecoderCache`).
"""

from __future__ import annotations

from dataclasses import dataclass

from paramcalc.precision import DType, nbytes
from paramcalc.schema import Architecture


@dataclass(frozen=True)
class CachedLayer:
    """What one decoder layer caches: values per token, and the tokens it keeps."""

    index: int
    kind: str
    values_per_token: int
    tokens: int


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
    def bytes(self) -> int:
        """The whole cache for the batch: self-attention plus cross-attention."""
        return self.self_attention_bytes + self.cross_attention_bytes

    @property
    def expanded_bytes_per_token(self) -> int:
        """MLA: bytes per token if the per-head K and V were cached instead of the latent."""
        return nbytes(self.expanded_values_per_token, self.dtype)


def values_per_token(arch: Architecture) -> int:
    """Values one layer caches per token: K and V of the KV heads, or MLA's latent."""
    if arch.uses_mla:
        assert arch.kv_lora_rank and arch.qk_rope_head_dim  # schema-checked
        return arch.kv_lora_rank + arch.qk_rope_head_dim
    return 2 * arch.kv_heads * arch.resolved_head_dim


def expanded_mla_values(arch: Architecture) -> int:
    """MLA: the per-head K (qk_nope + qk_rope wide) and V (v_head_dim wide) of one layer."""
    assert arch.qk_nope_head_dim and arch.qk_rope_head_dim and arch.v_head_dim  # schema-checked
    width = arch.qk_nope_head_dim + arch.qk_rope_head_dim + arch.v_head_dim
    return arch.num_attention_heads * width


def decoder_layer_kinds(arch: Architecture) -> tuple[str, ...]:
    """Attention kind of each layer that caches: the decoder stack of an encoder-decoder."""
    if not arch.is_encoder_decoder:
        return arch.resolved_layer_types()
    kind = "sliding_attention" if arch.sliding_window else "full_attention"
    return (kind,) * arch.decoder_layers


def cached_tokens(arch: Architecture, kind: str, seq: int) -> int:
    """Tokens a layer keeps after a pass over `seq` tokens."""
    if kind == "sliding_attention" and arch.sliding_window:
        return min(seq, arch.sliding_window - 1)
    return seq


def kv_cache(arch: Architecture, dtype: DType, batch: int, seq: int,
             encoder_seq: int | None = None) -> KVCache:
    """The KV cache transformers holds after one forward pass over `batch` x `seq` tokens."""
    per_token = values_per_token(arch)
    layers = tuple(CachedLayer(i, kind, per_token, cached_tokens(arch, kind, seq))
                   for i, kind in enumerate(decoder_layer_kinds(arch)))
    cross = len(layers) * 2 * arch.kv_heads * arch.resolved_head_dim
    expanded = len(layers) * expanded_mla_values(arch) if arch.uses_mla else 0
    return KVCache(dtype, batch, seq, encoder_seq or seq, layers,
                   cross if arch.is_encoder_decoder else 0, expanded)
