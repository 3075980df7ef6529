"""LongCat-Flash: two sublayers per decoder layer, the shortcut MoE and its zero experts.

The fixtures (data/hf) prove the family's tensors against transformers; these tests pin the
zero experts and the sublayer nesting in closed form, the latent cache of every sublayer, and
the errors that name the keys paramcalc cannot build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramcalc.calculator import count
from paramcalc.core.context import Context
from paramcalc.core.ffn import MoE
from paramcalc.core.spec import Block, Stack
from paramcalc.errors import ParamcalcError
from paramcalc.kvcache import kv_cache
from paramcalc.precision import DType
from paramcalc.sources import load

SMALL = {
    "model_type": "longcat_flash",
    "vocab_size": 256,
    "hidden_size": 64,
    "num_layers": 3,
    "num_attention_heads": 4,
    "q_lora_rank": 32,
    "kv_lora_rank": 16,
    "qk_nope_head_dim": 16,
    "qk_rope_head_dim": 8,
    "v_head_dim": 16,
    "ffn_hidden_size": 96,
    "n_routed_experts": 4,
    "zero_expert_num": 3,
    "moe_topk": 2,
    "expert_ffn_hidden_size": 32,
}


def write(tmp_path: Path, **fields: object) -> str:
    """A config.json of the small model with some fields changed."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**SMALL, **fields}))
    return str(path)


def test_zero_experts_widen_the_router_and_gate_up_but_not_down() -> None:
    """LongcatFlashExperts: gate_up_proj (E + Z, 2I, H), down_proj (E, H, I), a router to
    E + Z; a token's k experts are counted as routed ones."""
    hidden, e, z, k, width = 64, 4, 3, 2, 32
    moe = MoE(num_experts=e, num_experts_per_tok=k, moe_intermediate_size=width, zero_experts=z)
    records = moe.records(Context(hidden))
    assert sum(r.size for r in records) == hidden * (e + z) + (e + z) * 2 * width * hidden + (
        e * width * hidden
    )
    active = sum(getattr(r, "active_size", r.size) for r in records)
    assert active == hidden * (e + z) + k * 2 * width * hidden + k * width * hidden


def test_more_experts_per_token_than_routed_ones_is_allowed_up_to_the_zero_ones() -> None:
    """The router picks k of E + Z, so k may exceed E but not E + Z."""
    MoE(num_experts=1, num_experts_per_tok=3, moe_intermediate_size=8, zero_experts=2)
    with pytest.raises(ValueError, match="zero_experts=2"):
        MoE(num_experts=1, num_experts_per_tok=4, moe_intermediate_size=8, zero_experts=2)


def test_a_depth_that_is_no_multiple_of_the_sublayers_is_refused() -> None:
    """Three sublayers cannot fill decoder layers of two."""
    block = Block()
    with pytest.raises(ValueError, match="sublayers=2"):
        Stack(num_hidden_layers=3, sublayers=2, block=block)


def test_sublayers_are_named_inside_their_decoder_layer(tmp_path: Path) -> None:
    """Sublayer 5 of six is layers.2's second attention and MLP: the count matches a closed
    form of three decoder layers."""
    breakdown = count(load(write(tmp_path)))
    names = {t.name for t in breakdown.enumeration.tensors()}
    assert "model.layers.2.self_attn.1.kv_b_proj.weight" in names
    assert "model.layers.2.mlps.1.down_proj.weight" in names
    assert "model.layers.2.mlp.router.classifier.weight" in names
    assert not any(n.startswith("model.layers.3.") for n in names)
    h, heads, q, kv, nope, rope, v = 64, 4, 32, 16, 16, 8, 16
    mla = (
        h * q  # q_a_proj
        + q  # q_a_layernorm
        + q * heads * (nope + rope)  # q_b_proj
        + h * (kv + rope)  # kv_a_proj_with_mqa
        + kv  # kv_a_layernorm
        + kv * heads * (nope + v)  # kv_b_proj
        + heads * v * h  # o_proj
    )
    mlp = 3 * h * 96
    moe = h * 7 + 7 * 2 * 32 * h + 4 * 32 * h
    layer = 2 * (mla + mlp + 2 * h) + moe
    assert breakdown.total == 256 * h * 2 + 3 * layer + h


def test_every_sublayer_caches_its_latent(tmp_path: Path) -> None:
    """transformers caches 2 x num_layers layers, each the latent and the rotary key."""
    cache = kv_cache(load(write(tmp_path)).to_model(), DType.BF16, 1, 10)
    assert cache.bytes_per_token == 6 * (16 + 8) * 2


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"qk_head_dim": 32}, "qk_head_dim"),
        ({"n_routed_experts": 0}, "n_routed_experts"),
        ({"num_hidden_layers": 1}, "num_hidden_layers"),
        ({"zero_expert_num": None}, "zero_expert_num"),
        ({"q_lora_rank": None}, "q_lora_rank"),
    ],
)
def test_unbuildable_config_names_its_key(
    tmp_path: Path, fields: dict[str, object], key: str
) -> None:
    """A q_b_proj its forward cannot split, no routed experts, no whole decoder layer, a null
    zero_expert_num or no query latent names its key."""
    with pytest.raises(ParamcalcError, match=key):
        load(write(tmp_path, **fields))


@pytest.mark.torch
def test_cache_and_weights_equal_what_transformers_holds() -> None:
    """The latent cache of every sublayer and the weight bytes of a small model, to the unit
    (FLOPs are an upper bound: a token sent to a zero expert skips it)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")

    from paramcalc.memory import weights_memory
    from paramcalc.sources import hf

    batch, seq = 2, 7
    torch.manual_seed(0)
    # the rotary table is head_dim wide: it must be the rotary part of the heads to run
    fields = {k: v for k, v in SMALL.items() if k != "model_type"} | {"head_dim": 8}
    config = transformers.AutoConfig.for_model("longcat_flash", **fields)
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    ids = torch.randint(0, 256, (batch, seq), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        cache = model(ids, use_cache=True).past_key_values
    held = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    arch = hf.from_config(model.config.to_dict(), "config.json")
    assert kv_cache(arch.to_model(), DType.FP32, batch, seq).self_attention_bytes == held
    assert weights_memory(count(arch), DType.FP32).bytes == sum(
        p.nbytes for p in model.parameters()
    )
