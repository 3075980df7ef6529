"""A null where a config class requires a value is refused, as transformers refuses it.

`Family.required` lists the keys a config class types without None (`num_key_value_heads:
int` in Mistral, Gemma, Qwen2-MoE...): paramcalc then says the value is missing instead of
reading a null as one key/value head per query head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DATA
from paramcalc.cli import main
from paramcalc.families import families


@pytest.mark.parametrize("model_type", ["mistral", "gemma2", "qwen2_moe"])
def test_a_required_null_is_one_error_line(tmp_path: Path, model_type: str) -> None:
    """num_key_value_heads: null in a family whose config class requires it: exit 2, one line."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": model_type, "num_key_value_heads": None}))
    result = CliRunner().invoke(main, ["count", str(path)], catch_exceptions=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert "num_key_value_heads: must be an integer, got None" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_null_the_config_class_accepts_still_means_one_head_per_query_head(
    tmp_path: Path,
) -> None:
    """Llama's config class accepts null: multi-head attention, as transformers builds it."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "llama", "num_key_value_heads": None}))
    data = json.loads(CliRunner().invoke(main, ["count", str(path), "-f", "json"]).stdout)
    assert data["groups"]["attention"] == 32 * 4 * 4096 * 4096


def defaults_configs() -> dict[str, dict[str, Any]]:
    """Each family's defaults fixture config, for the families that read the key."""
    found = {}
    for path in sorted((DATA / "hf").glob("defaults-*.json")):
        fixture = json.loads(path.read_text())
        family = families().get(fixture["model_type"])
        if family is not None and "num_key_value_heads" in family.defaults:
            found[fixture["model_type"]] = fixture["config"]
    return found


@pytest.mark.torch
@pytest.mark.parametrize("model_type", sorted(defaults_configs()))
def test_required_follows_what_transformers_builds(model_type: str) -> None:
    """A family lists num_key_value_heads as required exactly when transformers cannot build
    its defaults with the key null."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = {k: v for k, v in defaults_configs()[model_type].items() if k != "model_type"}
    try:
        built = transformers.AutoConfig.for_model(model_type, **config, num_key_value_heads=None)
        # an encoder with no causal-LM class (EuroBERT) is built as its bare model
        causal = transformers.AutoModelForCausalLM
        auto = causal if type(built) in causal._model_mapping else transformers.AutoModel
        with torch.device("meta"):
            auto.from_config(built)
        builds = True
    except Exception:  # noqa: BLE001 - any refusal: a validation error or a failing build
        builds = False
    assert ("num_key_value_heads" in families()[model_type].required) is not builds
