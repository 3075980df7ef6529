"""DeBERTa's disentangled attention: content-to-position and position-to-content scores.

Beside the content scores, each layer projects the stack's relative position table (2 x span
rows, `encoder.rel_embeddings`) to keys (c2p) and queries (p2c) and scores every query
against the position keys, every key against the position queries (He et al. 2021, "DeBERTa",
eq. 2; `DisentangledSelfAttention.disentangled_att_bias` in modeling_deberta.py and
`disentangled_attention_bias` in modeling_deberta_v2.py). The position projections read the
table, not the tokens: they run once per forward pass on 2 x span rows, whatever the batch,
so their records carry no token stream and this component charges their FLOPs itself.
"""

from __future__ import annotations

from typing import Literal

from paramcalc.core.context import Context
from paramcalc.core.records import Group, Linear, Record, Stream
from paramcalc.core.types import PositiveInt, Spec


class RelativeScores(Spec):
    """The relative-position scores a DeBERTa attention adds to its content scores."""

    c2p: bool = False
    """Content-to-position scores (`c2p` in pos_att_type): queries against position keys."""
    p2c: bool = False
    """Position-to-content scores (`p2c` in pos_att_type): keys against position queries."""
    projections: Literal["own", "shared"] = "own"
    """Position keys and queries from projections of their own (pos_proj / pos_key_proj,
    pos_q_proj / pos_query_proj), or from the content key and query projections
    (DeBERTa-v2's share_att_key, which then projects both whatever the score types)."""
    key_bias: bool = True
    """The own position-key projection has a bias (DeBERTa-v2's pos_key_proj; v1's pos_proj
    has none). The position-query projection always has one."""
    span: PositiveInt
    """Relative distances each side the table covers: half its rows (max_relative_positions,
    or DeBERTa-v2's position_buckets)."""
    span_capped: bool = False
    """The scores read only min(sequence length, span) distances each side (DeBERTa v1's
    compute_attention_span); DeBERTa-v2 reads the whole table."""

    def records(self, ctx: Context, width: int) -> list[Record]:
        """The own position-key and position-query projections, hidden -> heads x head_dim;
        no token row passes through them (their FLOPs are charged by `flops`)."""
        if self.projections == "shared":
            return []
        a, hidden, none = Group.ATTENTION, ctx.hidden, Stream.NONE
        records: list[Record] = []
        if self.c2p:
            key = Linear("pos_key_proj", hidden, width, self.key_bias, a, ctx.tower, none)
            records.append(key)
        if self.p2c:
            records.append(Linear("pos_query_proj", hidden, width, True, a, ctx.tower, none))
        return records

    def rows(self, seq: int) -> int:
        """Rows of the position table a pass projects: 2 x the span the scores read."""
        return 2 * (min(seq, self.span) if self.span_capped else self.span)

    def flops(self, batch: int, seq: int, hidden: int, heads: int, head_dim: int) -> int:
        """FLOPs of one layer's relative scores in a pass over batch x seq tokens: the table's
        projections (once per pass), then each score type's product of every token's query
        (c2p) or key (p2c) with every projected position, per head."""
        rows, width = self.rows(seq), heads * head_dim
        kinds = int(self.c2p) + int(self.p2c)
        projected = 2 if self.projections == "shared" else kinds
        return 2 * rows * hidden * width * projected + 2 * batch * seq * rows * width * kinds
