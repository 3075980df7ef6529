"""For every preset on three GPUs, `fit`'s answer fits and one more does not, by `memory`'s bytes.

The weights, KV cache and recurrent state are what `paramcalc memory` prints for the shape
(`inference_bytes`); the budget is floor(memory x 0.9) of the datasheet's binary gigabytes;
the workspace is fit's stated convention, whose logits term grows by exactly vocab x 4 bytes
a sequence (the vocabulary read from the preset file).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from paramcalc.cli import main

PRESETS = sorted(p.stem for p in (REPO / "configs").glob("*.yaml"))
#: Datasheet memory in GiB: a large, a middling and a small device.
GPUS = {"mi300x": 192, "h100": 80, "rtx4090": 24}
SEQ = 4096
MAX = 2**63 - 1


def run_json(*args: str) -> Any:
    """Run a command with `-f json` and parse what it prints."""
    result = CliRunner().invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def inference(preset: str, batch: int, seq: int) -> int:
    """Weights + KV cache + state, as `paramcalc memory` prints them."""
    data = run_json("memory", preset, "--batch", str(batch), "--seq", str(seq))
    return int(data["inference_bytes"])


def vocab(preset: str) -> int:
    """The preset's vocabulary, from its file (flat or a published config.json under config:)."""
    document = yaml.safe_load((REPO / "configs" / f"{preset}.yaml").read_text())
    config = document.get("config", document)
    text = config.get("text_config", config)
    return int(text.get("vocab_size") or DEFAULT_VOCAB[text["model_type"]])


#: Vocabularies of text configs that leave vocab_size at its config class's default
#: (transformers 5.23.0's Gemma3TextConfig), as published Gemma 3 configs do.
DEFAULT_VOCAB = {"gemma3_text": 262208}


@pytest.mark.parametrize("gpu", sorted(GPUS))
@pytest.mark.parametrize("preset", PRESETS)
def test_longest_context_fits_and_one_more_token_does_not(preset: str, gpu: str) -> None:
    """memory(n) + workspace fits the budget; memory(n + 1) + workspace does not."""
    data = run_json("fit", preset, "--gpu", gpu)
    limit = GPUS[gpu] * 2**30 * 9 // 10
    assert data["budget_bytes"] == limit
    n, ws = data["longest_context"], data["exact"]["at"]["workspace_bytes"]
    assert data["exact"]["one_more"]["workspace_bytes"] == ws  # one sequence either way
    if n is None:  # every layer windowed or recurrent: even the longest context fits
        assert inference(preset, 1, MAX) + ws <= limit
    elif n == 0:
        assert inference(preset, 1, 1) + ws > limit
    else:
        assert inference(preset, 1, n) + ws <= limit < inference(preset, 1, n + 1) + ws


@pytest.mark.parametrize("gpu", sorted(GPUS))
@pytest.mark.parametrize("preset", PRESETS)
def test_largest_batch_fits_and_one_more_sequence_does_not(preset: str, gpu: str) -> None:
    """At 4,096 tokens: b sequences fit, b + 1 do not; each adds vocab x 4 bytes of logits."""
    data = run_json("fit", preset, "--gpu", gpu, "--seq", str(SEQ))
    limit = GPUS[gpu] * 2**30 * 9 // 10
    b, at = data["largest_batch"], data["exact"]["at"]["workspace_bytes"]
    if b == 0:
        assert inference(preset, 1, SEQ) + at > limit
        return
    past = data["exact"]["one_more"]["workspace_bytes"]
    assert past - at == vocab(preset) * 4
    assert inference(preset, b, SEQ) + at <= limit < inference(preset, b + 1, SEQ) + past
