"""DeepSeek-VL hybrid (`deepseek_vl_hybrid`): DeepSeek-VL's SigLIP beside a high-resolution SAM
encoder (its own neck included), a second SAM neck and two strided convolutions over the SAM
features, a learned mixing scalar, an aligner that projects both encoders to half the text
width each and mixes them, and a Llama text model.

Follows `modeling_deepseek_vl_hybrid.py` in transformers 5.23. The SAM encoder is the model's
second image encoder (the `video` slot, counted in the vision tower); per-image FLOPs are not
computed for this layout.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import SIGLIP_VISION, siglip
from paramcalc.families.multimodal_got_ocr2 import GOT_OCR2, sam_encoder
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config, under

#: SamVisionConfig's defaults (transformers 5.23); a null mlp_dim is hidden_size x mlp_ratio.
SAM_VISION = Family(
    "sam_vision_model",
    {
        "hidden_size": 768,
        "output_channels": 256,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "image_size": 1024,
        "patch_size": 16,
        "qkv_bias": True,
        "mlp_ratio": 4.0,
        "use_abs_pos": True,
        "use_rel_pos": True,
        "window_size": 14,
        "global_attn_indexes": [2, 5, 8, 11],
        "mlp_dim": None,
    },
    (),
)


def sam_vision(c: HFConfig, key: str) -> HFConfig:
    """The SAM config under `key`, its mlp_dim resolved as SamVisionConfig.__post_init__ does."""
    v = spec_config(c, key, SAM_VISION)
    if v.raw("mlp_dim") is not None:
        return v
    ratio = v.raw("mlp_ratio")
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or ratio <= 0:
        raise v.error("mlp_ratio", f"must be a positive number, got {ratio!r}")
    mlp_dim = int(v.integer("hidden_size") * ratio)
    return HFConfig({**v.data, "mlp_dim": mlp_dim}, v.where, v.family)


def conv(role: str, inputs: int, outputs: int, kernel: int) -> dict[str, Any]:
    """An unbiased square convolution of the projector."""
    return {
        "kind": "conv",
        "role": role,
        "in_channels": inputs,
        "out_channels": outputs,
        "kernel_size": kernel,
        "bias": False,
    }


def projector(hidden: int, out: int, siglip_width: int, text_width: int) -> list[dict[str, Any]]:
    """DeepseekVLSamVisionNeck (over the SAM width), DeepseekVLSamVisionProj (to 2 and 4 x
    output_channels), high_res_vision_alpha and DeepseekVLHybridAligner (each encoder to
    text_width // 2, then proj over text_width)."""
    neck = "high_res_vision_neck"
    half = text_width // 2
    linear = {"kind": "linear", "bias": True}
    return [
        conv(f"{neck}.conv1", hidden, out, 1),
        {"kind": "norm", "role": f"{neck}.layer_norm1", "width": out, "norm_type": "layernorm"},
        conv(f"{neck}.conv2", out, out, 3),
        {"kind": "norm", "role": f"{neck}.layer_norm2", "width": out, "norm_type": "layernorm"},
        conv("high_res_vision_proj.conv1", out, 2 * out, 3),
        conv("high_res_vision_proj.conv2", 2 * out, 4 * out, 3),
        {"kind": "scale", "role": "high_res_vision_alpha", "shape": (1,)},
        {**linear, "role": "aligner.vision_proj", "inputs": siglip_width, "outputs": half},
        {**linear, "role": "aligner.high_res_vision_proj", "inputs": 4 * out, "outputs": half},
        {**linear, "role": "aligner.proj", "inputs": text_width, "outputs": text_width},
    ]


def deepseek_vl_hybrid(c: HFConfig) -> dict[str, Any]:
    """DeepseekVLHybridForConditionalGeneration: SigLIP (its pooling head included), the SAM
    encoder, the projector above and the Llama text model; the top-level tie_word_embeddings
    decides."""
    v = spec_config(c, "vision_config", SIGLIP_VISION)
    high = sam_vision(c, "high_res_vision_config")
    text = llama_named_text(c, "llama", c.boolean("tie_word_embeddings"))
    if text["hidden_size"] < 2:
        raise c.error("text_config", "hidden_size must be at least 2 (the aligner halves it)")
    parts = projector(
        high.integer("hidden_size"),
        high.integer("output_channels"),
        v.integer("hidden_size"),
        text["hidden_size"],
    )
    return {
        "text": text,
        "vision": siglip(v),
        "video": sam_encoder(high),
        "projector": {"parts": parts},
    }


def high_res(names: dict[str, str]) -> dict[str, str]:
    """GOT-OCR2's SAM names moved under model.high_res_vision_model.vision_encoder."""
    prefix = "model.high_res_vision_model.vision_encoder."
    return {k: v.replace("model.vision_tower.", prefix, 1) for k, v in names.items()}


PROJECTOR_ROLES = (
    "high_res_vision_neck",
    "high_res_vision_proj",
    "high_res_vision_alpha",
    "aligner",
)
NAMING = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(under("model.vision_model.", VISION_NAMES)),
        "video": Naming(
            high_res(dict(GOT_OCR2.towers["vision"].names)), fused=GOT_OCR2.towers["vision"].fused
        ),
        "projector": Naming({role: f"model.{role}" for role in PROJECTOR_ROLES}),
    },
)

FAMILIES = (
    Family(
        "deepseek_vl_hybrid",
        {
            "text_config": None,
            "vision_config": None,
            "high_res_vision_config": None,
            "tie_word_embeddings": True,
        },
        (deepseek_vl_hybrid,),
        naming=NAMING,
    ),
)
