"""Gemma 4's unified assistant (`gemma4_unified_assistant`): a small drafter that reads its
target model's keys and values.

Gemma4UnifiedAssistantForCausalLM (transformers 5.23) is the `gemma4_unified_text` model of
`text_config`, the head (tied by the top-level tie_word_embeddings), and projections from and
back to the target's width, plus a centroid scorer with use_ordered_embeddings.

`gemma4_assistant` is not here: Gemma4AssistantConfig.validate_architecture demands that every
layer share K/V, which Gemma4TextConfig.kv_sharing_modes then refuses (it needs an earlier
layer of each kind to produce them), so transformers 5.23 builds no such model.
"""

from __future__ import annotations

from typing import Any

from paramcalc.families.base import Family, HFConfig
from paramcalc.families.gemma3n import GEMMA3N_TEXT
from paramcalc.families.gemma4 import gemma4_unified_text
from paramcalc.families.multimodal_more import spec_config


def assistant_text_config(c: HFConfig) -> HFConfig:
    """text_config, refused when Gemma4UnifiedAssistantConfig.__post_init__ turns its null
    or 0 num_kv_shared_layers into num_hidden_layers (every layer reading the target's K/V),
    which transformers 5.23 cannot build."""
    from paramcalc.families import families

    t = spec_config(c, "text_config", families()["gemma4_unified_text"])
    layers = t.integer("num_hidden_layers")
    if t.integer("num_kv_shared_layers", minimum=0):
        return t
    raise t.error(
        "num_kv_shared_layers",
        f"0 (or unset) shares all {layers} layers' K/V with the target, which transformers "
        "5.23 cannot build (Gemma4UnifiedTextConfig.kv_sharing_modes needs an earlier layer "
        "of every kind to produce them): set fewer shared layers",
    )


def gemma4_unified_assistant(c: HFConfig) -> dict[str, Any]:
    """Gemma4UnifiedAssistantForCausalLM: the text model, pre/post projections and the head."""
    text = gemma4_unified_text(assistant_text_config(c))["text"]
    centroids = c.integer("num_centroids") if c.boolean("use_ordered_embeddings") else 0
    draft = {
        "kind": "draft_projections",
        "backbone_hidden_size": c.integer("backbone_hidden_size"),
        "num_centroids": centroids,
        "centroid_top_k": c.integer("centroid_intermediate_top_k") if centroids else 0,
    }
    tower = {
        **text,
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "extras": [*text.get("extras", []), draft],
        # forward() runs the model with use_cache=False: it reads the target's K/V
        "keeps_cache": False,
    }
    return {"text": tower}


FAMILIES = (
    Family(
        "gemma4_unified_assistant",
        {
            "text_config": None,
            "backbone_hidden_size": 3840,
            "use_ordered_embeddings": False,
            "num_centroids": 2048,
            "centroid_intermediate_top_k": 32,
            "tie_word_embeddings": True,
        },
        (gemma4_unified_assistant,),
        naming=GEMMA3N_TEXT,
    ),
)
