"""Hunyuan HY-V4 (`hy_v4`): DeepSeek sparse attention (MLA with an indexer in the layers
indexer_types marks full) with a value gate and sinks, hyper-connections of hc_mult residual
streams around every sublayer, and a dense first layer before routed plus shared experts.

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_hy_v4.py` in transformers 5.23; defaults are HYV4Config's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.moe import shared_width
from paramcalc.families.special_mla import mlp_kinds, sparse_mla
from paramcalc.families.v2 import gated_mlp, mixed_layers


def indexer_types(c: HFConfig, layers: int) -> list[str]:
    """indexer_types as listed, else HYV4Config.__post_init__'s: an indexer of its own in the
    first layer and every 4th from the second, the others reuse the previous top-k."""
    listed = c.raw("indexer_types")
    if listed is None:
        return ["full" if i == 0 or (i - 1) % 4 == 0 else "shared" for i in range(layers)]
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - {"full", "shared"}:
        raise c.error("indexer_types", f"must give full or shared for each of the {layers} layers")
    return listed


def hy_v4(c: HFConfig) -> dict[str, Any]:
    """HYV4DecoderLayer: attn_hc and ffn_hc hyper-connections (hc_mult streams); HYV4Attention
    (MLA with a query latent, biases by attention_bias, gate_proj of heads x v_head_dim and a
    sink per head; the indexer in full layers); a dense MLP or n_routed_experts of
    moe_intermediate_size beside n_shared_experts shared ones; hc_head before the final norm."""
    layers = c.integer("num_hidden_layers")
    mixer = {**sparse_mla(c, False), "gate_proj": True, "sinks": True}
    mixers = {"shared": mixer, "full": {**sparse_mla(c, True), "gate_proj": True, "sinks": True}}
    width = c.integer("moe_intermediate_size")
    ffns = {
        "dense": gated_mlp(c.integer("intermediate_size")),
        "sparse": {
            "kind": "moe",
            "num_experts": c.integer("n_routed_experts"),
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": width,
            "shared_expert_intermediate_size": width * shared_width(c, "n_shared_experts"),
        },
    }
    mlps = mlp_kinds(c, layers, ["dense"] + ["sparse"] * (layers - 1))
    streams = c.integer("hc_mult")
    model = mixed_layers(c, mixers, ffns, zip(indexer_types(c, layers), mlps, strict=True))
    stack = model["text"]["stacks"][0]
    for block in [stack["block"]] if "block" in stack else stack["kinds"].values():
        block["hyper_connections"] = streams
    model["text"]["hyper_head"] = streams
    return model


#: HYV4: the mixer's hyper-connection is `attn_hc`, the head `model.hc_head`.
HY_V4 = Naming(
    {
        "mixer_hc": "attn_hc",
        "hyper_head": "model.hc_head",
        "ffn.shared_expert": "mlp.shared_experts",
    }
)

FAMILIES = (
    Family(
        "hy_v4",
        {
            "vocab_size": 120832,
            "hidden_size": 2816,
            "intermediate_size": 6912,
            "moe_intermediate_size": 768,
            "num_hidden_layers": 34,
            "num_attention_heads": 32,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "n_routed_experts": 256,
            "n_shared_experts": 1,
            "num_experts_per_tok": 8,
            "q_lora_rank": 1536,
            "kv_lora_rank": 512,
            "qk_nope_head_dim": 192,
            "qk_rope_head_dim": 64,
            "v_head_dim": 256,
            "mlp_layer_types": None,
            "index_head_dim": 128,
            "index_n_heads": 16,
            "indexer_types": None,
            "hc_mult": 4,
        },
        (hy_v4,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=HY_V4,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers, not a parameter)",
    ),
)
