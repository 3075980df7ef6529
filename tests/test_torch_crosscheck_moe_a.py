"""Issue #10 batch A's new attention parts against real PyTorch models built by transformers.

AFMoE's per-channel gate projection, Laguna's per-head one (with per-layer query heads) and
JetMoE's routed query/output experts are projections FlopCounterMode must count as paramcalc
does; MiniMax-M3's lightning indexer
caches one key per token beside K and V, which the cache transformers fills must hold too.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.flops import forward_flops  # noqa: E402
from paramcalc.kvcache import kv_cache  # noqa: E402
from paramcalc.memory import weights_memory  # noqa: E402
from paramcalc.precision import DType  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, SEQ = 2, 7
SMALL = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=3,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    num_experts_per_tok=2,
    moe_intermediate_size=32,
)
GATED = {
    "afmoe": dict(
        SMALL,
        num_experts=4,
        num_shared_experts=1,
        num_dense_layers=1,
        sliding_window=4,
        global_attn_every_n_layers=2,
    ),
    "laguna": dict(
        SMALL,
        num_experts=4,
        shared_expert_intermediate_size=32,
        gating="per-head",
        num_attention_heads_per_layer=[2, 4, 8],
        layer_types=["sliding_attention"] * 3,
        sliding_window=4,
    ),
    "jetmoe": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_key_value_heads=2,
        kv_channels=16,
        num_local_experts=4,
        num_experts_per_tok=2,
    ),
}


def built(model_type: str, fields: dict[str, Any]) -> Any:
    """A random-weight fp32 causal LM of the config, eager attention and experts."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **fields)
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"
    return transformers.AutoModelForCausalLM.from_config(config).float().eval()


def run(model: Any) -> tuple[int, Any]:
    """FlopCounterMode's total for one forward pass with the cache on, and the cache."""
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        output = model(ids, use_cache=True)
    return counter.get_total_flops(), output.past_key_values


@pytest.mark.parametrize("model_type", sorted(GATED))
def test_gates_and_query_experts_cost_what_flop_counter_mode_counts(model_type: str) -> None:
    """Forward FLOPs (gate projections, JetMoE's routed query experts and the routed MLP
    experts included), the K/V cache and weights bytes."""
    model = built(model_type, GATED[model_type])
    flops, cache = run(model)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert forward_flops(counted, BATCH, SEQ).forward == flops
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    held = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    assert kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ).self_attention_bytes == held


def test_indexer_key_is_cached_beside_k_and_v() -> None:
    """MiniMax-M3: the sparse layers' cache holds K, V and the indexer's key, to the byte."""
    fields = dict(
        SMALL,
        num_local_experts=4,
        dense_intermediate_size=64,
        shared_intermediate_size=32,
        index_n_heads=2,
        index_head_dim=8,
        layer_types=["minimax_m3_sparse", "full_attention", "minimax_m3_sparse"],
        mlp_layer_types=["dense", "sparse", "sparse"],
    )
    model = built("minimax_m3_vl_text", fields)
    _, cache = run(model)
    held = sum(
        value.nbytes
        for layer in cache.layers
        for value in vars(layer).values()
        if isinstance(value, torch.Tensor)
    )
    arch = hf.from_config(model.config.to_dict(), "config.json")
    ours = kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ)
    assert ours.self_attention_bytes == held
    assert held == 4 * BATCH * SEQ * (3 * 2 * 2 * 16 + 2 * 8)  # K, V; two indexed layers' keys


def test_hyper_connections_and_sparse_mla_against_hy_v4() -> None:
    """HY-V4: weights bytes; the latent, rotary key and (in full-indexer layers) indexer key
    cached per token; forward FLOPs with the hyper-connections' fn projections and the
    indexers' own scores counted."""
    fields = dict(
        SMALL,
        num_attention_heads=4,
        n_routed_experts=4,
        q_lora_rank=32,
        kv_lora_rank=16,
        qk_nope_head_dim=16,
        qk_rope_head_dim=8,
        v_head_dim=16,
        index_n_heads=2,
        index_head_dim=16,
        index_topk=4,
        hc_mult=2,
        pad_token_id=None,
        bos_token_id=None,
        eos_token_id=None,
    )
    model = built("hy_v4", fields)
    flops, cache = run(model)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    held = sum(
        value.nbytes
        for layer in cache.layers
        for value in vars(layer).values()
        if isinstance(value, torch.Tensor)
    )
    assert kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ).self_attention_bytes == held
    # the indexers' per-pair scores are counted too (layers 0 and 1 full, layer 2 shared)
    assert forward_flops(counted, BATCH, SEQ).forward == flops
