"""BLIP-2 and InstructBLIP (and its video model): the vision model, the Q-Former projector and
the language model against closed forms written from transformers 5.23 `modeling_blip_2.py`,
`modeling_instructblip.py` and their configurations, and the values paramcalc refuses.

The tensor-by-tensor check against transformers is in test_tensors.py (tests/data/hf/*blip*).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_granite_speech import qformer

from conftest import loaded
from paramcalc.calculator import count
from paramcalc.core.records import Tower
from paramcalc.errors import InputError


def towers(tmp_path: Path, config: dict[str, Any], model_type: str = "blip-2") -> dict[Tower, int]:
    """Per-tower totals of a config."""
    tmp_path.mkdir(exist_ok=True)
    counted = count(loaded(tmp_path, {"model_type": model_type, **config}))
    return {tower: sum(groups.values()) for tower, groups in counted.towers.items()}


def vision(h: int, inner: int, layers: int, image: int, patch: int, qkv_bias: bool) -> int:
    """Blip2VisionModel: biased patch conv, class token, positions, blocks, post-LayerNorm."""
    rows = (image // patch) ** 2 + 1
    embeddings = 3 * patch * patch * h + h + h + rows * h
    attention = h * 3 * h + (3 * h if qkv_bias else 0) + h * h + h  # qkv, projection
    mlp = (h * inner + inner) + (inner * h + h)
    return embeddings + layers * (attention + mlp + 4 * h) + 2 * h


def opt(vocab: int, h: int, layers: int, ffn: int, positions: int) -> int:
    """OPTForCausalLM with the head tied: tables, biased blocks, final LayerNorm."""
    layer = 4 * (h * h + h) + 2 * h + (h * ffn + ffn) + (ffn * h + h) + 2 * h
    return vocab * h + (positions + 2) * h + layers * layer + 2 * h


def test_defaults_equal_closed_forms(tmp_path: Path) -> None:
    """Blip2Config(): ViT-g (39 layers of 1408), 32 queries into a 12-layer Q-Former whose
    cross-attention reads 1408 features, OPT-125m's shape with its head tied."""
    got = towers(tmp_path, {})
    assert got[Tower.VISION] == vision(1408, 6144, 39, 224, 14, True)
    projector = 32 * 768 + qformer(768, 3072, 1408, 12, 2, False) + 768 * 768 + 768
    assert got[Tower.PROJECTOR] == projector
    assert got[Tower.TEXT] == opt(50272, 768, 12, 3072, 2048)


def test_qformer_reads_the_vision_width(tmp_path: Path) -> None:
    """Blip2Config.__post_init__ overwrites qformer_config.encoder_hidden_size with the vision
    width; qkv_bias false drops the fused qkv's bias; num_query_tokens sizes query_tokens."""
    v = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2}
    q = {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 3}
    config = {
        "vision_config": {**v, "num_attention_heads": 4, "qkv_bias": False},
        "qformer_config": {**q, "num_attention_heads": 4, "encoder_hidden_size": 999},
        "num_query_tokens": 5,
    }
    got = towers(tmp_path, config)
    assert got[Tower.VISION] == vision(64, 96, 2, 224, 14, False)
    assert got[Tower.PROJECTOR] == 5 * 32 + qformer(32, 48, 64, 3, 2, False) + 32 * 768 + 768


def test_untied_t5_language_model(tmp_path: Path) -> None:
    """A T5 text_config with tie_word_embeddings false (blip2-flan-t5) keeps its own head."""
    text = {"model_type": "t5", "vocab_size": 100, "d_model": 32, "d_ff": 64, "num_layers": 1}
    tied = towers(tmp_path / "tied", {"text_config": {**text, "num_heads": 2, "d_kv": 16}})
    untied = towers(
        tmp_path / "untied",
        {"text_config": {**text, "num_heads": 2, "d_kv": 16, "tie_word_embeddings": False}},
    )
    assert untied[Tower.TEXT] - tied[Tower.TEXT] == 100 * 32


@pytest.mark.parametrize("model_type", ["instructblip", "instructblipvideo"])
def test_instructblip_defaults_equal_closed_forms(tmp_path: Path, model_type: str) -> None:
    """InstructBlipConfig(): BLIP-2's vision model and language model; the Q-Former adds word
    and position tables and their LayerNorm in place of its final LayerNorm, and runs the
    text MLP in every layer."""
    got = towers(tmp_path, {}, model_type)
    assert got[Tower.VISION] == vision(1408, 6144, 39, 224, 14, True)
    tables = (30522 + 512) * 768
    projector = 32 * 768 + tables + qformer(768, 3072, 1408, 12, 2, True) + 768 * 768 + 768
    assert got[Tower.PROJECTOR] == projector
    assert got[Tower.TEXT] == opt(50272, 768, 12, 3072, 2048)


def test_llama_named_language_model(tmp_path: Path) -> None:
    """A Vicuna text_config (LlamaForCausalLM) with its head untied."""
    text = {"model_type": "llama", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 1}
    got = towers(tmp_path, {"text_config": {**text, "intermediate_size": 64}}, "instructblip")
    layer = 4 * 32 * 32 + 3 * 32 * 64 + 2 * 32
    assert got[Tower.TEXT] == 100 * 32 + layer + 32 + 100 * 32


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"text_config": {"model_type": "gpt2"}}, "text_config"),
        ({"num_query_tokens": 0}, "num_query_tokens"),
        ({"qformer_config": {"num_attention_heads": 5}}, "num_attention_heads"),
        ({"vision_config": {"image_size": [224, 224]}}, "image_size"),
        ({"qformer_config": {"model_type": "bert"}}, "qformer_config"),
    ],
)
def test_unbuildable_values_are_refused(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    """A language model other than OPT, T5 or a Llama-named one, no query token, Q-Former
    heads that do not split its width, a non-square image size and a Q-Former of another
    model_type: InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config)
    assert caught.value.field == key


def bert_decoder(vocab: int, h: int, inner: int, layers: int, positions: int, keys: int) -> int:
    """BlipTextLMHeadModel: word and position tables and their LayerNorm, post-norm layers
    with a cross-attention over `keys` features (none when 0), the prediction head (dense,
    LayerNorm, the bias of a decoder tied to the word table)."""
    attention = 4 * (h * h + h) + 2 * h
    cross = 2 * (h * h + h) + 2 * (keys * h + h) + 2 * h if keys else 0
    mlp = (h * inner + inner) + (inner * h + h) + 2 * h
    return (
        (vocab + positions) * h + 2 * h + layers * (attention + cross + mlp) + h * h + 3 * h + vocab
    )


def test_blip_defaults_equal_closed_forms(tmp_path: Path) -> None:
    """BlipConfig(): a 12-layer ViT-B/16 at 384 pixels and a 12-layer BERT decoder whose
    cross-attention reads the 768 vision features; no projector."""
    got = towers(tmp_path, {}, "blip")
    assert got[Tower.VISION] == vision(768, 3072, 12, 384, 16, True)
    assert got[Tower.TEXT] == bert_decoder(30524, 768, 3072, 12, 512, 768)
    assert got.get(Tower.PROJECTOR, 0) == 0


def test_blip_cross_attention_reads_the_vision_width(tmp_path: Path) -> None:
    """encoder_hidden_size is overwritten with the vision width; is_decoder false drops every
    cross-attention; one tie_word_embeddings true keeps the decoder tied."""
    v = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 1}
    t = {"vocab_size": 50, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2}
    text = {**t, "num_attention_heads": 4, "max_position_embeddings": 16}
    config = {
        "vision_config": {**v, "num_attention_heads": 4},
        "text_config": {**text, "encoder_hidden_size": 999, "tie_word_embeddings": False},
    }
    got = towers(tmp_path / "cross", config, "blip")
    assert got[Tower.TEXT] == bert_decoder(50, 32, 48, 2, 16, 64)
    config["text_config"] |= {"is_decoder": False}
    got = towers(tmp_path / "plain", config, "blip")
    assert got[Tower.TEXT] == bert_decoder(50, 32, 48, 2, 16, 0)


@pytest.mark.parametrize(
    ("config", "key"),
    [
        (
            {"tie_word_embeddings": False, "text_config": {"tie_word_embeddings": False}},
            "tie_word_embeddings",
        ),
        ({"text_config": {"num_attention_heads": 5}}, "num_attention_heads"),
        ({"vision_config": {"model_type": "blip_2_vision_model"}}, "vision_config"),
    ],
)
def test_blip_unbuildable_values_are_refused(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """An untied decoder (both flags false: its own bias beside the head's), heads that do not
    split the text width, a vision config of another model_type: InputErrors naming the key."""
    with pytest.raises(InputError) as caught:
        towers(tmp_path, config, "blip")
    assert caught.value.field == key
