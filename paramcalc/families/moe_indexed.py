"""MiniMax-M3's language model (`minimax_m3_vl_text`): GQA with per-head q/k norms, a
block-sparse lightning indexer in the layers `layer_types` marks, fused gate/up MLPs and
sigmoid-routed experts beside a shared MLP.

The record's rule builds a schema v2 model (`paramcalc.families.v2`) following
`modeling_minimax_m3_vl.py` in transformers 5.23; defaults are MiniMaxM3VLTextConfig's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import shared_width
from paramcalc.families.moe_windows import moe
from paramcalc.families.special_mla import mlp_kinds
from paramcalc.families.v2 import attention, gated_mlp, mixed_layers

#: MiniMaxM3VLTextConfig.__post_init__: flat index_* fields and the legacy names a
#: sparse_attention_config holds for them (the legacy ones, when present, win).
INDEX_LEGACY = {
    "index_n_heads": "sparse_num_index_heads",
    "index_head_dim": "sparse_index_dim",
}
SPANS = ("full_attention", "minimax_m3_sparse")


def sparse_config(c: HFConfig) -> dict[str, Any]:
    """The sparse_attention_config keyword (popped by __post_init__), empty when absent."""
    value = c.raw("sparse_attention_config") or {}
    if not isinstance(value, dict):
        raise c.error("sparse_attention_config", "must be a mapping")
    return value


def index_size(c: HFConfig, name: str, sparse: dict[str, Any]) -> int:
    """An indexer width: the legacy sparse_attention_config entry, else the flat field."""
    legacy = sparse.get(INDEX_LEGACY[name])
    if legacy is None:
        return c.integer(name)
    if isinstance(legacy, bool) or not isinstance(legacy, int) or legacy < 1:
        raise c.error("sparse_attention_config", f"{INDEX_LEGACY[name]} must be a positive integer")
    return legacy


def flags(c: HFConfig, key: str, listed: Any, layers: int, kinds: tuple[str, str]) -> list[str]:
    """A per-layer 0/1 list (sparse_attention_freq, moe_layer_freq) as the two kinds."""
    if not isinstance(listed, list) or len(listed) != layers:
        raise c.error(key, f"must list one flag per layer ({layers})")
    return [kinds[1] if f else kinds[0] for f in listed]


def m3_spans(c: HFConfig, layers: int, sparse: dict[str, Any]) -> list[str]:
    """layer_types, else sparse_attention_config's sparse_attention_freq, else all full."""
    listed = c.raw("layer_types")
    if listed is None:
        if "sparse_attention_freq" in sparse:
            key = "sparse_attention_config"
            return flags(c, key, sparse["sparse_attention_freq"], layers, SPANS)
        return ["full_attention"] * layers
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - set(SPANS):
        raise c.error("layer_types", f"must list one of {list(SPANS)} per layer ({layers})")
    return listed


def m3_mlps(c: HFConfig, layers: int) -> list[str]:
    """mlp_layer_types, else the moe_layer_freq keyword's flags, else every layer sparse."""
    freq = c.raw("moe_layer_freq")
    if freq is None or c.raw("mlp_layer_types") is not None:
        return mlp_kinds(c, layers, ["sparse"] * layers)
    return flags(c, "moe_layer_freq", freq, layers, ("dense", "sparse"))


def minimax_m3_vl_text(c: HFConfig) -> dict[str, Any]:
    """MiniMaxM3VLDecoderLayer: attention with per-head q/k norms (and an indexer of
    index_n_heads x index_head_dim in minimax_m3_sparse layers); a dense MLP of
    dense_intermediate_size or experts of intermediate_size beside a shared MLP of
    shared_intermediate_size, both with gate and up fused. The router's
    e_score_correction_bias is a buffer."""
    layers = c.integer("num_hidden_layers")
    sparse = sparse_config(c)
    mixer = attention(c, head_dim=c.integer("head_dim"), qk_norm="per_head")
    indexer = {
        "num_heads": index_size(c, "index_n_heads", sparse),
        "head_dim": index_size(c, "index_head_dim", sparse),
    }
    mixers = {"full_attention": mixer, "minimax_m3_sparse": {**mixer, "key_indexer": indexer}}
    ffns = {
        "dense": gated_mlp(c.integer("dense_intermediate_size")),
        "sparse": {
            **moe(c, "num_local_experts", c.integer("intermediate_size")),
            "shared_expert_intermediate_size": shared_width(c, "shared_intermediate_size"),
        },
    }
    pairs = zip(m3_spans(c, layers, sparse), m3_mlps(c, layers), strict=True)
    return mixed_layers(c, mixers, ffns, pairs)


#: MiniMaxM3VLDenseMLP fuses gate and up (`gate_up_proj`), in the shared MLP too.
MINIMAX_M3 = Naming(
    {"ffn.shared_expert": "mlp.shared_experts"},
    fused={
        "ffn.gate_up_proj": ("gate_proj", "up_proj"),
        "ffn.shared_expert.gate_up_proj": ("gate_proj", "up_proj"),
    },
)

FAMILIES = (
    Family(
        "minimax_m3_vl_text",
        {
            **size_defaults(200064, 6144, 3072, 60, 64, 4, 524288, False),
            "head_dim": 128,
            "num_experts_per_tok": 4,
            "num_local_experts": 128,
            "dense_intermediate_size": 12288,
            "shared_intermediate_size": 3072,
            "mlp_layer_types": None,
            "index_n_heads": 4,
            "index_head_dim": 128,
            "layer_types": None,
            "sparse_attention_config": None,
            "moe_layer_freq": None,
        },
        (minimax_m3_vl_text,),
        aliases={"num_local_experts": ("num_experts",)},
        naming=MINIMAX_M3,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers, not a parameter)",
        required=KV_HEADS,
    ),
)
