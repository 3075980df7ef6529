"""GOT-OCR2 (`got_ocr2`): a SAM ViT-B-style encoder (a biased Conv2d, a learned (1, grid, grid,
width) position table, blocks of fused qkv attention with decomposed relative positions over
a window or the whole grid, SAM's convolutional neck), a projector of two strided convolutions
and a linear, and a Qwen2 text model.

PP-Chart2Table (`pp_chart2table`) is GotOcr2ForConditionalGeneration of a config class with the
same fields and defaults (its vision_config's model_type is `pp_chart2table_vision`).

Follows `modeling_got_ocr2.py` in transformers 5.23. FLOPs charge a windowed layer's attention
over every pair of the image's patches, as a global layer's: an upper bound (transformers
attends within window_size x window_size windows of the padded grid).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config

#: GotOcr2VisionConfig's defaults (transformers 5.23).
GOT_OCR2_VISION = Family(
    "got_ocr2_vision",
    {
        "hidden_size": 768,
        "output_channels": 256,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "image_size": 1024,
        "patch_size": 16,
        "qkv_bias": True,
        "use_abs_pos": True,
        "use_rel_pos": True,
        "window_size": 14,
        "global_attn_indexes": [2, 5, 8, 11],
        "mlp_dim": 3072,
    },
    (),
)
#: What GotOcr2Config passes to Qwen2Config when text_config is null.
GOT_OCR2_QWEN2 = {
    "vocab_size": 151860,
    "hidden_size": 1024,
    "intermediate_size": 2816,
    "num_hidden_layers": 24,
    "num_attention_heads": 16,
    "num_key_value_heads": 16,
    "max_position_embeddings": 32768,
    "tie_word_embeddings": True,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 21,
}


def relative_sides(v: HFConfig, grid: int) -> list[int | None]:
    """Per layer, the side its relative tables span (None without use_rel_pos):
    GotOcr2VisionLayer attends over window_size windows, or the whole grid in a layer of
    global_attn_indexes or with window_size 0."""
    layers, window = v.integer("num_hidden_layers"), v.integer("window_size", minimum=0)
    listed = v.raw("global_attn_indexes")
    if not isinstance(listed, list | tuple) or any(
        isinstance(i, bool) or not isinstance(i, int) for i in listed
    ):
        raise v.error("global_attn_indexes", f"must list layer indices, got {listed!r}")
    if not v.boolean("use_rel_pos"):
        return [None] * layers
    return [grid if i in listed or window == 0 else window for i in range(layers)]


def sam_block(v: HFConfig, side: int | None) -> dict[str, Any]:
    """GotOcr2VisionLayer: LayerNorms, attention (qkv_bias on the fused qkv, a biased proj,
    rel_pos_h / rel_pos_w over `side`) and a biased lin1/lin2 MLP of mlp_dim."""
    mixer: dict[str, Any] = {
        "kind": "attention",
        "num_attention_heads": v.integer("num_attention_heads"),
        "qkv_bias": v.boolean("qkv_bias"),
        "o_bias": True,
    }
    if side is not None:
        mixer["relative_position_grid"] = side
    ffn = {"kind": "mlp", "intermediate_size": v.integer("mlp_dim"), "bias": True}
    return {"mixer": mixer, "ffn": ffn}


def sam_encoder(v: HFConfig) -> dict[str, Any]:
    """GotOcr2VisionEncoder: patch_embed, pos_embed (use_abs_pos), the blocks and the neck;
    no pre- or post-norm."""
    width, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    # qkv is hidden_size wide whatever the heads; paramcalc's heads must split it
    v.split_heads("num_attention_heads", heads, width)
    size, patch = v.integer("image_size"), v.integer("patch_size")
    grid = size // patch
    if grid < 1:
        raise v.error("patch_size", f"{patch} exceeds image_size={size}")
    sides = relative_sides(v, grid)
    kinds = {f"rel{side}": sam_block(v, side) for side in dict.fromkeys(sides)}
    layer_kinds = [f"rel{side}" for side in sides]
    stack: dict[str, Any] = {"name": "encoder", "num_hidden_layers": len(sides)}
    if len(kinds) == 1:
        stack["block"] = next(iter(kinds.values()))
    else:
        stack |= {"kinds": kinds, "layer_kinds": layer_kinds}
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "image_size": size,
        "patch_size": patch,
        "position_embedding": "grid" if v.boolean("use_abs_pos") else "none",
        "position_grid": (grid, grid) if v.boolean("use_abs_pos") else None,
        "batched_tokens": True,
        "post_norm": False,
        "neck": {"output_channels": v.integer("output_channels")},
        "stack": stack,
    }


def got_ocr2(c: HFConfig) -> dict[str, Any]:
    """GotOcr2ForConditionalGeneration: the SAM encoder, the projector (conv_upsampler1 to
    2 x output_channels, conv_upsampler2 to the text width, both 3x3 without bias, then a
    biased multimodal_projector) and a Qwen2 text model; the top-level tie_word_embeddings
    decides."""
    v = spec_config(c, "vision_config", GOT_OCR2_VISION, also=("pp_chart2table_vision",))
    text = llama_named_text(c, "qwen2", c.boolean("tie_word_embeddings"), GOT_OCR2_QWEN2)
    out, th = v.integer("output_channels"), text["hidden_size"]
    parts = [
        {
            "kind": "conv",
            "role": "conv_upsampler1",
            "in_channels": out,
            "out_channels": 2 * out,
            "kernel_size": 3,
            "bias": False,
        },
        {
            "kind": "conv",
            "role": "conv_upsampler2",
            "in_channels": 2 * out,
            "out_channels": th,
            "kernel_size": 3,
            "bias": False,
        },
        {
            "kind": "linear",
            "role": "multimodal_projector",
            "inputs": th,
            "outputs": th,
            "bias": True,
        },
    ]
    image_tokens = c.integer("image_seq_length", minimum=0)
    return {
        "text": text,
        "vision": sam_encoder(v),
        "projector": {"parts": parts, "image_tokens": image_tokens},
    }


GOT_OCR2 = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                "patch_embedding": "model.vision_tower.patch_embed.projection",
                "position_embedding": "model.vision_tower.pos_embed",
                "encoder.layers": "model.vision_tower.layers",
                "neck": "model.vision_tower.neck",
                "input_norm": "layer_norm1",
                "pre_ffn_norm": "layer_norm2",
                "attention": "attn",
                "attention.o_proj": "attn.proj",
                "ffn": "mlp",
                "ffn.up_proj": "mlp.lin1",
                "ffn.down_proj": "mlp.lin2",
            },
            fused={"attention.qkv": ("q_proj", "k_proj", "v_proj")},
        ),
        "projector": Naming(
            {
                role: f"model.multi_modal_projector.{role}"
                for role in ("conv_upsampler1", "conv_upsampler2", "multimodal_projector")
            }
        ),
    },
)

#: GotOcr2Config's (and PPChart2TableConfig's) defaults (transformers 5.23).
GOT_OCR2_DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "image_seq_length": 576,
    "tie_word_embeddings": True,
}

FAMILIES = tuple(
    Family(model_type, GOT_OCR2_DEFAULTS, (got_ocr2,), naming=GOT_OCR2)
    for model_type in ("got_ocr2", "pp_chart2table")
)
