"""GIT (GitForCausalLM): a CLIP image encoder under git.image_encoder, a projection of its
features into the text width (a linear layer and a LayerNorm), per-frame embeddings of the
vision width for video checkpoints (num_image_with_embedding), and BERT's post-norm layers
over the image and text tokens, with the text fields at the config's top level and a biased
output head.

Follows `modeling_git.py` and `configuration_git.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, POST_NORM_ENCODER
from paramcalc.families.multimodal_granite_speech import dense, layer_norm
from paramcalc.families.multimodal_more import CLIP_VISION, clip, clip_under, spec_config

#: GitVisionConfig's defaults (transformers 5.23): CLIP's, at patch 16.
GIT_VISION = Family("git_vision_model", {**CLIP_VISION.defaults, "patch_size": 16}, ())
PROJECTION = "git.visual_projection.visual_projection"


def text(c: HFConfig) -> dict[str, Any]:
    """GitModel's text side: word and position tables with a LayerNorm (no token types), BERT's
    post-norm layers, and `output` (biased; tie_word_embeddings ties its weight only)."""
    width, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    if width % heads:
        raise c.error("num_attention_heads", f"{heads} does not divide hidden_size={width}")
    return {
        **POST_NORM_ENCODER,
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": width,
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": heads,
        "intermediate_size": c.integer("intermediate_size"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "type_vocab_size": 0,
        "pooler": False,
        "lm_head": True,
        "lm_head_bias": True,
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
    }


def git(c: HFConfig) -> dict[str, Any]:
    """GitForCausalLM: the text model, the CLIP encoder and the projection (GitProjection and
    img_temporal_embedding, one (1, 1, vision width) parameter per frame)."""
    vision = clip(spec_config(c, "vision_config", GIT_VISION))
    tower = c.text_tower(text(c))
    vh, width = vision["hidden_size"], tower["hidden_size"]
    frames = c.opt_int("num_image_with_embedding") or 0
    parts = [dense(f"{PROJECTION}.0", vh, width), layer_norm(f"{PROJECTION}.1", width)]
    parts += [
        {"kind": "token", "role": f"git.img_temporal_embedding.{i}", "width": vh, "lead": (1, 1)}
        for i in range(frames)
    ]
    return {"text": tower, "vision": vision, "projector": {"parts": parts}}


#: BERT's names under `git.`, the head `output`.
GIT = Naming(
    {
        **BERT.names,
        "embed_tokens": "git.embeddings.word_embeddings",
        "embed_positions": "git.embeddings.position_embeddings",
        "embedding_norm": "git.embeddings.LayerNorm",
        "decoder.layers": "git.encoder.layer",
        "lm_head": "output",
    },
    leaves=BERT.leaves,
    towers={"vision": clip_under("git.image_encoder.vision_model.")},
)

FAMILIES = (
    Family(
        "git",
        {
            "vision_config": None,
            "vocab_size": 30522,
            "hidden_size": 768,
            "num_hidden_layers": 6,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "max_position_embeddings": 1024,
            "tie_word_embeddings": False,
            "num_image_with_embedding": None,
        },
        (git,),
        naming=GIT,
        notes="the image encoder and the projection run once per image (or frame), not per "
        "text token; the text layers also run over the image's tokens",
    ),
)
