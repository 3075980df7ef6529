"""ZAYA1 (`zaya`, schema v2): compressed convolutional attention and a router-MLP mixture of
experts in every layer, with learned residual scalings.

Each layer as `ZayaDecoderLayer` in transformers 5.23 builds it; the mixer lives in
`core/cca.py`, the feed-forward and scalings in `core/zaya.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.hybrid import kinds_listed
from paramcalc.families.v2 import attention, text_tower

#: ZayaConfig.layer_types: both kinds are CCA attention; hybrid_sliding slides.
LAYER_KINDS = {"hybrid": "full_attention", "hybrid_sliding": "sliding_attention"}


def zaya_layers(c: HFConfig, layers: int) -> list[str]:
    """ZayaConfig.__post_init__: layer_types, else every layer "hybrid" (full attention)."""
    listed = kinds_listed(c, "layer_types", set(LAYER_KINDS))
    if listed is None:
        return ["full_attention"] * layers
    if len(listed) != layers:
        raise c.error("layer_types", f"has {len(listed)} entries for {layers} layers")
    return [LAYER_KINDS[v] for v in listed]


def zaya(c: HFConfig) -> dict[str, Any]:
    """ZayaDecoderLayer: input norm, CCA attention, a residual scaling, the post-attention
    norm, the router-MLP MoE (layer 0's router without the carried state's scale), a residual
    scaling; the embeddings pass a learned scale and bias first."""
    if c.integer("num_experts_per_tok") != 1:
        raise c.error("num_experts_per_tok", "must be 1 (ZayaConfig supports one expert per token)")
    window = c.opt_int("sliding_window")
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for i, span in enumerate(zaya_layers(c, c.integer("num_hidden_layers"))):
        if span == "sliding_attention" and window is None:
            raise c.error("sliding_window", "must be set when layer_types has hybrid_sliding")
        first = i == 0
        key = f"{span}{'/first' if first else ''}"
        layer_kinds.append(key)
        kinds[key] = {
            "mixer": {
                **attention(
                    c,
                    bias=c.boolean("attention_bias"),
                    head_dim=c.integer("head_dim"),
                    sliding_window=window if span == "sliding_attention" else None,
                ),
                "kind": "cca",
                "depthwise_kernel": c.integer("cca_time0"),
                "grouped_kernel": c.integer("cca_time1"),
            },
            "ffn": {
                "kind": "router_mlp_moe",
                "num_experts": c.integer("num_experts"),
                "num_experts_per_tok": 1,
                "moe_intermediate_size": c.integer("moe_intermediate_size"),
                "router_hidden_size": c.integer("router_hidden_size"),
                "router_states_scale": not first,
            },
            "extras": [
                {"kind": "residual_scaling", "name": "post_attention_residual_scale"},
                {"kind": "residual_scaling", "name": "post_mlp_residual_scale"},
            ],
        }
    tower = text_tower(
        c,
        kinds,
        layer_kinds,
        lm_head_bias=c.boolean("lm_head_bias"),
        extras=[{"kind": "input_affine"}],
    )
    return {"text": tower}


#: ZayaForCausalLM: Llama's names; the embeddings' scale and bias under `model.`.
ZAYA = Naming(
    {
        "input_hidden_states_scale": "model.input_hidden_states_scale",
        "input_hidden_states_bias": "model.input_hidden_states_bias",
    }
)

FAMILIES = (
    Family(
        "zaya",
        {
            "vocab_size": 262272,
            "hidden_size": 2048,
            "num_hidden_layers": 40,
            "num_attention_heads": 8,
            "num_key_value_heads": 2,
            "tie_word_embeddings": True,
            "sliding_window": None,
            "moe_intermediate_size": 2048,
            "num_experts_per_tok": 1,
            "num_experts": 16,
            "layer_types": None,
            "head_dim": 128,
            "attention_bias": False,
            "lm_head_bias": False,
            "router_hidden_size": 256,
            "cca_time0": 2,
            "cca_time1": 2,
        },
        (zaya,),
        naming=ZAYA,
        required=KV_HEADS,
    ),
)
