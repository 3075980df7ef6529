"""Gemma 4's unified assistant: what the fixtures cannot show.

The fixtures of data/hf prove the family exact at random variants (and at its defaults with a
buildable K/V split); these tests pin the projections and the centroid scorer in closed form
(from Gemma4AssistantForCausalLM.__init__), that it keeps no KV cache, and the configs
transformers 5.23 cannot build, each an error naming the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import loaded
from paramcalc.calculator import Group, count
from paramcalc.errors import InputError
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType

TEXT = {
    "vocab_size": 512,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "head_dim": 16,
    "global_head_dim": 32,
    "layer_types": ["full_attention", "full_attention"],
    "num_kv_shared_layers": 1,
}


def assistant(**fields: Any) -> dict[str, Any]:
    """A small unified assistant config over TEXT."""
    return {"model_type": "gemma4_unified_assistant", "text_config": TEXT, **fields}


def test_projections_and_centroids_closed_form(tmp_path: Path) -> None:
    """pre_projection (2 x backbone -> hidden) and post_projection (hidden -> backbone) are
    embedding; the ordered head's centroids (hidden -> num_centroids) and an untied head
    output; the text model's own groups do not move."""
    d, V, backbone, centroids = 64, 512, 96, 16
    plain = count(loaded(tmp_path, assistant(backbone_hidden_size=backbone))).groups
    drafted = count(
        loaded(
            tmp_path,
            assistant(
                backbone_hidden_size=backbone,
                use_ordered_embeddings=True,
                num_centroids=centroids,
                tie_word_embeddings=False,
            ),
        )
    ).groups
    assert plain[Group.OUTPUT] == 0  # tied by the top-level tie_word_embeddings
    assert drafted[Group.OUTPUT] == V * d + d * centroids
    assert drafted[Group.EMBEDDING] == plain[Group.EMBEDDING] == V * d + 3 * backbone * d
    assert drafted[Group.ATTENTION] == plain[Group.ATTENTION]


def test_the_top_level_tie_decides(tmp_path: Path) -> None:
    """text_config's tie_word_embeddings changes nothing: the assistant's own config ties."""
    untied_text = {**TEXT, "tie_word_embeddings": False}
    config = {**assistant(), "text_config": untied_text}
    assert count(loaded(tmp_path, config)).groups[Group.OUTPUT] == 0


def test_the_assistant_keeps_no_cache(tmp_path: Path) -> None:
    """forward() runs the text model with use_cache=False: even its layers that make their
    own K/V keep none between steps."""
    model = loaded(tmp_path, assistant()).to_model()
    assert kv_cache(model, DType.BF16, 2, 128).bytes == 0


@pytest.mark.parametrize(
    "config",
    [
        {"model_type": "gemma4_unified_assistant"},
        assistant(text_config={**TEXT, "num_kv_shared_layers": 0}),
        # a split that leaves the full layers without an earlier producer
        assistant(text_config={**TEXT, "layer_types": ["sliding_attention", "full_attention"]}),
    ],
)
def test_configs_transformers_cannot_build_name_the_key(
    tmp_path: Path, config: dict[str, Any]
) -> None:
    """Every layer sharing K/V (the default: 0 means all) has no producer layer, and
    kv_sharing_modes raises: an error naming num_kv_shared_layers, not a count."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, config)
    assert "num_kv_shared_layers" in str(raised.value)


def test_gemma4_assistant_is_refused_by_name(tmp_path: Path) -> None:
    """No config of Gemma4AssistantForCausalLM builds in transformers 5.23: its model_type is
    refused with the reason, not reported as unknown."""
    with pytest.raises(InputError) as raised:
        loaded(tmp_path, {"model_type": "gemma4_assistant", "text_config": TEXT})
    assert "kv_sharing_modes" in str(raised.value)
    assert "unsupported model_type" not in str(raised.value)
