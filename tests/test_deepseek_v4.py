"""DeepSeek-V4: compressed attention, mHC hyper-connections and the keys they read.

The fixtures (data/hf) prove the family's tensors against transformers; these tests pin the
compressors and the mHC in closed form, check the cache, weights and FLOPs of a small model
against what transformers runs, and the errors that name the keys paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.core.compressed import (
    CompressedAttention,
    CompressedIndexer,
    Compressor,
    visible_entries,
)
from paramcalc.core.context import Context
from paramcalc.core.hyper import hyper_connection
from paramcalc.errors import ParamcalcError
from paramcalc.sources import load

CSA, HCA = "compressed_sparse_attention", "heavily_compressed_attention"
SMALL: dict[str, Any] = {
    "vocab_size": 128,
    "hidden_size": 64,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "head_dim": 32,
    "q_lora_rank": 16,
    "moe_intermediate_size": 32,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "layer_types": ["sliding_attention", CSA, HCA],
    "compress_rates": {CSA: 4, HCA: 8},
    "hc_mult": 2,
    "sliding_window": 6,
    "o_groups": 2,
    "o_lora_rank": 16,
    "index_n_heads": 2,
    "index_head_dim": 16,
    "index_topk": 2,
}


def test_compressors_add_their_pooling_and_the_indexer() -> None:
    """HCA: kv_proj and gate_proj to head_dim, position_bias (rate, head_dim) and kv_norm; CSA
    twice as wide (two series), plus the indexer's own pooling at 2 x its head width, its
    queries from the query latent and a weight per indexer head."""
    h, heads, hd, q, m, ih, ihd = 64, 4, 32, 16, 4, 2, 16
    base = CompressedAttention(
        num_attention_heads=heads,
        head_dim=hd,
        q_lora_rank=q,
        o_groups=2,
        o_lora_rank=16,
        sliding_window=6,
    )
    ctx = Context(h)
    size = sum(r.size for r in base.records(ctx))
    query = h * q + q + q * heads * hd  # q_a_proj, q_a_norm, q_b_proj
    shared_kv = h * hd + hd  # kv_proj, kv_norm
    output = (heads * hd // 2) * 32 + 32 * h  # o_a_proj (2 groups to 16 each), o_b_proj
    assert size == query + shared_kv + output + heads  # and the sinks
    hca = base.model_copy(update={"compressor": Compressor(rate=m)})
    assert sum(r.size for r in hca.records(ctx)) - size == 2 * h * hd + m * hd + hd
    indexer = CompressedIndexer(num_heads=ih, head_dim=ihd, top_k=2)
    csa = base.model_copy(update={"compressor": Compressor(rate=m, overlap=True, indexer=indexer)})
    pooled = 2 * h * 2 * hd + m * 2 * hd + hd
    index = 2 * h * 2 * ihd + m * 2 * ihd + ihd + q * ih * ihd + h * ih
    assert sum(r.size for r in csa.records(ctx)) - size == pooled + index


def test_mhc_adds_the_stream_mix_and_a_third_scale() -> None:
    """DeepseekV4HyperConnection: fn ((2 + N) x N, N x hidden), base ((2 + N) x N), scale (3)."""
    n, h = 4, 64
    records = hyper_connection("attn_hc", n, Context(h), mixing=True)
    assert [t.shape for r in records for t in r.tensors()] == [(24, 256), (24,), (3,)]


@pytest.mark.parametrize("rate", [1, 3, 4])
@pytest.mark.parametrize("most", [0, 2, 100])
def test_visible_entries_sum_each_querys_closed_windows(rate: int, most: int) -> None:
    """Query t sees (t + 1) // rate entries, at most `most`: the closed form is the sum."""
    for seq in range(40):
        direct = sum(min((t + 1) // rate, most) for t in range(seq))
        assert visible_entries(seq, rate, most) == direct


def write(tmp_path: Path, **fields: object) -> str:
    """A config.json of the small model with some fields changed."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "deepseek_v4", **SMALL, **fields}))
    return str(path)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"layer_types": ["sliding_attention", CSA]}, "layer_types"),
        ({"layer_types": ["full_attention", CSA, HCA]}, "layer_types"),
        ({"compress_rates": {CSA: 4}}, "compress_rates"),
        ({"compress_rate_hca": 0}, "compress_rate_hca"),
        ({"layer_types": None, "compress_ratios": [0, 4, 64]}, "compress_ratios"),
        ({"layer_types": None, "compress_ratios": [0, 4]}, "compress_ratios"),
        ({"mlp_layer_types": ["moe", "dense", "moe"]}, "mlp_layer_types"),
        ({"o_groups": 3}, "o_groups"),
        ({"num_experts_per_tok": 5}, "num_experts_per_tok"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """A layer list of the wrong length or kind, a missing or bad compression rate, a legacy
    ratio without a layer type or too few of them (transformers refuses a short list), head
    groups that split no heads, or more experts per token than there are names its key."""
    with pytest.raises(ParamcalcError, match=key):
        load(write(tmp_path, **fields))


@pytest.mark.torch
@pytest.mark.parametrize("seq", [3, 8, 11])
def test_cache_flops_and_weights_equal_what_transformers_runs(seq: int) -> None:
    """Window, compressed entries, pending windows and overlaps (each tensor once: a
    compressed layer's K and V are one), forward FLOPs and weight bytes, to the unit: before
    any window closes, at a window's edge and past it."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.calculator import count
    from paramcalc.flops import forward_flops
    from paramcalc.kvcache import kv_cache
    from paramcalc.memory import weights_memory
    from paramcalc.precision import DType
    from paramcalc.sources import hf

    batch = 2
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model("deepseek_v4", **SMALL)
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"  # FlopCounterMode does not count grouped_mm
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    ids = torch.randint(0, 128, (batch, seq), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        cache = model(ids, use_cache=True).past_key_values
    held: dict[int, int] = {}
    for layer in cache.layers:
        for value in vars(layer).values():
            for tensor in value.values() if isinstance(value, dict) else [value]:
                if isinstance(tensor, torch.Tensor) and tensor.dim() > 0:
                    held[tensor.data_ptr()] = tensor.nbytes
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    cached = kv_cache(arch.to_model(), DType.FP32, batch, seq)
    assert cached.self_attention_bytes + cached.state_bytes == sum(held.values())
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, batch, seq).forward == counter.get_total_flops()


def test_fit_sizes_the_compressed_entries_as_memory_does(tmp_path: Path) -> None:
    """fit recomputes each cached layer at its own context length: a compressed series
    keeps seq // rate entries there too, also once split over tensor-parallel devices."""
    from paramcalc.kvcache import kv_cache
    from paramcalc.parallel import split_cache
    from paramcalc.precision import DType

    model = load(write(tmp_path)).to_model()
    for seq in (5, 64, 1001):
        cache = kv_cache(model, DType.BF16, 1, seq)
        layers, _ = split_cache(cache, 1)
        assert [layer.kept(seq) for layer in layers] == [layer.tokens for layer in cache.layers]
        strides = sorted(layer.stride for layer in layers)
        assert strides == [1, 1, 1, 4, 4, 8]
