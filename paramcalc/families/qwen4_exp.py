"""Qwen4-Exp's language model (`qwen4_exp_text`): Qwen3.5-MoE's gated DeltaNet and gated
attention layers, the attention layers with a QSA token indexer, hyper-connections of hc_count
streams around every sublayer instead of norms, per-layer n-gram embeddings (PLE) in the
linear-attention layers ple_layer_ids names, and a gated stream mixer in place of the final
norm.

The record's rule builds a schema v2 model following `modeling_qwen4_exp.py` in transformers
5.23 (Qwen4ExpForCausalLM); defaults are Qwen4ExpTextConfig's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.core.ngram import ngram_table_rows
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.hybrid import kinds_listed
from paramcalc.families.linear_hybrid import deltanet
from paramcalc.families.v2 import attention, text_tower

LAYER_KINDS = {"linear_attention", "indexed_attention", "full_attention"}
#: Every QSA field; the indexer is built in every attention layer, so all must be set.
QSA_FIELDS = (
    "indexer_n_heads",
    "indexer_kv_heads",
    "indexer_head_dim",
    "indexer_budget",
    "indexer_compress_ratio",
)


def layer_kinds(c: HFConfig, layers: int) -> list[str]:
    """Qwen4ExpTextConfig.__post_init__: layer_types as listed (full_attention read as
    indexed_attention), else every full_attention_interval-th layer indexed attention."""
    listed = kinds_listed(c, "layer_types", LAYER_KINDS)
    if listed is None:
        interval = c.integer("full_attention_interval")
        return [
            "indexed_attention" if (i + 1) % interval == 0 else "linear_attention"
            for i in range(layers)
        ]
    if len(listed) != layers:
        raise c.error("layer_types", f"has {len(listed)} entries for {layers} layers")
    return ["indexed_attention" if k == "full_attention" else k for k in listed]


def indexer(c: HFConfig) -> dict[str, Any]:
    """Qwen4ExpTextQSAIndexer: one index_qk_proj for the query heads and the one key head (a
    q_proj and k_proj fused by the naming) and their norms."""
    for name in QSA_FIELDS:
        if c.raw(name) is None:
            raise c.error(name, "must be set: every attention layer builds the QSA indexer")
    if c.integer("indexer_kv_heads") != 1:
        raise c.error("indexer_kv_heads", "must be 1 (Qwen4-Exp QSA has one key head)")
    if c.integer("indexer_budget") % c.integer("indexer_compress_ratio"):
        raise c.error("indexer_budget", "must be a multiple of indexer_compress_ratio")
    head_dim = c.integer("indexer_head_dim")
    rope = c.raw("rope_parameters")
    partial = rope.get("partial_rotary_factor", 1.0) if isinstance(rope, dict) else 1.0
    if int(c.integer("head_dim") * partial) > head_dim:
        raise c.error("indexer_head_dim", "must hold the attention's rotary dimensions")
    return {
        "num_heads": c.integer("indexer_n_heads"),
        "head_dim": head_dim,
        "block_size": c.integer("indexer_compress_ratio"),
    }


def ple_layers(c: HFConfig, kinds: list[str]) -> list[int]:
    """ple_layer_ids (one-indexed, sorted and deduplicated) as zero-based indices, each a
    linear-attention layer (validate_architecture)."""
    ids = sorted(set(c.int_list("ple_layer_ids")))
    for layer in ids:
        if not 1 <= layer <= len(kinds):
            raise c.error("ple_layer_ids", f"{layer} is not a layer id in 1..{len(kinds)}")
        if kinds[layer - 1] != "linear_attention":
            raise c.error("ple_layer_ids", f"layer {layer} is not a linear_attention layer")
    if ids and c.raw("eos_token_id") in (None, []):
        raise c.error("eos_token_id", "must be set when ple_layer_ids is")
    return [layer - 1 for layer in ids]


def ple(c: HFConfig, index: int) -> dict[str, Any]:
    """The PLE module of the `index`-th PLE layer: its own primes size its n-gram table."""
    ngram = c.integer("ngram_size")
    heads = (ngram - 1) * c.integer("heads_per_ngram", minimum=0)
    dim = c.opt_int("ple_embed_dim") or c.integer("hidden_size")
    if heads <= 0 or dim % heads:
        raise c.error("ple_embed_dim", f"{dim} must divide into the {heads} n-gram heads")
    base = c.integer("ngram_vocab_size_base")
    divisor = c.integer("make_ngram_vocab_size_divisible_by")
    return {
        "kind": "ngram_embedding",
        "table_rows": ngram_table_rows(base, heads, index, divisor),
        "embed_dim": dim,
        "ngram_heads": heads,
        "streams": c.integer("hc_count"),
        "conv_kernel": c.integer("ple_conv_kernel_size"),
        "dilation": ngram,
    }


def qwen4_exp_text(c: HFConfig) -> dict[str, Any]:
    """Qwen4ExpTextDecoderLayer: attn_hyper_connection, a gated DeltaNet or gated attention
    with the QSA indexer, mlp_hyper_connection and the sparse MoE block (no norms of its own);
    the PLE module in ple_layer_ids; hyper_connection_mixer after the last layer, no final
    norm."""
    layers = c.integer("num_hidden_layers")
    if c.integer("hc_count") < 2:
        raise c.error("hc_count", "must be more than 1 (Qwen4-Exp requires hc_count > 1)")
    gate_key = "output_gate_type" if c.raw("output_gate_type") else "hidden_act"
    if c.raw(gate_key) not in ("sigmoid", "silu"):
        raise c.error(gate_key, f"the output gate must be sigmoid or silu, got {c.raw(gate_key)!r}")
    hyper = {"kind": "gated", "streams": c.integer("hc_count"), "rank": c.integer("hc_lowrank")}
    kinds = layer_kinds(c, layers)
    moe = {
        "kind": "moe",
        "num_experts": c.integer("num_experts"),
        "num_experts_per_tok": c.integer("num_experts_per_tok"),
        "moe_intermediate_size": c.integer("moe_intermediate_size"),
        "shared_expert_intermediate_size": c.integer("shared_expert_intermediate_size"),
        "shared_expert_gate": True,
    }
    mixers: dict[str, dict[str, Any]] = {"linear_attention": deltanet(c, "split")}
    if "indexed_attention" in kinds:
        mixers["indexed_attention"] = attention(
            c,
            bias=c.boolean("attention_bias"),
            head_dim=c.integer("head_dim"),
            qk_norm="per_head",
            output_gate=True,
            key_indexer=indexer(c),
        )
    blocks: dict[str, dict[str, Any]] = {
        k: {"mixer": m, "ffn": moe, "norms": [], "hyper_connections": hyper}
        for k, m in mixers.items()
    }
    for index, layer in enumerate(ple_layers(c, kinds)):
        key = f"linear_attention+ple{index}"
        blocks[key] = {**blocks["linear_attention"], "extras": [ple(c, index)]}
        kinds[layer] = key
    tower = text_tower(c, blocks, kinds, hyper_head=hyper)
    tower["stacks"][0]["final_norm"] = False
    return {"text": tower}


#: Qwen4-Exp's hyper-connections, its stream mixer and its indexer's fused q/k projection.
QWEN4_EXP = Naming(
    {
        "mixer_hc": "attn_hyper_connection",
        "ffn_hc": "mlp_hyper_connection",
        "hyper_head": "model.hyper_connection_mixer",
        "attention.indexer.qk_proj": "self_attn.indexer.index_qk_proj",
        "attention.indexer.q_norm": "self_attn.indexer.q_layernorm",
        "attention.indexer.k_norm": "self_attn.indexer.k_layernorm",
    },
    fused={"attention.indexer.qk_proj": ("q_proj", "k_proj")},
)

FAMILIES = (
    Family(
        "qwen4_exp_text",
        {
            "vocab_size": 248320,
            "hidden_size": 2048,
            "num_hidden_layers": 40,
            "num_attention_heads": 16,
            "num_key_value_heads": 2,
            "head_dim": 256,
            "hidden_act": "silu",
            "attention_bias": False,
            "tie_word_embeddings": False,
            "linear_conv_kernel_dim": 4,
            "linear_key_head_dim": 128,
            "linear_value_head_dim": 128,
            "linear_num_key_heads": 16,
            "linear_num_value_heads": 32,
            "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 512,
            "num_experts_per_tok": 10,
            "num_experts": 512,
            "layer_types": None,
            # popped from the keyword arguments by __post_init__ when layer_types is null
            "full_attention_interval": 4,
            "hc_count": 4,
            "hc_lowrank": 320,
            "ple_layer_ids": None,
            "ple_embed_dim": None,
            "ple_conv_kernel_size": 4,
            "ngram_size": 3,
            "heads_per_ngram": 8,
            "ngram_vocab_size_base": 20_000_000,
            "make_ngram_vocab_size_divisible_by": 128,
            "indexer_n_heads": None,
            "indexer_kv_heads": None,
            "indexer_head_dim": None,
            "indexer_budget": None,
            "indexer_compress_ratio": None,
            "output_gate_type": None,
            "eos_token_id": None,
            "rope_parameters": None,
        },
        (qwen4_exp_text,),
        required=KV_HEADS,
        naming=QWEN4_EXP,
        notes="checkpoints store each PLE n-gram table in split_ngram_parts shards, which "
        "loading concatenates into the one table counted here",
    ),
)
