"""Qwen4-Exp's per-layer n-gram embeddings (PLE): hashed n-gram tables injected into every
hyper-connection stream of the layers that have them.

Each such layer (`Qwen4ExpTextPLELayer`) looks its tokens' 2- to n-grams up in one table whose
rows are the sum of one prime per hash head, padded to a multiple; it projects them to a key
per stream and one value, gates the value by the normed streams and adds a dilated depthwise
convolution of it. GROUPS.md: the table is embedding (a per-layer input embedding), the
projections and the convolution feedforward, the norms norm.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Conv, Embedding, Group, Linear, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError

F = Group.FEEDFORWARD
#: Bases that make Miller-Rabin exact below 3.3e24 (Sorenson and Webster, 2015).
_WITNESSES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


def is_prime(n: int) -> bool:
    """Whether `n` is prime (deterministic Miller-Rabin; sizes are far below its bound)."""
    if n < 2:
        return False
    for p in _WITNESSES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in _WITNESSES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def ngram_table_rows(base: int, heads: int, layer_index: int, divisor: int) -> int:
    """Rows of one PLE layer's n-gram table, as Qwen4ExpTextNGramEmbedding sizes it: head h of
    the layer at position `layer_index` among the PLE layers takes the (layer_index x heads +
    h + 1)-th prime from `base` on; their sum is padded up to a multiple of `divisor`."""
    prime, total = base - 1, 0
    for index in range(layer_index * heads + heads):
        prime += 1
        while not is_prime(prime):
            prime += 1
        if index >= layer_index * heads:
            total += prime
    return -(-total // divisor) * divisor


class NGramEmbedding(Spec):
    """One layer's PLE module (`ple`): the n-gram table, key_proj (a key per stream), value_proj,
    the three stream norms and the dilated depthwise conv1d over the streams."""

    #: State parts in the activations' dtype, and those that are token ids (int64).
    ACTIVATION_PARTS: ClassVar[frozenset[str]] = frozenset({"ple_conv"})
    ID_PARTS: ClassVar[frozenset[str]] = frozenset({"ngram_context"})

    kind: Literal["ngram_embedding"] = "ngram_embedding"
    table_rows: PositiveInt
    """Rows of the layer's n-gram table (`ngram_table_rows`)."""
    embed_dim: PositiveInt
    """Width of the n-gram embeddings of all heads concatenated (ple_embed_dim)."""
    ngram_heads: PositiveInt
    """Hash heads: (ngram_size - 1) x heads_per_ngram; each looks up embed_dim / heads."""
    streams: PositiveInt
    """Residual streams of the hyper-connections (hc_count)."""
    conv_kernel: PositiveInt
    """Taps of the dilated convolution (ple_conv_kernel_size)."""
    dilation: PositiveInt
    """Spacing of its taps (ngram_size)."""

    @model_validator(mode="after")
    def _check_heads(self) -> NGramEmbedding:
        if self.embed_dim % self.ngram_heads:
            raise FieldValueError(
                "embed_dim", f"{self.embed_dim} must divide into {self.ngram_heads} heads"
            )
        return self

    def records(self, ctx: Context) -> list[Record]:
        """The table, key_proj and value_proj, norm_key, norm_query, norm_conv and conv1d."""
        t, hidden, dim = ctx.tower, ctx.hidden, self.embed_dim
        width = self.streams * hidden
        table = "ple.ple_embedding.ngram_embedding"
        return [
            Embedding(table, self.table_rows, dim // self.ngram_heads, Group.EMBEDDING, t),
            Linear("ple.key_proj", dim, width, False, F, t),
            Linear("ple.value_proj", dim, hidden, False, F, t),
            *ctx.norm("ple.norm_key", width, NormType.RMSNORM),
            *ctx.norm("ple.norm_query", width, NormType.RMSNORM),
            *ctx.norm("ple.norm_conv", width, NormType.RMSNORM),
            Conv("ple.conv1d", width, width, (self.conv_kernel,), width, False, F, t),
        ]

    def state_values(self, hidden: int) -> dict[str, int]:
        """Values the layer's cache keeps per sequence beside its mixer's: the convolution's
        last (kernel - 1) x dilation steps over the streams (Qwen4ExpTextPLELayer's conv
        state) and the last ngram_size - 1 token ids (the n-gram context)."""
        steps = (self.conv_kernel - 1) * self.dilation
        return {"ple_conv": self.streams * hidden * steps, "ngram_context": self.dilation - 1}
