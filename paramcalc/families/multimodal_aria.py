"""Aria: Idefics3's vision transformer, a cross-attention projector (learned queries attend to
the patches) and Aria's MoE text model under model.language_model.

Follows `modeling_aria.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.attention_more import ARIA
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import siglip
from paramcalc.families.multimodal_idefics import VISION_DEFAULTS
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, TEXT_NOTE, spec_config, under

IDEFICS3_VISION = Family("idefics3_vision", VISION_DEFAULTS, ())
#: AriaConfig.__post_init__'s projector_patch_to_query_dict when it is null.
PATCH_TO_QUERY = {1225: 128, 4900: 256}


def queries(c: HFConfig) -> int:
    """Rows of the learned query table: the largest value of projector_patch_to_query_dict."""
    value = c.raw("projector_patch_to_query_dict")
    table = PATCH_TO_QUERY if value is None else value
    if not isinstance(table, Mapping) or not table:
        raise c.error(
            "projector_patch_to_query_dict", f"must be a non-empty mapping, got {table!r}"
        )
    counts = list(table.values())
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in counts):
        raise c.error(
            "projector_patch_to_query_dict", f"values must be positive integers: {counts}"
        )
    return max(counts)


def cross_attention(width: int) -> list[dict[str, Any]]:
    """AriaCrossAttention: unbiased q/k/v, nn.MultiheadAttention (in_proj of q, k and v, biased
    out_proj), a biased linear, and LayerNorms of the queries and of the patches."""
    mixer = {"kind": "linear", "mixer": True, "inputs": width}
    return [
        *({**mixer, "role": f"cross_attn.{p}_proj", "outputs": width} for p in ("q", "k", "v")),
        {
            **mixer,
            "role": "cross_attn.multihead_attn",
            "outputs": 3 * width,
            "bias": True,
            "weight_name": "in_proj_weight",
            "bias_name": "in_proj_bias",
        },
        {**mixer, "role": "cross_attn.multihead_attn.out_proj", "outputs": width, "bias": True},
        {**mixer, "role": "cross_attn.linear", "outputs": width, "bias": True},
        {"kind": "norm", "role": "cross_attn.layer_norm", "width": width, "norm_type": "layernorm"},
        {
            "kind": "norm",
            "role": "cross_attn.layer_norm_kv",
            "width": width,
            "norm_type": "layernorm",
        },
    ]


def aria(c: HFConfig) -> dict[str, Any]:
    """AriaForConditionalGeneration: the vision transformer (no head), the projector (learned
    queries, the cross-attention, a LayerNorm and an unbiased linear_in/linear_out MLP to the
    text width) and Aria's text model; the top-level tie_word_embeddings decides."""
    from paramcalc.families import families

    v = spec_config(c, "vision_config", IDEFICS3_VISION)
    text_family = families()["aria_text"]
    built = text_family.build(spec_config(c, "text_config", text_family))
    text = {**built["text"], "tie_word_embeddings": c.boolean("tie_word_embeddings")}
    vh, th = v.integer("hidden_size"), text["hidden_size"]
    parts = [
        {"kind": "token", "role": "query", "width": vh, "lead": (queries(c),)},
        *cross_attention(vh),
        {"kind": "norm", "role": "layer_norm", "width": vh, "norm_type": "layernorm"},
        {"kind": "linear", "role": "feed_forward.linear_in", "inputs": vh, "outputs": th},
        {"kind": "linear", "role": "feed_forward.linear_out", "inputs": th, "outputs": th},
    ]
    return {
        "text": text,
        "vision": {**siglip(v), "head": "none"},
        "projector": {"parts": parts},
    }


PROJECTOR_ROLES = (
    "query",
    "cross_attn.q_proj",
    "cross_attn.k_proj",
    "cross_attn.v_proj",
    "cross_attn.multihead_attn",
    "cross_attn.multihead_attn.out_proj",
    "cross_attn.linear",
    "cross_attn.layer_norm",
    "cross_attn.layer_norm_kv",
    "layer_norm",
    "feed_forward.linear_in",
    "feed_forward.linear_out",
)
NAMING = Naming(
    {**LANGUAGE_MODEL, **ARIA.names},
    experts_transposed=ARIA.experts_transposed,
    towers={
        "vision": Naming(under("model.vision_tower.", VISION_NAMES)),
        "projector": Naming({r: f"model.multi_modal_projector.{r}" for r in PROJECTOR_ROLES}),
    },
)

FAMILIES = (
    Family(
        "aria",
        {
            "text_config": None,
            "vision_config": None,
            "projector_patch_to_query_dict": None,
            "tie_word_embeddings": False,
        },
        (aria,),
        naming=NAMING,
        notes=TEXT_NOTE.replace("the family text_config names (Llama by default)", "Aria's"),
    ),
)
