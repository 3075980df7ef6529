"""Qwen2-VL and Qwen2.5-VL: a ViT with a Conv3d patch embedding, a patch merger (the projector)
and a Qwen2 text model with biased q/k/v projections.

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.rules import fixed, qwen_windows, sizes

#: Qwen2VLTextConfig / Qwen2_5_VLTextConfig (the same fields and defaults): a Qwen2 decoder
#: whose attention always has q/k/v biases and heads of hidden_size // heads.
QWEN2_VL_TEXT = Family(
    "qwen2_vl_text",
    {
        "vocab_size": 152064,
        "hidden_size": 8192,
        "intermediate_size": 29568,
        "num_hidden_layers": 80,
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "max_position_embeddings": 32768,
        "use_sliding_window": False,
        "sliding_window": 4096,
        "max_window_layers": 80,
        "layer_types": None,
        # not a field of the text config: getattr(text_config, "tie_word_embeddings", False)
        "tie_word_embeddings": False,
    },
    (sizes, fixed(qkv_bias=True, attention_out_bias=False), qwen_windows),
)
QWEN2_VL_VISION = Family(
    "qwen2_vl_vision",
    {
        "depth": 32,
        "embed_dim": 1280,
        "hidden_size": 3584,
        "mlp_ratio": 4,
        "num_heads": 16,
        "in_channels": 3,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    },
    (),
)
QWEN2_5_VL_VISION = Family(
    "qwen2_5_vl_vision",
    {
        "depth": 32,
        "hidden_size": 3584,
        "intermediate_size": 3420,
        "num_heads": 16,
        "in_channels": 3,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": 3584,
    },
    (),
)


def qwen_text(c: HFConfig) -> dict[str, Any]:
    """The Qwen2 text model: text_config, or (Qwen2VLConfig.__post_init__, a Hub config saved
    flat) the top-level keys when text_config is null; tied when either level says so."""
    nested = c.raw("text_config")
    same = ("qwen2_5_vl_text",)
    t = spec_config(c, "text_config", QWEN2_VL_TEXT, also=same) if nested is not None else None
    t = t or HFConfig(c.data, c.where, QWEN2_VL_TEXT)
    tied = c.boolean("tie_word_embeddings") or (
        nested is not None and t.boolean("tie_word_embeddings")
    )
    fields = {**QWEN2_VL_TEXT.build(t), "tie_word_embeddings": tied}
    return t.text_tower(fields)


def qwen_vision(v: HFConfig, width: int, ffn: dict[str, Any], norm: str) -> dict[str, Any]:
    """The ViT: an unbiased Conv3d patch embedding (no position table: rotary), blocks of fused
    qkv attention and a biased MLP, no final norm."""
    heads = v.integer("num_heads")
    v.split_heads("num_heads", heads, width)  # the blocks' q/k/v keep width // heads per head
    return {
        "hidden_size": width,
        "num_channels": v.integer("in_channels"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "patch_bias": False,
        "position_embedding": "none",
        "post_norm": False,
        "norm_type": norm,
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
                "ffn": ffn,
            },
        },
    }


def merger(v: HFConfig, width: int, out: int, norm: str) -> dict[str, Any]:
    """PatchMerger: ln_q, then an MLP over spatial_merge_size^2 neighbouring patches."""
    merged = width * v.integer("spatial_merge_size") ** 2
    return {
        "parts": [
            {"kind": "norm", "role": "merger.ln_q", "width": width, "norm_type": norm},
            {
                "kind": "linear",
                "role": "merger.mlp.0",
                "inputs": merged,
                "outputs": merged,
                "bias": True,
            },
            {
                "kind": "linear",
                "role": "merger.mlp.2",
                "inputs": merged,
                "outputs": out,
                "bias": True,
            },
        ]
    }


def qwen2_vl(c: HFConfig) -> dict[str, Any]:
    """Qwen2VLForConditionalGeneration: LayerNorm blocks of embed_dim with an fc1/fc2 MLP of
    embed_dim x mlp_ratio; the merger projects to vision_config.hidden_size."""
    # Qwen2VLConfig.__post_init__ reads an old checkpoint's "qwen2_vl" as qwen2_vl_vision.
    v = spec_config(c, "vision_config", QWEN2_VL_VISION, also=("qwen2_vl",))
    width = v.integer("embed_dim")
    ffn = {"kind": "mlp", "intermediate_size": width * v.integer("mlp_ratio"), "bias": True}
    return {
        "text": qwen_text(c),
        "vision": qwen_vision(v, width, ffn, "layernorm"),
        "projector": merger(v, width, v.integer("hidden_size"), "layernorm"),
    }


def qwen2_5_vl(c: HFConfig) -> dict[str, Any]:
    """Qwen2_5_VLForConditionalGeneration: RMSNorm blocks of hidden_size with a biased gated MLP;
    the merger projects to out_hidden_size (window attention changes no shape)."""
    v = spec_config(c, "vision_config", QWEN2_5_VL_VISION, also=("qwen2_5_vl",))
    width = v.integer("hidden_size")
    ffn = {"kind": "gated", "intermediate_size": v.integer("intermediate_size"), "bias": True}
    return {
        "text": qwen_text(c),
        "vision": qwen_vision(v, width, ffn, "rmsnorm"),
        "projector": merger(v, width, v.integer("out_hidden_size"), "rmsnorm"),
    }


QWEN_VISUAL = {
    "patch_embedding": "model.visual.patch_embed.proj",
    "encoder.layers": "model.visual.blocks",
    "input_norm": "norm1",
    "pre_ffn_norm": "norm2",
    "attention": "attn",
    "attention.qkv_proj": "attn.qkv",
    "attention.o_proj": "attn.proj",
    "ffn.gate_proj": "mlp.gate_proj",
    "ffn.up_proj": "mlp.up_proj",
    "ffn.down_proj": "mlp.down_proj",
}
QWEN_VL = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {**QWEN_VISUAL, "ffn.up_proj": "mlp.fc1", "ffn.down_proj": "mlp.fc2"},
            fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
        ),
        "projector": Naming(
            {
                role: f"model.visual.{role}"
                for role in ("merger.ln_q", "merger.mlp.0", "merger.mlp.2")
            }
        ),
    },
)
QWEN2_5_VL = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(QWEN_VISUAL, fused=QWEN_VL.towers["vision"].fused),
        "projector": QWEN_VL.towers["projector"],
    },
)
QWEN_DEFAULTS = {"text_config": None, "vision_config": None, "tie_word_embeddings": False}
QWEN_NOTE = "a config saved flat (text_config null) reads the text model's keys at the top level"

FAMILIES = (
    Family("qwen2_vl", QWEN_DEFAULTS, (qwen2_vl,), naming=QWEN_VL, notes=QWEN_NOTE),
    Family("qwen2_5_vl", QWEN_DEFAULTS, (qwen2_5_vl,), naming=QWEN2_5_VL, notes=QWEN_NOTE),
)
