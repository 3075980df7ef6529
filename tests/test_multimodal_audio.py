"""Audio-text-to-text models on a Whisper-style encoder (Qwen2-Audio, Voxtral, Audio Flamingo 3,
Music Flamingo, GLM-ASR, Voxtral Realtime).

Counts are checked fixture by fixture (tests/data/hf) in test_tensors.py and
test_hf_families.py; this module pins the encoder's closed form, the branches a fixture must
cover, the refusals, and that the audio tower adds nothing per text token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA
from paramcalc.calculator import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError
from paramcalc.flops import forward_flops
from paramcalc.sources import load

FIXTURES = [json.loads(p.read_text()) for p in sorted((DATA / "hf").glob("*.json"))]


def load_config(tmp_path: Path, config: dict[str, Any]) -> Any:
    """Load a config.json mapping as a user's file."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return load(str(path))


def whisper_encoder(width: int, layers: int, ffn: int, mels: int, positions: int) -> int:
    """Whisper's encoder by hand: two kernel-3 Conv1d, a position table, per layer q/k/v/out
    (k unbiased) and fc1/fc2 with biases and two LayerNorms, a final LayerNorm."""
    front = (mels * width * 3 + width) + (width * width * 3 + width) + positions * width
    layer = 4 * width * width + 3 * width + 2 * width * ffn + ffn + width + 2 * 2 * width
    return front + layers * layer + 2 * width


@pytest.mark.parametrize(
    "model_type", ["qwen2_audio", "voxtral", "audioflamingo3", "musicflamingo"]
)
def test_audio_tower_is_the_whisper_closed_form(model_type: str) -> None:
    """Every fixture's audio tower equals the closed form of its audio_config."""
    fixtures = [f for f in FIXTURES if f["model_type"] == model_type]
    assert len(fixtures) >= 7
    for f in fixtures:
        a = f["config_full"]["audio_config"]
        width = a.get("d_model", a.get("hidden_size"))
        layers = a.get("encoder_layers", a.get("num_hidden_layers"))
        ffn = a.get("encoder_ffn_dim", a.get("intermediate_size"))
        expected = whisper_encoder(width, layers, ffn, a["num_mel_bins"], a["max_source_positions"])
        assert f["towers"]["audio"]["total"] == expected, f["name"]


def glmasr_encoder(width: int, heads: int, kv: int, layers: int, ffn: int, mels: int) -> int:
    """GLM-ASR's encoder by hand: the two convolutions, no position table; per layer q/v/o
    biased and k unbiased over heads of width // heads, fc1/fc2 biased, two LayerNorms; a
    final LayerNorm."""
    hd = width // heads
    front = (mels * width * 3 + width) + (width * width * 3 + width)
    attention = (
        (width + 1) * heads * hd + 2 * width * kv * hd + kv * hd + heads * hd * width + width
    )
    layer = attention + 2 * width * ffn + ffn + width + 2 * 2 * width
    return front + layers * layer + 2 * width


def test_glmasr_audio_tower_is_its_closed_form() -> None:
    """Every GLM-ASR fixture's audio tower equals the closed form of its audio_config, heads
    that do not split the width included."""
    fixtures = [f for f in FIXTURES if f["model_type"] == "glmasr"]
    assert len(fixtures) >= 8
    for f in fixtures:
        a = f["config_full"]["audio_config"]
        heads = a["num_attention_heads"]
        kv = a["num_key_value_heads"] or heads
        sizes = (a["num_hidden_layers"], a["intermediate_size"], a["num_mel_bins"])
        expected = glmasr_encoder(a["hidden_size"], heads, kv, *sizes)
        assert f["towers"]["audio"]["total"] == expected, f["name"]


@pytest.mark.parametrize(
    ("model_type", "sub", "fields"),
    [
        ("qwen2_audio", "text_config", {"model_type": "llama"}),
        ("qwen2_audio", "text_config", {"tie_word_embeddings": True}),  # still untied
        ("qwen2_audio", "", {"tie_word_embeddings": True}),
        ("voxtral", "text_config", {"model_type": "qwen2"}),
        ("voxtral", "", {"tie_word_embeddings": True}),
        ("voxtral", "", {"text_config": None}),  # Voxtral's own text defaults
        ("audioflamingo3", "", {"projector_bias": False}),
        ("musicflamingo", "audio_config", {"model_type": "musicflamingo_encoder"}),
        ("glmasr", "", {"tie_word_embeddings": False}),  # its own lm_head
        ("glmasr", "", {"text_config": None}),  # GLM-ASR's own text defaults
        ("glmasr", "text_config", {"model_type": "qwen2"}),
        ("glmasr", "audio_config", {"hidden_size": 100, "num_attention_heads": 8}),
        ("voxtral_realtime", "", {"tie_word_embeddings": False}),
        ("voxtral_realtime", "", {"downsample_factor": 1}),
        ("voxtral_realtime", "audio_config", {"num_key_value_heads": 4}),  # the heads' alias
        ("voxtral_realtime", "text_config", {"head_dim": None}),
    ],
)
def test_branch_has_a_fixture(model_type: str, sub: str, fields: dict[str, Any]) -> None:
    """A branch that could change tensors is covered by a transformers fixture."""
    # an absent key reads as null: VoxtralConfig builds a null text_config as an absent one
    assert any(
        all(
            (f["config"].get(sub) or {} if sub else f["config"]).get(k) == v
            for k, v in fields.items()
        )
        for f in FIXTURES
        if f["model_type"] == model_type
    )


def test_voxtral_text_config_keeps_voxtral_text_defaults(tmp_path: Path) -> None:
    """VoxtralConfig merges its text defaults below a text_config mapping's own keys: a mapping
    that sets only the vocabulary keeps the 3072-wide, 30-layer text model."""
    model = load_config(tmp_path, {"model_type": "voxtral", "text_config": {"vocab_size": 1000}})
    breakdown = count(model)
    shapes = {t.name: t.shape for t in breakdown.enumeration.tensors()}
    assert shapes["model.language_model.embed_tokens.weight"] == (1000, 3072)
    assert shapes["lm_head.weight"] == (1000, 3072)
    assert shapes["model.multi_modal_projector.linear_1.weight"] == (3072, 5120)
    assert "model.language_model.layers.29.mlp.up_proj.weight" in shapes


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # the encoder's attention refuses heads that do not split d_model
        ({"model_type": "qwen2_audio", "audio_config": {"encoder_attention_heads": 7}}, "encoder"),
        ({"model_type": "voxtral", "audio_config": {"num_attention_heads": 7}}, "num_attention"),
        ({"model_type": "qwen2_audio", "audio_config": {"model_type": "whisper"}}, "audio_config"),
        ({"model_type": "voxtral", "audio_config": [1280]}, "audio_config"),
        ({"model_type": "qwen2_audio", "text_config": {"model_type": "gemma3"}}, "text_config"),
        ({"model_type": "voxtral", "audio_config": {"num_mel_bins": 0}}, "num_mel_bins"),
        ({"model_type": "musicflamingo", "audio_config": {"model_type": "whisper"}}, "audio"),
        ({"model_type": "glmasr", "audio_config": {"num_key_value_heads": 3}}, "num_key_value"),
        ({"model_type": "glmasr", "audio_config": {"num_attention_heads": 2048}}, "num_attention"),
        # VoxtralRealtimeEncoderConfig types head_dim as int; the text model's class is fixed
        ({"model_type": "voxtral_realtime", "audio_config": {"head_dim": None}}, "head_dim"),
        ({"model_type": "voxtral_realtime", "text_config": {"model_type": "llama"}}, "text"),
        ({"model_type": "voxtral_realtime", "audio_config": {"model_type": "voxtral"}}, "audio"),
    ],
)
def test_unrepresentable_config_is_an_error_naming_its_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """A value transformers cannot build, or paramcalc cannot represent, names its key."""
    with pytest.raises(InputError) as caught:
        load_config(tmp_path, config)
    assert key in str(caught.value)


def test_audio_tower_adds_no_flops_per_text_token(tmp_path: Path) -> None:
    """The encoder runs once per clip: a forward pass over text tokens costs what the same
    text model alone costs, plus nothing for the audio tower and its projector."""
    fixture = next(f for f in FIXTURES if f["name"] == "qwen2-audio-variant-1")
    both = count(load_config(tmp_path, fixture["config"]))
    alone = count(
        load_config(tmp_path, {"model_type": "qwen2", **fixture["config"]["text_config"]})
    )
    assert Tower.AUDIO in both.towers
    assert forward_flops(both, 2, 64).forward == forward_flops(alone, 2, 64).forward


def realtime_encoder(
    width: int, heads: int, head_dim: int, layers: int, ffn: int, mels: int
) -> int:
    """Voxtral Realtime's encoder by hand: the embedder's two convolutions, no position table;
    per layer q/v/o biased and k unbiased (key/value heads = query heads), a gated MLP with a
    down_proj bias, two RMSNorms; a final RMSNorm."""
    inner = heads * head_dim
    front = (mels * width * 3 + width) + (width * width * 3 + width)
    attention = 4 * width * inner + 2 * inner + width
    layer = attention + 3 * width * ffn + width + 2 * width
    return front + layers * layer + width


def test_voxtral_realtime_audio_tower_is_its_closed_form() -> None:
    """Every Voxtral Realtime fixture's audio tower equals the closed form of its audio_config."""
    fixtures = [f for f in FIXTURES if f["model_type"] == "voxtral_realtime"]
    assert len(fixtures) >= 8
    for f in fixtures:
        a = f["config_full"]["audio_config"]
        sizes = (a["num_hidden_layers"], a["intermediate_size"], a["num_mel_bins"])
        expected = realtime_encoder(
            a["hidden_size"], a["num_attention_heads"], a["head_dim"], *sizes
        )
        assert f["towers"]["audio"]["total"] == expected, f["name"]


def test_time_conditioned_norm_runs_once_per_sequence(tmp_path: Path) -> None:
    """Each text layer's ada_rms_norm (hidden -> 32 -> hidden, feedforward) is charged once per
    sequence: a pass costs what Mistral's text model alone costs plus 2 x 2 x hidden x 32 per
    layer and sequence."""
    fixture = next(f for f in FIXTURES if f["name"] == "voxtral-realtime-kv-alias")
    text = fixture["config_full"]["text_config"]
    both = count(load_config(tmp_path, fixture["config"]))
    mistral = {**text, "model_type": "mistral", "tie_word_embeddings": False}
    alone = count(load_config(tmp_path, mistral))
    batch, hidden, layers = 3, text["hidden_size"], text["num_hidden_layers"]
    extra = batch * layers * 2 * 2 * hidden * 32
    assert forward_flops(both, batch, 16).forward == forward_flops(alone, batch, 16).forward + extra
