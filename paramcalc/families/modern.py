"""Decoders the flat form cannot say: attention sinks, per-expert biases, interleaved MoE.

Each record's rules build a schema v2 model (`paramcalc.families.v2`), following the family's
`modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import attention, layer_spans, text_tower


def windowed(block: dict[str, Any], window: int | None) -> dict[str, Any]:
    """The block with its attention limited to a sliding window."""
    return {**block, "mixer": {**block["mixer"], "sliding_window": window}}


def gpt_oss(c: HFConfig) -> dict[str, Any]:
    """GptOssDecoderLayer: attention with sinks and biases, alternating windows, MoE in every
    layer with a biased router and biased experts."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(c, layers, ["sliding_attention" if (i + 1) % 2 else "full_attention"
                                    for i in range(layers)])
    head_dim = c.opt_int("head_dim") or c.integer("hidden_size") // c.integer(
        "num_attention_heads")
    block = {
        "mixer": attention(c, bias=c.boolean("attention_bias"), head_dim=head_dim, sinks=True),
        "ffn": {"kind": "moe", "num_experts": c.integer("num_local_experts"),
                "num_experts_per_tok": c.integer("num_experts_per_tok"),
                "moe_intermediate_size": c.integer("intermediate_size"),
                "expert_bias": True, "router_bias": True},
    }
    kinds = {"full_attention": block,
             "sliding_attention": windowed(block, c.opt_int("sliding_window"))}
    return {"text": text_tower(c, kinds, spans)}


#: GptOssForCausalLM: the router is `mlp.router`; experts are stored (E, in, out) with their
#: biases beside them (`gate_up_proj_bias`).
GPT_OSS = Naming({"ffn.router": "mlp.router"}, experts_transposed=True)

FAMILIES = (
    Family("gpt_oss", {"vocab_size": 201088, "hidden_size": 2880, "intermediate_size": 2880,
                       "num_hidden_layers": 36, "num_attention_heads": 64,
                       "num_key_value_heads": 8, "head_dim": 64, "num_local_experts": 128,
                       "num_experts_per_tok": 4, "sliding_window": 128, "layer_types": None,
                       "attention_bias": True, "tie_word_embeddings": False},
           (gpt_oss,), naming=GPT_OSS,
           notes="published gpt-oss checkpoints store the experts in MXFP4 "
                 "(gate_up_proj_blocks and _scales): the same parameters, packed"),
)
