"""Fuyu (`fuyu`): flattened image patches projected by one linear layer straight into a
Persimmon language model, with no image encoder.

Follows `modeling_fuyu.py` in transformers 5.23 (FuyuForCausalLM, the class
AutoModelForImageTextToText builds). The patch projection is the vision tower
(`paramcalc.core.patches`); the text model is built by the persimmon record from text_config,
or, when text_config is null, from the text keys FuyuConfig moves out of the file's top level
(as published checkpoints write them). The top-level tie_word_embeddings decides the head's tie.
FLOPs and KV cache per text token are the language model's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.dense_norms import PERSIMMON

#: FuyuConfig's text_config init_kwargs (transformers 5.23) beside persimmon's own defaults,
#: and the keys FuyuConfig.__post_init__ moves from the top level into a null text_config.
FUYU_TEXT = {
    "vocab_size": 262144,
    "max_position_embeddings": 16384,
    "hidden_size": 4096,
    "intermediate_size": 16384,
    "num_hidden_layers": 36,
    "num_attention_heads": 64,
    "hidden_act": "relu2",
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-5,
    "use_cache": True,
    "qk_layernorm": True,
    "hidden_dropout": 0.0,
    "attention_dropout": 0.0,
    "eos_token_id": 2,
}
MOVED_KEYS = (*FUYU_TEXT, "rope_scaling", "rope_theta")


def text_config(c: HFConfig) -> tuple[dict[str, Any], str]:
    """The persimmon config the text model is built from, and where its keys are."""
    given = c.raw("text_config")
    if given is None:
        moved = {k: c.data[k] for k in MOVED_KEYS if k in c.data}
        return {**FUYU_TEXT, **moved}, c.where
    if not isinstance(given, dict):
        raise c.error("text_config", f"must be a mapping, got {type(given).__name__}")
    model_type = given.get("model_type", "persimmon")
    if model_type != "persimmon":
        raise c.error("text_config", f"text model_type {model_type!r} is not supported here")
    return given, f"{c.where}: text_config"


def fuyu(c: HFConfig) -> dict[str, Any]:
    """FuyuModel: vision_embed_tokens, a biased Linear of patch_size^2 x num_channels to the
    text width, and the Persimmon language model under model.language_model."""
    from paramcalc.families import families

    persimmon = families()["persimmon"]
    data, where = text_config(c)
    t = HFConfig(data, where, persimmon)
    tied = c.boolean("tie_word_embeddings")
    text = t.text_tower({**persimmon.build(t), "tie_word_embeddings": tied})
    patches = {
        "kind": "linear_patches",
        "patch_size": c.integer("patch_size"),
        "num_channels": c.integer("num_channels"),
        "hidden_size": text["hidden_size"],
    }
    return {"text": text, "image_tokenizer": patches}


FUYU = Naming(
    {
        **PERSIMMON.names,
        "embed_tokens": "model.language_model.embed_tokens",
        "decoder.layers": "model.language_model.layers",
        "decoder.final_norm": "model.language_model.final_layernorm",
    },
    fused=PERSIMMON.fused,
    towers={"vision": Naming({"image_tokenizer": "model.vision_embed_tokens"})},
)

FAMILIES = (
    Family(
        "fuyu",
        {
            "image_size": 300,
            "patch_size": 30,
            "num_channels": 3,
            "tie_word_embeddings": False,
            "image_token_id": 71011,
            "text_config": None,
        },
        (fuyu,),
        naming=FUYU,
    ),
)
