"""Qwen omni thinkers (Qwen2.5-Omni, Qwen3-Omni) and Qwen3-ASR.

Counts are checked fixture by fixture (tests/data/hf) in test_tensors.py and
test_hf_families.py; this module pins the audio encoders' closed forms (Whisper's Conv1d
front-end, Qwen3-Omni's strided Conv2d one), the branches a fixture must cover, the refusals,
and that the encoders add nothing per text token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from paramcalc.calculator import count
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType
from paramcalc.sources import load

FIXTURES = [json.loads(p.read_text()) for p in sorted((DATA / "hf").glob("*.json"))]


def load_config(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json mapping as a user's file."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))


def encoder_layers(width: int, layers: int, ffn: int, k_bias: bool) -> int:
    """Whisper-style layers by hand: q/k/v/out (k biased or not), biased fc1/fc2, two
    LayerNorms; then ln_post."""
    layer = 4 * width * width + (4 if k_bias else 3) * width + 2 * width * ffn + ffn + width
    return layers * (layer + 2 * 2 * width) + 2 * width


def whisper_front(width: int, mels: int) -> int:
    """conv1 (mels -> width) and conv2 (width -> width), kernel 3, biased; no position table."""
    return (mels * width * 3 + width) + (width * width * 3 + width)


def conv2d_front(width: int, mels: int, channels: int) -> int:
    """modeling_qwen3_omni_moe.py: conv2d1 (1 -> C), conv2d2, conv2d3 (C -> C), 3x3 biased, then
    an unbiased conv_out of C * ((((mels + 1) // 2 + 1) // 2 + 1) // 2) -> width."""
    rows = (((mels + 1) // 2 + 1) // 2 + 1) // 2
    convs = (9 * channels + channels) + 2 * (9 * channels * channels + channels)
    return convs + channels * rows * width


def audio_fields(a: dict[str, Any]) -> tuple[int, int, int, int]:
    """Width, layers, FFN width and mel bins of a Whisper-keyed audio_config."""
    return a["d_model"], a["encoder_layers"], a["encoder_ffn_dim"], a["num_mel_bins"]


def test_qwen2_5_omni_audio_tower_is_its_closed_form() -> None:
    """Every Qwen2.5-Omni thinker fixture's audio tower is Whisper's front-end without a
    position table (a sinusoidal buffer), layers with an unbiased k_proj, and ln_post; its
    proj and audio_bos_eos_token sit in the projector beside the visual merger."""
    fixtures = [f for f in FIXTURES if f["model_type"] == "qwen2_5_omni_thinker"]
    assert len(fixtures) >= 7
    for f in fixtures:
        a, v = f["config_full"]["audio_config"], f["config_full"]["vision_config"]
        width, layers, ffn, mels = audio_fields(a)
        expected = whisper_front(width, mels) + encoder_layers(width, layers, ffn, False)
        assert f["towers"]["audio"]["total"] == expected, f["name"]
        out, vw = a["output_dim"], v["hidden_size"]
        merged = vw * v["spatial_merge_size"] ** 2
        merger = (
            vw + merged * merged + merged + merged * v["out_hidden_size"] + v["out_hidden_size"]
        )
        projector = width * out + out + 2 * out + merger
        assert f["towers"]["projector"]["total"] == projector, f["name"]


@pytest.mark.parametrize("model_type", ["qwen3_omni_moe_thinker", "qwen3_asr"])
def test_conv2d_audio_tower_is_its_closed_form(model_type: str) -> None:
    """Every fixture's audio tower is the Conv2d front-end, biased-k layers and ln_post; the two
    projections to output_dim (width -> width -> output_dim, biased) are the projector's."""
    fixtures = [f for f in FIXTURES if f["model_type"] == model_type]
    assert len(fixtures) >= 7
    for f in fixtures:
        a = f["config_full"]["audio_config"]
        width, layers, ffn, mels = audio_fields(a)
        channels = a["downsample_hidden_size"]
        expected = conv2d_front(width, mels, channels) + encoder_layers(width, layers, ffn, True)
        assert f["towers"]["audio"]["total"] == expected, f["name"]
        projection = width * width + width + width * a["output_dim"] + a["output_dim"]
        if model_type == "qwen3_asr":
            assert f["towers"]["projector"]["total"] == projection, f["name"]
        else:
            assert f["towers"]["projector"]["total"] > projection, f["name"]  # and the mergers


@pytest.mark.parametrize("mels", [1, 7, 100, 127])
def test_conv_out_reads_the_mel_rows_left_after_three_halvings(tmp_path: Path, mels: int) -> None:
    """Padding 1 rounds each stride-2 halving up: 100 mel bins leave 50, 25, then 13 rows."""
    config = {"model_type": "qwen3_asr", "audio_config": {"num_mel_bins": mels}}
    shapes = {t.name: t.shape for t in count(load_config(tmp_path, config)).enumeration.tensors()}
    rows = (((mels + 1) // 2 + 1) // 2 + 1) // 2
    assert shapes["model.audio_tower.conv_out.weight"] == (1024, 480 * rows)
    assert shapes["model.audio_tower.conv2d1.weight"] == (480, 1, 3, 3)


@pytest.mark.parametrize(
    ("model_type", "sub", "fields"),
    [
        ("qwen2_5_omni_thinker", "", {"tie_word_embeddings": True}),
        ("qwen2_5_omni_thinker", "text_config", {"tie_word_embeddings": True}),  # not read
        ("qwen2_5_omni_thinker", "text_config", {"head_dim": 16}),
        ("qwen3_omni_moe_thinker", "", {"tie_word_embeddings": True}),
        ("qwen3_omni_moe_thinker", "text_config", {"num_experts": 0}),
        ("qwen3_omni_moe_thinker", "text_config", {"head_dim": None}),
        ("qwen3_omni_moe_thinker", "vision_config", {"deepstack_visual_indexes": []}),
        ("qwen3_asr", "", {"tie_word_embeddings": False}),
        ("qwen3_asr", "text_config", {"model_type": "llama"}),
    ],
)
def test_branch_has_a_fixture(model_type: str, sub: str, fields: dict[str, Any]) -> None:
    """A branch that could change tensors is covered by a transformers fixture."""
    assert any(
        all(
            (f["config"].get(sub) or {} if sub else f["config"]).get(k) == v
            for k, v in fields.items()
        )
        for f in FIXTURES
        if f["model_type"] == model_type
    )


def test_thinker_default_heads_are_the_floor_of_the_split(tmp_path: Path) -> None:
    """Qwen3-Omni's text defaults split 2048 into 28 heads of 2048 // 28 = 73."""
    shapes = {
        t.name: t.shape
        for t in count(
            load_config(tmp_path, {"model_type": "qwen3_omni_moe_thinker"})
        ).enumeration.tensors()
    }
    assert shapes["model.language_model.layers.0.self_attn.q_proj.weight"] == (28 * 73, 2048)
    assert shapes["model.language_model.layers.0.self_attn.k_proj.weight"] == (4 * 73, 2048)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # the encoders' attention refuses heads that do not split d_model
        (
            {
                "model_type": "qwen2_5_omni_thinker",
                "audio_config": {"d_model": 100, "encoder_attention_heads": 8},
            },
            "encoder",
        ),
        (
            {
                "model_type": "qwen3_omni_moe_thinker",
                "audio_config": {"encoder_attention_heads": 7},
            },
            "encoder_attention_heads",
        ),
        ({"model_type": "qwen3_asr", "audio_config": {"encoder_attention_heads": 7}}, "encoder"),
        ({"model_type": "qwen3_asr", "audio_config": {"model_type": "whisper"}}, "audio_config"),
        ({"model_type": "qwen3_asr", "text_config": {"model_type": "gemma3"}}, "text_config"),
        (
            {"model_type": "qwen2_5_omni_thinker", "vision_config": {"model_type": "qwen2_vl"}},
            "vision_config",
        ),
        (
            {"model_type": "qwen3_omni_moe_thinker", "text_config": {"model_type": "qwen3"}},
            "text_config",
        ),
        # the ViT's projections keep the width whatever the heads: heads must split it
        (
            {"model_type": "qwen2_5_omni_thinker", "vision_config": {"hidden_size": 100}},
            "num_heads",
        ),
        (
            {"model_type": "qwen3_omni_moe_thinker", "vision_config": {"num_attention_heads": 7}},
            "num_attention_heads",
        ),
        (
            {"model_type": "qwen3_omni_moe_thinker", "audio_config": {"downsample_hidden_size": 0}},
            "downsample_hidden_size",
        ),
    ],
)
def test_unrepresentable_config_is_an_error_naming_its_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A value transformers cannot build, or paramcalc cannot represent, names its key."""
    with pytest.raises(InputError) as caught:
        load_config(tmp_path, config)
    assert key in str(caught.value)


def test_audio_tower_adds_no_flops_or_cache_per_text_token(tmp_path: Path) -> None:
    """The encoder runs once per clip: a forward pass over text tokens costs what the same Qwen 3
    text model alone costs, and caches the same keys and values."""
    fixture = next(
        f
        for f in FIXTURES
        if f["model_type"] == "qwen3_asr"
        and "model_type" not in f["config"].get("text_config", {})
        and f["name"] != "defaults-qwen3-asr"
    )
    both = load_config(tmp_path, fixture["config"])
    text = {**fixture["config"]["text_config"], "model_type": "qwen3"}
    text["tie_word_embeddings"] = fixture["config_full"]["tie_word_embeddings"]
    alone = load_config(tmp_path, text)
    assert forward_flops(count(both), 2, 64).forward == forward_flops(count(alone), 2, 64).forward
    cache = [kv_cache(a.to_model(), DType.BF16, 2, 64).bytes for a in (both, alone)]
    assert cache[0] == cache[1] > 0
