"""Recurrences and convolutions beside or instead of attention (RG-LRU, RWKV, mLSTM, lightning,
ZAYA1's CCA): what the components promise, and refusals.

The fixtures (data/hf) prove each family's tensors against transformers; these tests pin the
closed-form parameter and state counts of one layer, worked out from the papers' layouts, and
the errors that name the config key paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.core.context import Context
from paramcalc.core.rnn import MLSTM, RGLRU, LightningAttention, RWKVChannelMix, RWKVTimeMix
from paramcalc.errors import FieldValueError, ParamcalcError
from paramcalc.sources import load


def test_rg_lru_block_parameters_and_state() -> None:
    """Griffin's recurrent block: three biased projections, a depthwise conv, the LRU's
    parameter and two block-diagonal gates of heads x (width / heads)^2 each."""
    hidden, width, heads, kernel = 64, 48, 4, 3
    mixer = RGLRU(lru_width=width, num_heads=heads, conv_kernel=kernel)
    block = width // heads
    expected = (
        2 * (hidden * width + width)  # linear_y, linear_x
        + width * hidden
        + hidden  # linear_out
        + width * kernel
        + width  # conv_1d (depthwise, biased)
        + width  # recurrent_param
        + 2 * (heads * block * block + heads * block)  # input and recurrent gates
    )
    assert sum(r.size for r in mixer.records(Context(hidden))) == expected
    assert mixer.state_values(hidden) == {"conv": width * (kernel - 1), "recurrent": width}


def test_rwkv_time_and_channel_mixing_parameters_and_state() -> None:
    """RWKV-4: time mixing holds 3 mixes of the width, decay and bonus of the attention width
    and four projections; channel mixing 2 mixes and key/receptance/value."""
    hidden, att, inner = 64, 32, 96
    time_mix = RWKVTimeMix(attention_hidden_size=att)
    channel = RWKVChannelMix(intermediate_size=inner)
    assert sum(r.size for r in time_mix.records(Context(hidden))) == (
        3 * hidden + 2 * att + 3 * hidden * att + att * hidden
    )
    assert sum(r.size for r in channel.records(Context(hidden))) == (
        2 * hidden + hidden * inner + hidden * hidden + inner * hidden
    )
    assert time_mix.state_values(hidden) == {"shift": hidden, "wkv": 3 * att}
    assert channel.state_values(hidden) == {"shift": hidden}


def test_mlstm_layer_parameters_and_state() -> None:
    """xLSTM's layer: q and k of qk_dim, v and the output gate of v_dim, two scalar gates per
    head (always biased), a norm of v_dim and out_proj; per head a qk x v matrix memory."""
    hidden, heads, qk, v = 64, 4, 32, 64
    mixer = MLSTM(num_heads=heads, qk_dim=qk, v_dim=v)
    assert sum(r.size for r in mixer.records(Context(hidden))) == (
        2 * hidden * qk + 2 * hidden * v + 2 * (hidden * heads + heads) + v + v * hidden
    )
    assert mixer.state_values(hidden) == {
        "matrix": heads * (qk // heads) * (v // heads),
        "normalizer": qk,
        "max": heads,
    }


def test_lightning_attention_parameters_and_state() -> None:
    """MiniMax's lightning attention: fused q/k/v, out_proj, an output gate and one norm over
    all heads; per head a head_dim x head_dim state."""
    hidden, heads, head_dim = 64, 4, 16
    mixer = LightningAttention(num_heads=heads, head_dim=head_dim)
    width = heads * head_dim
    assert sum(r.size for r in mixer.records(Context(hidden))) == (
        hidden * 3 * width + width * hidden + hidden * width + width
    )
    assert mixer.state_values(hidden) == {"kv": heads * head_dim * head_dim}


def test_cca_attention_parameters_and_state() -> None:
    """ZAYA1's CCA: q and k projections, two half-width value projections, a depthwise and a
    per-head grouped convolution over all q/k channels (biased), a key scale per key/value
    head and o_proj; it caches K and V and keeps the convolutions' inputs and a value half."""
    from paramcalc.core.cca import CompressedConvAttention

    hidden, heads, kv, hd, k0, k1 = 64, 4, 2, 16, 2, 3
    mixer = CompressedConvAttention(
        num_attention_heads=heads,
        num_key_value_heads=kv,
        head_dim=hd,
        depthwise_kernel=k0,
        grouped_kernel=k1,
    )
    channels = (heads + kv) * hd
    assert sum(r.size for r in mixer.records(Context(hidden))) == (
        hidden * heads * hd
        + hidden * kv * hd
        + 2 * hidden * kv * hd // 2
        + channels * k0
        + channels
        + channels * (channels // (heads + kv)) * k1
        + channels
        + kv
        + heads * hd * hidden
    )
    assert mixer.cache_values(hidden) == 2 * kv * hd
    assert mixer.state_values(hidden) == {
        "conv": channels * (k0 - 1 + k1 - 1),
        "recurrent": kv * hd // 2,
    }


def test_router_mlp_moe_counts_k_experts_active() -> None:
    """ZAYA1's MoE: a router MLP to E + 1 classes (the last skips), E stacked experts of
    which one per token is active."""
    from paramcalc.core.records import idle_size
    from paramcalc.core.zaya import RouterMLPMoE

    hidden, e, width, r = 64, 4, 32, 16
    moe = RouterMLPMoE(
        num_experts=e, num_experts_per_tok=1, moe_intermediate_size=width, router_hidden_size=r
    )
    records = moe.records(Context(hidden))
    router = hidden * r + r + r + r + 2 * (r * r + r) + r * (e + 1)
    assert sum(r.size for r in records) == router + e * 3 * hidden * width
    assert idle_size(records) == (e - 1) * 3 * hidden * width


def test_rg_lru_width_must_split_into_the_heads() -> None:
    """The gates are num_heads equal blocks: a width that does not split is refused."""
    with pytest.raises(FieldValueError) as caught:
        RGLRU(lru_width=50, num_heads=4).check(64, "")
    assert caught.value.field == "lru_width"


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"model_type": "recurrent_gemma", "block_types": ["recurrent", "mlp"]}, "block_types"),
        (
            {"model_type": "recurrent_gemma", "lru_width": 30, "num_attention_heads": 4},
            "lru_width",
        ),
        ({"model_type": "recurrent_gemma", "intermediate_size": 1}, "intermediate_size"),
        ({"model_type": "rwkv", "hidden_size": 0}, "hidden_size"),
        ({"model_type": "xlstm", "hidden_size": 64, "embedding_dim": 32}, "embedding_dim"),
        ({"model_type": "xlstm", "weight_mode": "tied"}, "weight_mode"),
        ({"model_type": "xlstm", "qk_dim_factor": "half"}, "qk_dim_factor"),
        ({"model_type": "minimax", "sliding_window": 64}, "sliding_window"),
        ({"model_type": "minimax", "layer_types": ["mamba"]}, "layer_types"),
        ({"model_type": "zaya", "num_experts_per_tok": 2}, "num_experts_per_tok"),
        (
            {"model_type": "zaya", "num_hidden_layers": 2, "layer_types": ["hybrid_sliding"] * 2},
            "sliding_window",
        ),
        ({"model_type": "zaya", "num_hidden_layers": 1, "layer_types": ["mamba"]}, "layer_types"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, config: dict[str, object], key: str
) -> None:
    """What transformers cannot build (or paramcalc cannot say) is an error naming the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))
