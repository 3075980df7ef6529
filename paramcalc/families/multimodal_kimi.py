"""Kimi K2.5 (`kimi_k25`): a MoonViT-style vision tower (a biased Conv2d over 3 channels, a
learned position grid, LayerNorm blocks of biased attention and a biased fc1/fc2 MLP, a final
LayerNorm), a projector over merge_kernel_size patches side by side (pre_norm, in_proj,
out_proj) and a DeepSeek-V3 text model.

Follows `modeling_kimi_k25.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.moe import DEEPSEEK
from paramcalc.families.multimodal import vision_encoder_block
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config

#: Kimi_K25VisionConfig's defaults (transformers 5.23).
KIMI_K25_VISION = Family(
    "kimi_k25_vision",
    {
        "patch_size": 14,
        "pos_emb_height": 64,
        "pos_emb_width": 64,
        "num_attention_heads": 16,
        "num_hidden_layers": 27,
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "merge_kernel_size": [2, 2],
    },
    (),
)


def merge_patches(v: HFConfig) -> int:
    """Patches the projector reads side by side: merge_kernel_size[0] x merge_kernel_size[1]."""
    value = v.raw("merge_kernel_size")
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in value)
    ):
        raise v.error("merge_kernel_size", f"must be two positive integers, got {value!r}")
    return int(value[0]) * int(value[1])


def moonvit(v: HFConfig) -> dict[str, Any]:
    """Kimi_K25VisionModel: patch_embed.proj (3 channels whatever the config says), a
    (pos_emb_height, pos_emb_width, hidden) position grid, ViT blocks, final_layernorm; the
    temporal table is a buffer and rotary learns nothing."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    # Kimi_K25VisionAttention splits the width into heads of width // heads
    v.split_heads("num_attention_heads", heads, width)
    return {
        "hidden_size": width,
        "num_channels": 3,
        "patch_size": v.integer("patch_size"),
        "position_embedding": "grid",
        "position_grid": (v.integer("pos_emb_height"), v.integer("pos_emb_width")),
        "post_norm": True,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
    }


def deepseek_text(c: HFConfig, tied: bool) -> dict[str, Any]:
    """The DeepSeek-V3 text model of text_config (Kimi K2's `kimi_k2` is read as it)."""
    from paramcalc.families import families

    t = spec_config(c, "text_config", families()["deepseek_v3"], also=("kimi_k2",))
    return t.text_tower({**families()["deepseek_v3"].build(t), "tie_word_embeddings": tied})


def kimi_k25(c: HFConfig) -> dict[str, Any]:
    """Kimi_K25ForConditionalGeneration: vision tower, mm_projector (a LayerNorm of
    projection_hidden_size, in_proj over the merged patches, out_proj to the text width) and
    the text model; the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", KIMI_K25_VISION)
    text = deepseek_text(c, c.boolean("tie_word_embeddings"))
    merged = v.integer("hidden_size") * merge_patches(v)
    parts = [
        {
            "kind": "norm",
            "role": "pre_norm",
            "width": c.integer("projection_hidden_size"),
            "norm_type": "layernorm",
        },
        {"kind": "linear", "role": "in_proj", "inputs": merged, "outputs": merged, "bias": True},
        {
            "kind": "linear",
            "role": "out_proj",
            "inputs": merged,
            "outputs": text["hidden_size"],
            "bias": True,
        },
    ]
    return {"text": text, "vision": moonvit(v), "projector": {"parts": parts}}


KIMI_K25 = Naming(
    {**LANGUAGE_MODEL, **DEEPSEEK.names},
    towers={
        "vision": Naming(
            {
                "patch_embedding": "model.vision_tower.patch_embed.proj",
                "position_embedding": "model.vision_tower.patch_embed.pos_emb.position_embeddings",
                "encoder.layers": "model.vision_tower.layers",
                "post_norm": "model.vision_tower.final_layernorm",
                "input_norm": "norm1",
                "pre_ffn_norm": "norm2",
                "attention": "attn",
                "attention.o_proj": "attn.proj",
                "ffn": "mlp",
                "ffn.up_proj": "mlp.fc1",
                "ffn.down_proj": "mlp.fc2",
            }
        ),
        "projector": Naming(
            {role: f"model.mm_projector.{role}" for role in ("pre_norm", "in_proj", "out_proj")}
        ),
    },
)

FAMILIES = (
    Family(
        "kimi_k25",
        {
            "text_config": None,
            "vision_config": None,
            "projection_hidden_size": 1152,
            "tie_word_embeddings": True,
        },
        (kimi_k25,),
        naming=KIMI_K25,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers)",
    ),
)
