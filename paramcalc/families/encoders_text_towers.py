"""Text towers of two-tower and multimodal models, as `AutoModel` builds them alone.

CLIPTextModel and Tipsv2TextModel are pre-norm encoders with CLIP's layer names: biased
q/k/v/out projections, a biased fc1/fc2 MLP, LayerNorms before each and a final LayerNorm;
CLIP learns a position table, TIPSv2 adds sinusoidal positions (a buffer). Molmo2TextModel is
Molmo 2's bare decoder: OLMo 2 attention with q/k RMSNorms per head (`qwen3`) or over all heads
(`olmo`), a gated MLP and a token table that holds `additional_vocab_size` rows more. Tables
hold each config class's defaults in transformers 5.23.0; builds follow `modeling_clip.py`,
`modeling_tipsv2.py` and `modeling_molmo2.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders_rotary import EUROBERT
from paramcalc.families.rules import sizes


def clip_like(c: HFConfig, positions: str) -> dict[str, Any]:
    """A CLIP text encoder: biased projections everywhere, pre-LayerNorms, a final LayerNorm,
    no head; `positions` is its position scheme."""
    width, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    # CLIPAttention / Tipsv2TextAttention refuse heads that do not split the width
    c.split_heads("num_attention_heads", heads, width)
    fields = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": width,
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "intermediate_size": c.integer("intermediate_size"),
        "position_embedding_type": positions,
        "norm_type": "layernorm",
        "gated_ffn": False,
        "qkv_bias": True,
        "attention_out_bias": True,
        "ffn_bias": True,
        "lm_head": False,
        "tie_word_embeddings": False,
    }
    if positions == "learned":
        fields["max_position_embeddings"] = c.integer("max_position_embeddings")
    return fields


def clip_text(c: HFConfig) -> dict[str, Any]:
    """CLIPTextModel: a token table and a learned position table of max_position_embeddings
    rows (projection_dim belongs to CLIPModel's text_projection, not to this model)."""
    return clip_like(c, "learned")


def tipsv2_text(c: HFConfig) -> dict[str, Any]:
    """Tipsv2TextModel: CLIP's layers with sinusoidal positions, a buffer of no parameters."""
    return clip_like(c, "none")


def molmo2_text(c: HFConfig) -> dict[str, Any]:
    """Molmo2TextModel: vocab_size + additional_vocab_size token rows, q/k/v biased by
    attention_bias and an unbiased o_proj, q/k norms as qk_norm_type says, no head.

    norm_after moves each layer's two RMSNorms after their sublayers: same tensors, same names,
    so it changes no count."""
    extra = c.integer("additional_vocab_size", minimum=0)
    norm = c.string("qk_norm_type")
    if norm not in ("qwen3", "olmo"):
        raise c.error("qk_norm_type", f"must be 'qwen3' or 'olmo', got {norm!r}")
    return {
        **sizes(c),
        "vocab_size": c.integer("vocab_size") + extra,
        "head_dim": c.integer("head_dim"),
        "qkv_bias": c.boolean("attention_bias"),
        "attention_out_bias": False,
        "qk_norm": "per_head" if norm == "qwen3" else "full",
        "lm_head": False,
        "tie_word_embeddings": False,
    }


#: CLIPTextModel's names (TIPSv2's text model copies them).
CLIP_TEXT = Naming(
    {
        "embed_tokens": "embeddings.token_embedding",
        "embed_positions": "embeddings.position_embedding",
        "decoder.layers": "encoder.layers",
        "decoder.final_norm": "final_layer_norm",
        "input_norm": "layer_norm1",
        "pre_ffn_norm": "layer_norm2",
        "attention.o_proj": "self_attn.out_proj",
        "ffn.up_proj": "mlp.fc1",
        "ffn.down_proj": "mlp.fc2",
    }
)
CLIP_NOTE = (
    "CLIPModel and CLIPTextModelWithProjection checkpoints also hold text_projection, which "
    "CLIPTextModel does not build"
)

FAMILIES = (
    Family(
        "clip_text_model",
        {
            "vocab_size": 49408,
            "hidden_size": 512,
            "intermediate_size": 2048,
            "num_hidden_layers": 12,
            "num_attention_heads": 8,
            "max_position_embeddings": 77,
        },
        (clip_text,),
        naming=CLIP_TEXT,
        notes=CLIP_NOTE,
    ),
    Family(
        "tipsv2_text_model",
        {
            "vocab_size": 32000,
            "hidden_size": 768,
            "intermediate_size": 3072,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
        },
        (tipsv2_text,),
        naming=CLIP_TEXT,
    ),
    Family(
        "molmo2_text",
        {
            "vocab_size": 151936,
            "additional_vocab_size": 128,
            "hidden_size": 4096,
            "intermediate_size": 12288,
            "num_hidden_layers": 36,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "max_position_embeddings": 36864,
            "attention_bias": False,
            "qk_norm_type": "qwen3",
            "tie_word_embeddings": False,
        },
        (molmo2_text,),
        aliases={"attention_bias": ("qkv_bias",)},
        naming=EUROBERT,
        notes="Molmo2ForConditionalGeneration checkpoints also hold the vision model, the "
        "adapter and lm_head, which Molmo2TextModel does not build",
        required=frozenset({"num_key_value_heads"}),
    ),
)
