"""PP-FormulaNet (`pp_formulanet`): GOT-OCR2's SAM-style image encoder (with its neck) under
`model.encoder`, a projector of two strided 3x3 convolutions without bias and two biased linears
inside that encoder, and an mBART decoder (`model.decoder`, pre-norm layers with
cross-attention to the projected image, learned positions with BART's two extra rows, an
embedding LayerNorm and a final one) with a head of its own.

Follows `modeling_pp_formulanet.py` in transformers 5.23: PPFormulaNetForConditionalGeneration
declares no tied weights, so lm_head is never tied, whatever text_config's
tie_word_embeddings says. The projector's convolutions read post_conv_in_channels and its last
linear writes the vision config's decoder_hidden_size, as transformers builds them (a model
whose widths do not meet builds, and is counted, all the same).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.bart_like import BART_ALIASES, BART_NAMES, MBART, bart_stack
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_got_ocr2 import GOT_OCR2, GOT_OCR2_VISION, sam_encoder
from paramcalc.families.multimodal_more import spec_config

#: PPFormulaNetVisionConfig's defaults (transformers 5.23): GOT-OCR2's encoder at 512 pixels,
#: and the projector's widths.
PP_FORMULANET_VISION = Family(
    "pp_formulanet_vision",
    {
        **GOT_OCR2_VISION.defaults,
        "image_size": 512,
        "post_conv_in_channels": 256,
        "post_conv_mid_channels": 512,
        "post_conv_out_channels": 1024,
        "decoder_hidden_size": 512,
    },
    (),
)
#: PPFormulaNetTextConfig's defaults (MBartConfig's, with its own values).
PP_FORMULANET_TEXT = Family(
    "pp_formulanet_text",
    {
        "vocab_size": 50000,
        "max_position_embeddings": 2560,
        "decoder_layers": 8,
        "decoder_ffn_dim": 2048,
        "decoder_attention_heads": 16,
        "d_model": 512,
    },
    (),
    BART_ALIASES,
)


def conv_side(side: int) -> int:
    """The side of a grid after a 3x3 convolution of stride 2 and padding 1."""
    return (side - 1) // 2 + 1


def projector(v: HFConfig) -> dict[str, Any]:
    """PPFormulaNetMultiModalProjector: conv1 and conv2 (3x3, stride 2, no bias), then the
    biased linear_1 and linear_2 over the twice-halved grid."""
    into, mid = v.integer("post_conv_in_channels"), v.integer("post_conv_mid_channels")
    out, width = v.integer("post_conv_out_channels"), v.integer("decoder_hidden_size")
    convs = [("conv1", into, mid), ("conv2", mid, out)]
    linears = [("linear_1", out, out), ("linear_2", out, width)]
    parts: list[dict[str, Any]] = [
        {"kind": "conv", "role": r, "in_channels": i, "out_channels": o, "kernel_size": 3}
        | {"bias": False}
        for r, i, o in convs
    ]
    parts += [
        {"kind": "linear", "role": r, "inputs": i, "outputs": o, "bias": True}
        for r, i, o in linears
    ]
    side = conv_side(conv_side(v.integer("image_size") // v.integer("patch_size")))
    return {"parts": parts, "image_tokens": side * side}


def pp_formulanet(c: HFConfig) -> dict[str, Any]:
    """PPFormulaNetForConditionalGeneration: the SAM encoder and its projector, and the mBART
    decoder as the text tower's one stack, with an untied head."""
    v = spec_config(c, "vision_config", PP_FORMULANET_VISION)
    t = spec_config(c, "text_config", PP_FORMULANET_TEXT)
    text = {
        "vocab_size": t.integer("vocab_size"),
        "hidden_size": t.integer("d_model"),
        "norm_type": "layernorm",
        "tie_word_embeddings": False,
        "stacks": [bart_stack(t, MBART, "decoder", 0)],
    }
    return {"text": text, "vision": sam_encoder(v), "projector": projector(v)}


def under_encoder(naming: Naming) -> Naming:
    """GOT-OCR2's vision names moved from model.vision_tower to model.encoder."""
    names = {k: v.replace("model.vision_tower.", "model.encoder.") for k, v in naming.names.items()}
    return Naming(names, fused=naming.fused)


PP_FORMULANET = Naming(
    {
        **BART_NAMES,
        "embed_tokens": "model.decoder.embed_tokens",
        "decoder.embed_positions": "model.decoder.embed_positions",
        "decoder.embedding_norm": "model.decoder.layernorm_embedding",
    },
    towers={
        "vision": under_encoder(GOT_OCR2.towers["vision"]),
        "projector": Naming(
            {
                role: f"model.encoder.multi_modal_projector.{role}"
                for role in ("conv1", "conv2", "linear_1", "linear_2")
            }
        ),
    },
)

FAMILIES = (
    Family(
        "pp_formulanet",
        {"text_config": None, "vision_config": None},
        (pp_formulanet,),
        naming=PP_FORMULANET,
    ),
)
