"""Fuzzing the loaders: random bytes and near-valid files never escape as anything but InputError.

The inputs are random bytes, textual mutations of the shipped presets and of real config.json
files, and those files with one field replaced by random JSON-like data. Whatever loads must
also count. Each test is bounded by `max_examples` so the suite stays fast.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, reference_models
from paramcalc.calculator import count
from paramcalc.cli import main
from paramcalc.cli.options import load_source
from paramcalc.errors import InputError

PRESET_TEXTS = [p.read_text() for p in sorted((REPO / "configs").glob("*.yaml"))]
HF_CONFIGS = [m["config_json"] for m in reference_models()]
FIELDS = sorted({key for text in PRESET_TEXTS for key in yaml.safe_load(text)})

#: Examples per fuzz test; raise PARAMCALC_FUZZ_EXAMPLES for a longer hunt.
EXAMPLES = int(os.environ.get("PARAMCALC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Scraps of YAML syntax that near-valid files are made of: tags, anchors, flow, odd scalars.
SCRAPS = [
    "true",
    "false",
    "~",
    "null",
    "-1",
    "0",
    "1e9",
    "4096.0",
    ".inf",
    ".nan",
    "0x10",
    "0o7",
    "1_000",
    "'64'",
    '"8/3"',
    "[1, 2]",
    "{a: 1}",
    "&a 1",
    "*a",
    "<<: *a",
    "!!python/object/apply:os.system [ls]",
    "!!binary aGk=",
    "!!set {a}",
    "? [a]",
    ": ",
    "- ",
    "---",
    "...",
    "\t",
    "#",
    "%YAML 1.1",
    "2001-01-01",
    "9" * 120,
    "\x00",
    "\ufeff",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@contextmanager
def file_holding(content: bytes, suffix: str) -> Iterator[Path]:
    """A temporary file with `content`, named to be read as YAML or JSON."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(content)
        yield path


def load_or_refuse(content: bytes, suffix: str) -> None:
    """Load like the CLI does: an Architecture (which must count) or an InputError, nothing else."""
    with file_holding(content, suffix) as path:
        try:
            arch = load_source(str(path), ())
        except InputError as exc:
            assert str(path) in str(exc) or "preset" in str(exc)
            assert "\n" not in str(exc)
            return
    breakdown = count(arch)
    assert breakdown.active <= breakdown.total


@st.composite
def mutated_text(draw: st.DrawFn, texts: list[str]) -> str:
    """A real file with a few lines deleted, duplicated, swapped or spliced with scraps."""
    lines = draw(st.sampled_from(texts)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "scrap", "value", "cut"]))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "scrap":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(SCRAPS)) + lines[i][at:]
        elif action == "value":
            key = lines[i].partition(":")[0]
            lines[i] = f"{key}: {draw(st.sampled_from(SCRAPS))}"
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines) + "\n"


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([".yaml", ".json"]))
def test_random_bytes(content: bytes, suffix: str) -> None:
    """Arbitrary bytes: binary, non-UTF-8 or garbage text, all refused cleanly."""
    load_or_refuse(content, suffix)


@FUZZ
@given(mutated_text(PRESET_TEXTS))
def test_mutated_presets(text: str) -> None:
    """Shipped presets with lines cut, repeated, swapped or spliced with YAML oddities."""
    load_or_refuse(text.encode(), ".yaml")


@FUZZ
@given(
    st.sampled_from(PRESET_TEXTS),
    st.sampled_from(FIELDS + ["base", "num_experts"]),
    json_values,
    st.sampled_from([".yaml", ".json"]),
)
def test_preset_with_one_random_field(text: str, field: str, value: Any, suffix: str) -> None:
    """A preset with one field set to random data (any type, any size), as YAML or JSON."""
    data = yaml.safe_load(text) | {field: value}
    dumped = json.dumps(data) if suffix == ".json" else yaml.safe_dump(data)
    load_or_refuse(dumped.encode(), suffix)


@FUZZ
@given(st.sampled_from(HF_CONFIGS), st.data())
def test_hf_config_with_one_random_field(config: dict[str, Any], data: st.DataObject) -> None:
    """A real config.json with one of its own fields set to random JSON data."""
    field = data.draw(st.sampled_from(sorted(config)))
    value = data.draw(json_values)
    load_or_refuse(json.dumps(config | {field: value}).encode(), ".json")


@FUZZ
@given(st.sampled_from(HF_CONFIGS), st.data())
def test_mutated_hf_config_text(config: dict[str, Any], data: st.DataObject) -> None:
    """A real config.json, pretty-printed, with characters cut or spliced in."""
    text = json.dumps(config, indent=2)
    at = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(at, min(len(text), at + 20)))
    text = text[:at] + data.draw(st.sampled_from(["", ",", "}", "[", '"', "1e999", "-", "null"]))
    load_or_refuse((text + json.dumps(config, indent=2)[end:]).encode(), ".json")


@settings(
    max_examples=max(EXAMPLES // 4, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated_text(PRESET_TEXTS))
def test_cli_exits_0_or_2_on_mutated_presets(text: str) -> None:
    """Through the real CLI: a mutated preset counts (exit 0) or is one error line (exit 2)."""
    with file_holding(text.encode(), ".yaml") as path:
        result = CliRunner().invoke(
            main, ["count", str(path), "-f", "json"], catch_exceptions=False
        )
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
    else:
        assert isinstance(json.loads(result.stdout)["total"], int)


@FUZZ
@given(
    st.sampled_from(FIELDS + ["base", "layer_types", "mlp_only_layers", "zzz"]),
    st.text(max_size=30) | st.sampled_from(SCRAPS),
    st.sampled_from(["=", ""]),
)
def test_random_set_overrides(field: str, value: str, sep: str) -> None:
    """`--set FIELD=VALUE` with any text: the preset with it counts, or an InputError."""
    try:
        arch = load_source("mixtral-8x7b", (f"{field}{sep}{value}",))
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert count(arch).active <= count(arch).total
