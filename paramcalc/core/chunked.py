"""Reformer's chunked attention (`LocalSelfAttention`, `LSHSelfAttention` in transformers 5.23).

ReformerModel pads a sequence longer than its shortest chunk to a multiple of its chunk
lengths' least common multiple, and every layer runs over the padded rows. A layer whose rows
fit in one chunk attends over all of them, as full attention does. Past that, local attention
cuts the rows into chunks of chunk_length queries, each against the keys of its own chunk and
of chunks_before / chunks_after neighbours (`_look_adjacent`, wrapping around the ends); LSH
attention first hashes every row num_hashes times (a random rotation per round, the einsum
`bmtd,mdhr->bmhtr`), sorts each round's rows by bucket and then chunks the sorted rows the same
way, once per round.
"""

from __future__ import annotations

from math import isqrt

from pydantic import model_validator

from paramcalc.core.layouts import triangle
from paramcalc.core.types import Count, PositiveInt, Spec
from paramcalc.errors import FieldValueError


class Hashing(Spec):
    """LSH attention's bucketing of the shared queries/keys (`LSHSelfAttention._hash_vectors`)."""

    num_hashes: PositiveInt = 1
    """Hashing rounds, each with its own random rotation and its own sorted chunks."""
    num_buckets: PositiveInt | tuple[PositiveInt, ...] | None = None
    """Buckets, or the factors of a factorized bucket count, each even; none to derive them
    from the padded sequence as transformers does (`_set_num_buckets`)."""
    max_position_embeddings: PositiveInt = 4096
    """Bounds the derived buckets: past 2 x max(isqrt(max_position_embeddings // chunk),
    chunk) they are factorized in two."""

    @model_validator(mode="after")
    def _check_buckets(self) -> Hashing:
        # _hash_vectors asserts every bucket count (or factor) is even
        given = self.num_buckets
        factors = given if isinstance(given, tuple) else () if given is None else (given,)
        if given == () or any(f % 2 for f in factors):
            raise FieldValueError("num_buckets", f"must be even (or even factors), got {given}")
        return self

    def buckets(self, rows: int, chunk: int) -> tuple[int, ...]:
        """The bucket count (or its factors) hashing `rows` rows sorted into chunks of `chunk`
        uses: num_buckets, else `_set_num_buckets`'s power of two at or below
        2 x rows // chunk, split in two factors past its limit."""
        if isinstance(self.num_buckets, tuple):
            return self.num_buckets
        if self.num_buckets is not None:
            return (self.num_buckets,)
        power = (2 * (rows // chunk)).bit_length() - 1
        limit = 2 * max(isqrt(self.max_position_embeddings // chunk), chunk)
        if 2**power > limit:
            return (2 ** (power // 2), 2 ** (power - power // 2))
        return (2**power,)

    def rotation_products(self, rows: int, chunk: int, head_dim: int) -> int:
        """Multiply-adds of one head's rotations: rows x head_dim x rounds x (the factors' sum
        / 2) (`random_rotations` is head_dim x num_hashes x rotation_size / 2)."""
        rotation = sum(self.buckets(rows, chunk)) // 2
        return rows * head_dim * self.num_hashes * rotation


class ChunkedLayout(Spec):
    """A layer's rows in chunks, each seeing its own and neighbouring chunks (Reformer)."""

    chunk_length: PositiveInt
    """Queries of a chunk (local_attn_chunk_length or lsh_attn_chunk_length)."""
    chunks_before: Count = 1
    """Earlier chunks each chunk also sees (local_num_chunks_before, lsh_num_chunks_before)."""
    chunks_after: Count = 0
    """Later chunks each chunk also sees (local_num_chunks_after, lsh_num_chunks_after)."""
    hashing: Hashing | None = None
    """LSH attention's hashing rounds; none for local attention over the rows in order."""
    pad_multiple: PositiveInt | None = None
    """The model pads a longer sequence to a multiple of this (the least common multiple of
    its layers' chunk lengths). Default: chunk_length."""
    pad_above: PositiveInt | None = None
    """Sequences of at most this many tokens are not padded (the shortest chunk length of the
    model's layers). Default: chunk_length."""

    @model_validator(mode="after")
    def _check_chunks(self) -> ChunkedLayout:
        # padded rows must split into whole chunks, as _split_seq_length_dim_to reshapes them
        if self.multiple % self.chunk_length:
            raise FieldValueError(
                "pad_multiple", f"{self.multiple} is not a multiple of chunk_length"
            )
        if self.above > self.chunk_length:
            raise FieldValueError("pad_above", f"{self.above} exceeds chunk_length")
        return self

    @property
    def multiple(self) -> int:
        """What a longer sequence is padded to a multiple of."""
        return self.pad_multiple or self.chunk_length

    @property
    def above(self) -> int:
        """The longest sequence left unpadded."""
        return self.pad_above or self.chunk_length

    def padded(self, seq: int) -> int:
        """Rows every layer runs over (`ReformerModel._pad_to_mult_of_chunk_length`)."""
        rest = seq % self.multiple
        return seq + self.multiple - rest if rest and seq > self.above else seq

    @property
    def rounds(self) -> int:
        """Sorted passes over the rows: one per hashing round, one for local attention."""
        return self.hashing.num_hashes if self.hashing is not None else 1

    @property
    def span(self) -> int:
        """Chunks of keys each chunk of queries sees."""
        return 1 + self.chunks_before + self.chunks_after

    def pairs(self, seq: int) -> int:
        """Query/key pairs the score and value matmuls compute over the padded rows."""
        rows = self.padded(seq)
        if rows <= self.chunk_length:
            return rows * rows
        return self.rounds * rows * self.chunk_length * self.span

    def kept_pairs(self, seq: int) -> int:
        """Of those, the pairs a causal mask keeps, taking each round's rows in their order (so
        for LSH a convention: its mask compares the sorted rows' positions). A neighbour that
        wraps past the last chunk is an earlier one."""
        rows, length = self.padded(seq), self.chunk_length
        if rows <= length:
            return triangle(rows)
        chunks = rows // length
        own = chunks * triangle(length)
        kept = own  # each chunk's own keys: its queries' triangle
        for offset in (*range(-self.chunks_before, 0), *range(1, self.chunks_after + 1)):
            # chunk c sees chunk (c + offset) mod chunks, an earlier one for `shift` chunks
            shift = offset % chunks
            kept += own if shift == 0 else shift * length * length
        return self.rounds * kept

    def hashing_flops(self, batch: int, seq: int, heads: int, head_dim: int) -> int:
        """FLOPs of LSH's rotations, 0 where the rows fit in one chunk (no hashing)."""
        rows = self.padded(seq)
        if self.hashing is None or rows <= self.chunk_length:
            return 0
        return 2 * batch * heads * self.hashing.rotation_products(rows, self.chunk_length, head_dim)
