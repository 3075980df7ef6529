"""Gemma 4: Gemma 4's language model (families/gemma4.py) with its vision encoder.

Follows transformers 5.23 `models/gemma4/modeling_gemma4.py`. The vision encoder embeds each
patch with one unbiased linear layer and adds two learned position tables (x and y); its layers
are Gemma's sandwich-normed blocks with per-head q/k norms and a gated MLP, every projection a
Gemma4ClippableLinear (an nn.Linear named `linear`; the clipping bounds are buffers).
`embed_vision` maps the encoder's width to the text width (its norm has no scale). The audio
conformer (`audio_config`) is not represented: a config with one is refused.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.gemma3n import GEMMA3N_TEXT
from paramcalc.families.multimodal import sub_config, text_model

GEMMA4_VISION = Family(
    "gemma4_vision",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 16,
        "num_attention_heads": 12,
        "num_key_value_heads": 12,
        "head_dim": 64,
        "patch_size": 16,
        "position_embedding_size": 10 * 1024,
        "model_type": "gemma4_vision",
    },
    (),
)


def vision_tower(v: HFConfig) -> dict[str, Any]:
    """Gemma4VisionModel: patch embedder, encoder layers and no final norm (the pooler has no
    parameters)."""
    if v.raw("model_type") != "gemma4_vision":
        raise v.error("model_type", f"must be 'gemma4_vision', got {v.raw('model_type')!r}")
    return {
        "hidden_size": v.integer("hidden_size"),
        # Gemma4VisionPatchEmbedder reads 3 channels whatever the config says
        "num_channels": 3,
        "patch_size": v.integer("patch_size"),
        "patch_embedding": "linear",
        "patch_bias": False,
        "position_embedding": "axes",
        "position_rows": v.integer("position_embedding_size"),
        "post_norm": False,
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "final_norm": False,
            "block": {
                "mixer": {
                    "kind": "attention",
                    "num_attention_heads": v.integer("num_attention_heads"),
                    "num_key_value_heads": v.integer("num_key_value_heads"),
                    "head_dim": v.integer("head_dim"),
                    "qk_norm": "per_head",
                },
                "ffn": {"kind": "gated", "intermediate_size": v.integer("intermediate_size")},
                "norms": ["input", "post_mixer", "pre_ffn", "post_ffn"],
            },
        },
    }


def gemma4(c: HFConfig) -> dict[str, Any]:
    """Gemma4ForConditionalGeneration: the language model, and the vision encoder with its
    projection when vision_config is set; the top-level tie_word_embeddings decides."""
    if c.raw("audio_config") is not None:
        raise c.error("audio_config", "Gemma 4's audio conformer is not represented")
    text = text_model(c, "gemma4_text", c.boolean("tie_word_embeddings"))
    if c.raw("vision_config") is None:
        return {"text": text}
    v = sub_config(c, "vision_config", GEMMA4_VISION)
    projection = {
        "kind": "linear",
        "role": "embedding_projection",
        "inputs": v.integer("hidden_size"),
        "outputs": text["hidden_size"],
    }
    return {"text": text, "vision": vision_tower(v), "projector": {"parts": [projection]}}


GEMMA4_UNIFIED_VISION = Family(
    "gemma4_unified_vision",
    {
        "patch_size": 16,
        "pooling_kernel_size": 3,
        "mm_embed_dim": 3840,
        "mm_posemb_size": 1120,
        "output_proj_dims": 3840,
    },
    (),
)
GEMMA4_UNIFIED_AUDIO = Family("gemma4_unified_audio", {"audio_embed_dim": 640}, ())
#: Properties of Gemma4UnifiedAudioConfig that set audio_embed_dim; paramcalc reads that key.
AUDIO_ALIASES = ("hidden_size", "output_proj_dims", "audio_samples_per_token")


def unified_vision(v: HFConfig, width: int) -> list[dict[str, Any]]:
    """Gemma4UnifiedVisionEmbedder: merged raw patches through LayerNorm, Dense, LayerNorm,
    factorized 2-D positions and a LayerNorm, then the multimodal embedder's projection (its
    RMSNorm has no scale)."""
    if v.has("model_patch_size"):
        raise v.error("model_patch_size", "set patch_size and pooling_kernel_size instead")
    merged = v.integer("patch_size") * v.integer("pooling_kernel_size")
    patch, embed = 3 * merged**2, v.integer("mm_embed_dim")
    return [
        {"kind": "norm", "role": "vision.patch_ln1", "width": patch, "norm_type": "layernorm"},
        {
            "kind": "linear",
            "role": "vision.patch_dense",
            "inputs": patch,
            "outputs": embed,
            "bias": True,
        },
        {"kind": "norm", "role": "vision.patch_ln2", "width": embed, "norm_type": "layernorm"},
        {
            "kind": "token",
            "role": "vision.pos_embedding",
            "width": embed,
            "lead": [v.integer("mm_posemb_size"), 2],
        },
        {"kind": "norm", "role": "vision.pos_norm", "width": embed, "norm_type": "layernorm"},
        {
            "kind": "linear",
            "role": "vision.embedding_projection",
            "inputs": v.integer("output_proj_dims"),
            "outputs": width,
        },
    ]


def gemma4_unified(c: HFConfig) -> dict[str, Any]:
    """Gemma4UnifiedForConditionalGeneration: no encoder at all; the vision embedder and the
    audio projection (each present when its config is) feed the language model."""
    text = text_model(c, "gemma4_unified_text", c.boolean("tie_word_embeddings"))
    parts: list[dict[str, Any]] = []
    if c.raw("vision_config") is not None:
        parts += unified_vision(
            sub_config(c, "vision_config", GEMMA4_UNIFIED_VISION), text["hidden_size"]
        )
    if c.raw("audio_config") is not None:
        a = sub_config(c, "audio_config", GEMMA4_UNIFIED_AUDIO)
        for alias in AUDIO_ALIASES:
            if a.has(alias):
                raise a.error(alias, "set audio_embed_dim instead")
        projection = {
            "kind": "linear",
            "role": "audio.embedding_projection",
            "inputs": a.integer("audio_embed_dim"),
            "outputs": text["hidden_size"],
        }
        parts.append(projection)
    return {"text": text, **({"projector": {"parts": parts}} if parts else {})}


TEXT = "model.language_model"
VISION = "model.vision_tower"
#: Gemma4VisionAttention's and Gemma4VisionMLP's projections, each inside a `linear`.
CLIPPED = {
    **{f"attention.{p}_proj": f"self_attn.{p}_proj.linear" for p in "qkvo"},
    **{f"ffn.{p}_proj": f"mlp.{p}_proj.linear" for p in ("gate", "up", "down")},
}
GEMMA4 = Naming(
    {
        "embed_tokens": f"{TEXT}.embed_tokens",
        "decoder.layers": f"{TEXT}.layers",
        "decoder.final_norm": f"{TEXT}.norm",
        **{
            role: path.replace("model.", f"{TEXT}.", 1) for role, path in GEMMA3N_TEXT.names.items()
        },
    },
    towers={
        "vision": Naming(
            {
                "patch_embedding": f"{VISION}.patch_embedder.input_proj",
                "position_embedding": f"{VISION}.patch_embedder.position_embedding_table",
                "encoder.layers": f"{VISION}.encoder.layers",
                "input_norm": "input_layernorm",
                "post_mixer_norm": "post_attention_layernorm",
                "pre_ffn_norm": "pre_feedforward_layernorm",
                "post_ffn_norm": "post_feedforward_layernorm",
                **CLIPPED,
            }
        ),
        "projector": Naming({"embedding_projection": "model.embed_vision.embedding_projection"}),
    },
)

GEMMA4_UNIFIED = Naming(
    GEMMA4.names,
    towers={
        "projector": Naming(
            {
                "vision": "model.embed_vision",
                "vision.embedding_projection": "model.embed_vision.multimodal_embedder"
                ".embedding_projection",
                "audio.embedding_projection": "model.embed_audio.embedding_projection",
            }
        )
    },
)

FAMILIES = (
    Family(
        "gemma4",
        {
            "text_config": None,
            "vision_config": None,
            "audio_config": None,
            "tie_word_embeddings": True,
        },
        (gemma4,),
        naming=GEMMA4,
    ),
    Family(
        "gemma4_unified",
        {
            "text_config": None,
            "vision_config": None,
            "audio_config": None,
            "tie_word_embeddings": True,
        },
        (gemma4_unified,),
        naming=GEMMA4_UNIFIED,
    ),
)
