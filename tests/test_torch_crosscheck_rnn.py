"""Recurrent state and KV cache of issue 11's batch B families against real PyTorch models.

RecurrentGemma keeps its RG-LRU state on its modules (`conv1d_state`, `rg_lru.recurrent_states`)
and its local-attention K/V in the cache; RWKV returns its five state tensors beside the logits;
Gemma 3n's and Gemma 4's KV-shared layers keep no cache layer; LFM3 keeps short-convolution
windows beside full and sliding K/V; xLSTM returns its matrix memories in `cache_params`;
MiniMax keeps its lightning states in `linear_cache`; ZAYA1's attention keeps a state beside
its K/V. One forward pass of a small random-weight model on the CPU must leave exactly the
bytes paramcalc's `memory` puts in the attention layers' KV and in the other layers' state,
and the weights take the bytes paramcalc says.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from paramcalc.calculator import count  # noqa: E402
from paramcalc.kvcache import kv_cache  # noqa: E402
from paramcalc.memory import weights_memory  # noqa: E402
from paramcalc.precision import DType  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, SEQ = 2, 7


def built(model_type: str, **fields: Any) -> Any:
    """A random-weight fp32 causal LM of the config, eager attention, in eval mode."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **fields)
    config._attn_implementation = "eager"
    return transformers.AutoModelForCausalLM.from_config(config).float().eval()


def ids() -> Any:
    """A fixed batch of token ids."""
    return torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))


def kv_bytes(cache: Any) -> int:
    """Bytes of the keys and values a cache's layers hold."""
    return sum(
        t.nbytes
        for layer in cache.layers
        for t in (getattr(layer, "keys", None), getattr(layer, "values", None))
        if isinstance(t, torch.Tensor)
    )


def ours(model: Any) -> Any:
    """paramcalc's cache for the model's own config, and a check of its weights bytes."""
    arch = hf.from_config(model.config.to_dict(), "config.json")
    weights = weights_memory(count(arch), DType.FP32).bytes
    assert weights == sum(p.nbytes for p in model.parameters())
    return kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ)


def test_recurrent_gemma_window_kv_and_rg_lru_state() -> None:
    """A 4-token window keeps 3 tokens of K/V; RG-LRU layers keep conv and recurrent state."""
    model = built(
        "recurrent_gemma",
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=5,
        num_attention_heads=4,
        num_key_value_heads=2,
        lru_width=48,
        attention_window_size=4,
        conv1d_width=3,
    )
    cache = transformers.DynamicCache(config=model.config)
    with torch.no_grad():
        model(ids(), use_cache=True, past_key_values=cache)
    state = sum(
        block.conv1d_state.nbytes + block.rg_lru.recurrent_states.nbytes
        for block in (layer.temporal_block for layer in model.model.layers)
        if hasattr(block, "rg_lru")
    )
    mine = ours(model)
    assert (mine.self_attention_bytes, mine.state_bytes) == (kv_bytes(cache), state)
    assert [s.kind for s in mine.states] == ["rg_lru"] * 4 and len(mine.layers) == 1


def test_rwkv_state() -> None:
    """RWKV caches no K/V: two token shifts and the WKV numerator, denominator and maximum."""
    model = built("rwkv", vocab_size=128, hidden_size=64, num_hidden_layers=3)
    with torch.no_grad():
        state = model(ids(), use_cache=True).state
    mine = ours(model)
    assert mine.self_attention_bytes == 0 and not mine.layers
    assert mine.state_bytes == sum(t.nbytes for t in state)


def test_forward_flops_equal_flop_counter_mode() -> None:
    """RWKV's FLOPs are exactly FlopCounterMode's; RecurrentGemma's differ only by the
    convolution outputs its padding of conv1d_width - 1 computes and then drops, a cost paramcalc
    leaves out by convention (it charges each filter once per token)."""
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.flops import forward_flops

    width, kernel, recurrent_layers = 48, 3, 4
    for model, padded in (
        (built("rwkv", vocab_size=128, hidden_size=64, num_hidden_layers=3), 0),
        (
            built(
                "recurrent_gemma",
                vocab_size=128,
                hidden_size=64,
                intermediate_size=96,
                num_hidden_layers=5,
                num_attention_heads=4,
                num_key_value_heads=2,
                lru_width=width,
                attention_window_size=4,
                conv1d_width=kernel,
            ),
            # 2 FLOPs x batch x (kernel - 1) dropped outputs x width channels x kernel taps
            2 * BATCH * (kernel - 1) * width * kernel * recurrent_layers,
        ),
    ):
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(ids(), use_cache=False)
        arch = hf.from_config(model.config.to_dict(), "config.json")
        assert forward_flops(count(arch), BATCH, SEQ).forward + padded == counter.get_total_flops()


def test_gemma3n_kv_shared_layers_cache_nothing() -> None:
    """Gemma 3n: the last num_kv_shared_layers layers reuse earlier K/V and keep no cache; the
    others cache K/V, sliding ones window - 1 tokens."""
    model = built(
        "gemma3n_text",
        vocab_size=128,
        vocab_size_per_layer_input=128,
        hidden_size=64,
        hidden_size_per_layer_input=8,
        intermediate_size=[96, 64, 96, 64, 96, 64],
        num_hidden_layers=6,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        layer_types=["sliding_attention", "full_attention", "sliding_attention"] * 2,
        sliding_window=4,
        num_kv_shared_layers=3,
        laurel_rank=8,
        altup_num_inputs=3,
    )
    with torch.no_grad():
        cache = model(ids(), use_cache=True).past_key_values
    mine = ours(model)
    assert mine.self_attention_bytes == kv_bytes(cache) > 0
    assert [(layer.index, layer.tokens) for layer in mine.layers] == [(0, 3), (1, SEQ), (2, 3)]
    assert mine.state_bytes == 0


def test_lfm3_conv_state_and_window_kv() -> None:
    """LFM3: short-convolution layers keep conv_L_cache inputs; full attention every token's
    K/V, sliding attention window - 1 tokens'."""
    model = built(
        "lfm3",
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=6,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        sliding_window=4,
        conv_L_cache=3,
        pad_token_id=None,
        bos_token_id=None,
        eos_token_id=None,
    )
    with torch.no_grad():
        cache = model(ids(), use_cache=True).past_key_values
    state = sum(
        t.nbytes
        for layer in cache.layers
        for t in getattr(layer, "conv_states", {}).values()
        if isinstance(t, torch.Tensor)
    )
    mine = ours(model)
    assert (mine.self_attention_bytes, mine.state_bytes) == (kv_bytes(cache), state)
    assert [layer.tokens for layer in mine.layers] == [SEQ, 3] and len(mine.states) == 4


def test_xlstm_matrix_memory_state() -> None:
    """xLSTM caches no K/V: per head a qk x v matrix memory, a qk normalizer and a maximum."""
    model = built(
        "xlstm", vocab_size=128, hidden_size=128, num_hidden_layers=2, num_heads=4, chunk_size=8
    )
    with torch.no_grad():
        state = model(ids(), use_cache=True).cache_params.rnn_state
    mine = ours(model)
    assert not mine.layers and [s.kind for s in mine.states] == ["mlstm"] * 2
    assert mine.state_bytes == sum(t.nbytes for layer in state.values() for t in layer)


def test_gemma4_full_layers_own_heads_and_shared_kv() -> None:
    """Gemma 4: full layers cache K/V of their own head width and key/value heads (keys as
    values still caches both); KV-shared layers cache nothing."""
    model = built(
        "gemma4_text",
        vocab_size=128,
        vocab_size_per_layer_input=128,
        hidden_size=64,
        hidden_size_per_layer_input=8,
        intermediate_size=96,
        num_hidden_layers=6,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        global_head_dim=32,
        num_global_key_value_heads=1,
        attention_k_eq_v=True,
        layer_types=["sliding_attention", "full_attention"] * 3,
        sliding_window=4,
        num_kv_shared_layers=2,
        enable_moe_block=True,
        num_experts=4,
        top_k_experts=2,
        moe_intermediate_size=32,
    )
    with torch.no_grad():
        cache = model(ids(), use_cache=True).past_key_values
    mine = ours(model)
    assert mine.self_attention_bytes == kv_bytes(cache)
    assert [(layer.values_per_token, layer.tokens) for layer in mine.layers] == [
        (2 * 2 * 16, 3),
        (2 * 1 * 32, SEQ),
        (2 * 2 * 16, 3),
        (2 * 1 * 32, SEQ),
    ]


def test_minimax_lightning_state_and_full_kv() -> None:
    """MiniMax: lightning layers keep a head_dim x head_dim state per head, softmax layers every
    token's K/V."""
    model = built(
        "minimax",
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        num_local_experts=4,
        num_experts_per_tok=2,
        block_size=4,
    )
    with torch.no_grad():
        cache = model(ids(), use_cache=True).past_key_values
    state = sum(t.nbytes for t in cache.linear_cache if isinstance(t, torch.Tensor))
    mine = ours(model)
    assert (mine.self_attention_bytes, mine.state_bytes) == (kv_bytes(cache), state)
    assert [s.kind for s in mine.states] == ["lightning"] * 2 and len(mine.layers) == 2


def test_zaya_cca_keeps_kv_and_conv_state() -> None:
    """ZAYA1: every CCA layer caches K/V (window - 1 tokens when sliding) and also keeps its
    q/k convolution inputs and the previous token's delayed value."""
    model = built(
        "zaya",
        vocab_size=128,
        hidden_size=64,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        moe_intermediate_size=32,
        num_experts=4,
        router_hidden_size=16,
        layer_types=["hybrid", "hybrid_sliding", "hybrid"],
        sliding_window=4,
        cca_time0=2,
        cca_time1=3,
    )
    with torch.no_grad():
        cache = model(ids(), use_cache=True).past_key_values
    state = sum(
        t.nbytes
        for layer in cache.layers
        for part in ("conv_states", "recurrent_states")
        for t in getattr(layer, part, {}).values()
        if isinstance(t, torch.Tensor)
    )
    mine = ours(model)
    assert (mine.self_attention_bytes, mine.state_bytes) == (kv_bytes(cache), state)
    assert [layer.tokens for layer in mine.layers] == [SEQ, 3, SEQ] and len(mine.states) == 3


def test_state_parts_keep_their_own_dtypes_in_bf16() -> None:
    """In a bf16 model RWKV keeps its token shifts in bf16 and its WKV state in float32, and
    xLSTM its whole matrix memory in bf16: memory's state bytes (state dtype fp32, windows
    at the cache's bf16) equal what they hold."""
    rwkv = built("rwkv", vocab_size=128, hidden_size=64, num_hidden_layers=3).to(torch.bfloat16)
    xlstm = built(
        "xlstm", vocab_size=128, hidden_size=128, num_hidden_layers=2, num_heads=4, chunk_size=8
    ).to(torch.bfloat16)
    with torch.no_grad():
        shifts_and_wkv = rwkv(ids(), use_cache=True).state
        memories = xlstm(ids(), use_cache=True).cache_params.rnn_state
    held = {
        rwkv: sum(t.nbytes for t in shifts_and_wkv),
        xlstm: sum(t.nbytes for layer in memories.values() for t in layer),
    }
    for model, nbytes in held.items():
        arch = hf.from_config(model.config.to_dict(), "config.json")
        assert kv_cache(arch.to_model(), DType.BF16, BATCH, SEQ).state_bytes == nbytes
