"""Qwen3-VL and Qwen3-VL-MoE: a ViT with a biased Conv3d patch embedding and a learned position
grid, a patch merger plus one deepstack merger per tapped vision layer (the projector), and a
Qwen3 text model (per-head q/k norms), dense or with routed experts; Qwen3.5 (dense and MoE):
the same ViT without deepstack mergers on Qwen3.5's gated-DeltaNet hybrid text model.

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.moe import qwen3_moe
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.multimodal_qwen import QWEN_VISUAL
from paramcalc.families.rules import attention_bias, fixed, head_dim, sizes

#: Qwen3VLTextConfig: a Qwen3 decoder without sliding windows; head_dim always set.
QWEN3_VL_TEXT = Family(
    "qwen3_vl_text",
    {
        "vocab_size": 151936,
        "hidden_size": 4096,
        "intermediate_size": 22016,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "head_dim": 128,
        "max_position_embeddings": 128000,
        "attention_bias": False,
        # not a field of the text config: the top-level tie_word_embeddings decides
        "tie_word_embeddings": False,
    },
    (sizes, head_dim, attention_bias("attention_bias"), fixed(qk_norm="per_head")),
)
#: Qwen3VLMoeTextConfig: head_dim null is hidden_size // heads; sliding_window is forced off.
QWEN3_VL_MOE_TEXT = Family(
    "qwen3_vl_moe_text",
    {
        "vocab_size": 151936,
        "hidden_size": 2048,
        "intermediate_size": 5632,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "num_key_value_heads": 16,
        "head_dim": None,
        "max_position_embeddings": 128000,
        "attention_bias": False,
        "use_sliding_window": False,
        "decoder_sparse_step": 1,
        "moe_intermediate_size": 1408,
        "num_experts_per_tok": 4,
        "num_experts": 60,
        "mlp_only_layers": None,
        "tie_word_embeddings": True,
    },
    (qwen3_moe,),
    aliases={"num_experts": ("num_local_experts",)},
    required=KV_HEADS,
)
#: Qwen3VLVisionConfig / Qwen3VLMoeVisionConfig (the same fields and defaults).
VISION_DEFAULTS = {
    "depth": 27,
    "hidden_size": 1152,
    "intermediate_size": 4304,
    "num_heads": 16,
    "in_channels": 3,
    "patch_size": 16,
    "spatial_merge_size": 2,
    "temporal_patch_size": 2,
    "out_hidden_size": 3584,
    "num_position_embeddings": 2304,
    "deepstack_visual_indexes": [8, 16, 24],
}

#: Qwen3_5VisionConfig / Qwen3_5MoeVisionConfig: Qwen3-VL's fields but deepstack_visual_indexes.
QWEN3_5_VISION_DEFAULTS = {
    k: v for k, v in VISION_DEFAULTS.items() if k != "deepstack_visual_indexes"
}

#: The vision config classes' attribute_map.
VISION_ALIASES = {"num_heads": ("num_attention_heads",), "depth": ("num_hidden_layers",)}


def text(c: HFConfig, family: Family) -> dict[str, Any]:
    """The text model of text_config; the top-level tie_word_embeddings decides."""
    tied = c.boolean("tie_word_embeddings")
    t = spec_config(c, "text_config", family)
    built = family.build(t)
    if "text" in built:  # a v2 text tower (Qwen3.5's hybrid)
        return {**built["text"], "tie_word_embeddings": tied}
    fields = {**built, "tie_word_embeddings": tied}
    return t.text_tower(fields)


def vision(v: HFConfig) -> dict[str, Any]:
    """Qwen3VLVisionModel: a biased Conv3d patch embedding, a num_position_embeddings table
    (resampled to each grid), LayerNorm blocks of fused qkv attention and an fc1/fc2 MLP, no
    final norm (the merger's norm follows)."""
    width, heads = v.integer("hidden_size"), v.integer("num_heads")
    v.split_heads("num_heads", heads, width)  # the blocks' q/k/v keep width // heads per head
    return {
        "hidden_size": width,
        "num_channels": v.integer("in_channels"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "position_rows": v.integer("num_position_embeddings"),
        "post_norm": False,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("depth"),
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": heads,
                    "qkv_bias": True,
                    "o_bias": True,
                },
                "ffn": {
                    "kind": "mlp",
                    "intermediate_size": v.integer("intermediate_size"),
                    "bias": True,
                },
            },
        },
    }


def patch_merger(role: str, width: int, merged: int, out: int) -> list[dict[str, Any]]:
    """Qwen3VLVisionPatchMerger: a LayerNorm (of `width`), then fc1/fc2 over merged patches."""
    return [
        {"kind": "norm", "role": f"{role}.norm", "width": width, "norm_type": "layernorm"},
        {
            "kind": "linear",
            "role": f"{role}.linear_fc1",
            "inputs": merged,
            "outputs": merged,
            "bias": True,
        },
        {
            "kind": "linear",
            "role": f"{role}.linear_fc2",
            "inputs": merged,
            "outputs": out,
            "bias": True,
        },
    ]


def projector(v: HFConfig, deepstack: bool = True) -> dict[str, Any]:
    """The merger (norm before the shuffle) and, when `deepstack`, one deepstack merger per
    index in deepstack_visual_indexes (norm after it, over the merged width)."""
    width, out = v.integer("hidden_size"), v.integer("out_hidden_size")
    merged = width * v.integer("spatial_merge_size") ** 2
    parts = patch_merger("merger", width, merged, out)
    for i in range(len(v.int_list("deepstack_visual_indexes")) if deepstack else 0):
        parts += patch_merger(f"deepstack_merger_list.{i}", merged, merged, out)
    return {"parts": parts}


def multimodal(text_family: Family | str, vision_type: str, deepstack: bool = True) -> Any:
    """The rule of a Qwen3-VL family over `text_family` (a record, or a registered model_type)
    and `vision_type`; Qwen3.5's ViT (`deepstack` false) has no deepstack mergers."""
    defaults = VISION_DEFAULTS if deepstack else QWEN3_5_VISION_DEFAULTS
    vision_family = Family(vision_type, defaults, (), aliases=VISION_ALIASES)

    def rule(c: HFConfig) -> dict[str, Any]:
        from paramcalc.families import families

        family = families()[text_family] if isinstance(text_family, str) else text_family
        # Qwen3VL(Moe)Config.__post_init__ (Qwen3_5(Moe)Config's too) reads an old checkpoint's
        # top-level model_type in vision_config as the vision config's.
        v = spec_config(c, "vision_config", vision_family, also=(c.family.model_type,))
        return {
            "text": text(c, family),
            "vision": vision(v),
            "projector": projector(v, deepstack),
        }

    name = text_family if isinstance(text_family, str) else text_family.model_type
    rule.__doc__ = f"The {vision_type} ViT, its mergers and the {name} model."
    return rule


NAMING = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                **QWEN_VISUAL,
                "position_embedding": "model.visual.pos_embed",
                "ffn.up_proj": "mlp.linear_fc1",
                "ffn.down_proj": "mlp.linear_fc2",
            },
            fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
        ),
        "projector": Naming(
            {
                "merger": "model.visual.merger",
                "deepstack_merger_list": "model.visual.deepstack_merger_list",
            }
        ),
    },
)
DEFAULTS = {"text_config": None, "vision_config": None, "tie_word_embeddings": False}

FAMILIES = (
    Family("qwen3_vl", DEFAULTS, (multimodal(QWEN3_VL_TEXT, "qwen3_vl_vision"),), naming=NAMING),
    Family(
        "qwen3_vl_moe",
        DEFAULTS,
        (multimodal(QWEN3_VL_MOE_TEXT, "qwen3_vl_moe_vision"),),
        naming=NAMING,
    ),
    # CohereCompassConfig: Qwen3VLConfig over a CohereCompassTextConfig (Cohere 2's blocks).
    Family(
        "cohere_compass",
        DEFAULTS,
        (multimodal("cohere_compass_text", "cohere_compass_vision"),),
        naming=NAMING,
    ),
    Family(
        "qwen3_5",
        DEFAULTS,
        (multimodal("qwen3_5_text", "qwen3_5_vision", deepstack=False),),
        naming=NAMING,
    ),
    Family(
        "qwen3_5_moe",
        DEFAULTS,
        (multimodal("qwen3_5_moe_text", "qwen3_5_moe_vision", deepstack=False),),
        naming=NAMING,
    ),
)
