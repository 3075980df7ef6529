"""LongCat-Flash (`longcat_flash`): every decoder layer holds two sublayers of DeepSeek MLA and
a dense MLP, and a shortcut-connected MoE beside the first MLP whose router also scores zero
experts (experts that compute nothing).

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_longcat_flash.py` in transformers 5.23; defaults are LongcatFlashConfig's. paramcalc
counts each sublayer as a layer (as `num_hidden_layers = 2 x num_layers` does), nested two to a
transformers layer (`layers.{i}.self_attn.{j}`).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import gated_mlp, text_tower

#: Sublayers of one LongcatFlashDecoderLayer.
SUBLAYERS = 2


def longcat_layers(c: HFConfig) -> int:
    """Decoder layers: num_layers, or half a num_hidden_layers the file sets (its setter wins
    over num_layers)."""
    if c.has("num_hidden_layers"):
        return c.integer("num_hidden_layers", minimum=SUBLAYERS) // SUBLAYERS
    return c.integer("num_layers")


def longcat_mla(c: HFConfig) -> dict[str, Any]:
    """LongcatFlashMLA: DeepSeek MLA with a query latent always; attention_bias on q_a_proj,
    kv_a_proj_with_mqa and o_proj."""
    nope, rope = c.integer("qk_nope_head_dim"), c.integer("qk_rope_head_dim")
    qk_head = c.opt_int("qk_head_dim")
    if qk_head is not None and qk_head != nope + rope:
        # q_b_proj would be built qk_head_dim wide per head, then split as nope + rope
        raise c.error("qk_head_dim", f"must be qk_nope_head_dim + qk_rope_head_dim = {nope + rope}")
    bias = c.boolean("attention_bias")
    return {
        "kind": "mla",
        "num_attention_heads": c.integer("num_attention_heads"),
        "q_lora_rank": c.integer("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": nope,
        "qk_rope_head_dim": rope,
        "v_head_dim": c.integer("v_head_dim"),
        "qkv_bias": bias,
        "o_bias": bias,
    }


def longcat_flash(c: HFConfig) -> dict[str, Any]:
    """LongcatFlashDecoderLayer: input_layernorm.{j}, self_attn.{j}, post_attention_layernorm.{j}
    and mlps.{j} (ffn_hidden_size) for j = 0, 1; `mlp`, the shortcut MoE, reads sublayer 0's
    normed input: a router of n_routed_experts + zero_expert_num outputs (router_bias, read
    with getattr), gate_up_proj stacked for all of them, down_proj for the routed ones."""
    mixer = longcat_mla(c)
    mlp = gated_mlp(c.integer("ffn_hidden_size"))
    moe = {
        "kind": "moe",
        "num_experts": c.integer("n_routed_experts"),
        "num_experts_per_tok": c.integer("moe_topk"),
        "moe_intermediate_size": c.integer("expert_ffn_hidden_size"),
        "zero_experts": c.integer("zero_expert_num", minimum=0),
        "router_bias": c.boolean("router_bias"),
    }
    kinds: dict[str, dict[str, Any]] = {
        "first": {
            "mixer": mixer,
            "ffn": mlp,
            "extras": [{"kind": "shortcut_moe", "moe": moe}],
        },
        "second": {"mixer": mixer, "ffn": mlp},
    }
    layers = SUBLAYERS * longcat_layers(c)
    model = text_tower(c, kinds, ["first", "second"] * (layers // SUBLAYERS))
    model["stacks"][0]["sublayers"] = SUBLAYERS
    return {"text": model}


#: LongcatFlashDecoderLayer keeps each sublayer's parts in module lists indexed by `{j}`.
LONGCAT = Naming(
    {
        "attention": "self_attn.{j}",
        "input_norm": "input_layernorm.{j}",
        "pre_ffn_norm": "post_attention_layernorm.{j}",
        "ffn": "mlps.{j}",
        "shortcut_moe": "mlp",
        "shortcut_moe.router": "mlp.router.classifier",
    }
)

FAMILIES = (
    Family(
        "longcat_flash",
        {
            "vocab_size": 131072,
            "hidden_size": 6144,
            "num_layers": 28,
            "num_attention_heads": 64,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "ffn_hidden_size": 12288,
            "q_lora_rank": 1536,
            "kv_lora_rank": 512,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "qk_head_dim": None,
            "moe_topk": 12,
            "n_routed_experts": 512,
            "zero_expert_num": 256,
            "expert_ffn_hidden_size": 2048,
            # not a field: LongcatFlashTopkRouter reads it with getattr(config, ..., False)
            "router_bias": False,
        },
        (longcat_flash,),
        aliases={
            "n_routed_experts": ("num_local_experts",),
            "moe_topk": ("num_experts_per_tok",),
            "ffn_hidden_size": ("intermediate_size",),
            "expert_ffn_hidden_size": ("moe_intermediate_size",),
        },
        naming=LONGCAT,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers, not a parameter)",
    ),
)
