"""Special attention mixers: DeepSeek sparse attention's indexer and differential attention.

The fixtures (data/hf) prove each family's tensors against transformers; these tests pin what
the components themselves promise: the indexer's tensors and the key it caches, and the errors
that name the config key paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.core.attention import Attention, Indexer, LatentAttention
from paramcalc.core.context import Context
from paramcalc.core.records import Norm
from paramcalc.errors import FieldValueError, ParamcalcError
from paramcalc.sources import load

MLA = {
    "num_attention_heads": 4,
    "kv_lora_rank": 32,
    "qk_nope_head_dim": 16,
    "qk_rope_head_dim": 8,
    "v_head_dim": 16,
}


def test_indexer_adds_its_projections_a_layernorm_and_one_cached_key() -> None:
    """wq_b reads the query latent; k_norm is a LayerNorm (with bias) in an RMSNorm model."""
    plain = LatentAttention(**MLA, q_lora_rank=24)
    indexed = LatentAttention(**MLA, q_lora_rank=24, indexer=Indexer(num_heads=2, head_dim=16))
    extra = {r.name: r for r in indexed.records(Context(64))}.items() - {
        r.name: r for r in plain.records(Context(64))
    }.items()
    sizes = {name: r.size for name, r in extra}
    # wq_b 24 -> 2 x 16, wk 64 -> 16, k_norm 16 (+16 bias), weights_proj 64 -> 2
    assert sizes == {
        "indexer.wq_b": 24 * 32,
        "indexer.wk": 64 * 16,
        "indexer.k_norm": 32,
        "indexer.weights_proj": 64 * 2,
    }
    norm = dict(extra)["indexer.k_norm"]
    assert isinstance(norm, Norm) and norm.bias and not norm.rms
    assert indexed.cache_values(64) == plain.cache_values(64) + 16


def test_indexer_without_a_query_latent_is_refused() -> None:
    """The indexer reads q_a_layernorm's output: MLA without q_lora_rank cannot carry one."""
    with pytest.raises(FieldValueError) as caught:
        LatentAttention(**MLA, indexer=Indexer(num_heads=2, head_dim=16)).check(64, "mixer.")
    assert caught.value.field == "mixer.q_lora_rank"


def test_differential_attention_adds_four_lambdas_of_head_dim() -> None:
    """DiffLlama: lambda_q1, lambda_k1, lambda_q2, lambda_k2; its group norm learns nothing."""
    plain = Attention(num_attention_heads=4, head_dim=24)
    diff = Attention(num_attention_heads=4, head_dim=24, differential=True)
    added = [r for r in diff.records(Context(64)) if r not in plain.records(Context(64))]
    assert sorted(r.name for r in added) == ["lambda_k1", "lambda_k2", "lambda_q1", "lambda_q2"]
    assert {r.size for r in added} == {24}


@pytest.mark.parametrize(
    ("config", "key"),
    [
        (
            {"model_type": "diffllama", "num_attention_heads": 6, "num_key_value_heads": 3},
            "num_key_value_heads",
        ),
        ({"model_type": "deepseek_v32", "q_lora_rank": None}, "q_lora_rank"),
        (
            {"model_type": "glm_moe_dsa", "num_hidden_layers": 2, "index_topk_pattern": "FX"},
            "index_topk_pattern",
        ),
        (
            {"model_type": "glm_moe_dsa", "num_hidden_layers": 2, "indexer_types": ["full"]},
            "indexer_types",
        ),
        (
            {
                "model_type": "deepseek_v32",
                "num_hidden_layers": 2,
                "mlp_layer_types": ["dense", "x"],
            },
            "mlp_layer_types",
        ),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, config: dict[str, object], key: str
) -> None:
    """What transformers refuses (or paramcalc cannot say) is an error naming the key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))


def test_moe_output_norm_is_one_norm_of_the_hidden_width() -> None:
    """A.X-K1: `mlp.post_mlp_layernorm` sits inside the MoE block and counts as norm."""
    from paramcalc.core.ffn import MoE

    moe = {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32}
    plain = MoE(**moe).records(Context(64))
    normed = MoE(**moe, output_norm=True).records(Context(64))
    added = normed[len(plain) :]
    assert normed[: len(plain)] == plain
    assert [(r.name, r.size, type(r)) for r in added] == [("output_norm", 64, Norm)]
