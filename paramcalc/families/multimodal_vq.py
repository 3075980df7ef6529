"""Early-fusion models whose images become tokens of a VQ-VAE codebook: Chameleon.

Follows `modeling_chameleon.py` in transformers 5.23 (ChameleonForConditionalGeneration, the
class AutoModelForImageTextToText builds). The VQ-VAE (`model.vqmodel`) is the vision tower
(`paramcalc.core.vqvae`); no projector feeds the language model, which reads the codebook
indices as ordinary tokens. FLOPs and KV cache per text token are the language model's; the
tokenizer has no per-image figure.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.core.vqvae import NORM_GROUPS
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.multimodal_more import spec_config
from paramcalc.families.v2 import attention, gated_mlp, text_tower

#: ChameleonVQVAEConfig's defaults (transformers 5.23).
CHAMELEON_VQGAN = Family(
    "chameleon_vqgan",
    {
        "embed_dim": 256,
        "num_embeddings": 8192,
        "double_latent": False,
        "latent_channels": 256,
        "resolution": 512,
        "in_channels": 3,
        "base_channels": 128,
        "channel_multiplier": [1, 1, 2, 2, 4],
        "num_res_blocks": 2,
        "attn_resolutions": None,
        "attn_type": "vanilla",
    },
    (),
)


def positive_list(c: HFConfig, name: str, empty: bool = False) -> tuple[int, ...]:
    """A list of positive integers (null is empty where `empty` allows it)."""
    value = c.raw(name)
    if value is None and empty:
        return ()
    if (
        not isinstance(value, list | tuple)
        or (not value and not empty)
        or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value)
    ):
        raise c.error(name, f"must be a list of positive integers, got {value!r}")
    return tuple(value)


def chameleon_vqvae(v: HFConfig) -> dict[str, Any]:
    """ChameleonVQVAE: GroupNorm(32) everywhere, so every level's channels split into 32;
    attn_type other than "vanilla" leaves every attention block out."""
    base, mults = v.integer("base_channels"), positive_list(v, "channel_multiplier")
    for mult in (1, *mults):
        if base * mult % NORM_GROUPS:
            raise v.error(
                "base_channels",
                f"{base} x {mult} channels do not split into {NORM_GROUPS} GroupNorm groups",
            )
    return {
        "in_channels": v.integer("in_channels"),
        "base_channels": base,
        "channel_multiplier": mults,
        "num_res_blocks": v.integer("num_res_blocks", minimum=0),
        "resolution": v.integer("resolution"),
        "attn_resolutions": positive_list(v, "attn_resolutions", empty=True),
        "attention": v.raw("attn_type") == "vanilla",
        "latent_channels": v.integer("latent_channels"),
        "double_latent": v.boolean("double_latent"),
        "embed_dim": v.integer("embed_dim"),
        "num_embeddings": v.integer("num_embeddings", minimum=0),
    }


def chameleon(c: HFConfig) -> dict[str, Any]:
    """ChameleonModel: Llama blocks whose attention normalises queries and keys with a
    LayerNorm over (heads, head_dim) (weight and bias); swin_norm moves the two RMSNorms after
    attention and the MLP, which changes no tensor."""
    width, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    if width % heads:
        raise c.error("num_attention_heads", f"{heads} does not divide hidden_size={width}")
    bias = c.opt_bool("attention_bias") or False
    mixer = attention(c, bias=bias, qk_norm="stacked", qk_norm_type="layernorm")
    block = {
        "mixer": mixer,
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
    }
    layers = c.integer("num_hidden_layers")
    v = spec_config(c, "vq_config", CHAMELEON_VQGAN)
    return {
        "text": text_tower(c, {"block": block}, ["block"] * layers),
        "image_tokenizer": chameleon_vqvae(v),
    }


CHAMELEON = Naming(towers={"vision": Naming({"image_tokenizer": "model.vqmodel"})})

FAMILIES = (
    Family(
        "chameleon",
        {
            **size_defaults(65536, 4096, 11008, 32, 32, 32, 4096, False),
            "attention_bias": False,
            "mlp_bias": False,
            "model_parallel_size": 1,
            "swin_norm": False,
            "vq_config": None,
            "vocabulary_map": None,
        },
        (chameleon,),
        naming=CHAMELEON,
    ),
)
