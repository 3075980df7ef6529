"""HRM: two attention stacks run recurrently, the low-level one several times per pass.

`HrmTextModel` in transformers 5.23 holds a low-level (`L_module`) and a high-level
(`H_module`) stack of num_layers_per_stack layers each, with weightless RMSNorms, attention with
its own sigmoid output gate and a gated MLP. A forward pass runs L_module L_cycles times for
each of H_cycles runs of H_module, and caches K/V for every run of every layer.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import gated_mlp


def hrm_text(c: HFConfig) -> dict[str, Any]:
    """HrmTextDecoderLayer in both stacks: attention with gate_proj, then a gated MLP."""
    # HrmTextConfig.__post_init__: a null num_layers_per_stack takes num_hidden_layers, which
    # then counts every stack run; a written num_layers_per_stack is the real depth.
    per_stack = c.opt_int("num_layers_per_stack") or c.integer("num_hidden_layers")
    high, low = c.integer("H_cycles"), c.integer("L_cycles")
    bias = c.boolean("attention_bias")
    block = {
        # HrmTextAttention: as many K/V heads as query heads, whatever the file says
        "mixer": {
            "kind": "attention",
            "num_attention_heads": c.integer("num_attention_heads"),
            "head_dim": c.integer("head_dim"),
            "qkv_bias": bias,
            "o_bias": bias,
            "gate_proj": "per_channel",
            "gate_bias": bias,
        },
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
    }
    stacks = [
        {"name": name, "num_hidden_layers": per_stack, "block": block, "runs": runs}
        for name, runs in (("L_module", high * low), ("H_module", high))
    ]
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "norm_type": "none",
        "initial_state": True,
        "stacks": stacks,
    }
    return {"text": text}


#: HrmTextForCausalLM: model.L_module / model.H_module layers, the initial state z_L_init.
HRM_TEXT = Naming(
    {
        "initial_state": "model.z_L_init",
        "L_module.layers": "model.L_module.layers",
        "H_module.layers": "model.H_module.layers",
    }
)

FAMILIES = (
    Family(
        "hrm_text",
        {
            "vocab_size": 151808,
            "hidden_size": 1536,
            "intermediate_size": 4096,
            "num_hidden_layers": 16,
            "num_attention_heads": 12,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "mlp_bias": False,
            "head_dim": 128,
            "H_cycles": 2,
            "L_cycles": 3,
            "num_layers_per_stack": None,
        },
        (hrm_text,),
        naming=HRM_TEXT,
        notes="every RMSNorm is weightless; z_L_init is a parameter with requires_grad off",
    ),
)
