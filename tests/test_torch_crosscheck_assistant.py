"""Gemma 4's unified assistant against a real PyTorch model built by transformers on the CPU.

One drafting pass (the target's [embedding; hidden state] in, its K/V as shared_kv_states)
must cost exactly what paramcalc's FLOPs say, with the dense head and with the centroid
scorer, which scores only the tokens of the top_k clusters it picks.
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

BATCH, SEQ, BACKBONE = 2, 7, 96
TEXT = {
    "vocab_size": 512,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 4,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "head_dim": 16,
    "global_head_dim": 32,
    "layer_types": ["sliding_attention", "full_attention"] * 2,
    "num_kv_shared_layers": 2,
    "sliding_window": 4,
}


@pytest.mark.parametrize("ordered", [False, True])
def test_drafting_pass_flops_equal_flop_counter(ordered: bool) -> None:
    """FlopCounterMode's total over one pass of BATCH x SEQ draft positions."""
    config = transformers.AutoConfig.for_model(
        "gemma4_unified_assistant",
        text_config=TEXT,
        backbone_hidden_size=BACKBONE,
        use_ordered_embeddings=ordered,
        num_centroids=16,
        centroid_intermediate_top_k=4,
    )
    config.get_text_config()._attn_implementation = "eager"
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
    if ordered:  # a permutation of the vocabulary, as a checkpoint holds
        model.masked_embedding.token_ordering.copy_(torch.randperm(TEXT["vocab_size"]))
    shared = {
        kind: (torch.randn(BATCH, 1, SEQ, width), torch.randn(BATCH, 1, SEQ, width))
        for kind, width in (("sliding_attention", 16), ("full_attention", 32))
    }
    positions = torch.arange(SEQ).repeat(BATCH, 1)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(
            inputs_embeds=torch.randn(BATCH, SEQ, 2 * BACKBONE),
            shared_kv_states=shared,
            position_ids=positions,
        )
    counted = count(hf.from_config(model.config.to_dict(), "config.json"))
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()
