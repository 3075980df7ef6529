"""Decoders with learned relative position biases instead of position embeddings: CPM-Ant.

Each build follows its `modeling_<family>.py` in transformers 5.23.0 (CpmAntForCausalLM);
tables hold the config class's defaults under its own field names.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import gated_mlp, text_tower


def cpmant(c: HFConfig) -> dict[str, Any]:
    """CpmAntForCausalLM: pre-norm layers of unbiased attention (dim_head wide heads) and a
    GELU-gated MLP; the token table holds prompt_types x prompt_length prompt rows beyond the
    vocabulary, and the model one segment/position bias table for every layer."""
    heads = c.integer("num_attention_heads")
    block = {
        # CpmAntAttention: project_q/k/v/attention_out, one key/value head per query head
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "head_dim": c.integer("dim_head"),
        },
        # CpmAntDenseGatedACT: gelu(w_0(x)) * w_1(x), then w_out
        "ffn": gated_mlp(c.integer("dim_ff")),
    }
    prompts = c.integer("prompt_types", minimum=0) * c.integer("prompt_length", minimum=0)
    tower = text_tower(
        c,
        {"layer": block},
        ["layer"] * c.integer("num_hidden_layers"),
        type_vocab_size=c.integer("segment_types"),
        extra_token_rows=prompts,
        extras=[
            {
                "kind": "segment_position_bias",
                "segment_types": c.integer("segment_types"),
                "num_buckets": c.integer("position_bias_num_buckets"),
                "num_attention_heads": heads,
            }
        ],
    )
    # _tied_weights_keys = {}: the head is never the table (which has the prompt rows too)
    return {"text": {**tower, "tie_word_embeddings": False}}


#: CpmAntForCausalLM's names: the model under `cpmant`, its decoder called `encoder`.
CPMANT = Naming(
    {
        "embed_tokens": "cpmant.input_embedding",
        "token_type_embeddings": "cpmant.segment_embedding",
        "position_bias": "cpmant.position_bias",
        "decoder.layers": "cpmant.encoder.layers",
        "input_norm": "self_att.layernorm_before_attention",
        "attention": "self_att.self_attention",
        "attention.q_proj": "self_att.self_attention.project_q",
        "attention.k_proj": "self_att.self_attention.project_k",
        "attention.v_proj": "self_att.self_attention.project_v",
        "attention.o_proj": "self_att.self_attention.attention_out",
        "pre_ffn_norm": "ffn.layernorm_before_ffn",
        "ffn.gate_proj": "ffn.ffn.w_in.w_0",
        "ffn.up_proj": "ffn.ffn.w_in.w_1",
        "ffn.down_proj": "ffn.ffn.w_out",
        "decoder.final_norm": "cpmant.encoder.output_layernorm",
    }
)

FAMILIES = (
    Family(
        "cpmant",
        {
            "vocab_size": 30720,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "dim_head": 128,
            "dim_ff": 10240,
            "num_hidden_layers": 48,
            "position_bias_num_buckets": 512,
            "prompt_types": 32,
            "prompt_length": 32,
            "segment_types": 32,
            "tie_word_embeddings": True,
        },
        (cpmant,),
        naming=CPMANT,
    ),
)
