"""Gemma 3n and Gemma 4 language models: KV-shared layers, AltUp, LAuReL, per-layer inputs.

The fixtures (data/hf) prove the family's tensors against transformers; these tests pin what
the parts promise in closed form and the errors that name the config key paramcalc (and
transformers) cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.core.attention import Attention
from paramcalc.core.augment import AltUp, AltUpProjections, Laurel, PerLayerEmbeddings
from paramcalc.core.context import Context
from paramcalc.errors import ParamcalcError
from paramcalc.sources import load


def test_kv_shared_attention_keeps_only_queries_and_output() -> None:
    """A layer that reuses K/V has q_proj, q_norm and o_proj only, and caches nothing."""
    shared = Attention(
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        qk_norm="per_head",
        kv_shared=True,
    )
    names = [r.name for r in shared.records(Context(64))]
    assert names == ["q_proj", "o_proj", "q_norm"]
    assert shared.cache_values(64) == 0


def test_layer_and_model_parts_in_closed_form() -> None:
    """AltUp: a scale, n x n and n x n^2 coefficients, a router and its norm; LAuReL: two
    rank-r projections and a norm; the model: a (layers x width) table, its projection and
    norm, and 2 x (n - 1) hidden x hidden stream projections."""
    hidden, n, rank, vocab, width, layers = 64, 3, 8, 100, 16, 5
    ctx = Context(hidden)
    assert sum(r.size for r in AltUp(num_inputs=n).records(ctx)) == (
        hidden + n * n + n * n * n + hidden * n + hidden
    )
    assert sum(r.size for r in Laurel(rank=rank).records(ctx)) == 2 * hidden * rank + hidden
    table = PerLayerEmbeddings(vocab_size=vocab, width=width).records(ctx, layers)
    assert sum(r.size for r in table) == (vocab * layers * width + hidden * layers * width + width)
    streams = AltUpProjections(num_inputs=n).records(ctx, layers)
    assert sum(r.size for r in streams) == 2 * (n - 1) * hidden * hidden


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        # 4 layers, 3 shared: the one before them is sliding, no full layer produces K/V
        (
            {
                "num_hidden_layers": 4,
                "num_kv_shared_layers": 3,
                "layer_types": ["sliding_attention", "full_attention"] * 2,
            },
            "num_kv_shared_layers",
        ),
        ({"num_hidden_layers": 4, "num_kv_shared_layers": 4}, "num_kv_shared_layers"),
        ({"num_hidden_layers": 3, "intermediate_size": [64, 64]}, "intermediate_size"),
        ({"num_hidden_layers": 3, "activation_sparsity_pattern": [0.0]}, "activation"),
        ({"num_key_value_heads": None}, "num_key_value_heads"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """What transformers refuses is an error naming the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "gemma3n_text", "num_kv_shared_layers": 0, **fields}))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))


def test_gemma4_values_from_keys_drop_v_proj_only() -> None:
    """attention_k_eq_v: no v_proj, but K and V are both cached."""
    plain = Attention(num_attention_heads=4, num_key_value_heads=1, head_dim=32)
    shared = plain.model_copy(update={"values_from_keys": True})
    names = {r.name for r in plain.records(Context(64))} - {
        r.name for r in shared.records(Context(64))
    }
    assert names == {"v_proj"} and shared.cache_values(64) == plain.cache_values(64) == 64


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"per_layer_config": {"1": {"intermediate_size": 64}}}, "per_layer_config"),
        ({"per_layer_config": {"9": {"head_dim": 64}}}, "per_layer_config"),
        ({"enable_moe_block": True}, "num_experts"),
        ({"num_key_value_heads": 3}, "num_key_value_heads"),
    ],
)
def test_gemma4_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """An override paramcalc does not read, experts without a count, or key/value heads that do
    not divide the query heads are errors naming the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "gemma4_text", "num_hidden_layers": 2, **fields}))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))


def test_gemma4_experts_beside_the_mlp_count_k_of_e_as_active() -> None:
    """GROUPS.md: active = total - (E - k) x one expert; the router and norms stay active."""
    from paramcalc.core.augment import ParallelMoE
    from paramcalc.core.records import idle_size

    hidden, e, k, width = 64, 6, 2, 32
    moe = ParallelMoE(num_experts=e, num_experts_per_tok=k, moe_intermediate_size=width)
    records = moe.records(Context(hidden))
    assert idle_size(records) == (e - k) * 3 * hidden * width
    # router proj, scale and per-expert scale; three norms of the hidden width
    assert sum(r.size for r in records) == (
        e * 3 * hidden * width + hidden * e + hidden + e + 3 * hidden
    )
