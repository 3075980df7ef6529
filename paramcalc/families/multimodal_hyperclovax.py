"""HyperCLOVA X Vision V2: Qwen2.5-VL's ViT and patch merger (built whole as the vision model),
a biased linear projector from out_hidden_size to the text width, and a HyperCLOVA X text model.

Follows `modeling_hyperclovax_vision_v2.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.dense import HYPERCLOVAX
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.multimodal_qwen import QWEN2_5_VL, QWEN2_5_VL_VISION, merger, qwen_vision


def hyperclovax_vision_v2(c: HFConfig) -> dict[str, Any]:
    """HyperCLOVAXVisionV2ForConditionalGeneration: the ViT, its merger and the projector (the
    projector tower), and the HyperCLOVA X text model; the top-level tie_word_embeddings
    decides. HyperCLOVAXVisionV2Config.__post_init__ reads a "qwen2_5_vl" vision config as
    qwen2_5_vl_vision."""
    from paramcalc.families import families

    v = spec_config(c, "vision_config", QWEN2_5_VL_VISION, also=("qwen2_5_vl",))
    sub = c.raw("text_config")
    text_type = sub.get("model_type", "hyperclovax") if isinstance(sub, Mapping) else None
    if text_type not in (None, "hyperclovax"):
        raise c.error("text_config", f"text model_type {text_type!r} is not supported here")
    family = families()["hyperclovax"]
    t = spec_config(c, "text_config", family)
    text = t.text_tower(
        {**family.build(t), "tie_word_embeddings": c.boolean("tie_word_embeddings")}
    )
    width, out = v.integer("hidden_size"), v.integer("out_hidden_size")
    ffn = {"kind": "gated", "intermediate_size": v.integer("intermediate_size"), "bias": True}
    projector = merger(v, width, out, "rmsnorm")
    projector["parts"].append(
        {
            "kind": "linear",
            "role": "projector",
            "inputs": out,
            "outputs": text["hidden_size"],
            "bias": True,
        }
    )
    return {"text": text, "vision": qwen_vision(v, width, ffn, "rmsnorm"), "projector": projector}


def vision_model(names: Mapping[str, str]) -> dict[str, str]:
    """Qwen2.5-VL's names moved from `model.visual.` to `model.vision_model.`."""
    return {k: v.replace("model.visual.", "model.vision_model.", 1) for k, v in names.items()}


NAMING = Naming(
    {**LANGUAGE_MODEL, **HYPERCLOVAX.names},
    towers={
        "vision": Naming(
            vision_model(QWEN2_5_VL.towers["vision"].names),
            fused=QWEN2_5_VL.towers["vision"].fused,
        ),
        "projector": Naming(
            {**vision_model(QWEN2_5_VL.towers["projector"].names), "projector": "model.projector"}
        ),
    },
)

FAMILIES = (
    Family(
        "hyperclovax_vision_v2",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": True},
        (hyperclovax_vision_v2,),
        naming=NAMING,
    ),
)
