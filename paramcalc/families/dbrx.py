"""DBRX (`dbrx`): GQA with one fused Wqkv, bias-free LayerNorms around it, and routed experts
stored as three flat 2-D tensors; sizes under MPT's names, heads and experts in sub-configs.

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_dbrx.py` in transformers 5.23; defaults are DbrxConfig's and its sub-configs'.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig

#: DbrxAttentionConfig and DbrxFFNConfig defaults for the fields that change a shape.
SUB_DEFAULTS = {
    "attn_config": {"kv_n_heads": 1},
    "ffn_config": {"ffn_hidden_size": 3584, "moe_num_experts": 4, "moe_top_k": 1},
}


def sub_int(c: HFConfig, key: str, name: str) -> int:
    """A positive integer of a sub-config (attn_config, ffn_config), else its class default."""
    section = c.raw(key) or {}
    if not isinstance(section, dict):
        raise c.error(key, f"must be a mapping, got {describe(section)}")
    value = section.get(name, SUB_DEFAULTS[key][name])
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise c.error(key, f"{name} must be a positive integer, got {describe(value)}")
    return value


def dbrx(c: HFConfig) -> dict[str, Any]:
    """DbrxBlock: norm_1, attention (q of d_model, k and v of kv_n_heads x d_model / n_heads,
    fused in Wqkv, no biases), norm_2, then moe_num_experts gated experts of ffn_hidden_size
    (moe_top_k per token); DbrxConfig refuses tied embeddings."""
    if "hidden_size" in c.data:
        # DbrxConfig.__post_init__ copies d_model into ffn_config before the hidden_size alias
        # is applied, so transformers 5.23 builds the experts at d_model's default width.
        raise c.error("hidden_size", "DBRX's experts do not follow this alias: write d_model")
    if c.boolean("tie_word_embeddings"):
        raise c.error("tie_word_embeddings", "DBRX does not support tied embeddings")
    heads = c.integer("n_heads")
    block = {
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "num_key_value_heads": sub_int(c, "attn_config", "kv_n_heads"),
        },
        "ffn": {
            "kind": "moe",
            "num_experts": sub_int(c, "ffn_config", "moe_num_experts"),
            "num_experts_per_tok": sub_int(c, "ffn_config", "moe_top_k"),
            "moe_intermediate_size": sub_int(c, "ffn_config", "ffn_hidden_size"),
            "flat_experts": True,
        },
    }
    tower = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("d_model"),
        "tie_word_embeddings": False,
        "norm_type": "layernorm_no_bias",
        "stacks": [{"num_hidden_layers": c.integer("n_layers"), "block": block}],
    }
    return {"text": tower}


#: DbrxForCausalLM: transformer.wte, transformer.blocks.{i}.norm_attn_norm.{norm_1, attn,
#: norm_2}, ffn.router.layer, ffn.experts.mlp.{w1, v1, w2}, transformer.norm_f.
DBRX = Naming(
    {
        "embed_tokens": "transformer.wte",
        "decoder.layers": "transformer.blocks",
        "decoder.final_norm": "transformer.norm_f",
        "input_norm": "norm_attn_norm.norm_1",
        "pre_ffn_norm": "norm_attn_norm.norm_2",
        "attention": "norm_attn_norm.attn",
        "attention.o_proj": "norm_attn_norm.attn.out_proj",
        "ffn": "ffn",
        "ffn.router": "ffn.router.layer",
        "ffn.experts": "ffn.experts.mlp",
    },
    fused={"attention.Wqkv": ("q_proj", "k_proj", "v_proj")},
)

FAMILIES = (
    Family(
        "dbrx",
        {
            "d_model": 2048,
            "n_heads": 16,
            "n_layers": 24,
            "max_seq_len": 2048,
            "vocab_size": 32000,
            "tie_word_embeddings": False,
            "attn_config": None,
            "ffn_config": None,
        },
        (dbrx,),
        aliases={
            "n_heads": ("num_attention_heads",),
            "n_layers": ("num_hidden_layers",),
            "max_seq_len": ("max_position_embeddings",),
        },
        naming=DBRX,
    ),
)
