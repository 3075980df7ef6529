"""XLNet's relative attention and CPM-Ant's bias table against real PyTorch models on the CPU.

One forward pass of XLNetLMHeadModel with use_mems=True must cost exactly what paramcalc's
FLOPs say (FlopCounterMode: the position key over 2S or S + 1 relative positions, the
content and position scores, the einsum projections) and leave exactly the `mems` bytes
paramcalc puts in its memory layers (each layer's input, capped by mem_len and reuse_len);
one pass of CpmAntForCausalLM with use_cache=True costs and caches what paramcalc says.
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
XLNET = dict(vocab_size=100, d_model=32, n_layer=2, n_head=4, d_inner=48, dropout=0.0)


def built(model_type: str, fields: dict[str, Any]) -> Any:
    """A random-weight fp32 causal LM of the config, in eval mode."""
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **fields)
    return transformers.AutoModelForCausalLM.from_config(config).float().eval()


def forward(model: Any, **kwargs: Any) -> tuple[Any, int]:
    """One pass over BATCH x SEQ random tokens, and the FLOPs FlopCounterMode counted."""
    ids = torch.randint(0, 100, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(ids, **kwargs)
    return out, counter.get_total_flops()


@pytest.mark.parametrize(
    "fields",
    [
        {"attn_type": "bi", "mem_len": 5},
        {"attn_type": "uni", "mem_len": None},
        {"attn_type": "bi", "mem_len": 0, "reuse_len": 3},
        {"attn_type": "uni", "use_mems_eval": False},
    ],
)
def test_xlnet_flops_and_memory_equal_what_transformers_does(fields: dict[str, Any]) -> None:
    """FLOPs of a pass and the bytes of the mems it leaves, to the FLOP and the byte."""
    model = built("xlnet", {**XLNET, **fields})
    out, flops = forward(model)
    mems = sum(m.nbytes for m in out.mems) if out.mems is not None else 0
    arch = hf.from_config(model.config.to_dict(), "config.json")
    counted = count(arch)
    assert forward_flops(counted, BATCH, SEQ).forward == flops
    assert kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ).self_attention_bytes == mems
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())


def test_cpmant_flops_and_cache_equal_what_transformers_does() -> None:
    """CPM-Ant: the bias table is a lookup (no FLOPs), the cache K/V of every layer."""
    fields = dict(
        vocab_size=100,
        hidden_size=32,
        num_attention_heads=2,
        dim_head=24,
        dim_ff=48,
        num_hidden_layers=2,
        prompt_types=3,
        prompt_length=3,
        segment_types=3,
        position_bias_num_buckets=16,
    )
    model = built("cpmant", fields)
    out, flops = forward(model, use_cache=True)
    cached = sum(
        t.nbytes for layer in out.past_key_values.layers for t in (layer.keys, layer.values)
    )
    arch = hf.from_config(model.config.to_dict(), "config.json")
    assert forward_flops(count(arch), BATCH, SEQ).forward == flops
    assert kv_cache(arch.to_model(), DType.FP32, BATCH, SEQ).self_attention_bytes == cached
