"""Every Hugging Face family paramcalc imports counts exactly what transformers counts.

The expected numbers are stored: transformers 5.23.0 instantiated each config on the meta device
(`scripts/make_reference.py`, see data/README.md), so these tests need neither torch nor
transformers. Each config is written as a `config.json` and read through the same loader and
CLI a user's file takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import DATA, reference_models
from paramcalc.calculator import count
from paramcalc.cli import main
from paramcalc.sources import load
from paramcalc.sources.hf import supported_model_types

GROUPS = ("embedding", "attention", "feedforward", "norm", "output")

#: The model_types paramcalc promises to import exactly; coverage may grow, never shrink.
REQUIRED_MODEL_TYPES = {
    "gpt2",
    "llama",
    "mistral",
    "mixtral",
    "qwen2",
    "qwen2_moe",
    "qwen3",
    "qwen3_moe",
    "gemma",
    "gemma2",
    "gemma3_text",
    "phi",
    "phi3",
    "falcon",
    "gpt_neox",
    "gptj",
    "opt",
    "bloom",
    "olmo",
    "olmo2",
    "starcoder2",
    "deepseek_v2",
    "deepseek_v3",
    "bert",
    "roberta",
    "t5",
}


def hf_fixtures() -> list[dict[str, Any]]:
    """The config.json fixtures of data/hf, one family branch or published model each."""
    return [json.loads(p.read_text()) for p in sorted((DATA / "hf").glob("*.json"))]


def head_of(fixture: dict[str, Any]) -> str | None:
    """The head a fixture's model holds beyond what AutoModel builds: `mlm` for a masked-LM
    model (its `auto_class`), else None (the family's default)."""
    return "mlm" if fixture.get("auto_class") == "AutoModelForMaskedLM" else None


def cases() -> list[dict[str, Any]]:
    """Every stored config with its transformers counts: data/hf plus the reference models."""
    fixtures = [
        {
            "name": f["name"],
            "model_type": f["model_type"],
            "config": f["config"],
            "total": f["total"],
            "groups": f["groups"],
            "head": head_of(f),
        }
        for f in hf_fixtures()
    ]
    references = [
        {
            "name": m["name"],
            "model_type": m["model_type"],
            "config": m["config_json"],
            "total": m["total"],
            "groups": m["groups"],
            "head": None,
        }
        for m in reference_models()
    ]
    return fixtures + references


CASES = {case["name"]: case for case in cases()}
FIXTURES = {f["name"]: f for f in hf_fixtures()}


def write_config(tmp_path: Path, case: dict[str, Any]) -> Path:
    """Write a case's config as NAME/config.json, the layout of a downloaded model."""
    folder = tmp_path / case["name"]
    folder.mkdir()
    path = folder / "config.json"
    path.write_text(json.dumps(case["config"], indent=2))
    return path


def test_names_are_unique_across_fixtures_and_references() -> None:
    """A fixture never shadows a reference model (CASES is keyed by name)."""
    assert len(CASES) == len(hf_fixtures()) + len(reference_models())


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_is_whole(name: str) -> None:
    """File name, model_type and the five groups agree with each other and add up."""
    fixture = FIXTURES[name]
    assert (DATA / "hf" / f"{name}.json").is_file()
    assert fixture["config"]["model_type"] == fixture["model_type"]
    assert tuple(fixture["groups"]) == GROUPS
    assert sum(fixture["groups"].values()) == fixture["total"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_loader_counts_what_transformers_counts(tmp_path: Path, name: str) -> None:
    """The config.json loader gives transformers' total and all five groups, to the unit."""
    case = CASES[name]
    breakdown = count(load(str(write_config(tmp_path, case)), head=case["head"]))
    assert breakdown.total == case["total"]
    assert {group.value: n for group, n in breakdown.groups.items()} == case["groups"]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_cli_json_counts_what_transformers_counts(tmp_path: Path, name: str) -> None:
    """`paramcalc count config.json --format json` prints transformers' total and groups."""
    case = CASES[name]
    path = write_config(tmp_path, case)
    head = ["--head", case["head"]] if case["head"] else []
    result = CliRunner().invoke(
        main, ["count", str(path), "--format", "json", *head], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == case["total"]
    assert data["groups"] == case["groups"]
    assert data["name"] == name
    if case["head"]:
        assert data["head"] == case["head"]


def test_every_required_model_type_has_a_transformers_count() -> None:
    """Fixtures and reference models together cover all 26 families, and every supported one."""
    covered = {case["model_type"] for case in CASES.values()}
    assert covered >= REQUIRED_MODEL_TYPES
    assert set(supported_model_types()) <= covered
    assert set(supported_model_types()) >= REQUIRED_MODEL_TYPES


def has_fixture(model_type: str, **fields: Any) -> bool:
    """Whether some fixture of `model_type` sets every given field to the given value."""
    return any(
        f["model_type"] == model_type
        and all(f["config"].get(k, "<absent>") == v for k, v in fields.items())
        for f in FIXTURES.values()
    )


def test_fixtures_exercise_the_family_branches() -> None:
    """The branches that change tensors each keep a fixture (they cannot silently go)."""
    assert has_fixture("deepseek_v3", q_lora_rank=None)  # plain q_proj
    assert has_fixture("deepseek_v3", q_lora_rank=1536)  # q_a_proj, q_a_layernorm, q_b_proj
    assert has_fixture("t5", tie_word_embeddings=False)  # flan-t5: own lm_head
    assert has_fixture("falcon", new_decoder_architecture=True)  # GQA, ln_attn + ln_mlp
    assert has_fixture("falcon", alibi=True, parallel_attn=False, multi_query=False)
    assert has_fixture("qwen2_moe", decoder_sparse_step=3, mlp_only_layers=[5])
    assert has_fixture("qwen3_moe", decoder_sparse_step=2, mlp_only_layers=[3])
    assert has_fixture("gemma2", sliding_window=4096)  # alternating sliding/full layers
    assert has_fixture("gemma3_text", sliding_window_pattern=6)
    assert any(
        f["model_type"] == "qwen2_moe"
        and f["config"].get("num_experts", 60) > 0
        and f["config"].get("shared_expert_intermediate_size", 5632) > 0
        for f in FIXTURES.values()
    )  # shared expert and its gate


def test_untied_t5_head_is_vocab_by_width() -> None:
    """flan-t5's own lm_head is its whole output group: vocab_size x d_model, no bias."""
    flan = FIXTURES["flan-t5-small"]
    config = flan["config"]
    assert flan["groups"]["output"] == config["vocab_size"] * config["d_model"]
    assert flan["groups"]["embedding"] == flan["groups"]["output"]  # shared table, same shape


def run_bad_config(tmp_path: Path, config: dict[str, Any]) -> str:
    """Run `count` on a broken config.json; return its one stderr line after checking exit 2."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(main, ["count", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error:"), result.stderr
    return lines[0]


def test_unknown_model_type_lists_every_supported_one(tmp_path: Path) -> None:
    """An unknown model_type: exit 2, one line naming it and every supported model_type."""
    line = run_bad_config(tmp_path, {"model_type": "not_a_model", "hidden_size": 768})
    assert "model_type" in line and "'not_a_model'" in line
    listed = line.split("supported: ", 1)[1].split(", ")
    assert listed == sorted(supported_model_types())
    assert set(listed) >= REQUIRED_MODEL_TYPES


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"model_type": "llama", "hidden_size": "4096"}, "hidden_size"),
        ({"model_type": "gpt2", "n_layer": 1.5}, "n_layer"),
        ({"model_type": "gpt2", "num_hidden_layers": True}, "num_hidden_layers"),  # the alias used
        ({"model_type": "qwen2", "tie_word_embeddings": "no"}, "tie_word_embeddings"),
        ({"model_type": "qwen3_moe", "mlp_only_layers": [1, "x"]}, "mlp_only_layers"),
        ({"model_type": "deepseek_v3", "q_lora_rank": "1536"}, "q_lora_rank"),
        ({"model_type": "falcon", "new_decoder_architecture": "yes"}, "new_decoder_architecture"),
        ({"model_type": "gemma2", "layer_types": ["sliding_attention"]}, "layer_types"),
        ({"model_type": "t5", "feed_forward_proj": 3}, "feed_forward_proj"),
        ({"model_type": "bert", "type_vocab_size": -1}, "type_vocab_size"),
    ],
)
def test_wrong_typed_field_is_named(tmp_path: Path, config: dict[str, Any], field: str) -> None:
    """A field of the wrong type or range: exit 2, one line naming the file's key."""
    line = run_bad_config(tmp_path, config)
    assert f"config.json: {field}: " in line


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (
            {"model_type": "qwen2_moe", "shared_expert_intermediate_size": 0},
            "shared_expert_intermediate_size",
        ),
        ({"model_type": "deepseek_v3", "n_shared_experts": 0}, "n_shared_experts"),
        (
            {"model_type": "deepseek_v2", "num_experts_per_tok": 2, "n_shared_experts": 0},
            "n_shared_experts",
        ),
        ({"model_type": "bert", "type_vocab_size": 0}, "type_vocab_size"),
        ({"model_type": "roberta", "type_vocab_size": 0}, "type_vocab_size"),
        (
            {"model_type": "t5", "relative_attention_num_buckets": 0},
            "relative_attention_num_buckets",
        ),
    ],
)
def test_a_module_of_zero_width_is_refused(
    tmp_path: Path, config: dict[str, Any], field: str
) -> None:
    """transformers builds these modules with zero-element tensors, which paramcalc's records
    cannot list: the key that asks for one is named instead of a tensor list that differs."""
    line = run_bad_config(tmp_path, config)
    assert f"config.json: {field}: 0 builds" in line


@pytest.mark.parametrize(
    ("fixture", "stored"),
    [
        ("deepseek-v3", "e_score_correction_bias"),
        ("flan-t5-small", "decoder.embed_tokens"),
        ("roberta-base", "lm_head"),
    ],
)
def test_count_says_what_a_checkpoint_stores_beyond_the_parameters(
    tmp_path: Path, fixture: str, stored: str
) -> None:
    """Buffers and unbuilt layers a family's checkpoints hold are named, in JSON and table."""
    config = next(f["config"] for f in hf_fixtures() if f["name"] == fixture)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["count", str(path), "-f", "json"]).stdout)
    assert any(stored in note for note in data["notes"])
    table = runner.invoke(main, ["count", str(path)]).stdout
    assert stored in " ".join(table.split())


def test_a_preset_without_remarks_has_no_notes() -> None:
    """Notes come from the source, never invented: a plain preset carries none in JSON."""
    result = CliRunner().invoke(main, ["count", "llama-2-7b", "-f", "json"])
    assert json.loads(result.stdout)["notes"] == []


def test_a_broken_rule_names_the_key_the_config_used(tmp_path: Path) -> None:
    """GPT-2 spells the heads `n_head`: a rule the schema enforces is reported under that key."""
    line = run_bad_config(tmp_path, {"model_type": "gpt2", "n_embd": 770, "n_head": 12})
    assert "n_head (num_attention_heads)" in line and "770" in line
