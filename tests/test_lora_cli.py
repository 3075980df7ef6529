"""`paramcalc lora` and `paramcalc count adapter_config.json` through the real CLI.

The expected numbers come from PEFT (the saved adapter in data/adapters, written by
`scripts/make_lora_reference.py` with PEFT's save_pretrained) or closed-form formulas.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_hub import cache_model, counted, one_error, paramcalc

from conftest import DATA
from paramcalc.cli import main

ADAPTER = DATA / "adapters" / "llama-variant-1-lora"
BASE = json.loads((DATA / "hf" / "llama-variant-1.json").read_text())
#: What adapter_model.safetensors holds, by its header: PEFT's trainable parameters.
STORED = 7248


def run(*args: str, code: int = 0) -> Any:
    """The JSON of `paramcalc ARGS -f json`, with the exit code checked."""
    result = CliRunner().invoke(main, [*args, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)


def base_folder(tmp_path: Path) -> Path:
    """The adapter's base fixture as a config.json folder."""
    folder = tmp_path / "base"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(BASE["config"]))
    return folder


def test_preset_q_v_matches_the_closed_form() -> None:
    """Llama 3.1 8B, r=16 on q_proj and v_proj: 32 x 16 x ((4096 + 4096) + (4096 + 1024))."""
    data = run("lora", "llama-3.1-8b", "--r", "16", "--alpha", "32", "--target", "q_proj,v_proj")
    assert data["trainable"] == 32 * 16 * (4096 + 4096 + 4096 + 1024) == 6_815_744
    assert data["total"] == 8_030_261_248
    assert data["all_parameters"] == data["total"] + data["trainable"]
    assert data["adapter_bytes"] == 4 * data["trainable"]
    assert data["by_kind"]["q_proj"] == {"modules": 32, "ranks": [16], "parameters": 4_194_304}
    assert len(data["by_layer"]) == 32


def test_adapter_dtype_and_dora() -> None:
    """DoRA adds one magnitude per output feature; bf16 halves the adapter's bytes."""
    plain = run("lora", "gpt2", "--r", "8", "--target", "c_attn")
    dora = run(
        "lora", "gpt2", "--r", "8", "--target", "c_attn", "--dora", "--adapter-dtype", "bf16"
    )
    assert plain["trainable"] == 12 * 8 * (768 + 3 * 768)  # Conv1D stored (in, out)
    assert dora["trainable"] == plain["trainable"] + 12 * 3 * 768
    assert dora["adapter_bytes"] == 2 * dora["trainable"]


def test_local_adapter_config_equals_its_safetensors(tmp_path: Path) -> None:
    """The folder and the file itself count what PEFT saved; the header check passes."""
    base = str(base_folder(tmp_path))
    for source in (ADAPTER, ADAPTER / "adapter_config.json"):
        data = run("count", str(source), "--base", base)
        assert data["trainable"] == STORED == data["adapter_file"]["parameters"]
        assert data["adapter_file"]["matches"] and data["adapter_file"]["dtypes"] == {"F32": STORED}
        assert data["total"] == BASE["total"]


def test_adapter_file_that_differs_exits_1(tmp_path: Path) -> None:
    """A config saying another rank than its weights: the count is shown and the exit is 1."""
    folder = tmp_path / "adapter"
    shutil.copytree(ADAPTER, folder)
    config = json.loads((folder / "adapter_config.json").read_text())
    (folder / "adapter_config.json").write_text(json.dumps({**config, "r": 8}))
    data = run("count", str(folder), "--base", str(base_folder(tmp_path)), code=1)
    assert not data["adapter_file"]["matches"]


def test_adapter_base_by_hub_id_from_the_cache(tmp_path: Path) -> None:
    """base_model_name_or_path is a Hub id: read from the local cache, offline."""
    config = json.dumps(BASE["config"]).encode()
    cache_model(tmp_path / "hf", "acme/llama-variant-1", {"config.json": config})
    data = counted(paramcalc(tmp_path, "count", str(ADAPTER), "-f", "json", offline=True))
    assert data["trainable"] == STORED and data["name"] == "acme/llama-variant-1"
    lora = counted(
        paramcalc(tmp_path, "lora", "acme/llama-variant-1", "--target", "q_proj", "-f", "json")
    )
    q = [s for n, s in BASE["tensors"] if n.endswith("q_proj.weight")]
    assert lora["trainable"] == sum(8 * (rows + cols) for rows, cols in q)


def test_unknown_peft_type_and_unmodelled_options_exit_2(tmp_path: Path) -> None:
    """A non-LoRA adapter or an option paramcalc does not model is one line naming the key."""
    config = json.loads((ADAPTER / "adapter_config.json").read_text())
    base = str(base_folder(tmp_path))
    for change, key in (
        ({"peft_type": "IA3"}, "peft_type"),
        ({"layer_replication": [[0, 2]]}, "layer_replication"),
        ({"use_some_new_variant": True}, "use_some_new_variant"),
        ({"target_modules": ["no_such_proj"]}, "target_modules"),
    ):
        path = tmp_path / "adapter_config.json"
        path.write_text(json.dumps({**config, **change}))
        one_error(paramcalc(tmp_path, "count", str(path), "--base", base), key)


def test_bad_lora_flags_exit_2(tmp_path: Path) -> None:
    """A target matching a container, a regex with --layers, a bad rank pattern: exit 2."""
    for args, fragment in (
        (["--target", "self_attn"], "self_attn"),
        (["--target-regex", ".*q_proj", "--layers", "0"], "layers_to_transform"),
        (["--target", "q_proj", "--rank-pattern", "q_proj"], "--rank-pattern"),
        (["--target", "q_proj", "--dora", "--lora-bias"], "lora_bias"),
    ):
        one_error(paramcalc(tmp_path, "lora", "llama-3.2-1b", *args), fragment)
