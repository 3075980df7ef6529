"""Shared test setup: Keras on torch's meta device, reference data, a CLI runner."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

# Real-Keras tests build layers on the meta device: any size, no memory.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("KERAS_TORCH_DEVICE", "meta")

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


def reference_models() -> list[dict[str, Any]]:
    """The reference set: counts from transformers on the meta device (see data/README)."""
    return json.loads((DATA / "reference_models.json").read_text())


@pytest.fixture
def runner() -> Any:
    """A click CliRunner whose result keeps stdout and stderr apart."""
    from click.testing import CliRunner

    return CliRunner()
