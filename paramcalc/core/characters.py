"""Character-level parts (CANINE): hashed code-point embeddings and the convolutions between
stacks that re-sample the sequence.

CANINE embeds each Unicode code point through several hash functions, each indexing a table of
its own, and runs its deep stack over a shorter sequence of "molecules": a strided convolution
turns every `rate` characters into one, and after the deep stack a padded convolution over the
characters' encoding joined with the repeated molecules brings the sequence back to one row
per character (`CharactersToMolecules`, `ConvProjection` in `modeling_canine.py`).
"""

from __future__ import annotations

from paramcalc.core.context import Context
from paramcalc.core.records import Conv, Embedding, Group, Record
from paramcalc.core.types import PositiveInt, Spec
from paramcalc.errors import FieldValueError


class HashEmbeddings(Spec):
    """Hashed code-point embeddings in place of a token table (CanineEmbeddings): each of
    num_hashes hash functions maps an id to one of num_buckets rows of its own table, and the
    tables' rows, hidden_size / num_hashes wide each, are concatenated."""

    num_hashes: PositiveInt
    """Hash functions, one table each (num_hash_functions)."""
    num_buckets: PositiveInt
    """Rows of each table (num_hash_buckets)."""

    def check(self, hidden: int) -> None:
        """The concatenated shards must make up the hidden width."""
        if hidden % self.num_hashes:
            raise FieldValueError(
                "hash_embeddings.num_hashes",
                f"{self.num_hashes} does not divide hidden_size={hidden}",
            )

    def records(self, role: str, ctx: Context) -> list[Record]:
        """One table per hash function, `{role}_{i}`, of num_buckets x its shard's width."""
        width = ctx.hidden // self.num_hashes
        return [
            Embedding(f"{role}_{i}", self.num_buckets, width, Group.EMBEDDING, ctx.tower)
            for i in range(self.num_hashes)
        ]


class InputConv(Spec):
    """A biased 1-D convolution, an activation and a norm that make a stack's input from the
    stacks before it, always over one row per character: strided (stride = kernel) it yields a
    row per stride characters (CANINE's chars_to_molecules), with stride 1 it is padded to keep
    a row per character (CANINE's projection, over the characters' encoding joined with the
    repeated molecules). Its convolution is feedforward: neither a block's mixer nor a norm."""

    input_width: PositiveInt
    """Channels the convolution reads (hidden_size, or 2 x hidden_size for the joined
    encodings)."""
    kernel: PositiveInt
    """Characters each output reads (downsampling_rate, upsampling_kernel_size)."""
    stride: PositiveInt = 1
    """Characters between outputs: the kernel for a down-sampling convolution, else 1; the
    stack then runs over seq // stride rows."""

    def check(self, where: str) -> None:
        """A strided convolution must tile the characters: stride 1 or the kernel."""
        if self.stride not in (1, self.kernel):
            raise FieldValueError(
                f"{where}stride", f"{self.stride} must be 1 or the kernel ({self.kernel})"
            )

    def records(self, role: str, ctx: Context) -> list[Record]:
        """`{role}.conv` (out, in, kernel) with its bias, then `{role}.norm`."""
        conv = Conv(
            f"{role}.conv",
            self.input_width,
            ctx.hidden,
            (self.kernel,),
            1,
            True,
            Group.FEEDFORWARD,
            ctx.tower,
            ctx.stream,
            downsampling=self.stride,
        )
        return [conv, *ctx.norm(f"{role}.norm", ctx.hidden)]
