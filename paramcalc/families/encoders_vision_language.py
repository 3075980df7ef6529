"""Vision-language encoders: a SigLIP vision model, a pixel-shuffle connector and a bidirectional
text encoder, as `AutoModel` builds them; `--head mlm` adds the masked-LM head.

ModernVBERT joins ModernBERT, UltraVBERT UltraBERT; UltraVBERT's connector ends in an RMSNorm
(UltraBERT's embeddings have none). Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders_llama_like import ULTRABERT_MLM
from paramcalc.families.encoders_rotary import EUROBERT, MODERNBERT, MODERNBERT_MLM
from paramcalc.families.heads import MaskedLM
from paramcalc.families.multimodal import SIGLIP_VISION, siglip
from paramcalc.families.multimodal_more import spec_config, under


def text_config(c: HFConfig, model_type: str) -> HFConfig:
    """text_config read against its family (the only one the model's AutoModel is given)."""
    from paramcalc.families import families

    return spec_config(c, "text_config", families()[model_type])


def vbert(text_type: str, norm: bool, vision_when_null: Mapping[str, Any]) -> Any:
    """The rule of a model whose text model is `text_type`; `norm`: the connector's RMSNorm."""

    def rule(c: HFConfig) -> dict[str, Any]:
        from paramcalc.families import families

        v = spec_config(c, "vision_config", SIGLIP_VISION, vision_when_null)
        t = text_config(c, text_type)
        text = families()[text_type].build(t)["text"]
        factor = c.integer("pixel_shuffle_factor")
        th = text["hidden_size"]
        parts: list[dict[str, Any]] = [
            {
                "kind": "linear",
                "role": "modality_projection",
                # pixel shuffle: factor^2 patches side by side
                "inputs": v.integer("hidden_size") * factor**2,
                "outputs": th,
            }
        ]
        if norm:
            parts.append({"kind": "norm", "role": "norm", "width": th})
        patches = (v.integer("image_size") // v.integer("patch_size")) ** 2
        return {
            "text": text,
            "vision": siglip(v),
            "projector": {"parts": parts, "image_tokens": patches // factor**2},
        }

    rule.__doc__ = (
        f"SigLIP, the connector and {text_type}'s bare encoder; the head is the masked-LM model's."
    )
    return rule


def moved(prefix: str, naming: Naming, roots: tuple[str, ...]) -> Naming:
    """A text naming whose root-level roles sit under `prefix`."""
    names = dict(naming.names)
    for role in roots:
        names[role] = prefix + naming.resolve(role, "", {})
    return Naming(names, naming.leaves, naming.fused)


def towers(prefix: str, norm: bool) -> dict[str, Naming]:
    """The vision model's and the connector's names under `prefix`."""
    projector = {"modality_projection": f"{prefix}connector.modality_projection"}
    if norm:
        projector["norm"] = f"{prefix}connector.norm"
    return {
        "vision": Naming(under(f"{prefix}vision_model.", VISION_NAMES)),
        "projector": Naming(projector),
    }


def naming(text: Naming, roots: tuple[str, ...], norm: bool) -> Naming:
    """The bare model's names: the text model under text_model, the vision model and the
    connector beside it."""
    base = moved("text_model.", text, roots)
    return Naming(base.names, base.leaves, base.fused, towers=towers("", norm))


def mlm(head: MaskedLM, names: Mapping[str, str], text_type: str, norm: bool) -> MaskedLM:
    """The masked-LM model of a text model's head: the bare model under `model`, the head's
    keys read from text_config, tie_word_embeddings from the top level."""
    return MaskedLM(
        "model",
        names,
        transform_bias=head.transform_bias,
        intermediate=head.intermediate,
        transform_norm=head.transform_norm,
        shared_bias=False,
        decoder_bias=head.decoder_bias,
        tie_default=False,
        towers=towers("model.", norm),
        config=lambda c: text_config(c, text_type),
    )


MODERNBERT_ROOTS = ("embed_tokens", "embedding_norm", "decoder.layers", "decoder.final_norm")
ULTRABERT_ROOTS = ("embed_tokens", "decoder.layers", "decoder.final_norm")
#: ModernVBertForMaskedLM: ModernBERT's head as projection_head, an lm_head biased by
#: text_config.decoder_bias.
MODERNVBERT_MLM = mlm(
    MODERNBERT_MLM,
    {
        "head_transform": "projection_head.dense",
        "head_transform_norm": "projection_head.norm",
        "lm_head": "lm_head",
    },
    "modernbert",
    norm=False,
)
#: UltraVBertForMaskedLM: UltraBERT's two unbiased dense layers as projection_head, an unbiased
#: lm_head.
ULTRAVBERT_MLM = mlm(
    ULTRABERT_MLM,
    {
        "head_intermediate": "projection_head.linear1",
        "head_transform": "projection_head.linear2",
        "lm_head": "lm_head",
    },
    "ultrabert",
    norm=True,
)
DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "pixel_shuffle_factor": 4,
    "tie_word_embeddings": False,
}
NOTE = (
    "masked-LM checkpoints also hold projection_head and lm_head, which AutoModel does not "
    "build (--head mlm counts them)"
)

FAMILIES = (
    Family(
        "modernvbert",
        DEFAULTS,
        (vbert("modernbert", False, {}),),
        naming=naming(MODERNBERT, MODERNBERT_ROOTS, norm=False),
        notes=NOTE,
        mlm=MODERNVBERT_MLM,
    ),
    Family(
        "ultravbert",
        DEFAULTS,
        # UltraVBertConfig builds a null vision_config without SigLIP's pooling head
        (vbert("ultrabert", True, {"vision_use_head": False}),),
        naming=naming(EUROBERT, ULTRABERT_ROOTS, norm=True),
        notes=NOTE,
        mlm=ULTRAVBERT_MLM,
    ),
)
