"""Early-fusion models whose images become tokens of a VQ-VAE codebook: Chameleon, Emu3.

Follows `modeling_chameleon.py` and `modeling_emu3.py` in transformers 5.23
(ChameleonForConditionalGeneration and Emu3ForConditionalGeneration, the classes
AutoModelForImageTextToText builds). The VQ-VAE (`model.vqmodel`) is the vision tower
(`paramcalc.core.vqvae`, `paramcalc.core.vqvae_emu3`); no projector feeds the language model,
which reads the codebook indices as ordinary tokens. FLOPs and KV cache per text token are the
language model's; the tokenizer has no per-image figure.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.core.vqvae import NORM_GROUPS
from paramcalc.families.base import KV_HEADS, Family, HFConfig
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


def groups_of_32(v: HFConfig, base: int, mults: tuple[int, ...]) -> None:
    """Refuse channels GroupNorm(num_groups=32) cannot split."""
    for mult in (1, *mults):
        if base * mult % NORM_GROUPS:
            raise v.error(
                "base_channels",
                f"{base} x {mult} channels do not split into {NORM_GROUPS} GroupNorm groups",
            )


def chameleon_vqvae(v: HFConfig) -> dict[str, Any]:
    """ChameleonVQVAE: GroupNorm(32) everywhere, so every level's channels split into 32;
    attn_type other than "vanilla" leaves every attention block out."""
    base, mults = v.integer("base_channels"), positive_list(v, "channel_multiplier")
    groups_of_32(v, base, mults)
    return {
        "kind": "vqvae",
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


#: Emu3VQVAEConfig's defaults (transformers 5.23).
EMU3_VQ = Family(
    "emu3_vqgan",
    {
        "codebook_size": 32768,
        "embed_dim": 4,
        "latent_channels": 4,
        "double_latent": False,
        "in_channels": 3,
        "out_channels": 3,
        "temporal_downsample_factor": 4,
        "base_channels": 256,
        "channel_multiplier": [1, 2, 2, 4],
        "num_res_blocks": 2,
        "attn_resolutions": [3],
        "hidden_size": 1024,
        "num_attention_heads": 1,
    },
    (),
)
#: Emu3TextConfig's defaults (transformers 5.23); mlp_bias and attention_bias are class
#: attributes a config key still overrides.
EMU3_TEXT = Family(
    "emu3_text_model",
    {
        **size_defaults(184622, 4096, 14336, 32, 32, 8, 9216, False),
        "pad_token_id": 151643,
        "attention_bias": False,
        "mlp_bias": False,
    },
    (),
)


def emu3_vqvae(v: HFConfig) -> dict[str, Any]:
    """Emu3VQVAE: attn_resolutions lists level indices (the decoder reads it unchecked, so
    null is refused); the attention blocks are hidden_size wide and split into heads;
    temporal_downsample_factor is a power of two (log2 temporal convolutions each way)."""
    base, mults = v.integer("base_channels"), positive_list(v, "channel_multiplier")
    groups_of_32(v, base, mults)
    hidden, heads = v.integer("hidden_size"), v.integer("num_attention_heads")
    if hidden % heads:
        raise v.error("num_attention_heads", f"{heads} does not divide hidden_size={hidden}")
    factor = v.integer("temporal_downsample_factor")
    if factor & (factor - 1):
        raise v.error("temporal_downsample_factor", f"must be a power of two, got {factor}")
    levels = v.raw("attn_resolutions")
    if not isinstance(levels, list | tuple) or any(
        isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in levels
    ):
        raise v.error("attn_resolutions", f"must list level indices, got {levels!r}")
    return {
        "kind": "emu3_vqvae",
        "in_channels": v.integer("in_channels"),
        "out_channels": v.integer("out_channels"),
        "base_channels": base,
        "channel_multiplier": mults,
        "num_res_blocks": v.integer("num_res_blocks", minimum=0),
        "attn_levels": tuple(levels),
        "temporal_blocks": factor.bit_length() - 1,
        "hidden_size": hidden,
        "latent_channels": v.integer("latent_channels"),
        "double_latent": v.boolean("double_latent"),
        "embed_dim": v.integer("embed_dim"),
        "codebook_size": v.integer("codebook_size", minimum=0),
    }


def emu3_text(t: HFConfig, tied: bool) -> dict[str, Any]:
    """Emu3TextModel: Llama's blocks; a head_dim key (no field) sets the heads' width;
    nn.Embedding refuses a pad_token_id outside the table."""
    vocab, pad = t.integer("vocab_size"), t.raw("pad_token_id")
    if not isinstance(pad, int) or isinstance(pad, bool) or not 0 <= pad < vocab:
        raise t.error("pad_token_id", f"must be an index into vocab_size={vocab}, got {pad!r}")
    head_dim = t.opt_int("head_dim") if t.has("head_dim") else None
    mixer = attention(t, bias=t.boolean("attention_bias"), head_dim=head_dim)
    ffn = gated_mlp(t.integer("intermediate_size"), t.boolean("mlp_bias"))
    layers = t.integer("num_hidden_layers")
    text = text_tower(t, {"block": {"mixer": mixer, "ffn": ffn}}, ["block"] * layers)
    return {**text, "tie_word_embeddings": tied}


def emu3(c: HFConfig) -> dict[str, Any]:
    """Emu3ForConditionalGeneration: the text model under model.text_model and the VQ-VAE;
    the top-level tie_word_embeddings decides the head's tie."""
    t = spec_config(c, "text_config", EMU3_TEXT)
    v = spec_config(c, "vq_config", EMU3_VQ)
    return {
        "text": emu3_text(t, c.boolean("tie_word_embeddings")),
        "image_tokenizer": emu3_vqvae(v),
    }


CHAMELEON = Naming(towers={"vision": Naming({"image_tokenizer": "model.vqmodel"})})
EMU3 = Naming(
    {
        "embed_tokens": "model.text_model.embed_tokens",
        "decoder.layers": "model.text_model.layers",
        "decoder.final_norm": "model.text_model.norm",
    },
    towers={"vision": Naming({"image_tokenizer": "model.vqmodel"})},
)

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
        required=KV_HEADS,  # its attention divides by num_key_value_heads, so null cannot build
    ),
    Family(
        "emu3",
        {
            "text_config": None,
            "vq_config": None,
            "vocabulary_map": None,
            "tie_word_embeddings": False,
        },
        (emu3,),
        naming=EMU3,
    ),
)
