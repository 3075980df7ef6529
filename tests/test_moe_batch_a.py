"""Attention MoE decoders of issue #10, batch A: what the fixtures cannot show by themselves.

The fixtures (data/hf) prove each family's tensors against transformers; these tests pin the
branches they must keep covering, the components' own promises (a router's score bias is a
parameter of E elements) and the errors naming a config key paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from paramcalc.cli import main
from paramcalc.core.attention import Attention
from paramcalc.core.context import Context
from paramcalc.core.ffn import MoE
from paramcalc.core.hyper import hyper_connection, hyper_head

DATA = Path(__file__).parent / "data" / "hf"


def fixtures(model_type: str) -> list[dict[str, Any]]:
    """Every fixture of one family."""
    return [
        f
        for path in sorted(DATA.glob("*.json"))
        if (f := json.loads(path.read_text()))["model_type"] == model_type
    ]


def run_bad_config(tmp_path: Path, config: dict[str, Any]) -> str:
    """Run `count` on a config.json paramcalc refuses; return its one error line (exit 2)."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(main, ["count", str(path)], catch_exceptions=False)
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcalc: error:"), result.stderr
    return lines[0]


@pytest.mark.parametrize(("kind", "shape"), [("vector", (6,)), ("row", (1, 6))])
def test_a_score_bias_is_one_parameter_per_expert(kind: str, shape: tuple[int, ...]) -> None:
    """Laguna's e_score_correction_bias is (E,), ERNIE 4.5's (1, E): feed-forward, E elements."""
    spec = MoE(num_experts=6, num_experts_per_tok=2, moe_intermediate_size=8, score_bias=kind)
    plain = MoE(num_experts=6, num_experts_per_tok=2, moe_intermediate_size=8)
    extra = [r for r in spec.records(Context(16)) if r.name == "score_bias"]
    assert [(r.shape, r.size, r.group.value) for r in extra] == [(shape, 6, "feedforward")]
    assert len(spec.records(Context(16))) == len(plain.records(Context(16))) + 1


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"model_type": "afmoe", "num_shared_experts": 0}, "num_shared_experts"),
        (
            {"model_type": "laguna", "shared_expert_intermediate_size": 0},
            "shared_expert_intermediate_size",
        ),
    ],
)
def test_an_empty_shared_expert_is_refused(
    tmp_path: Path, config: dict[str, Any], field: str
) -> None:
    """AFMoE and Laguna build their shared MLP whatever its width: 0 gives zero-element
    tensors, which paramcalc's records cannot list, so the key is named."""
    assert f"config.json: {field}: 0 builds" in run_bad_config(tmp_path, config)


@pytest.mark.parametrize(("gate", "width"), [("per_channel", 4 * 8), ("per_head", 4)])
def test_a_gate_projection_reads_the_input_and_has_no_bias(gate: str, width: int) -> None:
    """AFMoE's gate_proj gives every channel a gate, Laguna's per-head g_proj every head one."""
    spec = Attention(num_attention_heads=4, num_key_value_heads=2, head_dim=8, gate_proj=gate)
    (record,) = [r for r in spec.records(Context(16)) if r.name == "gate_proj"]
    assert (record.inputs, record.outputs, record.bias, record.size) == (
        16,
        width,
        False,
        16 * width,
    )


def test_flat_experts_are_three_2d_tensors() -> None:
    """DBRX: w1 and v1 of (E x width, hidden), w2 stored transposed, (E x width, hidden) too."""
    spec = MoE(num_experts=3, num_experts_per_tok=1, moe_intermediate_size=8, flat_experts=True)
    shapes = {
        t.name: t.shape
        for r in spec.records(Context(16))
        if r.name == "experts"
        for t in r.tensors()
    }
    assert shapes == {"experts.w1": (24, 16), "experts.v1": (24, 16), "experts.w2": (24, 16)}
    assert sum(r.size for r in spec.records(Context(16))) == 3 * 3 * 8 * 16 + 16 * 3


def test_query_experts_replace_q_and_o_by_routed_copies() -> None:
    """JetMoE's MoA: E query and output experts of kv x head_dim (k = heads / kv per token),
    their router and output bias, and one fused kv_proj; K and V of the kv heads are cached."""
    spec = Attention(num_attention_heads=4, num_key_value_heads=2, head_dim=8, query_experts=3)
    records = {r.name: r for r in spec.records(Context(16))}
    assert sorted(records) == [
        "experts.bias",
        "experts.input_linear",
        "experts.output_linear",
        "experts.router.layer",
        "kv_proj",
    ]
    q = records["experts.input_linear"]
    assert (q.size, q.active_size) == (3 * 16 * 16, 2 * 16 * 16)  # 2 of 3 experts per token
    assert records["kv_proj"].size == 16 * 2 * 16
    assert spec.cache_values(16) == 2 * (8 + 8)


def test_hyper_connections_project_the_streams_to_their_weights() -> None:
    """HY-V4: each sublayer's fn maps N x hidden to 2N weights (with base 2N and scale 2);
    the head's hc_fn maps N x hidden to N (with hc_base N and hc_scale 1)."""
    ctx = Context(16)
    block = {t.name: t.shape for r in hyper_connection("attn_hc", 4, ctx) for t in r.tensors()}
    assert block == {"attn_hc.fn": (8, 64), "attn_hc.base": (8,), "attn_hc.scale": (2,)}
    head = {t.name: t.shape for r in hyper_head("hc_head", 4, ctx) for t in r.tensors()}
    assert head == {"hc_head.hc_fn": (4, 64), "hc_head.hc_base": (4,), "hc_head.hc_scale": (1,)}


def test_fixtures_exercise_the_family_branches() -> None:
    """The branches that change tensors each keep a fixture."""
    hunyuan = [f["config"].get("moe_topk") for f in fixtures("hunyuan_v1_moe")]
    assert any(isinstance(k, list) for k in hunyuan)  # experts per token, per layer
    cohere = [f["config"] for f in fixtures("cohere2_moe")]
    assert any("first_k_dense_replace" in c for c in cohere)  # the popped keyword
    assert any("mlp_layer_types" in c for c in cohere)
    assert any(c.get("rms_norm_eps") is None for c in cohere)  # LayerNorm without bias
    assert any(c.get("rms_norm_eps") for c in cohere)
    ernie = [f["config"] for f in fixtures("ernie4_5_moe")]
    assert any(c.get("use_bias") is True for c in ernie)  # biases and lm_head's bias
    laguna = [f["config"] for f in fixtures("laguna")]
    assert any(c.get("gating", True) in (True, "per-head") for c in laguna)  # a gate per head
    assert any(c.get("gating", True) not in (True, "per-head") for c in laguna)  # per channel
    assert any("num_attention_heads_per_layer" in c for c in laguna)
    m3 = [f["config"] for f in fixtures("minimax_m3_vl_text")]
    assert any("sparse_attention_config" in c for c in m3)  # the checkpoints' legacy keywords
    assert any("minimax_m3_sparse" in c.get("layer_types", []) for c in m3)
    hy = [f["config"] for f in fixtures("hy_v4")]
    assert any("indexer_types" in c for c in hy) and any(c.get("hc_mult") == 1 for c in hy)
    swa = [f["config"] for f in fixtures("granitemoe_swa")]
    assert any(c.get("shared_intermediate_size", 0) > 0 for c in swa)


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"model_type": "hunyuan_v1_moe", "head_dim": 128, "moe_topk": [1, 2]}, "moe_topk"),
        ({"model_type": "hunyuan_v1_moe", "head_dim": 128, "num_experts": [2, 2]}, "num_experts"),
        ({"model_type": "hunyuan_v1_moe"}, "head_dim"),  # null: HunYuan cannot build it
        ({"model_type": "cohere2_moe", "mlp_layer_types": ["dense"]}, "mlp_layer_types"),
        (
            {"model_type": "laguna", "num_attention_heads_per_layer": [8]},
            "num_attention_heads_per_layer",
        ),
        ({"model_type": "laguna", "gating": 1}, "gating"),
        ({"model_type": "dbrx", "tie_word_embeddings": True}, "tie_word_embeddings"),
        (
            {"model_type": "hy_v4", "num_hidden_layers": 2, "indexer_types": ["full"]},
            "indexer_types",
        ),
        (
            {"model_type": "minimax", "num_hidden_layers": 2, "layer_types": ["mamba", "x"]},
            "layer_types",
        ),
        (
            {"model_type": "jetmoe", "num_local_experts": 2, "num_experts_per_tok": 3},
            "num_experts_per_tok",
        ),
        ({"model_type": "dbrx", "hidden_size": 96}, "hidden_size"),  # experts ignore the alias
        ({"model_type": "dbrx", "ffn_config": {"moe_top_k": 0}}, "ffn_config"),
        (
            {"model_type": "minimax_m3_vl_text", "num_hidden_layers": 2, "layer_types": ["x", "y"]},
            "layer_types",
        ),
        (
            {
                "model_type": "minimax_m3_vl_text",
                "sparse_attention_config": {"sparse_index_dim": 0},
            },
            "sparse_attention_config",
        ),
    ],
)
def test_unbuildable_values_are_named(tmp_path: Path, config: dict[str, Any], field: str) -> None:
    """A value paramcalc cannot represent: exit 2, one line naming the file's key."""
    line = run_bad_config(tmp_path, config)
    assert f"config.json: {field}: " in line
