"""Mistral's MLA models: Mistral 4 (DeepSeek-V3's attention and MoE) and Mistral Large 4's
DSA text model (NoPE layers, shared latents, an indexer reading the input).

The fixtures (data/hf) prove each family's tensors against transformers; these tests pin the
refusals, which name the config key paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.api import count
from paramcalc.core.attention import Indexer, LatentAttention
from paramcalc.core.context import Context
from paramcalc.errors import InputError
from paramcalc.sources import load


def write(tmp_path: Path, config: dict[str, object]) -> str:
    """A config.json in tmp_path, its path."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_mistral4_defaults_match_a_closed_form(tmp_path: Path) -> None:
    """Mistral4Config() (Mistral-Small-4-119B): 36 layers of MLA and a MoE of 128 routed
    experts plus one shared expert, untied head."""
    hidden, heads, layers, vocab = 4096, 32, 36, 131072
    q_rank, kv_rank, nope, rope, v = 1024, 256, 64, 64, 128
    q_a = hidden * q_rank + q_rank  # q_a_proj, q_a_layernorm
    kv_a = hidden * (kv_rank + rope) + kv_rank  # kv_a_proj_with_mqa, kv_a_layernorm
    attention = (
        q_a
        + q_rank * heads * (nope + rope)  # q_b_proj
        + kv_a
        + kv_rank * heads * (nope + v)  # kv_b_proj
        + heads * v * hidden  # o_proj
    )
    moe = 128 * hidden + 128 * 3 * hidden * 2048 + 3 * hidden * 2048  # router, experts, shared
    expected = 2 * vocab * hidden + layers * (attention + moe + 2 * hidden) + hidden
    assert count(load(write(tmp_path, {"model_type": "mistral4"}))).total == expected


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"num_experts_per_tok": None}, "num_experts_per_tok"),
        ({"v_head_dim": None}, "v_head_dim"),
        ({"n_shared_experts": 0}, "n_shared_experts"),
    ],
)
def test_mistral4_refusals_name_the_key(
    tmp_path: Path, config: dict[str, object], key: str
) -> None:
    """A null top-k (active parameters unknown), a null value width (transformers cannot build
    kv_b_proj) and an empty shared expert are refused by key."""
    with pytest.raises(InputError, match=key):
        load(write(tmp_path, {"model_type": "mistral4", **config}))


MLA = {
    "num_attention_heads": 4,
    "kv_lora_rank": 32,
    "qk_nope_head_dim": 16,
    "qk_rope_head_dim": 8,
    "v_head_dim": 16,
}


def sizes(mixer: LatentAttention, hidden: int = 64) -> dict[str, int]:
    """Each record's element count by role."""
    return {r.name: r.size for r in mixer.records(Context(hidden))}


def test_nope_layer_moves_the_rotary_width_into_the_per_head_keys() -> None:
    """MistralLarge4TextAttention without rotary: kv_a_proj_with_mqa gives the latent only,
    kv_b_proj gives heads x (nope + rope + v), and the cache holds the latent only."""
    rope, nope = LatentAttention(**MLA), LatentAttention(**MLA, rotary=False)
    assert sizes(nope)["kv_a_proj_with_mqa"] == 64 * 32
    assert sizes(nope)["kv_b_proj"] == 32 * 4 * (16 + 8 + 16)
    assert sizes(nope)["q_proj"] == sizes(rope)["q_proj"] == 64 * 4 * (16 + 8)
    assert (rope.cache_values(64), nope.cache_values(64)) == (32 + 8, 32)


def test_kv_shared_layer_has_no_latent_projection_and_caches_only_its_indexer_key() -> None:
    """A layer reading an earlier layer's latent keeps kv_b_proj but not kv_a_proj_with_mqa or
    kv_a_layernorm; with an indexer it still caches the indexer's key."""
    indexer = Indexer(num_heads=2, head_dim=16, from_hidden=True)
    shared = LatentAttention(**MLA, kv_shared=True, indexer=indexer)
    assert {"kv_a_proj_with_mqa", "kv_a_layernorm"}.isdisjoint(sizes(shared))
    assert "kv_b_proj" in sizes(shared)
    assert shared.cache_values(64) == 16
    assert LatentAttention(**MLA, kv_shared=True).cache_values(64) == 0


def test_indexer_from_hidden_reads_the_input_through_its_own_layernorm() -> None:
    """MistralLarge4TextIndexer: wq_b from the input (no query latent needed), q_input_norm
    (weight and bias), and a softmax scale and bias per indexer head; the attention's own
    softmax_scaling is a scale and a bias per query head."""
    indexer = Indexer(num_heads=2, head_dim=16, from_hidden=True)
    mixer = LatentAttention(**MLA, indexer=indexer, softmax_scaling=True)
    mixer.check(64, "mixer.")  # no q_lora_rank is needed
    got = sizes(mixer)
    assert got["indexer.wq_b"] == 64 * 2 * 16
    assert got["indexer.q_input_norm"] == 2 * 64
    assert got["indexer.softmax_scaling.scale"] == got["indexer.softmax_scaling.bias"] == 2
    assert got["softmax_scaling.scale"] == got["softmax_scaling.bias"] == 4


LARGE4_TEXT = {"num_hidden_layers": 2}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ({"no_rope_layers": [1]}, "no_rope_layers"),
        ({"no_rope_layers": [1, 2]}, "no_rope_layers"),
        ({"kv_source_layers": [1, 1]}, "kv_source_layers"),  # a later source
        ({"num_hidden_layers": 3, "kv_source_layers": [0, 0, 1]}, "kv_source_layers"),
        ({"kv_source_layers": [0]}, "kv_source_layers"),
        ({"no_rope_layer_interval": 0}, "no_rope_layer_interval"),
        ({"n_shared_experts": 0}, "n_shared_experts"),
        ({"indexer_types": ["full", "x"]}, "indexer_types"),
        ({"mlp_layer_types": ["dense"]}, "mlp_layer_types"),
    ],
)
def test_mistral_large4_refusals_name_the_key(
    tmp_path: Path, text: dict[str, object], key: str
) -> None:
    """Per-layer lists of the wrong length or values, a KV source that is not an earlier
    layer owning its latent (validate_architecture refuses it), and empty shared experts."""
    config = {"model_type": "mistral_large4", "text_config": {**LARGE4_TEXT, **text}}
    with pytest.raises(InputError, match=key):
        load(write(tmp_path, config))


def test_mistral_large4_text_config_must_be_its_own_model_type(tmp_path: Path) -> None:
    """The text model is MistralLarge4TextModel only: another text model_type is refused."""
    config = {"model_type": "mistral_large4", "text_config": {"model_type": "mistral"}}
    with pytest.raises(InputError, match="text_config"):
        load(write(tmp_path, config))
