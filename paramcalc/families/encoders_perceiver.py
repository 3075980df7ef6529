"""Perceiver as `AutoModel` builds it from a PerceiverConfig, and PerceiverForMaskedLM.

AutoModel builds PerceiverModel with no input preprocessor, decoder or postprocessor: it reads
embeddings of d_model it is given (no token table) through one cross-attention layer from
num_latents learned latents of d_latents (`embeddings.latents`), then
num_self_attends_per_block self-attention layers over the latents, run num_blocks times with
the same weights. PerceiverForMaskedLM adds the text preprocessor (a token table and a
position table of max_position_embeddings rows, both d_model wide), a decoder whose one
cross-attention layer reads the latents with max_position_embeddings learned position
queries (8 heads, qk_channels 256, v_channels d_model, no final projection), and the
embedding decoder: the token table's transpose (always, whatever tie_word_embeddings) and
a bias. Layers: `paramcalc.core.perceiver`, a pre_ffn LayerNorm and a biased MLP of
widening_factor x the queries' width.

FLOPs: the encoder runs over the latents whatever the sequence; the masked-LM decoder always
queries all max_position_embeddings positions and its head scores them all, which paramcalc
charges for the pass's seq tokens: exact for seq = max_position_embeddings, the length the
model is run at (its inputs padded to it). The model keeps no cache.
The table holds PerceiverConfig's defaults in transformers 5.23.0; the build follows
`modeling_perceiver.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.heads import MaskedLM

#: PerceiverForMaskedLM's decoder: 8 heads, qk_channels 8 * 32.
DECODER_HEADS, DECODER_QK = 8, 8 * 32


def attention(c: HFConfig, heads_key: str, qk: int, v: int, **extra: Any) -> dict[str, Any]:
    """A PerceiverAttention whose heads split its widths, as PerceiverSelfAttention checks."""
    heads = c.integer(heads_key)
    for width in (qk, v):
        if width % heads:
            raise c.error(heads_key, f"{heads} must divide the attention widths {qk} and {v}")
    widths = {"qk_channels": qk, "v_channels": v}
    return {"kind": "perceiver", "num_attention_heads": heads, **widths, **extra}


def layer(mixer: dict[str, Any], width: int, widening: int) -> dict[str, Any]:
    """A PerceiverLayer: the attention, then a LayerNorm and a biased MLP."""
    return {
        "mixer": mixer,
        "ffn": {"kind": "mlp", "intermediate_size": widening * width, "bias": True},
        "norms": ["pre_ffn"],
    }


def encoder(c: HFConfig) -> list[dict[str, Any]]:
    """PerceiverEncoder's stacks: the cross-attention from the latents, the self-attends."""
    latents, width, inputs = (c.integer(k) for k in ("num_latents", "d_latents", "d_model"))
    for key in ("num_self_attention_heads", "num_cross_attention_heads"):
        if width % c.integer(key):
            raise c.error(key, f"must divide d_latents={width}")
    qk, v = c.opt_int("qk_channels"), c.opt_int("v_channels")
    shape = c.raw("cross_attention_shape_for_attention")
    if qk is None and shape not in ("q", "kv"):
        raise c.error(
            "cross_attention_shape_for_attention", f"must be 'q' or 'kv', got {describe(shape)}"
        )
    cross_qk = qk or (inputs if shape == "kv" else width)
    cross = attention(c, "num_cross_attention_heads", cross_qk, v or cross_qk, kv_input_size=inputs)
    own_qk = qk or width
    own = attention(c, "num_self_attention_heads", own_qk, v or own_qk)
    rows = {"hidden_size": width, "latent_rows": latents, "final_norm": False}
    return [
        {
            "name": "cross",
            "num_hidden_layers": 1,
            "block": layer(cross, width, c.integer("cross_attention_widening_factor")),
            "learned_queries": latents,
            **rows,
        },
        {
            "name": "latent",
            "num_hidden_layers": c.integer("num_self_attends_per_block"),
            "runs": c.integer("num_blocks"),
            "block": layer(own, width, c.integer("self_attention_widening_factor")),
            **rows,
        },
    ]


def perceiver(c: HFConfig) -> dict[str, Any]:
    """PerceiverModel without a preprocessor: the latents and the encoder, no token table."""
    text = {
        "vocab_size": c.integer("vocab_size"),
        "token_table": False,
        "hidden_size": c.integer("d_model"),
        "norm_type": "layernorm",
        "stacks": encoder(c),
        "lm_head": False,
    }
    return {"text": text}


def masked_lm(c: HFConfig) -> dict[str, Any]:
    """PerceiverForMaskedLM's tower: the text preprocessor, the encoder, the decoder and the
    embedding decoder (the token table's transpose and a bias)."""
    inputs, positions = c.integer("d_model"), c.integer("max_position_embeddings")
    if inputs % DECODER_HEADS:
        raise c.error("d_model", f"the decoder's {DECODER_HEADS} heads must divide {inputs}")
    mixer = {
        "kind": "perceiver",
        "num_attention_heads": DECODER_HEADS,
        "qk_channels": DECODER_QK,
        "v_channels": inputs,
        "kv_input_size": c.integer("d_latents"),
        "source_rows": c.integer("num_latents"),
    }
    decoder = {
        "name": "decoder",
        "num_hidden_layers": 1,
        "block": layer(mixer, inputs, 1),
        "learned_queries": positions,
        "final_norm": False,
    }
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": inputs,
        "position_embeddings": positions,
        "norm_type": "layernorm",
        "stacks": [*encoder(c), decoder],
        "lm_head": True,
        "tie_word_embeddings": True,
        "head_bias": True,
    }


#: PerceiverModel's names: embeddings.latents, encoder.cross_attention, encoder.self_attends;
#: the masked-LM model's preprocessor and decoder under `perceiver`.
PERCEIVER = Naming(
    {
        "embed_tokens": "input_preprocessor.embeddings",
        "embed_positions": "input_preprocessor.position_embeddings",
        "cross.learned_queries": "embeddings.latents",
        "cross.layers": "encoder.cross_attention",
        "latent.layers": "encoder.self_attends",
        "decoder.learned_queries": "decoder.output_position_encodings.position_embeddings",
        "decoder.layers": "decoder.decoding_cross_attention",
        "attention": "attention",
        "pre_ffn_norm": "layernorm",
        "ffn.up_proj": "mlp.dense1",
        "ffn.down_proj": "mlp.dense2",
    },
    single_layers=frozenset({"cross", "decoder"}),
)

FAMILIES = (
    Family(
        "perceiver",
        {
            "num_latents": 256,
            "d_latents": 1280,
            "d_model": 768,
            "num_blocks": 1,
            "num_self_attends_per_block": 26,
            "num_self_attention_heads": 8,
            "num_cross_attention_heads": 8,
            "qk_channels": None,
            "v_channels": None,
            "cross_attention_shape_for_attention": "kv",
            "self_attention_widening_factor": 1,
            "cross_attention_widening_factor": 1,
            "vocab_size": 262,
            "max_position_embeddings": 2048,
        },
        (perceiver,),
        naming=PERCEIVER,
        # typed int without None in PerceiverConfig
        required=frozenset(
            {
                "num_latents",
                "d_latents",
                "d_model",
                "num_blocks",
                "num_self_attends_per_block",
                "num_self_attention_heads",
                "num_cross_attention_heads",
                "self_attention_widening_factor",
                "cross_attention_widening_factor",
                "vocab_size",
                "max_position_embeddings",
            }
        ),
        mlm=MaskedLM(
            "perceiver", {"head_bias": "embedding_decoder.bias"}, transform=False, model=masked_lm
        ),
    ),
)
