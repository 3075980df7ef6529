"""MiniCPM-V 4.6, 4.7 and MiniCPM-OCR (the same modules; 4.7 changes only its M-RoPE,
MiniCPM-OCR its processing and its tied embeddings by default): a SigLIP-style ViT
(no pooling head) with a window-attention merger inserted after one of its layers, a chain of
merger_times downsampling MLPs, and a Qwen3.5 text model.

Follows `modeling_minicpmv4_6.py`, `modeling_minicpmv4_7.py` and `modeling_minicpm_ocr.py` in
transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config, under
from paramcalc.families.multimodal_paddleocr import vision as siglip_without_head
from paramcalc.families.multimodal_qwen3 import text

#: MiniCPMV4_6VisionConfig's defaults.
MINICPMV4_6_VISION = Family(
    "minicpmv4_6_vision",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "image_size": 224,
        "patch_size": 16,
        "window_kernel_size": [2, 2],
    },
    (),
)
#: MiniCPMV4_7VisionConfig subclasses MiniCPMV4_6VisionConfig with nothing changed.
MINICPMV4_7_VISION = Family("minicpmv4_7_vision", MINICPMV4_6_VISION.defaults, ())
#: MiniCPMOcrVisionConfig too.
MINICPM_OCR_VISION = Family("minicpm_ocr_vision", MINICPMV4_6_VISION.defaults, ())


def window_area(v: HFConfig) -> int:
    """Patches one window of the inserted merger joins: window_kernel_size (h, w)."""
    value = v.raw("window_kernel_size")
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in value)
    ):
        raise v.error("window_kernel_size", f"must be two positive integers, got {value!r}")
    return int(value[0] * value[1])


def vit_merger(v: HFConfig) -> list[dict[str, Any]]:
    """MiniCPMV4_6ViTWindowAttentionMerger: SigLIP's biased attention with its layer_norm1,
    then pre_norm and a biased MLP over each window's patches side by side."""
    width, area = v.integer("hidden_size"), window_area(v)
    wide, middle = width * area, v.integer("intermediate_size") * area
    attention = {"kind": "linear", "inputs": width, "outputs": width, "bias": True, "mixer": True}
    return [
        *(
            {**attention, "role": f"vit_merger.self_attn.{p}"}
            for p in ("q_proj", "k_proj", "v_proj", "out_proj")
        ),
        {
            "kind": "norm",
            "role": "vit_merger.layer_norm1",
            "width": width,
            "norm_type": "layernorm",
        },
        {"kind": "norm", "role": "vit_merger.pre_norm", "width": wide, "norm_type": "layernorm"},
        {
            "kind": "linear",
            "role": "vit_merger.linear_1",
            "inputs": wide,
            "outputs": middle,
            "bias": True,
        },
        {
            "kind": "linear",
            "role": "vit_merger.linear_2",
            "inputs": middle,
            "outputs": width,
            "bias": True,
        },
    ]


def downsample_mlps(c: HFConfig, width: int, text_width: int) -> list[dict[str, Any]]:
    """MiniCPMV4_6Merger: merger_times DownsampleMLPs over 4 x width (two 2 x 2 merges,
    whatever merge_kernel_size says), each a LayerNorm and biased linear_1 and linear_2; only
    the last projects to the text width."""
    times = c.integer("merger_times")
    parts: list[dict[str, Any]] = []
    for i in range(times):
        merged, out = 4 * width, text_width if i == times - 1 else width
        role = f"merger.mlp.{i}"
        parts += [
            {"kind": "norm", "role": f"{role}.pre_norm", "width": merged, "norm_type": "layernorm"},
            {"kind": "linear", "role": f"{role}.linear_1", "inputs": merged, "outputs": merged},
            {"kind": "linear", "role": f"{role}.linear_2", "inputs": merged, "outputs": out},
        ]
    return [{**p, "bias": True} if p["kind"] == "linear" else p for p in parts]


def minicpmv4_6(c: HFConfig) -> dict[str, Any]:
    """MiniCPMV4_6ForConditionalGeneration: the ViT, its inserted merger and the downsampling
    MLPs (the projector), and the Qwen3.5 text model; the top-level tie_word_embeddings
    decides."""
    return minicpmv(c, MINICPMV4_6_VISION)


def minicpmv4_7(c: HFConfig) -> dict[str, Any]:
    """MiniCPMV4_7ForConditionalGeneration: MiniCPM-V 4.6's modules under 4.7's vision config."""
    return minicpmv(c, MINICPMV4_7_VISION)


def minicpm_ocr(c: HFConfig) -> dict[str, Any]:
    """MiniCPMOcrForConditionalGeneration: MiniCPM-V 4.6's modules under MiniCPM-OCR's vision
    config."""
    return minicpmv(c, MINICPM_OCR_VISION)


def minicpmv(c: HFConfig, vision: Family) -> dict[str, Any]:
    """The ViT of config `vision`, its merger and downsampling MLPs, and the Qwen3.5 text model."""
    from paramcalc.families import families

    v = spec_config(c, "vision_config", vision)
    sub = c.raw("text_config")
    text_type = sub.get("model_type", "qwen3_5_text") if isinstance(sub, Mapping) else None
    if text_type not in (None, "qwen3_5_text"):
        raise c.error("text_config", f"text model_type {text_type!r} is not supported here")
    fields = text(c, families()["qwen3_5_text"])
    width = v.integer("hidden_size")
    parts = vit_merger(v) + downsample_mlps(c, width, fields["hidden_size"])
    return {"text": fields, "vision": siglip_without_head(v), "projector": {"parts": parts}}


NAMING = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.vision_tower.", VISION_NAMES)),
        "projector": Naming(
            {"vit_merger": "model.vision_tower.vit_merger", "merger": "model.merger"}
        ),
    },
)

DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "merger_times": 1,
    "tie_word_embeddings": False,
}
NOTES = (
    "the window-attention merger inside the ViT counts in the projector tower; vision FLOPs "
    "charge every encoder layer for all patches, though the layers after insert_layer_id see "
    "one per window"
)

FAMILIES = (
    Family("minicpmv4_6", DEFAULTS, (minicpmv4_6,), naming=NAMING, notes=NOTES),
    Family("minicpmv4_7", DEFAULTS, (minicpmv4_7,), naming=NAMING, notes=NOTES),
    Family(
        "minicpm_ocr",
        {**DEFAULTS, "tie_word_embeddings": True},
        (minicpm_ocr,),
        naming=NAMING,
        notes=NOTES,
    ),
)
