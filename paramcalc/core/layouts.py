"""Attention that lays a layer's rows out beyond one per token: PEGASUS-X's global-local
blocks and ProphetNet's n-gram streams.

Each says how many rows its layer's projections multiply for a sequence, how many rows of the
layer's output a head reads, and which query/key pairs its score and value products compute
(all of them: FlopCounterMode sees the products before any mask) or keep.
"""

from __future__ import annotations

from paramcalc.core.types import Count, PositiveInt, Spec


def triangle(n: int) -> int:
    """Pairs a causal mask keeps over n tokens."""
    return n * (n + 1) // 2 if n > 0 else 0


class GlobalLocal(Spec):
    """PEGASUS-X's global-local attention (`PegasusXGlobalLocalAttention`): the encoder pads
    its input to whole blocks and runs learned global tokens beside it through every
    projection; a token attends to its block and the global tokens, a global token to all."""

    block_size: PositiveInt
    """Tokens of a local block (block_size)."""
    global_tokens: Count
    """Learned global tokens (num_global_tokens)."""
    stagger: bool = False
    """The layer shifts its blocks by half a block, padding block_size // 2 tokens at each
    end around its attention (stagger_local_blocks, in every other layer)."""

    def padded(self, seq: int) -> int:
        """The sequence padded to whole blocks (`PegasusXEncoder.forward`)."""
        return -(-seq // self.block_size) * self.block_size

    @property
    def stagger_rows(self) -> int:
        """Rows a staggered layer's attention adds around the padded sequence."""
        return 2 * (self.block_size // 2) if self.stagger else 0

    def layer_rows(self, seq: int) -> int:
        """Rows every projection of the layer multiplies: the padded tokens and the globals."""
        return self.padded(seq) + self.global_tokens

    def pairs(self, seq: int) -> int:
        """Local queries against their block and the globals; globals against globals and
        every (padded, staggered) token."""
        tokens, globals_ = self.padded(seq) + self.stagger_rows, self.global_tokens
        return tokens * (self.block_size + globals_) + globals_ * (globals_ + tokens)

    def broadcast_products(self, seq: int, heads: int, value_width: int) -> int:
        """Pair products FlopCounterMode does not see: with a single global token, einsum runs
        the local queries' product with its value as a broadcast multiply, not a matmul."""
        if self.global_tokens != 1:
            return 0
        return (self.padded(seq) + self.stagger_rows) * heads * value_width


def ngram_pairs(seq: int, ngram: int) -> int:
    """ProphetNet's n-gram self-attention: the main stream over itself, each predicting
    stream over the main stream and its own (`ProphetNetNgramSelfAttention`)."""
    return seq * seq + ngram * seq * 2 * seq


def ngram_kept_pairs(seq: int, ngram: int) -> int:
    """The pairs `ngram_attention_bias` keeps: stream s sees main positions up to its own
    less s (the first always) and its own position in its stream."""
    predict = sum(triangle(seq - s) + min(s, seq) + seq for s in range(ngram))
    return triangle(seq) + predict
