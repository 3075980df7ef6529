"""Mellum, Beam and the other attention decoders of `families/attention_more.py` against
transformers run on the CPU, and the config values they refuse.

A forward pass with `use_cache=True` must leave exactly the key/value bytes paramcalc puts in
the KV cache (sliding layers keep window - 1 tokens) and cost what FlopCounterMode counts.
"""

from __future__ import annotations

from typing import Any

import pytest

from paramcalc.errors import InputError
from paramcalc.sources import hf

SMALL = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    sliding_window=4,
    moe_intermediate_size=32,
    num_experts_per_tok=2,
)
BATCH, SEQ = 2, 7


def test_a_layer_kind_list_of_the_wrong_length_is_refused() -> None:
    """mlp_layer_types must give one dense/sparse per layer; the error names the key."""
    config = {"model_type": "mellum", **SMALL, "mlp_layer_types": ["dense", "bogus"]}
    with pytest.raises(InputError, match="mlp_layer_types"):
        hf.from_config(config, "config.json")


def test_doge_cdmoe_is_refused() -> None:
    """Doge's CDMoE keeps its experts as rows of embedding tables: refused, naming is_moe."""
    with pytest.raises(InputError, match="is_moe"):
        hf.from_config({"model_type": "doge", "is_moe": True}, "config.json")


CROSSCHECKED: dict[str, dict[str, Any]] = {
    "aria_text": {
        **{k: v for k, v in SMALL.items() if k != "sliding_window"},
        "moe_num_experts": 4,
        "moe_topk": 2,
        "mlp_bias": True,
    },
    "doge": dict(SMALL, attention_bias=True, keep_window_size=3),
    "beam": dict(SMALL, num_experts=4, n_group=1, topk_group=1),
    "mellum": dict(
        SMALL,
        num_experts=4,
        layer_types=["sliding_attention", "full_attention"] * 2,
        mlp_layer_types=["dense", "sparse", "sparse", "dense"],
    ),
}


@pytest.mark.torch
@pytest.mark.parametrize("model_type", sorted(CROSSCHECKED))
def test_cache_flops_and_weights_equal_what_transformers_runs(model_type: str) -> None:
    """KV cache bytes, forward FLOPs and weight bytes of a small model, to the unit."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.calculator import count
    from paramcalc.flops import forward_flops
    from paramcalc.kvcache import kv_cache
    from paramcalc.memory import weights_memory
    from paramcalc.precision import DType

    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **CROSSCHECKED[model_type])
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"  # FlopCounterMode does not count grouped_mm
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        cache = model(ids, use_cache=True).past_key_values
    # keys and values only: a sliding layer also holds its window as a 0-d tensor
    kv = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ).self_attention_bytes == kv
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()
