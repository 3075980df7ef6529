"""InternVL and Qianfan-OCR: an InternViT (timm-style tokens, layer scales, optional full-width
q/k RMSNorms), a pixel-unshuffle MLP projector and the text model text_config names (Qwen2 by
default; Qwen 3 for Qianfan-OCR).

Follows `modeling_internvl.py` and `modeling_qianfan_ocr.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import shuffled_rows
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config

#: InternVLVisionConfig's defaults (transformers 5.23).
INTERNVL_VISION = Family(
    "internvl_vision",
    {
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "attention_bias": False,
        "use_qk_norm": False,
        "intermediate_size": 4096,
        "norm_type": "layer_norm",
        "image_size": [448, 448],
        "patch_size": [14, 14],
        "num_channels": 3,
        "use_mask_token": False,
        "use_absolute_position_embeddings": True,
        "use_mean_pooling": True,
    },
    (),
)
#: InternVLVisionConfig.norm_type -> paramcalc's norm kind (modeling_internvl.NORM2FN).
NORM_TYPES = {"layer_norm": "layernorm", "rms_norm": "rmsnorm"}


def square(v: HFConfig, key: str) -> int:
    """A side given as an int or an [h, w] pair (InternVLVisionConfig.__post_init__); paramcalc
    counts square images and patches only."""
    value = v.raw(key)
    if isinstance(value, list | tuple) and len(value) == 2 and value[0] == value[1]:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise v.error(
            key, f"must be a positive side or a square [h, w] pair, got {describe(value)}"
        )
    return value


def internvit(v: HFConfig) -> dict[str, Any]:
    """InternVLVisionModel: a biased Conv2d patch embedding, (1, 1, H) class and mask tokens, a
    (1, patches + 1, H) position parameter, blocks with lambda_1/lambda_2 layer scales, and a
    final LayerNorm only without mean pooling."""
    norm = v.string("norm_type")
    if norm not in NORM_TYPES:
        raise v.error("norm_type", f"must be one of {', '.join(NORM_TYPES)}, got {norm!r}")
    mixer: dict[str, Any] = {
        "kind": "attention",
        "num_attention_heads": v.integer("num_attention_heads"),
        "qkv_bias": v.boolean("attention_bias"),
        "o_bias": True,
    }
    if v.boolean("use_qk_norm"):
        # InternVLVisionRMSNorm over all heads' width, whatever norm_type says
        mixer |= {"qk_norm": "full", "qk_norm_type": "rmsnorm"}
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("num_channels"),
        "image_size": square(v, "image_size"),
        "patch_size": square(v, "patch_size"),
        "class_token": True,
        "mask_token": v.boolean("use_mask_token"),
        "batched_tokens": True,
        "position_embedding": (
            "parameter" if v.boolean("use_absolute_position_embeddings") else "none"
        ),
        "norm_type": NORM_TYPES[norm],
        "post_norm": not v.boolean("use_mean_pooling"),
        "post_norm_type": "layernorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": {
                "mixer": mixer,
                "ffn": {
                    "kind": "mlp",
                    "intermediate_size": v.integer("intermediate_size"),
                    "bias": True,
                },
                "scales": ["lambda_1", "lambda_2"],
            },
        },
    }


def unshuffled(c: HFConfig) -> int:
    """Vision features one projector input holds: int(1 / downsample_ratio) ** 2 patches."""
    ratio = c.raw("downsample_ratio")
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 1:
        raise c.error("downsample_ratio", f"must be in (0, 1], got {describe(ratio)}")
    return int(1 / ratio) ** 2


def internvl_like(c: HFConfig, vision: Family, text_type: str) -> dict[str, Any]:
    """The InternViT of `vision`'s defaults, a LayerNorm and linear_1/linear_2 over unshuffled
    features, and the text model (`text_type` when text_config names none); the top-level
    tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", vision)
    sub = c.raw("text_config")
    if isinstance(sub, Mapping):
        text_type = sub.get("model_type", text_type)
    text = llama_named_text(c, text_type, c.boolean("tie_word_embeddings"))
    merged, width = v.integer("hidden_size") * unshuffled(c), text["hidden_size"]
    parts = [
        {"kind": "norm", "role": "layer_norm", "width": merged, "norm_type": "layernorm"},
        {"kind": "linear", "role": "linear_1", "inputs": merged, "outputs": width, "bias": True},
        {"kind": "linear", "role": "linear_2", "inputs": width, "outputs": width, "bias": True},
    ]
    return {
        "text": text,
        "vision": internvit(v),
        "projector": {
            "parts": parts,
            "image_tokens": c.integer("image_seq_length", minimum=0),
            "image_rows": shuffled_rows(c, "downsample_ratio", class_token=True),
        },
    }


def internvl(c: HFConfig) -> dict[str, Any]:
    """InternVLForConditionalGeneration: the InternViT, its projector and a Qwen2 text model
    unless text_config names another."""
    return internvl_like(c, INTERNVL_VISION, "qwen2")


#: QianfanOCRVisionConfig: InternVLVisionConfig with biased q/k/v by default.
QIANFAN_OCR_VISION = Family(
    "qianfan_ocr_vision", {**INTERNVL_VISION.defaults, "attention_bias": True}, ()
)


def qianfan_ocr(c: HFConfig) -> dict[str, Any]:
    """QianfanOCRForConditionalGeneration: InternVL's model with its vision layers directly
    under the vision model (QianfanOCRVisionModel.layers) and a Qwen 3 text model unless
    text_config names another."""
    return internvl_like(c, QIANFAN_OCR_VISION, "qwen3")


VISION = "model.vision_tower."
NAMING = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                "patch_embedding": VISION + "embeddings.patch_embeddings.projection",
                "class_embedding": VISION + "embeddings.cls_token",
                "mask_token": VISION + "embeddings.mask_token",
                "position_embedding": VISION + "embeddings.position_embeddings",
                "encoder.layers": VISION + "encoder.layer",
                "post_norm": VISION + "layernorm",
                "attention": "attention",
                "input_norm": "layernorm_before",
                "pre_ffn_norm": "layernorm_after",
                "attention.o_proj": "attention.projection_layer",
                "ffn.up_proj": "mlp.fc1",
                "ffn.down_proj": "mlp.fc2",
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

QIANFAN_OCR = Naming(
    NAMING.names,
    towers={
        "vision": Naming({**NAMING.towers["vision"].names, "encoder.layers": VISION + "layers"}),
        "projector": NAMING.towers["projector"],
    },
)

FAMILIES = (
    Family(
        "qianfan_ocr",
        {
            "text_config": None,
            "vision_config": None,
            "image_seq_length": 256,
            "downsample_ratio": 0.5,
            "vision_feature_select_strategy": "default",
            "tie_word_embeddings": False,
        },
        (qianfan_ocr,),
        naming=QIANFAN_OCR,
        notes="the text model is the family text_config names (Qwen 3 by default), named under "
        "model.language_model",
    ),
    Family(
        "internvl",
        {
            "text_config": None,
            "vision_config": None,
            "image_seq_length": 256,
            "downsample_ratio": 0.5,
            "vision_feature_select_strategy": "default",
            "tie_word_embeddings": True,
        },
        (internvl,),
        naming=NAMING,
        notes="the text model is the family text_config names (Qwen2 by default), named under "
        "model.language_model",
    ),
)
