"""`memory --state-dtype`, and the hybrid families' layer kinds and refusals, through the CLI.

Closed forms from each family's modeling code: a Mamba layer keeps conv_kernel inputs of its
inner width (the window, in the activations' dtype) and state_size values per inner channel
(the SSM state, float32 in transformers unless --state-dtype says otherwise).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from paramcalc.cli import main

INNER = 2 * 768  # Mamba defaults: expand x hidden_size
WINDOW, SSM = 32 * INNER * 4, 32 * INNER * 16  # 32 layers x (conv_kernel, state_size) values


def run(tmp_path: Path, config: dict[str, Any], *args: str) -> Any:
    """Run a command on a config.json with `-f json` and parse what it prints."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(main, [*args, str(path), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "window_bytes", "state_bytes"),
    [
        ((), 2, 4),  # bf16 weights: bf16 windows, the fp32 state transformers keeps
        (("--state-dtype", "bf16"), 2, 2),
        (("--dtype", "fp32", "--state-dtype", "fp16"), 4, 2),
        (("--kv-dtype", "fp8"), 1, 4),
    ],
)
def test_state_dtype_sizes_the_recurrent_state_and_not_the_window(
    tmp_path: Path, args: tuple[str, ...], window_bytes: int, state_bytes: int
) -> None:
    """The window follows the KV cache's dtype, the SSM state --state-dtype (fp32 unless set)."""
    data = run(tmp_path, {"model_type": "mamba"}, "memory", *args)["kv_cache"]
    assert data["state_bytes_per_sequence"] == window_bytes * WINDOW + state_bytes * SSM
    assert data["state_dtype"] == (
        args[args.index("--state-dtype") + 1] if "--state-dtype" in args else "fp32"
    )


def test_falcon_h1_layers_hold_attention_and_mamba2(tmp_path: Path) -> None:
    """Every Falcon-H1 layer caches K/V and keeps a Mamba-2 state; `count --layers` says both."""
    config = {"model_type": "falcon_h1", "num_hidden_layers": 3}
    layers = run(tmp_path, config, "count", "--layers")["layers"]
    assert [layer["kind"] for layer in layers] == ["full_attention+mamba2+gated"] * 3
    cache = run(tmp_path, config, "memory", "--seq", "10")["kv_cache"]
    assert cache["bytes_per_token"] == 3 * 2 * 2 * 8 * 128  # layers x K and V x bf16 x 8 x 128
    inner, conv_dim = 1024, 1024 + 2 * 256  # mamba_d_ssm; x, B and C channels
    per_layer = 2 * conv_dim * 4 + 4 * inner * 256  # bf16 window + fp32 SSM state
    assert cache["state_bytes_per_sequence"] == 3 * per_layer
    parts = cache["state_layer_kinds"]["mamba2"]["parts"]
    assert parts == {"conv": 3 * conv_dim * 4, "ssm": 3 * inner * 256}


def test_hybrid_layer_kinds_follow_layer_types(tmp_path: Path) -> None:
    """Qwen3.5's layer_types decide each layer's mixer, as `count --layers` shows."""
    kinds = ["linear_attention", "full_attention", "linear_attention"]
    config = {"model_type": "qwen3_5_text", "num_hidden_layers": 3, "layer_types": kinds}
    layers = run(tmp_path, config, "count", "--layers")["layers"]
    assert [layer["kind"] for layer in layers] == [f"{kind}+mlp" for kind in kinds]


@pytest.mark.parametrize(
    ("config", "key"),
    [
        # OlmoHybridConfig.validate_architecture wants both kinds of layer
        (
            {
                "model_type": "olmo_hybrid",
                "num_hidden_layers": 2,
                "layer_types": ["full_attention"] * 2,
            },
            "layer_types",
        ),
        # KimiLinearConfig indexes layer_types by these 1-based layers: one past the stack fails
        (
            {
                "model_type": "kimi_linear",
                "num_hidden_layers": 2,
                "linear_attn_config": {"full_attn_layers": [3], "kda_layers": [1]},
            },
            "linear_attn_config",
        ),
        # HRM runs its stacks H_cycles times: at least once
        ({"model_type": "hrm_text", "H_cycles": 0}, "H_cycles"),
        # FalconH1Config.validate_architecture: the SSM heads must tile mamba_d_ssm
        ({"model_type": "falcon_h1", "mamba_d_head": 24}, "mamba_d_head"),
    ],
)
def test_unrepresentable_hybrid_configs_are_one_error_naming_the_key(
    tmp_path: Path, config: dict[str, Any], key: str
) -> None:
    """What transformers refuses to build, paramcalc refuses too: exit 2, one line, the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(main, ["count", str(path)], catch_exceptions=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and f"{key}:" in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "defaults-falcon-h1",
        "defaults-kimi-linear",
        "defaults-bailing-hybrid",
        "defaults-olmo-hybrid",
        "defaults-qwen3-5-text",
        "defaults-hrm-text",
    ],
)
def test_convert_writes_the_new_mixers_and_counts_them_again(tmp_path: Path, name: str) -> None:
    """A parallel mixer, KDA, MLA's head gate, DeltaNet's projection layouts and HRM's named,
    repeated stacks survive `convert` to the nested form: counting that file gives
    transformers' total and names."""
    from conftest import DATA
    from paramcalc.calculator import count
    from paramcalc.sources import load

    fixture = json.loads((DATA / "hf" / f"{name}.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(fixture["config"]))
    runner = CliRunner()
    converted = runner.invoke(main, ["convert", str(tmp_path / "config.json")])
    assert converted.exit_code == 0, converted.stderr
    path = tmp_path / "model.yaml"
    path.write_text(converted.stdout)
    again = count(load(str(path)))
    assert again.total == fixture["total"]
    assert sorted(t.name for t in again.enumeration.tensors()) == sorted(
        n for n, _ in fixture["tensors"]
    )
