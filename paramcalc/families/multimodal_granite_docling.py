"""Granite-Docling: a SigLIP-style ViT (no pooling head) whose connector pixel-shuffles its
output on a coarse and an optional fine path, each with DeepStack mergers of tapped layers, an
optional density router, and a Granite text model under model.text_model.

Follows `modeling_granite_docling.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.dense import BIASES, LLAMA_BIASES
from paramcalc.families.multimodal_more import spec_config, under
from paramcalc.families.multimodal_paddleocr import vision as siglip_without_head
from paramcalc.families.rules import head_dim_if_set, sizes

#: GraniteDoclingTextConfig: Granite's decoder (head_dim read with getattr).
GRANITE_DOCLING_TEXT = Family(
    "granite_docling_text",
    {
        "vocab_size": 133800,
        "hidden_size": 1024,
        "intermediate_size": 2048,
        "num_hidden_layers": 28,
        "num_attention_heads": 16,
        "num_key_value_heads": 4,
        "max_position_embeddings": 32768,
        "tie_word_embeddings": True,
        **BIASES,
    },
    (sizes, head_dim_if_set, *LLAMA_BIASES),
)
#: GraniteDoclingVisionConfig's defaults (deepstack_visual_indexes null: [3, 7, 10]).
GRANITE_DOCLING_VISION = Family(
    "granite_docling_vision",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "image_size": 512,
        "patch_size": 16,
        "out_hidden_size": 1024,
        "scale_factor": 4,
        "deepstack_visual_indexes": None,
        "use_fine_route": True,
    },
    (),
)


def norm(role: str, width: int) -> dict[str, Any]:
    """A LayerNorm of the connector."""
    return {"kind": "norm", "role": role, "width": width, "norm_type": "layernorm"}


def linear(role: str, inputs: int, outputs: int, bias: bool = True) -> dict[str, Any]:
    """A linear layer of the connector or the router."""
    return {"kind": "linear", "role": role, "inputs": inputs, "outputs": outputs, "bias": bias}


def path(v: HFConfig, name: str, factor: int) -> list[dict[str, Any]]:
    """GraniteDoclingConnectorPath: an unbiased projection of factor^2 patches side by side
    (its 2D sine-cosine positions are a buffer) and one DeepStack merger (LayerNorm, biased
    linear_1 and linear_2) per tapped layer."""
    merged, out = v.integer("hidden_size") * factor**2, v.integer("out_hidden_size")
    taps = v.raw("deepstack_visual_indexes")
    taps = [3, 7, 10] if taps is None else v.int_list("deepstack_visual_indexes")
    parts = [linear(f"connector.{name}.projection", merged, out, bias=False)]
    for i in range(len(taps)):
        role = f"connector.{name}.deepstack_mergers.{i}"
        parts += [
            norm(f"{role}.layer_norm", merged),
            linear(f"{role}.linear_1", merged, out),
            linear(f"{role}.linear_2", out, out),
        ]
    return parts


def connector(v: HFConfig) -> list[dict[str, Any]]:
    """GraniteDoclingConnector: ln_in, the coarse path (scale_factor), the fine path (half of
    it) when use_fine_route, ln_mid, an unbiased mlp_fc2 and ln_out."""
    width, out, factor = (
        v.integer("hidden_size"),
        v.integer("out_hidden_size"),
        v.integer("scale_factor"),
    )
    fine = v.boolean("use_fine_route")
    if fine and factor < 2:
        # scale_factor // 2 == 0: the fine path's layers would have no inputs
        raise v.error("scale_factor", f"{factor} leaves the fine path (use_fine_route) no width")
    return [
        norm("connector.ln_in", width),
        *path(v, "coarse", factor),
        *(path(v, "fine", factor // 2) if fine else []),
        norm("connector.ln_mid", out),
        linear("connector.mlp_fc2", out, out, bias=False),
        norm("connector.ln_out", out),
    ]


def density_router(c: HFConfig, v: HFConfig) -> list[dict[str, Any]]:
    """GraniteDoclingDensityRouter, when density_router_hidden_size is set: a biased att
    pooling score, a LayerNorm and a biased fc1/fc2 to one logit."""
    hidden = c.opt_int("density_router_hidden_size")
    if hidden is None:
        return []
    if not v.boolean("use_fine_route"):
        raise c.error("density_router_hidden_size", "needs vision_config.use_fine_route")
    width = v.integer("hidden_size")
    return [
        linear("density_router.att", width, 1),
        norm("density_router.norm", width),
        linear("density_router.fc1", width, hidden),
        linear("density_router.fc2", hidden, 1),
    ]


def granite_docling(c: HFConfig) -> dict[str, Any]:
    """GraniteDoclingForConditionalGeneration: the ViT, its connector and the density router
    (the projector), the text model; the top-level tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", GRANITE_DOCLING_VISION)
    t = spec_config(c, "text_config", GRANITE_DOCLING_TEXT)
    text = t.text_tower(
        {**GRANITE_DOCLING_TEXT.build(t), "tie_word_embeddings": c.boolean("tie_word_embeddings")}
    )
    out = v.integer("out_hidden_size")
    if out != text["hidden_size"]:
        # GraniteDoclingConfig.validate_architecture
        raise v.error("out_hidden_size", f"{out} must equal text_config.hidden_size")
    parts = connector(v) + density_router(c, v)
    return {"text": text, "vision": siglip_without_head(v), "projector": {"parts": parts}}


NAMING = Naming(
    {
        "embed_tokens": "model.text_model.embed_tokens",
        "decoder.layers": "model.text_model.layers",
        "decoder.final_norm": "model.text_model.norm",
    },
    towers={
        "vision": Naming(under("model.vision_model.", VISION_NAMES)),
        "projector": Naming(
            {
                "connector": "model.vision_model.connector",
                "density_router": "model.density_router",
            }
        ),
    },
)

FAMILIES = (
    Family(
        "granite_docling",
        {
            "text_config": None,
            "vision_config": None,
            "density_router_hidden_size": None,
            "tie_word_embeddings": True,
        },
        (granite_docling,),
        naming=NAMING,
    ),
)
