"""Hybrid caches against real random-weight models run by transformers on the CPU.

For Qwen3.5 (gated DeltaNet, split projections), OLMo Hybrid (gated DeltaNet, one projection
per input), Kimi Linear and Ling's bailing_hybrid (Kimi delta attention beside MLA),
Falcon-H1 (attention beside Mamba-2 in every layer) and Zamba / Zamba2 (shared attention
blocks run by several Mamba layers), one forward pass with
`use_cache=True` must leave exactly the key/value bytes paramcalc puts in the attention
layers' KV cache and exactly the convolution-window and recurrent-state bytes it puts in the
recurrent layers' state. In bfloat16 the windows follow the activations and the recurrent
state stays float32, which is what `memory --state-dtype` defaults to.
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
HEADS = dict(num_attention_heads=4, num_key_value_heads=2)
HYBRIDS: dict[str, dict[str, Any]] = {
    "qwen3_5_text": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        head_dim=16,
        layer_types=["linear_attention", "full_attention", "linear_attention"],
        linear_num_key_heads=2,
        linear_num_value_heads=4,
        linear_key_head_dim=8,
        linear_value_head_dim=12,
        linear_conv_kernel_dim=3,
        **HEADS,
    ),
    "olmo_hybrid": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        layer_types=["linear_attention", "linear_attention", "full_attention"],
        linear_num_key_heads=2,
        linear_num_value_heads=4,
        linear_key_head_dim=8,
        linear_value_head_dim=16,
        pad_token_id=None,
        **HEADS,
    ),
    "kimi_linear": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=4,  # MLA repeats its expanded K/V by heads // kv heads
        kv_lora_rank=16,
        qk_nope_head_dim=8,
        qk_rope_head_dim=8,
        v_head_dim=16,
        layer_types=["linear_attention", "full_attention", "linear_attention"],
        linear_head_dim=8,
        linear_num_heads=4,
        linear_conv_kernel_dim=3,
        num_local_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=32,
        pad_token_id=None,
    ),
    "bailing_hybrid": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=4,  # MLA repeats its expanded K/V by heads // kv heads
        kv_lora_rank=16,
        qk_nope_head_dim=8,
        qk_rope_head_dim=8,
        v_head_dim=16,
        head_dim=8,
        short_conv_kernel_size=3,
        layer_group_size=2,
        num_local_experts=4,
        n_group=1,
        topk_group=1,
        num_experts_per_tok=2,
        moe_intermediate_size=32,
        pad_token_id=None,
    ),
    # Zamba: multi-head Mamba layers; two hybrid layers run the one shared attention block,
    # each with a KV cache entry of its own beside its Mamba state
    "zamba": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=4,
        n_mamba_heads=2,
        mamba_d_state=8,
        mamba_d_conv=3,
        layers_block_type=["mamba", "hybrid", "mamba", "hybrid"],
        pad_token_id=None,
        **HEADS,
    ),
    # Zamba2: Mamba-2 layers; three hybrid layers run two shared blocks in turn, with
    # attention and MLP adapters per use and biased MLP projections
    "zamba2": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=5,
        num_attention_heads=4,
        n_mamba_heads=4,
        mamba_ngroups=2,
        mamba_d_state=8,
        mamba_d_conv=3,
        num_mem_blocks=2,
        use_shared_attention_adapter=True,
        adapter_rank=8,
        add_bias_linear=True,
        layers_block_type=["mamba", "hybrid", "hybrid", "mamba", "hybrid"],
        pad_token_id=None,
    ),
    "falcon_h1": dict(
        vocab_size=128,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        mamba_d_ssm=64,
        mamba_n_heads=4,
        mamba_n_groups=2,
        mamba_d_state=8,
        mamba_d_conv=3,
        mamba_rms_norm=True,
        **HEADS,
    ),
}


def built(model_type: str, dtype: Any) -> Any:
    """A random-weight model of the config in `dtype`, eager attention, in eval mode."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **HYBRIDS[model_type])
    config._attn_implementation = "eager"
    model = transformers.AutoModelForCausalLM.from_config(config)
    return model.to(dtype).eval()


def cache_bytes(cache: Any) -> dict[str, int]:
    """Bytes of the key/value tensors, conv windows and recurrent states a cache holds."""
    found = {"kv": 0, "conv": 0, "recurrent": 0}
    for layer in cache.layers:
        for name, value in vars(layer).items():
            if isinstance(value, torch.Tensor):
                found["kv"] += value.nbytes
            elif name in ("conv_states", "recurrent_states"):
                part = "conv" if name == "conv_states" else "recurrent"
                found[part] += sum(t.nbytes for t in value.values() if isinstance(t, torch.Tensor))
    return found


def ran(model_type: str, dtype: Any) -> tuple[Any, dict[str, int]]:
    """The model and what its cache holds after one forward pass over BATCH x SEQ tokens."""
    model = built(model_type, dtype)
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        cache = model(ids, use_cache=True).past_key_values
    return model, cache_bytes(cache)


def ours(model: Any, dtype: DType) -> dict[str, int]:
    """paramcalc's KV bytes, window bytes and recurrent-state bytes for the model's config."""
    arch = hf.from_config(model.config.to_dict(), "config.json")
    cache = kv_cache(arch.to_model(), dtype, BATCH, SEQ)
    window = sum(s.window_values for s in cache.states) * BATCH
    return {
        "kv": cache.self_attention_bytes,
        "conv": window * (dtype.bits // 8),
        "recurrent": cache.state_bytes - window * (dtype.bits // 8),
    }


@pytest.mark.parametrize("model_type", sorted(HYBRIDS))
def test_fp32_cache_and_state_equal_what_transformers_holds(model_type: str) -> None:
    """fp32: KV bytes for the attention layers, conv + recurrent state for the others, and
    the weights' bytes, all to the byte."""
    model, theirs = ran(model_type, torch.float32)
    assert theirs["kv"] > 0 and theirs["conv"] > 0 and theirs["recurrent"] > 0
    assert ours(model, DType.FP32) == theirs
    arch = hf.from_config(model.config.to_dict(), "config.json")
    assert weights_memory(count(arch), DType.FP32).bytes == sum(
        p.nbytes for p in model.parameters()
    )


@pytest.mark.parametrize("model_type", sorted(HYBRIDS))
def test_bf16_keeps_windows_in_bf16_and_the_recurrent_state_in_fp32(model_type: str) -> None:
    """bf16 weights: K/V and conv windows in bf16, the recurrent state in fp32, as paramcalc's
    default state dtype says."""
    model, theirs = ran(model_type, torch.bfloat16)
    assert ours(model, DType.BF16) == theirs


HRM = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=2,
    num_attention_heads=4,
    head_dim=16,
    H_cycles=2,
    L_cycles=3,
)


def test_hrm_caches_and_costs_every_run_of_its_stacks() -> None:
    """HRM runs L_module H_cycles x L_cycles times and H_module H_cycles times: its cache holds
    K/V for every run of every layer, and FlopCounterMode charges every run's products."""
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.flops import forward_flops

    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model("hrm_text", **HRM)
    config._attn_implementation = "eager"
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        cache = model(ids, use_cache=True).past_key_values
    arch = hf.from_config(model.config.to_dict(), "config.json")
    ours = kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ)
    assert ours.self_attention_bytes == cache_bytes(cache)["kv"]
    assert len(ours.layers) == 2 * (2 * 3 + 2)  # layers per stack x runs of both stacks
    counted = count(arch)
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()


def test_zamba_costs_every_use_of_its_shared_block() -> None:
    """Zamba: FlopCounterMode charges the shared block at each of its two uses. It also sees
    two products paramcalc leaves out by convention, per Mamba layer: the padded
    convolution's kernel - 1 dropped outputs, and the reference scan's contraction of the
    state with C at every step (2 x tokens x inner width x state)."""
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.flops import forward_flops

    model = built("zamba", torch.float32)
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(ids, use_cache=True)
    fields = HYBRIDS["zamba"]
    inner, kernel, state, layers = 2 * 64, fields["mamba_d_conv"], fields["mamba_d_state"], 4
    padding = 2 * BATCH * (kernel - 1) * inner * kernel * layers
    scan = 2 * BATCH * SEQ * inner * state * layers
    counted = count(hf.from_config(model.config.to_dict(), "config.json"))
    assert forward_flops(counted, BATCH, SEQ).forward + padding + scan == counter.get_total_flops()


def test_zamba2_shared_blocks_cost_what_flop_counter_mode_counts() -> None:
    """Zamba2: the shared blocks (attention with its scores, the MLP, every use's adapters)
    and the hybrid layers' projections cost what FlopCounterMode counts in those modules (its
    chunked Mamba-2 scan, which pads to chunk_size, is left out by convention)."""
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.core.records import Stream
    from paramcalc.flops import attention_flops, matmul_flops

    model = built("zamba2", torch.float32)
    ids = torch.randint(0, 128, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(ids, use_cache=True)
    hybrid = [1, 2, 4]
    modules = [
        f"Zamba2ForCausalLM.model.layers.{i}.{m}"
        for i in hybrid
        for m in ("shared_transformer", "linear")
    ]
    theirs = sum(sum(counter.get_flop_counts()[m].values()) for m in modules)
    counted = count(hf.from_config(model.config.to_dict(), "config.json"))
    rows = {Stream.TOKENS: BATCH * SEQ}
    shared = sum(
        matmul_flops(r, rows)
        for block, i in counted.enumeration.layer_order()
        for r in block.at(i)
        if ".shared_transformer." in r.name or r.name.endswith(".linear")
    )
    assert shared + attention_flops(counted, BATCH, SEQ, SEQ)[0] == theirs
