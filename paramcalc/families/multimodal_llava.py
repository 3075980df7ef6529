"""LLaVA's relatives with a CLIP ViT and a Llama-named text model: VipLLaVA (a LayerNorm before
its projector) and LLaVA-NeXT-Video (LLaVA-NeXT plus a video pooler).

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import (
    CLIP_VISION,
    LLAVA,
    LLAVA_CLIP,
    LLAVA_DEFAULTS,
    TEXT_NOTE,
    clip,
    feature_layers,
    llama_named_text,
    llava_like,
    spec_config,
    text_tied,
)


def vipllava(c: HFConfig) -> dict[str, Any]:
    """VipLlavaForConditionalGeneration: CLIP, a projector (a LayerNorm over the selected
    layers' features side by side, biased linear_1 and linear_2) and the text model; the
    top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", CLIP_VISION, LLAVA_CLIP)
    text = llama_named_text(c, "llama", c.boolean("tie_word_embeddings"))
    features, th = v.integer("hidden_size") * feature_layers(c), text["hidden_size"]
    parts = [
        {
            "kind": "norm",
            "role": "projector_layernorm",
            "width": features,
            "norm_type": "layernorm",
        },
        {"kind": "linear", "role": "linear_1", "inputs": features, "outputs": th, "bias": True},
        {"kind": "linear", "role": "linear_2", "inputs": th, "outputs": th, "bias": True},
    ]
    return {
        "text": text,
        "vision": clip(v),
        "projector": {"parts": parts, "image_tokens": c.integer("image_seq_length", minimum=0)},
    }


#: LlavaNextVideoPooler's modes; only `conv` holds parameters.
POOL_MODES = ("average", "max", "conv")


def llava_next_video(c: HFConfig) -> dict[str, Any]:
    """LlavaNextVideoForConditionalGeneration: LLaVA-NeXT plus the vision_resampler, whose
    `conv` mode is a biased Conv2d of spatial_pool_stride (out channels: a
    spatial_pool_out_channels key, read with getattr, else the vision width);
    LlavaNextVideoConfig.__post_init__ ties when text_config does."""
    fields = llava_like(c, c.boolean("tie_word_embeddings") or text_tied(c), newline=True)
    mode = c.raw("spatial_pool_mode")
    if mode not in POOL_MODES:
        raise c.error("spatial_pool_mode", f"must be one of {POOL_MODES}, got {mode!r}")
    stride = c.integer("spatial_pool_stride")
    if mode == "conv":
        vh = fields["vision"]["hidden_size"]
        out = c.opt_int("spatial_pool_out_channels")
        pool = {
            "kind": "conv",
            "role": "vision_resampler.pool",
            "in_channels": vh,
            "out_channels": vh if out is None else out,
            "kernel_size": stride,
        }
        fields["projector"]["parts"].append(pool)
    return fields


LLAVA_NEXT_VIDEO = Naming(
    LLAVA.names,
    towers={
        "vision": LLAVA.towers["vision"],
        "projector": Naming(
            {
                **LLAVA.towers["projector"].names,
                "vision_resampler.pool": "model.vision_resampler.pool",
            }
        ),
    },
)
VIPLLAVA = Naming(
    LLAVA.names,
    towers={
        "vision": LLAVA.towers["vision"],
        "projector": Naming(
            {
                role: f"model.multi_modal_projector.{role}"
                for role in ("projector_layernorm", "linear_1", "linear_2")
            }
        ),
    },
)

FAMILIES = (
    Family(
        "vipllava",
        {
            "text_config": None,
            "vision_config": None,
            "vision_feature_layer": [-2, -5, -8, -11, 6],
            "image_seq_length": 576,
            "tie_word_embeddings": False,
        },
        (vipllava,),
        naming=VIPLLAVA,
        notes=TEXT_NOTE,
    ),
    Family(
        "llava_next_video",
        {
            **LLAVA_DEFAULTS,
            "spatial_pool_mode": "average",
            "spatial_pool_stride": 2,
            "spatial_pool_out_channels": None,
        },
        (llava_next_video,),
        naming=LLAVA_NEXT_VIDEO,
        notes=TEXT_NOTE,
    ),
)
