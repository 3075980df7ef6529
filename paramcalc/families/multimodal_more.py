"""More image-text-to-text models: LLaVA and LLaVA-NeXT (a CLIP ViT, an MLP projector and a
Llama-named text model), and the helpers the other image-text-to-text modules share.

Each follows its `modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import vision_encoder_block

#: CLIPVisionConfig's defaults (transformers 5.23).
CLIP_VISION = Family(
    "clip_vision_model",
    {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "num_channels": 3,
        "image_size": 224,
        "patch_size": 32,
    },
    (),
)
#: What LlavaConfig / LlavaNextConfig pass to CLIPVisionConfig when vision_config is null
#: (SubConfigSpec init_kwargs: applied only then, not under a vision_config mapping).
LLAVA_CLIP = {
    "intermediate_size": 4096,
    "hidden_size": 1024,
    "patch_size": 14,
    "image_size": 336,
    "num_hidden_layers": 24,
    "num_attention_heads": 16,
}


def spec_config(
    c: HFConfig,
    key: str,
    family: Family,
    when_null: Mapping[str, Any] | None = None,
    also: tuple[str, ...] = (),
) -> HFConfig:
    """A nested config read against its family's defaults; a null one is `when_null`, as
    SubConfigSpec builds it. A model_type other than the family's (or `also`, the config
    classes with the same fields) is an error naming the key."""
    value = c.raw(key)
    if value is None:
        value = dict(when_null or {})
    if not isinstance(value, Mapping):
        raise c.error(key, f"must be a mapping, got {type(value).__name__}")
    found = value.get("model_type", family.model_type)
    if found != family.model_type and found not in also:
        raise c.error(key, f"model_type {found!r} is not supported here ({family.model_type!r})")
    return HFConfig(value, f"{c.where}: {key}", family)


def llama_named_text(
    c: HFConfig, default: str, tied: bool, when_null: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The text model of `text_config` (its model_type, else `default`; `when_null` when null),
    when that family names its tensors as Llama does (moved under language_model below)."""
    from paramcalc.families import families

    sub = c.raw("text_config")
    model_type = sub.get("model_type", default) if isinstance(sub, Mapping) else default
    family = families().get(model_type)
    if family is None or family.naming != Naming() or family.variants:
        raise c.error("text_config", f"text model_type {model_type!r} is not supported here")
    t = spec_config(c, "text_config", family, when_null)
    fields = family.build(t)
    if "text" in fields:
        return {**fields["text"], "tie_word_embeddings": tied}
    return t.text_tower({**fields, "tie_word_embeddings": tied})


def clip(v: HFConfig) -> dict[str, Any]:
    """CLIPVisionModel: an unbiased Conv2d patch embedding, a class token, positions for the
    patches and it, a pre-norm, every encoder layer (vision_feature_layer drops none), a
    post-norm."""
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("num_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "patch_bias": False,
        "class_token": True,
        "pre_norm": True,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "block": vision_encoder_block(v),
        },
    }


def feature_layers(c: HFConfig) -> int:
    """How many vision layers' outputs the projector reads side by side."""
    value = c.raw("vision_feature_layer")
    if isinstance(value, bool) or not isinstance(value, int | list) or value == []:
        raise c.error("vision_feature_layer", f"must be a layer index or a list, got {value!r}")
    return len(value) if isinstance(value, list) else 1


def llava_projector(c: HFConfig, vision_width: int, text_width: int) -> list[dict[str, Any]]:
    """LlavaMultiModalProjector: linear_1 (the selected layers' features side by side), linear_2."""
    bias = c.boolean("multimodal_projector_bias")
    return [
        {
            "kind": "linear",
            "role": "linear_1",
            "inputs": vision_width * feature_layers(c),
            "outputs": text_width,
            "bias": bias,
        },
        {
            "kind": "linear",
            "role": "linear_2",
            "inputs": text_width,
            "outputs": text_width,
            "bias": bias,
        },
    ]


def llava_like(c: HFConfig, tied: bool, newline: bool) -> dict[str, Any]:
    """CLIP, the MLP projector (and LLaVA-NeXT's image_newline) and the text model."""
    v = spec_config(c, "vision_config", CLIP_VISION, LLAVA_CLIP)
    text = llama_named_text(c, "llama", tied)
    parts = llava_projector(c, v.integer("hidden_size"), text["hidden_size"])
    if newline:
        parts.append({"kind": "token", "role": "image_newline", "width": text["hidden_size"]})
    return {
        "text": text,
        "vision": clip(v),
        "projector": {"parts": parts, "image_tokens": c.integer("image_seq_length", minimum=0)},
    }


def text_tied(c: HFConfig) -> bool:
    """The text_config's tie_word_embeddings (its family's default when unset)."""
    from paramcalc.families import families

    sub = c.raw("text_config")
    model_type = sub.get("model_type", "llama") if isinstance(sub, Mapping) else "llama"
    return spec_config(c, "text_config", families()[model_type]).boolean("tie_word_embeddings")


def kept_class_token(c: HFConfig) -> bool:
    """Whether the class token reaches the projector: vision_feature_select_strategy
    "default" crops it from the selected features, any other value keeps it."""
    return c.raw("vision_feature_select_strategy") != "default"


def llava(c: HFConfig) -> dict[str, Any]:
    """LlavaForConditionalGeneration; LlavaConfig.__post_init__ ties when text_config does.
    One image: CLIP over its patches and class token, the projector over the patches (and the
    class token unless vision_feature_select_strategy is "default")."""
    tied = c.boolean("tie_word_embeddings") or text_tied(c)
    fields = llava_like(c, tied, newline=False)
    fields["projector"]["image_rows"] = {"class_token": kept_class_token(c)}
    return fields


def llava_next(c: HFConfig) -> dict[str, Any]:
    """LlavaNextForConditionalGeneration: LLaVA plus image_newline; the top-level
    tie_word_embeddings decides."""
    return llava_like(c, c.boolean("tie_word_embeddings"), newline=True)


def under(prefix: str, names: Mapping[str, str]) -> dict[str, str]:
    """Vision names moved from `vision_tower.` to `prefix`."""
    return {
        k: v.replace("vision_tower.", prefix, 1)
        for k, v in names.items()
        if v.startswith("vision_tower.")
    }


#: Llama's tower-level names under model.language_model (the head stays at the top).
LANGUAGE_MODEL = {
    "embed_tokens": "model.language_model.embed_tokens",
    "decoder.layers": "model.language_model.layers",
    "decoder.final_norm": "model.language_model.norm",
}
LLAVA = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(
            {
                **under("model.vision_tower.", VISION_NAMES),
                "pre_norm": "model.vision_tower.pre_layrnorm",
            }
        ),
        "projector": Naming(
            {
                "linear_1": "model.multi_modal_projector.linear_1",
                "linear_2": "model.multi_modal_projector.linear_2",
                "image_newline": "model.image_newline",
            }
        ),
    },
)
LLAVA_DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "vision_feature_layer": -2,
    "vision_feature_select_strategy": "default",
    "multimodal_projector_bias": True,
    "image_seq_length": 576,
    "tie_word_embeddings": False,
}


def video_llava(c: HFConfig) -> dict[str, Any]:
    """VideoLlavaForConditionalGeneration: two CLIP towers of vision_config (image_tower and
    video_tower), LLaVA's MLP projector and the text model; the top-level
    tie_word_embeddings decides."""
    v = spec_config(c, "vision_config", CLIP_VISION, VIDEO_LLAVA_CLIP)
    text = llama_named_text(c, "llama", c.boolean("tie_word_embeddings"))
    parts = llava_projector(c, v.integer("hidden_size"), text["hidden_size"])
    return {
        "text": text,
        "vision": clip(v),
        "video": clip(v),
        "projector": {"parts": parts, "image_tokens": c.integer("image_seq_length", minimum=0)},
    }


#: What VideoLlavaConfig passes to CLIPVisionConfig when vision_config is null.
VIDEO_LLAVA_CLIP = {**LLAVA_CLIP, "image_size": 224}


def clip_under(prefix: str) -> Naming:
    """CLIP's names under `prefix` (its pre-norm keeps CLIP's `pre_layrnorm` spelling)."""
    return Naming({**under(prefix, VISION_NAMES), "pre_norm": prefix + "pre_layrnorm"})


VIDEO_LLAVA = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": clip_under("model.image_tower."),
        "video": clip_under("model.video_tower."),
        "projector": LLAVA.towers["projector"],
    },
)
TEXT_NOTE = (
    "the text model is the family text_config names (Llama by default), named under "
    "model.language_model"
)

FAMILIES = (
    Family("llava", LLAVA_DEFAULTS, (llava,), naming=LLAVA, notes=TEXT_NOTE),
    Family("llava_next", LLAVA_DEFAULTS, (llava_next,), naming=LLAVA, notes=TEXT_NOTE),
    Family(
        "video_llava",
        {**LLAVA_DEFAULTS, "image_seq_length": 256},
        (video_llava,),
        naming=VIDEO_LLAVA,
        notes=TEXT_NOTE + "; the image and video towers are two CLIP encoders of vision_config",
    ),
)
