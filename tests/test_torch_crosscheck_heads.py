"""Masked-LM heads against real PyTorch models built by transformers on the CPU.

One forward pass of a small AutoModelForMaskedLM model costs what FlopCounterMode counts
(the prediction head's transform and the decoder over every token, the tied decoder
included), and its weights take the bytes paramcalc says.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from paramcalc.calculator import count  # noqa: E402
from paramcalc.flops import forward_flops  # noqa: E402
from paramcalc.memory import weights_memory  # noqa: E402
from paramcalc.precision import DType  # noqa: E402
from paramcalc.sources import hf  # noqa: E402

pytestmark = pytest.mark.torch

BATCH, SEQ = 2, 7
SIZES = dict(
    vocab_size=128,
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=96,
)
#: A BERT head, a head narrower than the model (ALBERT's embedding_size), RemBERT's untied
#: head at output_embedding_size, and ModernBERT's head and top-level decoder.
HEADS: dict[str, dict[str, Any]] = {
    "bert": {},
    "bert-untied": {"model_type": "bert", "tie_word_embeddings": False},
    "albert": {"embedding_size": 32},
    "rembert": {"input_embedding_size": 32, "output_embedding_size": 48},
    "modernbert": {"classifier_bias": True, "pad_token_id": 0},
}


@pytest.mark.parametrize("case", sorted(HEADS))
def test_masked_lm_flops_and_weights_equal_torch(case: str) -> None:
    """A masked-LM forward pass costs what FlopCounterMode counts; weights are the tensors."""
    fields = dict(HEADS[case])
    model_type = fields.pop("model_type", case)
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **SIZES, **fields)
    config._attn_implementation = "eager"
    model = transformers.AutoModelForMaskedLM.from_config(config).float().eval()
    ids = torch.randint(3, 100, (BATCH, SEQ))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    counted = count(hf.from_config(model.config.to_dict(), "config.json", head="mlm"))
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()
