"""LLaVA's relatives with a Llama-named text model: VipLLaVA (a LayerNorm before its
projector) and LLaVA-NeXT-Video (LLaVA-NeXT plus a video pooler) on CLIP, and LightOnOCR
(Mistral 3's Pixtral and projector, unbiased, on a Qwen 3 text model), and DeepSeek-VL (SigLIP
and a two-layer aligner).

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import SIGLIP_VISION, siglip
from paramcalc.families.multimodal_more import (
    CLIP_VISION,
    LANGUAGE_MODEL,
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
    under,
)
from paramcalc.families.multimodal_pali_mistral import MISTRAL3, PIXTRAL, pixtral


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
        "projector": {
            "parts": parts,
            "image_tokens": c.integer("image_seq_length", minimum=0),
            # every selected layer's features with the class token cropped, side by side
            "image_rows": {},
        },
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


#: What LightOnOcrConfig passes to PixtralVisionConfig and Qwen3Config when they are null.
LIGHTON_PIXTRAL = {
    "hidden_size": 1024,
    "image_size": 1540,
    "intermediate_size": 4096,
    "num_attention_heads": 16,
    "num_channels": 3,
    "num_hidden_layers": 24,
    "patch_size": 14,
}
LIGHTON_QWEN3 = {
    "head_dim": 128,
    "hidden_size": 1024,
    "intermediate_size": 3072,
    "max_position_embeddings": 40960,
    "num_attention_heads": 16,
    "num_hidden_layers": 28,
    "num_key_value_heads": 8,
    "sliding_window": None,
    "vocab_size": 151936,
}


def lighton_ocr(c: HFConfig) -> dict[str, Any]:
    """LightOnOcrForConditionalGeneration: Pixtral, a projector (RMSNorm, the patch merger's
    merging_layer over spatial_merge_size^2 patches, unbiased linear_1 and linear_2) and a
    Qwen 3 text model; the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", PIXTRAL, LIGHTON_PIXTRAL)
    text = llama_named_text(c, "qwen3", c.boolean("tie_word_embeddings"), LIGHTON_QWEN3)
    vh, th = v.integer("hidden_size"), text["hidden_size"]
    merge = c.integer("spatial_merge_size") ** 2
    parts = [
        {"kind": "norm", "role": "norm", "width": vh},
        {
            "kind": "linear",
            "role": "patch_merger.merging_layer",
            "inputs": vh * merge,
            "outputs": vh,
        },
        {"kind": "linear", "role": "linear_1", "inputs": vh, "outputs": th},
        {"kind": "linear", "role": "linear_2", "inputs": th, "outputs": th},
    ]
    # the patch merger unfolds spatial_merge_size x spatial_merge_size patches into a row
    rows = {"merge": c.integer("spatial_merge_size"), "drops_partial": True}
    return {"text": text, "vision": pixtral(v), "projector": {"parts": parts, "image_rows": rows}}


LIGHTON_OCR = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                role: path.replace("model.vision_tower.", "model.vision_encoder.", 1)
                for role, path in MISTRAL3.towers["vision"].names.items()
            }
        ),
        "projector": Naming(
            {
                role: path.replace("model.multi_modal_projector.", "model.vision_projection.", 1)
                for role, path in MISTRAL3.towers["projector"].names.items()
            }
        ),
    },
)


def deepseek_vl(c: HFConfig) -> dict[str, Any]:
    """DeepseekVLForConditionalGeneration: SigLIP (SiglipVisionConfig's own defaults, its
    pooling head included), the aligner (biased linear1, linear2 to the text width) and the
    text model; the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", SIGLIP_VISION)
    text = llama_named_text(c, "llama", c.boolean("tie_word_embeddings"))
    vh, th = v.integer("hidden_size"), text["hidden_size"]
    parts = [
        {"kind": "linear", "role": "linear1", "inputs": vh, "outputs": th, "bias": True},
        {"kind": "linear", "role": "linear2", "inputs": th, "outputs": th, "bias": True},
    ]
    return {"text": text, "vision": siglip(v), "projector": {"parts": parts}}


DEEPSEEK_VL = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.vision_model.", VISION_NAMES)),
        "projector": Naming({role: f"model.aligner.{role}" for role in ("linear1", "linear2")}),
    },
)
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
        "deepseek_vl",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": True},
        (deepseek_vl,),
        naming=DEEPSEEK_VL,
        notes=TEXT_NOTE,
    ),
    Family(
        "lighton_ocr",
        {
            "text_config": None,
            "vision_config": None,
            "spatial_merge_size": 2,
            "tie_word_embeddings": True,
        },
        (lighton_ocr,),
        naming=LIGHTON_OCR,
        notes=TEXT_NOTE.replace("Llama", "Qwen 3"),
    ),
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
