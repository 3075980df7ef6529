"""Mistral's MLA models: Mistral 4 (DeepSeek-V3's attention and MoE) and Mistral Large 4
(Pixtral, Mistral 3's projector and a DSA text model without a query latent).

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
`modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.llama import size_defaults as sizes
from paramcalc.families.moe import DEEPSEEK, deepseek_v3, shared_width
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llava_projector, spec_config
from paramcalc.families.multimodal_pali_mistral import MISTRAL3, PIXTRAL, pixtral
from paramcalc.families.special_mla import first_dense, glm_indexer_types, mlp_kinds, routed
from paramcalc.families.v2 import gated_mlp, text_tower


def no_rope_layers(c: HFConfig, layers: int) -> list[bool]:
    """MistralLarge4TextConfig.__post_init__: no_rope_layers (1 uses rotary, 0 is NoPE), else
    NoPE every no_rope_layer_interval-th layer."""
    listed = c.raw("no_rope_layers")
    if listed is None:
        interval = c.integer("no_rope_layer_interval")
        return [(i + 1) % interval != 0 for i in range(layers)]
    if not isinstance(listed, list) or len(listed) < layers or any(v not in (0, 1) for v in listed):
        raise c.error("no_rope_layers", f"must give 1 or 0 for each of the {layers} layers")
    return [bool(v) for v in listed[:layers]]


def kv_shared_layers(c: HFConfig, layers: int) -> list[bool]:
    """MistralLarge4TextConfig.kv_source_layers: a layer pointing at an earlier one (its own
    source) reads that layer's latent; validate_architecture refuses any other pattern."""
    listed = c.raw("kv_source_layers")
    if listed is None:
        return [False] * layers
    if (
        not isinstance(listed, list)
        or len(listed) != layers
        or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in listed)
        or any(s > i or listed[s] != s for i, s in enumerate(listed))
    ):
        raise c.error(
            "kv_source_layers",
            f"must give each of the {layers} layers itself or an earlier layer that is its "
            "own source",
        )
    return [s != i for i, s in enumerate(listed)]


def large4_attention(c: HFConfig, rotary: bool, shared: bool, indexed: bool) -> dict[str, Any]:
    """MistralLarge4TextAttention: MLA with a plain q_proj, learned softmax scaling, and the
    DSA indexer (reading the input) on `full` indexer layers."""
    bias = c.boolean("attention_bias")
    mixer: dict[str, Any] = {
        "kind": "mla",
        "num_attention_heads": c.integer("num_attention_heads"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
        "qkv_bias": bias,
        "o_bias": bias,
        "rotary": rotary,
        "kv_shared": shared,
        "softmax_scaling": True,
    }
    if indexed:
        mixer["indexer"] = {
            "num_heads": c.integer("index_n_heads"),
            "head_dim": c.integer("index_head_dim"),
            "from_hidden": True,
        }
    return mixer


def large4_text(c: HFConfig) -> dict[str, Any]:
    """MistralLarge4TextModel: per layer its rotary (or NoPE), own or shared latent, indexer
    or reused top-k, and dense or MoE MLP (the MoE always with its shared experts)."""
    layers = c.integer("num_hidden_layers")
    mlps = mlp_kinds(c, layers, first_dense(c, layers))
    ffns = {"dense": gated_mlp(c.integer("intermediate_size"))}
    if "sparse" in mlps:
        shared_width(c, "n_shared_experts")
        ffns["sparse"] = routed(c)
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for rotary, shared, indexer, mlp in zip(
        no_rope_layers(c, layers),
        kv_shared_layers(c, layers),
        glm_indexer_types(c, layers),
        mlps,
        strict=True,
    ):
        indexed = indexer == "full"
        key = f"{'rope' if rotary else 'nope'}/{'shared' if shared else 'own'}/{indexer}+{mlp}"
        kinds[key] = {"mixer": large4_attention(c, rotary, shared, indexed), "ffn": ffns[mlp]}
        layer_kinds.append(key)
    return text_tower(c, kinds, layer_kinds)


#: MistralLarge4TextConfig's defaults (its sub-config class; not a model of its own here).
MISTRAL_LARGE4_TEXT = Family(
    "mistral_large4_text",
    {
        **sizes(204800, 6144, 24576, 72, 64, 64, 1048576, False),
        "moe_intermediate_size": 6144,
        "n_shared_experts": 1,
        "n_routed_experts": 128,
        "num_experts_per_tok": 4,
        "kv_lora_rank": 512,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "qk_nope_head_dim": 64,
        "attention_bias": False,
        "mlp_layer_types": None,
        "first_k_dense_replace": 1,
        "index_head_dim": 128,
        "index_n_heads": 32,
        "indexer_types": None,
        "index_topk_pattern": None,
        "index_topk_freq": 1,
        "index_skip_topk_offset": 2,
        "no_rope_layers": None,
        "no_rope_layer_interval": 4,
        "kv_source_layers": None,
    },
    (),
    aliases={"n_routed_experts": ("num_experts", "num_local_experts")},
)
#: What MistralLarge4Config passes to PixtralVisionConfig when vision_config is null.
MISTRAL_LARGE4_PIXTRAL = {
    "hidden_size": 2048,
    "intermediate_size": 6144,
    "num_hidden_layers": 30,
    "num_attention_heads": 16,
    "patch_size": 14,
}


def mistral_large4(c: HFConfig) -> dict[str, Any]:
    """MistralLarge4ForConditionalGeneration: Pixtral, Mistral 3's projector (RMSNorm, patch
    merger, linear_1, linear_2) and the Large 4 text model; the top-level
    tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", PIXTRAL, MISTRAL_LARGE4_PIXTRAL)
    t = spec_config(c, "text_config", MISTRAL_LARGE4_TEXT)
    text = {**large4_text(t), "tie_word_embeddings": c.boolean("tie_word_embeddings")}
    vh = v.integer("hidden_size")
    merge = c.integer("spatial_merge_size") ** 2
    parts = [
        {"kind": "norm", "role": "norm", "width": vh},
        {
            "kind": "linear",
            "role": "patch_merger.merging_layer",
            "inputs": vh * merge,
            "outputs": vh,
        },
        *llava_projector(c, vh, text["hidden_size"]),
    ]
    return {"text": text, "vision": pixtral(v), "projector": {"parts": parts}}


FAMILIES = (
    Family(
        "mistral4",
        {
            **sizes(131072, 4096, 12288, 36, 32, 32, 1048576, False),
            "kv_lora_rank": 256,
            "q_lora_rank": 1024,
            "qk_nope_head_dim": 64,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "attention_bias": False,
            "first_k_dense_replace": 0,
            "n_routed_experts": 128,
            "n_shared_experts": 1,
            "num_experts_per_tok": 4,
            "moe_intermediate_size": 2048,
        },
        # Mistral4DecoderLayer is DeepseekV3DecoderLayer; its router holds no bias buffer.
        (deepseek_v3,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DEEPSEEK,
    ),
    Family(
        "mistral_large4",
        {
            "text_config": None,
            "vision_config": None,
            "vision_feature_layer": -1,
            "multimodal_projector_bias": False,
            "spatial_merge_size": 2,
            "tie_word_embeddings": False,
        },
        (mistral_large4,),
        naming=Naming({**LANGUAGE_MODEL, **DEEPSEEK.names}, towers=MISTRAL3.towers),
    ),
)
