"""Reformer's chunked attention against real PyTorch models built by transformers on the CPU.

One forward pass of ReformerModel (and ReformerForMaskedLM) must cost what FlopCounterMode
counts at every sequence length: below one chunk and exactly one (every pair, no hashing),
several chunks, and lengths the model pads to the chunk lengths' least common multiple; local
and LSH layers alone and mixed, one hashing round and several, given, factorized and derived
bucket counts. The architecture is read before the pass: with num_buckets null, the first pass
writes the buckets it derived into the config.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.flops import forward_flops  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH = 2
SIZES = dict(
    vocab_size=64,
    hidden_size=32,
    num_attention_heads=2,
    attention_head_size=8,
    feed_forward_size=48,
    axial_pos_shape=[8, 16],
    axial_pos_embds_dim=[8, 24],
    max_position_embeddings=128,
)
#: Each config with the sequence lengths it is run at.
CASES: dict[str, tuple[dict[str, Any], tuple[int, ...]]] = {
    # equal chunks: below one, exactly one, three, and 37 padded to 40
    "mixed-one-round": (
        dict(
            attn_layers=["lsh", "local", "lsh"], lsh_attn_chunk_length=8, local_attn_chunk_length=8
        ),
        (5, 8, 24, 37),
    ),
    # least common multiple 12, shortest chunk 4: 6 and 30 pad to 12 and 36
    "mixed-factorized-buckets": (
        dict(
            attn_layers=["local", "lsh"],
            lsh_attn_chunk_length=4,
            local_attn_chunk_length=6,
            num_hashes=3,
            num_buckets=[2, 4],
        ),
        (4, 6, 30),
    ),
    # 6 pads to 16: the local layer fits one chunk, the LSH layer hashes four
    "local-in-one-chunk": (
        dict(
            attn_layers=["local", "lsh"],
            lsh_attn_chunk_length=4,
            local_attn_chunk_length=16,
            num_hashes=2,
            num_buckets=6,
        ),
        (6, 20),
    ),
    "local-neighbours": (
        dict(
            attn_layers=["local"],
            local_attn_chunk_length=4,
            local_num_chunks_before=2,
            local_num_chunks_after=1,
        ),
        (4, 13),
    ),
    "lsh-decoder": (
        dict(
            attn_layers=["lsh", "lsh"],
            lsh_attn_chunk_length=4,
            lsh_num_chunks_before=0,
            lsh_num_chunks_after=2,
            num_hashes=2,
            is_decoder=True,
        ),
        (3, 10),
    ),
}


def measured(auto: str, fields: dict[str, Any], seq: int, head: str | None = None) -> tuple:
    """FlopCounterMode's forward total for a fresh model, and paramcalc's for its config."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model("reformer", **SIZES, **fields)
    model = getattr(transformers, auto).from_config(config).eval()
    arch = hf.from_config(model.config.to_dict(), "config.json", head=head)  # before the pass
    ids = torch.randint(3, 60, (BATCH, seq))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    return forward_flops(count(arch), BATCH, seq), counter.get_total_flops(), model.config


@pytest.mark.parametrize(
    ("case", "seq"), [(case, seq) for case, (_, seqs) in sorted(CASES.items()) for seq in seqs]
)
def test_reformer_flops_equal_flop_counter(case: str, seq: int) -> None:
    """ReformerModel's forward pass costs what FlopCounterMode counts; the causal figure
    never exceeds it."""
    ours, theirs, _ = measured("AutoModel", CASES[case][0], seq)
    assert ours.forward == theirs
    assert ours.forward_causal <= ours.forward


def test_derived_buckets_factorized_past_their_limit() -> None:
    """With num_buckets null, 100 tokens in chunks of 4 derive 32 buckets, past the limit
    2 x max(isqrt(128 // 4), 4) = 10, so transformers hashes into 4 x 8 factors."""
    fields = dict(attn_layers=["lsh"], lsh_attn_chunk_length=4, num_hashes=2)
    ours, theirs, config = measured("AutoModel", fields, 100)
    assert config.num_buckets == [4, 8]
    assert ours.forward == theirs


def test_masked_lm_head_reads_the_unpadded_tokens() -> None:
    """ReformerForMaskedLM: the layers run over 40 padded rows, the head over the 37 tokens."""
    fields = dict(attn_layers=["lsh", "local"], lsh_attn_chunk_length=8, local_attn_chunk_length=8)
    ours, theirs, _ = measured("AutoModelForMaskedLM", fields, 37, head="mlm")
    assert ours.forward == theirs
