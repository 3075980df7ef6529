"""Zamba and Zamba2: shared blocks counted once, used many times, and the configs refused.

The fixtures (data/hf) prove the tensors against transformers and the hybrid cross-checks
the caches and FLOPs; these tests pin the shared block's tying in closed form and the errors
that name the key paramcalc (or transformers) cannot build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import count
from paramcalc.core.context import Context
from paramcalc.core.recurrent import Mamba
from paramcalc.errors import ParamcalcError
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType

H, VOCAB, HEADS, KV, WIDTH = 64, 128, 4, 2, 96
ZAMBA = {
    "model_type": "zamba",
    "vocab_size": VOCAB,
    "hidden_size": H,
    "intermediate_size": WIDTH,
    "num_hidden_layers": 4,
    "num_attention_heads": HEADS,
    "num_key_value_heads": KV,
    "n_mamba_heads": 2,
    "mamba_d_state": 8,
    "mamba_d_conv": 3,
    "layers_block_type": ["mamba", "hybrid", "mamba", "hybrid"],
}


def test_per_head_mamba_holds_what_one_wide_mixer_does() -> None:
    """Zamba's heads split x_proj and dt_proj by the inner width, not their sizes."""
    fields = dict(intermediate_size=128, state_size=8, time_step_rank=4)
    wide, split = Mamba(**fields), Mamba(**fields, num_heads=4)
    size = lambda m: sum(r.size for r in m.records(Context(H)))  # noqa: E731
    assert size(split) == size(wide)


def test_shared_block_is_counted_once_and_cached_at_every_use(tmp_path: Path) -> None:
    """Tied: the second hybrid layer adds only its linear and its Mamba layer; each use keeps
    its own K/V. Untied (tie_word_embeddings false), each hybrid layer holds a block."""
    head = 2 * H // HEADS  # ZambaAttention: head_dim = 2 x hidden / heads
    block = (
        2 * H * (HEADS + 2 * KV) * head  # q, k, v read hidden and embeddings side by side
        + HEADS * head * H  # o_proj
        + 3 * H * WIDTH  # gate, up, down
        + 2 * H  # input_layernorm (2 x hidden)
        + H  # pre_ff_layernorm
    )
    tied = count(loaded(tmp_path, ZAMBA))
    untied_config = {**ZAMBA, "tie_word_embeddings": False}
    (tmp_path / "untied").mkdir()
    untied = count(loaded(tmp_path / "untied", untied_config))
    assert untied.total - tied.total == block + VOCAB * H  # a second block and the head
    cache = kv_cache(tied.model, DType.FP32, 1, 10)
    assert [layer.index for layer in cache.layers] == [1, 3]
    assert [state.index for state in cache.states] == [0, 1, 2, 3]


ZAMBA2 = {
    "model_type": "zamba2",
    "vocab_size": VOCAB,
    "hidden_size": H,
    "num_hidden_layers": 3,
    "num_attention_heads": HEADS,
    "n_mamba_heads": 4,
    "layers_block_type": ["hybrid", "hybrid", "hybrid"],
}


@pytest.mark.parametrize(
    ("model_type", "fields", "key"),
    [
        ("zamba", {"attention_hidden_size": 3 * H}, "attention_hidden_size"),
        ("zamba", {"n_mamba_heads": 3}, "n_mamba_heads"),
        ("zamba", {"layers_block_type": ["mamba", "hybrid"]}, "layers_block_type"),
        ("zamba", {"layers_block_type": ["mamba", "full_attention"] * 2}, "layers_block_type"),
        (
            "zamba",
            {"layers_block_type": ["mamba", "mamba", "hybrid", "mamba"]},
            "layers_block_type",
        ),
        ("zamba", {"layers_block_type": None, "num_hidden_layers": 2}, "num_hidden_layers"),
        ("zamba", {"layers_block_type": None, "attn_layer_offset": 5}, "attn_layer_offset"),
        ("zamba", {"head_dim": None}, "head_dim"),
        ("zamba", {"layers_block_type": None, "layer_types": None}, "layer_types"),
        ("zamba2", {"layers_block_type": None}, "num_hidden_layers"),
        ("zamba2", {"n_mamba_heads": 3}, "n_mamba_heads"),
        (
            "zamba2",
            {"use_shared_attention_adapter": True, "num_key_value_heads": 2},
            "use_shared_attention_adapter",
        ),
        (
            "zamba2",
            {"layers_block_type": None, "layer_types": ["hybrid", "mamba", "hybrid"]},
            "layer_types",
        ),
        ("zamba2", {"num_mem_blocks": 0}, "num_mem_blocks"),
        ("zamba2", {"hybrid_layer_ids": [0, 1]}, "hybrid_layer_ids"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, model_type: str, fields: dict[str, Any], key: str
) -> None:
    """A value transformers cannot build (or run) with, or paramcalc cannot represent, is an
    error naming the file's key: the shared block reads exactly 2 x hidden_size; mamba heads
    split the inner width; one layer kind per layer, of the two kinds the models build; one
    tied hybrid layer has nothing to tie to; the default layer lists have fixed lengths; a
    null alias applied after __post_init__ leaves no head width or layer list; attention
    adapters add 2 x hidden outputs to k and v; Zamba2 takes its adapter slots from
    layers_block_type before the layer_types alias replaces the list, and from a
    hybrid_layer_ids the file writes."""
    base = ZAMBA if model_type == "zamba" else ZAMBA2
    with pytest.raises(ParamcalcError, match=key):
        count(loaded(tmp_path, {**base, **fields}))
