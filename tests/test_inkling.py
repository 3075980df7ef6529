"""Inkling's language model: its attention, MLPs and cache in closed form, the keys it refuses,
and its cache and FLOPs against a random-weight model transformers runs on the CPU.

The fixtures (data/hf) prove the tensors against transformers' meta-device build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramcalc.calculator import count
from paramcalc.errors import ParamcalcError
from paramcalc.sources import hf, load

#: Two layers, one sliding with the swa_ heads and one full, a dense MLP and an MoE.
SMALL: dict[str, Any] = dict(
    vocab_size=64,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=8,
    swa_num_attention_heads=2,
    swa_num_key_value_heads=1,
    swa_head_dim=16,
    sliding_window_size=5,
    rel_extent=12,
    d_rel=3,
    conv_kernel_size=3,
    intermediate_size=48,
    moe_intermediate_size=16,
    n_routed_experts=4,
    num_experts_per_tok=2,
    n_shared_experts=2,
    layer_types=["hybrid_sliding", "hybrid"],
    mlp_layer_types=["dense", "sparse"],
)

#: Inkling 2: a full first layer (dynamic k/v convolutions, three input norms), a sliding one.
SMALL2: dict[str, Any] = {
    **{k: v for k, v in SMALL.items() if k not in ("intermediate_size", "mlp_layer_types")},
    "layer_types": ["hybrid", "hybrid_sliding", "hybrid"],
    "num_hidden_layers": 3,
    "n_layers_per_attn_res_block": 2,
    "eos_token_id": 2,
}
CASES = {"inkling_text": SMALL, "inkling2_text": SMALL2}


def attention_params(h: int, heads: int, kv: int, hd: int, d_rel: int, extent: int, k: int) -> int:
    """InklingAttention plus the layer's attn_sconv and mlp_sconv, from modeling_inkling.py."""
    return (
        h * heads * hd  # q_proj
        + 2 * h * kv * hd  # k_proj, v_proj
        + h * heads * d_rel  # r_proj
        + heads * hd * h  # o_proj
        + 2 * kv * hd * k  # k_sconv, v_sconv: depthwise, no bias
        + 2 * hd  # q_norm, k_norm
        + d_rel * extent  # rel_logits_proj.proj
        + 2 * h * k  # attn_sconv, mlp_sconv
    )


def test_small_model_counts_in_closed_form() -> None:
    """Embedding (with its norm), both layers, final norm and an untied head."""
    h, v = 32, 64
    sliding = attention_params(h, 2, 1, 16, 3, 5, 3)  # the window is the bias's extent
    full = attention_params(h, 4, 2, 8, 3, 12, 3)
    dense = 1 + 3 * h * 48  # global_scale, gate/up/down
    # router over routed + shared experts and its global_scale, 4 routed and 2 shared experts
    moe = h * (4 + 2) + 1 + 4 * 3 * h * 16 + 2 * 3 * h * 16
    norms = 2 * 2 * h + h + h  # two per layer, the embedding's, the final one
    total = count(hf.from_config({"model_type": "inkling_text", **SMALL}, "config.json")).total
    assert total == v * h + sliding + full + dense + moe + norms + v * h


def test_dense_intermediate_size_moves_the_expert_width() -> None:
    """A checkpoint's dense_intermediate_size is the dense MLP's width, and its
    intermediate_size the experts' (InklingTextConfig.__post_init__)."""
    fields = {**SMALL, "dense_intermediate_size": 40, "intermediate_size": 24}
    tensors = dict(
        (t.name, t.shape)
        for t in count(
            hf.from_config({"model_type": "inkling_text", **fields}, "c.json")
        ).enumeration.tensors()
    )
    assert tensors["model.layers.0.mlp.up_proj.weight"] == (40, 32)
    assert tensors["model.layers.1.mlp.experts.down_proj"] == (4, 32, 24)


def test_inkling2_counts_in_closed_form() -> None:
    """Inkling 2: gate, sink and clip scales in every attention; dynamic k/v convolutions and
    three input norms in full layers; block residual queries (none before the first layer's
    attention, three in a later full layer) and the model's final one."""
    h, v, kernel = 32, 64, 3

    def attention(heads: int, kv: int, hd: int, extent: int, full: bool) -> int:
        convs = 2 * (kernel * kv * hd + h * kv * kernel) if full else 2 * kv * hd * kernel
        return (
            h * heads * hd
            + 2 * h * kv * hd
            + h * heads * 3
            + heads * hd * h  # q k v r o
            + convs
            + 3 * extent  # rel_logits_proj.proj
            + h * heads * hd
            + h * heads  # gate_proj, sink_proj
            + heads * hd
            + heads * 3  # q_l2_clip.scale, rel_l2_clip.scale
            + 2 * h * kernel  # post-attention and post-MLP convolutions
        )

    moe = h * 4 + 4 * 3 * h * 16  # router, experts
    layers = [
        attention(4, 2, 8, 12, True) + moe + 4 * h + h,  # 4 norms, mlp_input
        attention(2, 1, 16, 5, False) + moe + 2 * h + 2 * h,  # 2 norms, both queries
        attention(4, 2, 8, 12, True) + moe + 4 * h + 4 * h,  # 4 norms, 3 + 1 queries
    ]
    total = count(hf.from_config({"model_type": "inkling2_text", **SMALL2}, "c.json")).total
    assert total == v * h + h + sum(layers) + h + h + v * h  # embed (+norm), final norm/query


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"layer_types": ["hybrid", "full_attention", "hybrid"]}, "layer_types"),
        ({"swa_num_key_value_heads": None}, "swa_num_key_value_heads"),
        ({"num_experts_per_tok": 5}, "num_experts_per_tok"),
    ],
)
def test_inkling2_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """A layer kind Inkling 2 does not build, a null head count, too many experts per token."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "inkling2_text", **SMALL2, **fields}))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"n_shared_experts": 0}, "n_shared_experts"),
        ({"layer_types": ["hybrid", "sliding_attention"]}, "layer_types"),
        ({"layer_types": ["hybrid"]}, "layer_types"),
        ({"mlp_layer_types": ["dense", "moe"]}, "mlp_layer_types"),
        ({"swa_num_key_value_heads": None}, "swa_num_key_value_heads"),
        ({"num_experts_per_tok": 5}, "num_experts_per_tok"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """No shared expert (the router's slice at -0 leaves no routed score), a layer kind Inkling
    does not build, a list of the wrong length, a null head count, more experts per token than
    there are: each names its key."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "inkling_text", **SMALL, **fields}))
    with pytest.raises(ParamcalcError, match=key):
        load(str(path))


def test_cache_holds_kv_and_four_float32_windows_per_layer() -> None:
    """Per layer: K and V of its kv heads (window - 1 tokens in a sliding layer) and the last
    conv_kernel inputs of four convolutions, all float32 whatever the cache dtype."""
    from paramcalc.kvcache import kv_cache
    from paramcalc.precision import DType

    arch = hf.from_config({"model_type": "inkling_text", **SMALL}, "config.json")
    batch, seq = 2, 9
    cache = kv_cache(arch.to_model(), DType.BF16, batch, seq)
    kv = batch * 2 * ((5 - 1) * 1 * 16 + seq * 2 * 8) * 2  # bf16 K/V
    windows = batch * 3 * ((2 * 16 + 2 * 32) + (2 * 2 * 8 + 2 * 32)) * 4  # fp32
    assert (cache.self_attention_bytes, cache.state_bytes) == (kv, windows)


torch_only = pytest.mark.torch


def built(model_type: str, dtype: Any) -> Any:
    """A random-weight model of the family's small config, eager attention and experts."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **CASES[model_type])
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"  # FlopCounterMode does not count grouped_mm
    model = transformers.AutoModelForCausalLM.from_config(config).to(dtype).eval()
    # what from_pretrained keeps in float32 (Inkling 2's router, residual queries, conv1d)
    kept = getattr(model, "_keep_in_fp32_modules_strict", None) or []
    for name, param in model.named_parameters():
        if any(part in name for part in kept):
            param.data = param.data.float()
    return model


@torch_only
@pytest.mark.parametrize("model_type", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_cache_and_state_equal_what_transformers_holds(model_type: str, dtype: str) -> None:
    """After one pass over 2 x 9 tokens: the K/V bytes and the conv-window bytes (kept in
    float32 even for bfloat16 weights) are what the cache's tensors hold."""
    torch = pytest.importorskip("torch")
    from paramcalc.kvcache import kv_cache
    from paramcalc.precision import DType

    model = built(model_type, getattr(torch, dtype))
    ids = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        cache = model(ids, use_cache=True).past_key_values
    # keys and values; a sliding layer's scalar _sliding_window_tensor is bookkeeping
    kv = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    windows = sum(t.nbytes for layer in cache.layers for t in layer.conv_states.values())
    arch = hf.from_config(model.config.to_dict(), "config.json")
    ours = kv_cache(arch.to_model(), {"float32": DType.FP32, "bfloat16": DType.BF16}[dtype], 2, 9)
    assert (ours.self_attention_bytes, ours.state_bytes) == (kv, windows)


#: Channels of the depthwise conv1d modules (padded by kernel - 1) in each small model: every
#: Inkling layer's k, v and residual convs; Inkling 2's full layers' k/v taps are no conv1d.
PADDED_CHANNELS = {
    "inkling_text": (2 * 16 + 2 * 32) + (2 * 2 * 8 + 2 * 32),
    "inkling2_text": (2 * 32) + (2 * 16 + 2 * 32) + (2 * 32),
}


@torch_only
@pytest.mark.parametrize("model_type", sorted(CASES))
def test_forward_flops_equal_flop_counter_mode(model_type: str) -> None:
    """FlopCounterMode's total, less the outputs the convolutions' padding of kernel - 1
    computes and drops (paramcalc's convention), is paramcalc's forward figure; that includes
    each head's relative state times the bias bank, and (Inkling 2) the dynamic taps'
    projections, not the block residuals' SDPA, which FlopCounterMode does not see either."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from paramcalc.flops import forward_flops

    model = built(model_type, torch.float32)
    batch, seq, kernel = 2, 9, 3
    ids = torch.randint(0, 64, (batch, seq), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(ids, use_cache=False)
    padded = 2 * batch * (kernel - 1) * PADDED_CHANNELS[model_type] * kernel
    arch = hf.from_config(model.config.to_dict(), "config.json")
    assert forward_flops(count(arch), batch, seq).forward + padded == counter.get_total_flops()


def test_memory_table_shows_the_windows_in_float32() -> None:
    """The state table's rows carry the dtype the state total uses: fp32 for Inkling's
    windows, though the K/V are bf16, and its rows add up to the total."""
    from paramcalc.memory import MemorySettings, estimate_memory
    from paramcalc.precision import DType
    from paramcalc.render.compute import state_section

    counted = count(hf.from_config({"model_type": "inkling_text", **SMALL}, "config.json"))
    report = state_section(estimate_memory(counted, MemorySettings(dtype=DType.BF16, seq=9)))
    [(kind, layers, part, dtype, nbytes, _)] = report.rows
    assert (kind, layers, part, dtype) == ("conv_relative", 2, "conv", "fp32")
    assert nbytes == 3 * ((2 * 16 + 2 * 32) + (2 * 2 * 8 + 2 * 32)) * 4  # batch 1
