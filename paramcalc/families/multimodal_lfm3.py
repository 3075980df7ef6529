"""LFM3-VL: a vision encoder of LFM3-style layers (gated 2D short convolutions over the patch
grid and grouped-query attention with per-head q/k norms), an MLP projector over
spatial_merge_size^2 patches and an LFM3 text model.

Follows `modeling_lfm3_vl.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.lfm3 import LFM3
from paramcalc.families.multimodal_more import spec_config

#: Lfm3VlVisionConfig's defaults.
LFM3_VL_VISION = Family(
    "lfm3_vl_vision",
    {
        "hidden_size": 1024,
        "intermediate_size": 2560,
        "in_channels": 3,
        "patch_size": 16,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "num_hidden_layers": 14,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "layer_types": None,
        "conv_kernel_size": 3,
    },
    (),
)
VISION_KINDS = ("conv", "full_attention")


def vision_layers(v: HFConfig) -> list[str]:
    """Lfm3VlVisionConfig.__post_init__: layer_types, else a convolution for the first two
    layers and every odd one, full attention elsewhere."""
    layers = v.integer("num_hidden_layers")
    listed = v.raw("layer_types")
    if listed is None:
        return ["conv" if i < 2 or i % 2 else "full_attention" for i in range(layers)]
    if not isinstance(listed, list) or len(listed) != layers:
        raise v.error("layer_types", f"must list one kind per layer ({layers})")
    # Lfm3VlVisionLayer: any kind but "conv" builds attention
    return ["conv" if kind == "conv" else "full_attention" for kind in listed]


def vision(v: HFConfig) -> dict[str, Any]:
    """Lfm3VlVisionModel: an unbiased linear patch embedding over in_channels x
    temporal_patch_size x patch_size^2 values, embedding_norm, then layers of a gated 2D
    short convolution or unbiased attention (heads of hidden_size // heads, per-head q/k
    norms) and an unbiased w1/w3/w2 MLP, all norms RMSNorm, no final norm."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    kv = v.integer("num_key_value_heads")
    v.split_heads("num_attention_heads", heads, width)
    if heads % kv:
        raise v.error("num_key_value_heads", f"{kv} does not divide num_attention_heads={heads}")
    mixers = {
        "conv": {
            "kind": "short_conv",
            "conv_kernel": v.integer("conv_kernel_size"),
            "spatial": True,
        },
        "full_attention": {
            "kind": "attention",
            "num_attention_heads": heads,
            "num_key_value_heads": kv,
            "qk_norm": "per_head",
        },
    }
    ffn = {"kind": "gated", "intermediate_size": v.integer("intermediate_size")}
    return {
        "hidden_size": width,
        "num_channels": v.integer("in_channels"),
        "patch_size": v.integer("patch_size"),
        "temporal_patch_size": v.integer("temporal_patch_size"),
        "patch_embedding": "linear",
        "patch_bias": False,
        "position_embedding": "none",
        "pre_norm": True,
        "post_norm": False,
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "kinds": {k: {"mixer": m, "ffn": ffn} for k, m in mixers.items()},
            "layer_kinds": vision_layers(v),
        },
    }


def lfm3_vl(c: HFConfig) -> dict[str, Any]:
    """Lfm3VlForConditionalGeneration: the vision encoder, the projector (a LayerNorm of the
    vision width, then linear_1 over spatial_merge_size^2 patches to projector_hidden_size and
    linear_2 to the text width, biased by projector_bias) and the LFM3 text model; the
    top-level tie_word_embeddings decides."""
    from paramcalc.families import families

    v = spec_config(c, "vision_config", LFM3_VL_VISION)
    sub = c.raw("text_config")
    if isinstance(sub, Mapping) and sub.get("model_type", "lfm3") != "lfm3":
        raise c.error("text_config", f"text model_type {sub['model_type']!r} is not supported")
    family = families()["lfm3"]
    text = {
        **family.build(spec_config(c, "text_config", family))["text"],
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
    }
    width = v.integer("hidden_size")
    merged = width * v.integer("spatial_merge_size") ** 2
    middle, bias = c.integer("projector_hidden_size"), c.boolean("projector_bias")
    linear = {"kind": "linear", "bias": bias}
    parts = [
        {"kind": "norm", "role": "layer_norm", "width": width, "norm_type": "layernorm"},
        {**linear, "role": "linear_1", "inputs": merged, "outputs": middle},
        {**linear, "role": "linear_2", "inputs": middle, "outputs": text["hidden_size"]},
    ]
    return {"text": text, "vision": vision(v), "projector": {"parts": parts}}


VISION = "model.vision_tower."
NAMING = Naming(
    {
        **LFM3.names,
        "embed_tokens": "model.language_model.embed_tokens",
        "decoder.layers": "model.language_model.layers",
        "decoder.final_norm": "model.language_model.embedding_norm",
    },
    leaves=LFM3.leaves,
    towers={
        "vision": Naming(
            {
                "patch_embedding": VISION + "patch_embed",
                "pre_norm": VISION + "embedding_norm",
                "encoder.layers": VISION + "layers",
                "input_norm": "operator_norm",
                "pre_ffn_norm": "ffn_norm",
                "attention": "self_attn",
                "attention.o_proj": "self_attn.out_proj",
                "conv.conv": "conv.spatial_conv",
                "ffn": "feed_forward",
                # over the vision defaults (SigLIP's mlp.fc1 / mlp.fc2)
                "ffn.gate_proj": "feed_forward.w1",
                "ffn.up_proj": "feed_forward.w3",
                "ffn.down_proj": "feed_forward.w2",
            }
        ),
        "projector": Naming(
            {
                role: f"model.multi_modal_projector.{role}"
                for role in ("layer_norm", "linear_1", "linear_2")
            }
        ),
    },
)

FAMILIES = (
    Family(
        "lfm3_vl",
        {
            "text_config": None,
            "vision_config": None,
            "projector_hidden_size": 4096,
            "projector_bias": True,
            "tie_word_embeddings": True,
        },
        (lfm3_vl,),
        naming=NAMING,
        notes="the text model is LFM3, named under model.language_model",
    ),
)
