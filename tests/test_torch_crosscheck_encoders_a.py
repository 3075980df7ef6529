"""DeBERTa's relative scores, Nystromformer's value convolution, X-MOD's adapters and
MobileBERT's bottlenecks against real PyTorch models built by transformers on the CPU.

One AutoModel forward pass must cost what FlopCounterMode counts: DeBERTa's position
projections once per pass on the table rows the scores read (v1 caps them at the sequence
length), its c2p and p2c products per token, its talking heads per query/key pair, v2's
convolution over the first layer's input; Nystromformer's depthwise filter over every value
column; one language adapter per token in X-MOD; MobileBERT's bottlenecks and stacked MLPs
per token, not the shared bottleneck that use_bottleneck_attention leaves unused. The
weights take the bytes of the parameters.
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

BATCH, SEQ = 2, 12
SIZES = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=2,
    num_attention_heads=4,
    max_position_embeddings=32,
)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    # v1: a span above the sequence (capped at SEQ) and one below it
    "deberta-long-span": (
        "deberta",
        dict(relative_attention=True, pos_att_type="c2p|p2c", max_relative_positions=20),
    ),
    "deberta-short-span": (
        "deberta",
        dict(relative_attention=True, pos_att_type=["p2c"], max_relative_positions=5),
    ),
    # heads -> heads projections of every pair's scores and probabilities
    "deberta-talking-heads": ("deberta", dict(talking_head=True)),
    "deberta-v2-own": (
        "deberta-v2",
        dict(
            relative_attention=True,
            pos_att_type="c2p|p2c",
            position_buckets=8,
            norm_rel_ebd="layer_norm",
            conv_kernel_size=3,
            conv_groups=2,
            type_vocab_size=2,
            embedding_size=32,
        ),
    ),
    "deberta-v2-shared": (
        "deberta-v2",
        dict(relative_attention=True, pos_att_type="c2p", share_att_key=True),
    ),
    "nystromformer": ("nystromformer", dict(conv_kernel_size=5)),
    "xmod": ("xmod", dict(languages=["en_XX", "de_DE"], default_language="de_DE")),
    # bottlenecks around a narrow layer, the queries' and keys' own input, trigram embeddings
    "mobilebert": (
        "mobilebert",
        dict(embedding_size=16, intra_bottleneck_size=32, num_feedforward_networks=3),
    ),
    # the shared bottleneck is built but every projection reads the input bottleneck
    "mobilebert-bottleneck-attention": (
        "mobilebert",
        dict(embedding_size=16, intra_bottleneck_size=32, use_bottleneck_attention=True),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_flops_and_weights_equal_torch(case: str) -> None:
    """FLOPs of one forward pass are FlopCounterMode's; weights bytes the parameters'."""
    model_type, fields = CASES[case]
    torch.manual_seed(0)
    config = transformers.AutoConfig.for_model(model_type, **SIZES, **fields)
    config._attn_implementation = "eager"
    # without gradients: FlopCounterMode's module tracker cannot hook DeBERTa's table, a
    # parameter the encoder passes to its layers as an input
    model = transformers.AutoModel.from_config(config).float().eval().requires_grad_(False)
    ids = torch.randint(3, 100, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids)
    counted = count(hf.from_config(model.config.to_dict(), "config.json"))
    assert weights_memory(counted, DType.FP32).bytes == sum(p.nbytes for p in model.parameters())
    assert forward_flops(counted, BATCH, SEQ).forward == counter.get_total_flops()
