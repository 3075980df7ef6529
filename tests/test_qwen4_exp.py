"""Qwen4-Exp's language model (`qwen4_exp_text`): what its fixtures cannot show by themselves.

The fixtures (data/hf) prove its tensors against transformers; these tests pin the n-gram
table's size against transformers' own prime search, the gated hyper-connection's tensors,
the branches the fixtures must keep covering, and the keys paramcalc refuses.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from paramcalc.cli import main
from paramcalc.core.context import Context
from paramcalc.core.hyper import GatedResidual
from paramcalc.core.ngram import is_prime, ngram_table_rows

DATA = Path(__file__).parent / "data" / "hf"
#: A valid small config: the indexer set, PLE on the first linear layer.
SMALL: dict[str, Any] = {
    "model_type": "qwen4_exp_text",
    "vocab_size": 256,
    "hidden_size": 64,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "linear_num_key_heads": 2,
    "linear_num_value_heads": 4,
    "linear_key_head_dim": 8,
    "linear_value_head_dim": 8,
    "num_experts": 4,
    "num_experts_per_tok": 2,
    "hc_lowrank": 12,
    "indexer_n_heads": 2,
    "indexer_kv_heads": 1,
    "indexer_head_dim": 16,
    "indexer_budget": 8,
    "indexer_compress_ratio": 4,
    "ple_layer_ids": [1],
    "eos_token_id": 1,
    "ngram_vocab_size_base": 500,
}


def fixtures() -> list[dict[str, Any]]:
    """Every qwen4_exp_text fixture."""
    return [
        f
        for path in sorted(DATA.glob("*.json"))
        if (f := json.loads(path.read_text()))["model_type"] == "qwen4_exp_text"
    ]


def run_bad_config(tmp_path: Path, config: dict[str, Any]) -> str:
    """Run `count` on a config.json paramcalc refuses; return its one error line (exit 2)."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(main, ["count", str(path)], catch_exceptions=False)
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error:"), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "rows"),
    [
        # transformers 5.23: Qwen4ExpTextNGramEmbedding(...).ngram_embedding.num_embeddings
        ((20_000_000, 16, 0, 128), 320_001_536),
        ((20_000_000, 16, 3, 128), 320_012_800),
        ((500, 16, 1, 128), 10_624),
        # by hand: the primes 2, 3, 5 from a base of 1, unpadded
        ((1, 3, 0, 1), 10),
        ((2, 4, 0, 1), 2 + 3 + 5 + 7),
    ],
)
def test_the_ngram_table_sums_the_layers_primes(args: tuple[int, ...], rows: int) -> None:
    """Each PLE layer's heads take the next primes from ngram_vocab_size_base on, after the
    earlier PLE layers' heads; the sum is padded to make_ngram_vocab_size_divisible_by."""
    assert ngram_table_rows(*args) == rows


def test_the_ngram_table_matches_transformers_prime_search() -> None:
    """The same rows as transformers' own _find_nth_prime_after, on small bases."""
    modeling = pytest.importorskip("transformers.models.qwen4_exp.modeling_qwen4_exp")
    for base, heads, index, divisor in [(50, 4, 0, 1), (50, 4, 2, 64), (997, 6, 1, 128)]:
        primes = [
            modeling._find_nth_prime_after(base - 1, index * heads + h + 1) for h in range(heads)
        ]
        assert ngram_table_rows(base, heads, index, divisor) == (
            math.ceil(sum(primes) / divisor) * divisor
        )


def test_primes_are_told_exactly() -> None:
    """The primality test agrees with trial division (and knows the Carmichael numbers)."""
    trial = [n for n in range(2, 3000) if all(n % d for d in range(2, math.isqrt(n) + 1))]
    assert [n for n in range(3000) if is_prime(n)] == trial
    assert not any(is_prime(n) for n in (561, 1105, 1729, 2465, 3215031751))


def test_a_gated_hyper_connection_mixes_the_streams_through_a_low_rank() -> None:
    """Qwen4ExpTextGatedResidual: hc_norm over N x hidden, input_mix_weight_down to the rank
    and back up, block_inject_weight to N, which the model's mixer lacks."""
    hyper = GatedResidual(streams=4, rank=12)
    block = {t.name: t.shape for r in hyper.records("hc", Context(16)) for t in r.tensors()}
    assert block == {
        "hc.hc_norm.weight": (64,),
        "hc.input_mix_weight_down.weight": (12, 64),
        "hc.input_mix_weight_up.weight": (64, 12),
        "hc.block_inject_weight.weight": (4, 64),
    }
    mixer = hyper.records("hc", Context(16), inject=False)
    assert sum(r.size for r in mixer) == 64 + 2 * 12 * 64


def test_fixtures_exercise_the_family_branches() -> None:
    """Several PLE layers (their tables differ), the legacy full_attention name, a tied head,
    and an unpadded table each keep a fixture."""
    configs = [f["config"] for f in fixtures()]
    assert any(len(set(c.get("ple_layer_ids") or [])) >= 2 for c in configs)
    assert any("full_attention" in (c.get("layer_types") or []) for c in configs)
    assert {c.get("tie_word_embeddings", False) for c in configs} == {True, False}
    assert any(c.get("make_ngram_vocab_size_divisible_by") == 1 for c in configs)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"indexer_n_heads": None}, "indexer_n_heads"),
        ({"indexer_budget": None}, "indexer_budget"),
        ({"indexer_kv_heads": 2}, "indexer_kv_heads"),
        ({"indexer_budget": 6}, "indexer_budget"),
        ({"indexer_head_dim": 8}, "indexer_head_dim"),
        ({"hc_count": 1}, "hc_count"),
        ({"output_gate_type": "gelu"}, "output_gate_type"),
        ({"ple_layer_ids": [4]}, "ple_layer_ids"),
        ({"ple_layer_ids": [5]}, "ple_layer_ids"),
        ({"eos_token_id": None}, "eos_token_id"),
        ({"ple_embed_dim": 24}, "ple_embed_dim"),
        ({"layer_types": ["linear_attention"] * 3}, "layer_types"),
    ],
)
def test_configs_transformers_cannot_build_are_refused(
    tmp_path: Path, change: dict[str, Any], key: str
) -> None:
    """Null indexer fields (every attention layer builds the indexer), more than one indexer
    key head, a budget not a multiple of the block, rotary dimensions the index head cannot
    hold, one stream, an unknown gate, PLE on an attention layer or past the stack, PLE
    without eos_token_id, heads that do not divide ple_embed_dim, a short layer_types."""
    assert f"config.json: {key}:" in run_bad_config(tmp_path, {**SMALL, **change})


def test_the_small_config_counts(tmp_path: Path) -> None:
    """SMALL itself is valid, so each refusal above is its one change."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(SMALL))
    result = CliRunner().invoke(main, ["count", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def test_the_indexer_scores_the_complete_blocks_each_query_sees() -> None:
    """Query i of a causal pass scores floor((i + 1) / block) blocks with each head; the
    closed form equals that sum, and an indexer without a block size is not charged."""
    from paramcalc.core.attention import KeyIndexer

    for block in (1, 3, 4, 64):
        indexer = KeyIndexer(num_heads=2, head_dim=16, block_size=block)
        for queries in (1, 7, 13, 200):
            blocks = sum((i + 1) // block for i in range(queries))
            assert indexer.score_products(queries) == 2 * 16 * blocks
    assert KeyIndexer(num_heads=2, head_dim=16).score_products(100) == 0
