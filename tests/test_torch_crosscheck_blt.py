"""BLT against a real PyTorch model built by transformers on the CPU.

paramcalc's FLOPs take patches of exactly patch_size bytes and the patcher run over every
byte. transformers' forward with those patch lengths given skips the patcher, so the pass is
the model's forward with fixed patches plus the patcher's own forward (what entropy patching
runs first); together they must cost exactly what paramcalc says, the global transformer once
per patch and the byte/patch cross-attention included, with a last patch shorter too.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.flops import forward_flops  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH = 2
#: A runnable BLT: decoder width = encoder width, hidden_size_global = the global width and one
#: cross_attn_k; the encoder has cross-attention in every layer, the decoder in its first only,
#: and the global transformer projects 64 x 3 encoder vectors to its 128.
CONFIG = {
    "patch_size": 3,
    "cross_attn_k": 3,
    "encoder_hash_byte_group_vocab": 50,
    "encoder_hash_byte_group_size": [3, 4],
    "local_attention_window_len": 8,
    "encoder_config": {
        "hidden_size": 64,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "num_hidden_layers": 2,
        "intermediate_size": 96,
        "cross_attn_k": 3,
        "cross_attn_all_layers": True,
    },
    "decoder_config": {
        "hidden_size": 64,
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "intermediate_size": 80,
        "cross_attn_k": 3,
        "hidden_size_global": 128,
        "cross_attn_all_layers": False,
    },
    "global_config": {
        "hidden_size": 128,
        "num_attention_heads": 4,
        "num_key_value_heads": 1,
        "num_hidden_layers": 2,
        "intermediate_size": 160,
    },
    "patcher_config": {
        "hidden_size": 32,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "intermediate_size": 48,
    },
}


@pytest.mark.parametrize("seq", [12, 13])
def test_forward_flops_equal_flop_counter(seq: int) -> None:
    """FlopCounterMode's total over the patched forward and the patcher's pass."""
    config = transformers.BltConfig(**CONFIG)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    model = model.float().eval()
    ids = torch.randint(4, 260, (BATCH, seq))
    size = CONFIG["patch_size"]
    lengths = [size] * (seq // size) + ([seq % size] if seq % size else [])
    patches = torch.tensor([lengths] * BATCH)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(ids, patch_lengths=patches, use_cache=False)
        model.model.patcher(ids, patch_size=size, threshold=config.patching_threshold)
    counted = count(hf.from_config({"model_type": "blt", **CONFIG}, "config.json"))
    assert forward_flops(counted, BATCH, seq).forward == counter.get_total_flops()
