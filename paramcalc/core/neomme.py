"""What NeoMME (H Company's document encoder) holds beside a plain encoder.

NeoMMEModel embeds image patches with a small MLP stem beside its token embedding, keeps a
value-embedding table whose rows its first and last global layers add to their values, and
mixes each layer's input with the first layer's input by two learned scalars (`lambdas`).
The stem runs only on pixel values: in a text forward pass it is charged no FLOPs.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context, NormType
from paramcalc.core.records import Embedding, Group, Linear, Param, Record, Stream
from paramcalc.core.types import PositiveInt, Spec


class PatchStem(Spec):
    """NeoMMEPatchEmbeddings: a LayerNorm over a flattened patch, an unbiased up projection to
    twice hidden_size and a biased one down to hidden_size (embedding, in the text tower)."""

    kind: Literal["patch_stem"] = "patch_stem"
    patch_dim: PositiveInt
    """Values of one flattened patch (3 x patch_size ** 2)."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """norm, up_proj and down_proj."""
        e, t, hidden, patch = Group.EMBEDDING, ctx.tower, ctx.hidden, self.patch_dim
        return [
            *ctx.norm("patch_stem.norm", patch, NormType.LAYERNORM),
            Linear("patch_stem.up_proj", patch, 2 * hidden, False, e, t, Stream.IMAGE),
            Linear("patch_stem.down_proj", 2 * hidden, hidden, True, e, t, Stream.IMAGE),
        ]


class ValueEmbeddings(Spec):
    """A per-token table of key/value width whose rows some layers add to their values
    (NeoMME's value_embeddings): embedding, a lookup."""

    kind: Literal["value_embeddings"] = "value_embeddings"
    rows: PositiveInt
    """Rows of the table (vocab_size)."""
    width: PositiveInt
    """Columns of the table (num_key_value_heads x head_dim)."""

    def records(self, ctx: Context, layers: int) -> list[Record]:
        """The table."""
        return [Embedding("value_embeddings", self.rows, self.width, Group.EMBEDDING, ctx.tower)]


class InputMix(Spec):
    """Two learned scalars a layer mixes its input and the first layer's input by before its
    norm (NeoMME's `lambdas`): feedforward, as GROUPS.md puts a block's residual gates."""

    kind: Literal["input_mix"] = "input_mix"

    def records(self, ctx: Context) -> list[Record]:
        """lambdas, of shape (2,)."""
        return [Param("lambdas", (2,), Group.FEEDFORWARD, ctx.tower)]
