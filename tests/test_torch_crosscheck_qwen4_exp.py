"""Qwen4-Exp's cache, state and FLOPs against a random-weight model transformers runs on the CPU.

One forward pass with `use_cache=True` over a small model with two PLE layers and one indexed
attention layer: the attention layer's K, V and indexer keys, and each linear layer's DeltaNet
window and state, PLE convolution window and n-gram context (int64 token ids), must be what
paramcalc's KV cache and state hold, to the byte. FlopCounterMode's products in the
hyper-connections, the PLE modules, the indexer's projection and the head must be what
paramcalc charges their records.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from paramcalc.calculator import count  # noqa: E402
from paramcalc.core.records import Stream  # noqa: E402
from paramcalc.flops import forward_flops, matmul_flops  # noqa: E402
from paramcalc.kvcache import kv_cache  # noqa: E402
from paramcalc.precision import DType  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, SEQ = 2, 7
CONFIG: dict[str, Any] = dict(
    vocab_size=128,
    hidden_size=64,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    linear_num_key_heads=2,
    linear_num_value_heads=4,
    linear_key_head_dim=8,
    linear_value_head_dim=8,
    moe_intermediate_size=32,
    shared_expert_intermediate_size=48,
    num_experts=4,
    num_experts_per_tok=2,
    hc_count=3,
    hc_lowrank=12,
    indexer_n_heads=2,
    indexer_kv_heads=1,
    indexer_head_dim=16,
    indexer_budget=8,
    indexer_compress_ratio=4,
    ple_layer_ids=[1, 3],
    ple_embed_dim=32,
    ngram_vocab_size_base=500,
    eos_token_id=1,
)


@pytest.fixture(scope="module")
def ran() -> tuple[Any, Any, Any]:
    """The fp32 model, its cache after one pass, and FlopCounterMode's counts of that pass."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model("qwen4_exp_text", **CONFIG)
    config._attn_implementation = "eager"
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        cache = model(ids, use_cache=True).past_key_values
    return model, cache, counter


def arch_of(model: Any) -> Any:
    """paramcalc's architecture read from the model's own config."""
    return hf.from_config(model.config.to_dict(), "config.json")


def test_cache_and_state_equal_what_transformers_holds(ran: tuple[Any, Any, Any]) -> None:
    """K, V and the indexer's keys in the attention layer; in the linear layers the DeltaNet
    window (fp32 here) and state, and in PLE layers the PLE window and n-gram context ids.
    The first indexed layer also keeps 3 int64 position ids per token for every indexer,
    which paramcalc leaves out (its modules docstring says so)."""
    model, cache, _ = ran
    kv = window = ids = recurrent = positions = 0
    for layer in cache.layers:
        for name, value in vars(layer).items():
            if name == "indexer_position_ids":
                positions += value.nbytes
            elif isinstance(value, torch.Tensor):
                kv += value.nbytes
            elif name in ("conv_states", "recurrent_states"):
                for t in value.values():
                    if not isinstance(t, torch.Tensor):
                        continue
                    if name == "recurrent_states":
                        recurrent += t.nbytes
                    elif t.dtype == torch.int64:
                        ids += t.nbytes
                    else:
                        window += t.nbytes
    ours = kv_cache(arch_of(model).to_model(), DType.FP32, BATCH, SEQ)
    assert ours.self_attention_bytes == kv
    our_window = sum(s.window_values for s in ours.states) * BATCH * 4
    our_ids = sum(s.id_values for s in ours.states) * BATCH * 8
    assert (our_window, our_ids) == (window, ids) and ids == 2 * BATCH * 2 * 8
    assert ours.state_bytes == window + ids + recurrent
    assert positions == 3 * BATCH * SEQ * 8


@pytest.mark.parametrize(
    "module",
    [
        "model.layers.0.attn_hyper_connection",
        "model.layers.3.mlp_hyper_connection",
        "model.hyper_connection_mixer",
        "model.layers.0.ple.key_proj",
        "model.layers.2.ple.value_proj",
        "model.layers.2.ple.conv1d",
        "model.layers.3.self_attn.indexer.index_qk_proj",
        "lm_head",
    ],
)
def test_flops_of_the_new_parts_equal_flop_counter_mode(
    ran: tuple[Any, Any, Any], module: str
) -> None:
    """Every product FlopCounterMode sees in the module is what paramcalc charges its records
    (the PLE convolution pads its input, so it drops no outputs)."""
    model, _, counter = ran
    theirs = sum(counter.get_flop_counts()[f"Qwen4ExpForCausalLM.{module}"].values())
    rows = {Stream.TOKENS: BATCH * SEQ}
    records = count(arch_of(model)).enumeration.records()
    ours = sum(matmul_flops(r, rows) for r in records if r.name.startswith(module))
    assert ours == theirs > 0


def test_the_attention_layer_costs_what_flop_counter_mode_counts(
    ran: tuple[Any, Any, Any],
) -> None:
    """The one attention layer: its projections, the indexer's projection and its scores of
    the complete blocks each query sees (4 blocks over 7 tokens in blocks of 4), and the
    score and value products over every query/key pair."""
    model, _, counter = ran
    module = "model.layers.3.self_attn"
    theirs = sum(counter.get_flop_counts()[f"Qwen4ExpForCausalLM.{module}"].values())
    counted = count(arch_of(model))
    rows = {Stream.TOKENS: BATCH * SEQ}
    projections = sum(
        matmul_flops(r, rows) for r in counted.enumeration.records() if r.name.startswith(module)
    )
    scores = 2 * BATCH * 2 * 16 * (0 + 0 + 0 + 1 + 1 + 1 + 1)  # heads x head_dim x blocks
    attention = forward_flops(counted, BATCH, SEQ).attention
    assert attention == 2 * BATCH * 4 * (16 + 16) * SEQ * SEQ + scores
    assert projections + attention == theirs
