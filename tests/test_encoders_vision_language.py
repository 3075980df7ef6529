"""ModernVBERT and UltraVBERT beyond their fixtures: the configs paramcalc refuses, by key, the
connector and the masked-LM head in closed form (`modeling_modernvbert.py`,
`modeling_ultravbert.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.sources import load

TEXT = {"vocab_size": 100, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2}
VISION = {
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "image_size": 64,
    "patch_size": 8,
}


def small(model_type: str, **fields: Any) -> dict[str, Any]:
    """A small config of one of the two families."""
    text = {**TEXT, "num_attention_heads": 4}
    return {"model_type": model_type, "text_config": text, "vision_config": dict(VISION), **fields}


def counted(tmp_path: Path, config: dict[str, Any], head: Any = None) -> Any:
    """The count of a config, with the head asked for."""
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(config))
    return count(load(str(path), head=head))


@pytest.mark.parametrize(
    ("config", "key", "head"),
    [
        # the text model is the one family's encoder; another model_type is not said
        ({"text_config": {"model_type": "bert"}}, "text_config", None),
        ({"vision_config": {"model_type": "clip_vision_model"}}, "vision_config", None),
        ({"pixel_shuffle_factor": 0}, "pixel_shuffle_factor", None),
        # the bare model has no pooler, and --head none is a text encoder's choice
        ({}, "head", "pooler"),
        ({}, "head", "none"),
    ],
)
@pytest.mark.parametrize("model_type", ["modernvbert", "ultravbert"])
def test_configs_paramcalc_refuses_name_their_key(
    tmp_path: Path, model_type: str, config: dict[str, Any], key: str, head: Any
) -> None:
    """A config (or head) paramcalc cannot say is an error naming the key."""
    with pytest.raises(InputError) as raised:
        counted(tmp_path, {"model_type": model_type, **config}, head)
    assert key in str(raised.value)


@pytest.mark.parametrize(("model_type", "norm"), [("modernvbert", 0), ("ultravbert", 64)])
def test_the_connector_in_closed_form(tmp_path: Path, model_type: str, norm: int) -> None:
    """An unbiased projection of pixel_shuffle_factor^2 patches side by side to the text
    width (UltraVBERT: and an RMSNorm of it); an image is (64 / 8)^2 / 2^2 = 16 tokens."""
    config = small(model_type, pixel_shuffle_factor=2)
    b = counted(tmp_path, config)
    projector = b.towers["projector"]
    assert projector[Group.FEEDFORWARD] == 32 * 2**2 * 64
    assert projector[Group.NORM] == norm
    path = tmp_path / "image.json"
    path.write_text(json.dumps(config))
    model = load(str(path)).to_model()
    assert model.projector is not None and model.projector.image_tokens == 16


def test_modernvbert_head_reads_text_config(tmp_path: Path) -> None:
    """ModernVBertForMaskedLM's projection_head.dense is biased by text_config's
    classifier_bias (the top-level key sizes nothing), its norm follows norm_bias, lm_head
    is biased by decoder_bias and tied only by the top-level tie_word_embeddings."""
    config = small("modernvbert", classifier_bias=True)
    bare = counted(tmp_path, config).total
    d, v = 64, 100
    head = counted(tmp_path, config, "mlm").total - bare
    assert head == d * d + d + v * d + v  # dense, unbiased norm, untied lm_head and its bias
    config["text_config"] |= {"classifier_bias": True, "tie_word_embeddings": False}
    config["tie_word_embeddings"] = True
    head = counted(tmp_path, config, "mlm").total - bare
    assert head == d * d + d + d + v  # the dense's bias; the tied lm_head keeps its bias


def test_ultravbert_head_in_closed_form(tmp_path: Path) -> None:
    """UltraVBertForMaskedLM: two unbiased dense layers through text_config's
    prediction_head_size, an unbiased lm_head; a vision_config mapping keeps SigLIP's head
    unless it says vision_use_head false (only a null vision_config drops it)."""
    config = small("ultravbert")
    config["text_config"]["prediction_head_size"] = 16
    b, mlm = counted(tmp_path, config), counted(tmp_path, config, "mlm")
    assert mlm.total - b.total == 2 * 64 * 16 + 100 * 64
    assert b.towers["vision"][Group.OUTPUT] > 0
    config["vision_config"]["vision_use_head"] = False
    assert counted(tmp_path, config).towers["vision"][Group.OUTPUT] == 0
