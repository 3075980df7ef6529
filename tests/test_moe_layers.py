"""Which flat-form blocks are MoE, found in one pass, and a deep model counted exactly."""

from __future__ import annotations

import random

import paramcalc
from paramcalc.calculator import Group


def test_moe_layers_follow_the_rule_per_layer() -> None:
    """moe_layers is DeepSeek's rule (first k dense, then every freq-th) less mlp_only_layers."""
    rng = random.Random(7)
    for _ in range(50):
        layers, k, freq = rng.randint(1, 40), rng.randint(0, 5), rng.randint(1, 4)
        only = sorted(rng.sample(range(layers), rng.randint(0, layers // 2)))
        arch = paramcalc.load(
            {
                "vocab_size": 10,
                "hidden_size": 8,
                "num_hidden_layers": layers,
                "num_attention_heads": 2,
                "intermediate_size": 16,
                "num_experts": 4,
                "num_experts_per_tok": 2,
                "first_k_dense_replace": k,
                "moe_layer_freq": freq,
                "mlp_only_layers": only,
            }
        )
        expected = {i for i in range(layers) if i >= k and i % freq == 0 and i not in only}
        assert arch.moe_layers(layers) == expected
        assert [arch.is_moe_layer(i) for i in range(layers)] == [
            i in expected for i in range(layers)
        ]


def test_ten_thousand_layers_half_dense_count_exactly() -> None:
    """A 10,000-layer MoE with every other layer dense: the closed-form count."""
    layers, v, h, i, e, m = 10_000, 1000, 64, 128, 4, 32
    b = paramcalc.count(
        {
            "vocab_size": v,
            "hidden_size": h,
            "num_hidden_layers": layers,
            "num_attention_heads": 4,
            "intermediate_size": i,
            "num_experts": e,
            "num_experts_per_tok": 2,
            "moe_intermediate_size": m,
            "mlp_only_layers": list(range(0, layers, 2)),
        }
    )
    dense, moe = layers // 2, layers // 2
    assert b.groups[Group.ATTENTION] == layers * 4 * h * h
    # dense: gate, up, down (3*h*i); MoE: router (h*e) and e gated experts (3*h*m each)
    assert b.groups[Group.FEEDFORWARD] == dense * 3 * h * i + moe * (h * e + e * 3 * h * m)
    assert b.groups[Group.NORM] == layers * 2 * h + h
    assert (
        b.total
        == 2 * v * h
        + b.groups[Group.ATTENTION]
        + b.groups[Group.FEEDFORWARD]
        + (b.groups[Group.NORM])
    )
