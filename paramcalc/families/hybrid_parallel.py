"""Falcon-H1: attention and a Mamba-2 mixer side by side in every layer (schema v2 models).

`FalconH1DecoderLayer` feeds the normed input to `self_attn` and to `mamba` and adds both
outputs, then runs a gated MLP. Its muP multipliers (embedding, attention, SSM, MLP, head)
scale activations and hold no parameters; the `mup_vector` is a buffer. As in
`modeling_falcon_h1.py` of transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.hybrid_more import mamba2_keys
from paramcalc.families.v2 import attention, gated_mlp, text_tower


def falcon_h1_mamba(c: HFConfig) -> dict[str, Any]:
    """FalconH1Mixer: a Mamba-2 mixer of mamba_d_ssm inner width (expand x hidden_size when
    null), out_proj's bias from projectors_bias, the gated norm only with mamba_rms_norm."""
    d_ssm = c.opt_int("mamba_d_ssm")
    inner = d_ssm if d_ssm is not None else c.integer("mamba_expand") * c.integer("hidden_size")
    heads = c.integer("mamba_n_heads")
    head_dim = inner // heads if c.raw("mamba_d_head") == "auto" else c.integer("mamba_d_head")
    # FalconH1Config.validate_architecture: the heads tile the inner width exactly.
    if heads * head_dim != inner:
        raise c.error(
            "mamba_d_head", f"{heads} heads x {head_dim} must equal the SSM width {inner}"
        )
    return {
        **mamba2_keys(c, heads, head_dim),
        "out_bias": c.boolean("projectors_bias"),
        "gated_norm": c.boolean("mamba_rms_norm"),
    }


def falcon_h1(c: HFConfig) -> dict[str, Any]:
    """FalconH1DecoderLayer: input norm, attention beside Mamba-2, pre-FFN norm, gated MLP."""
    # FalconH1Attention: getattr(config, "head_dim", hidden_size // num_attention_heads)
    head_dim = c.opt_int("head_dim") if c.has("head_dim") else None
    block = {
        "mixer": attention(c, bias=c.boolean("attention_bias"), head_dim=head_dim),
        "parallel_mixer": falcon_h1_mamba(c),
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
    }
    layers = ["hybrid"] * c.integer("num_hidden_layers")
    return {"text": text_tower(c, {"hybrid": block}, layers)}


#: FalconH1ForCausalLM: `self_attn` and `mamba`, then `feed_forward` after `pre_ff_layernorm`.
FALCON_H1 = Naming(
    {
        "decoder.final_norm": "model.final_layernorm",
        "mamba": "mamba",
        "ffn": "feed_forward",
        "pre_ffn_norm": "pre_ff_layernorm",
    }
)

FAMILIES = (
    Family(
        "falcon_h1",
        {
            "vocab_size": 128000,
            "tie_word_embeddings": False,
            "hidden_size": 4096,
            "intermediate_size": 14336,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "attention_bias": False,
            "mlp_bias": False,
            "mamba_d_ssm": 1024,
            "mamba_n_heads": 128,
            "mamba_d_head": "auto",
            "mamba_n_groups": 1,
            "mamba_d_state": 256,
            "mamba_d_conv": 4,
            "mamba_expand": 2,
            "mamba_conv_bias": True,
            "mamba_proj_bias": False,
            "mamba_rms_norm": False,
            "projectors_bias": False,
        },
        (falcon_h1,),
        naming=FALCON_H1,
        notes="the muP multipliers scale activations only; each mixer's mup_vector is a buffer",
    ),
)
