"""MiniMax-M3 VL (`minimax_m3_vl`): a ViT with an unbiased Conv3d patch embedding (rotary
positions, no table), a LayerNorm before CLIP-style blocks and none after, a projector of two
GELU MLPs (each patch to the text width, then spatial_merge_size^2 patches side by side fused
into one token), and MiniMax-M3's sparse-attention MoE text model.

Follows `modeling_minimax_m3_vl.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.moe_indexed import MINIMAX_M3
from paramcalc.families.multimodal import vision_encoder_block
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.multimodal_qwen3 import text

#: MiniMaxM3VLVisionConfig's defaults (transformers 5.23).
MINIMAX_M3_VL_VISION = Family(
    "minimax_m3_vl_vision",
    {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 16,
        "num_channels": 3,
        "patch_size": 14,
        "temporal_patch_size": 2,
        "spatial_merge_size": 2,
    },
    (),
)


def vision(v: HFConfig) -> dict[str, Any]:
    """MiniMaxM3VLVisionModel: embeddings.proj, pre_layrnorm and the encoder layers."""
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("num_channels"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "patch_bias": False,
        "position_embedding": "none",
        "pre_norm": True,
        "post_norm": False,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
    }


def projector(c: HFConfig, v: HFConfig, text_width: int) -> list[dict[str, Any]]:
    """MiniMaxM3VLMultiModalProjector: linear_1 to projector_hidden_size, linear_2 to the text
    width, merge_linear_1 over merged_hidden_size (the text width x spatial_merge_size^2, as
    MiniMaxM3VLConfig.__post_init__ sets it), merge_linear_2 to the text width; all biased."""
    middle = c.integer("projector_hidden_size")
    merged = text_width * v.integer("spatial_merge_size") ** 2
    shapes = {
        "linear_1": (v.integer("hidden_size"), middle),
        "linear_2": (middle, text_width),
        "merge_linear_1": (merged, middle),
        "merge_linear_2": (middle, text_width),
    }
    return [
        {"kind": "linear", "role": role, "inputs": i, "outputs": o, "bias": True}
        for role, (i, o) in shapes.items()
    ]


def minimax_m3_vl(c: HFConfig) -> dict[str, Any]:
    """MiniMaxM3SparseForConditionalGeneration: the ViT, the projector and the MiniMax-M3 text
    model; tied when either level's tie_word_embeddings says so (MiniMaxM3VLConfig's
    __post_init__)."""
    from paramcalc.families import families

    v = spec_config(c, "vision_config", MINIMAX_M3_VL_VISION)
    sub = c.raw("text_config")
    text_type = sub.get("model_type", "minimax_m3_vl_text") if isinstance(sub, Mapping) else None
    if text_type not in (None, "minimax_m3_vl_text"):
        raise c.error("text_config", f"text model_type {text_type!r} is not supported here")
    family = families()["minimax_m3_vl_text"]
    t = spec_config(c, "text_config", family)
    tied = c.boolean("tie_word_embeddings") or t.boolean("tie_word_embeddings")
    fields = {**text(c, family), "tie_word_embeddings": tied}
    return {
        "text": fields,
        "vision": vision(v),
        "projector": {"parts": projector(c, v, fields["hidden_size"])},
    }


VISION = {
    "patch_embedding": "model.vision_tower.embeddings.proj",
    "pre_norm": "model.vision_tower.pre_layrnorm",
    "encoder.layers": "model.vision_tower.layers",
}
PROJECTOR_ROLES = ("linear_1", "linear_2", "merge_linear_1", "merge_linear_2")
NAMING = Naming(
    {**LANGUAGE_MODEL, **MINIMAX_M3.names},
    fused=MINIMAX_M3.fused,
    towers={
        "vision": Naming(VISION),
        "projector": Naming({r: f"model.multi_modal_projector.{r}" for r in PROJECTOR_ROLES}),
    },
)

FAMILIES = (
    Family(
        "minimax_m3_vl",
        {
            "text_config": None,
            "vision_config": None,
            "projector_hidden_size": 6144,
            "tie_word_embeddings": False,
        },
        (minimax_m3_vl,),
        naming=NAMING,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers, not a parameter)",
    ),
)
