"""Pix2Struct (`pix2struct`): an image encoder of T5-style layers over flattened patches and a
T5-style text decoder with cross-attention, as Pix2StructForConditionalGeneration builds them.

Follows `modeling_pix2struct.py` in transformers 5.23. The encoder (`encoder.`): a biased
patch_projection from patch_embed_hidden_size features (said here as patch_size 1 over that
many channels), row_embedder and column_embedder tables of seq_len rows, layers of unbiased
query/key/value/output attention (num_attention_heads x d_kv wide) and a gated wi_0/wi_1/wo MLP
with RMS norms before each, and a final RMS norm. The decoder (`decoder.`): a token table,
layers of self-attention (a relative bias table in the first layer only), cross-attention and a
gated MLP, each after an RMS norm, a final norm and `decoder.lm_head`, tied to the token table
only when the top-level tie_word_embeddings says so (the text config's is not read). The
decoder's q/k/v/o are hidden_size square whatever d_kv says.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import table_rows
from paramcalc.families.multimodal_more import spec_config

#: Pix2StructVisionConfig's defaults (transformers 5.23).
PIX2STRUCT_VISION = Family(
    "pix2struct_vision_model",
    {
        "hidden_size": 768,
        "patch_embed_hidden_size": 768,
        "d_ff": 2048,
        "d_kv": 64,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "seq_len": 4096,
    },
    (),
)
#: Pix2StructTextConfig's defaults (transformers 5.23).
PIX2STRUCT_TEXT = Family(
    "pix2struct_text_model",
    {
        "vocab_size": 50244,
        "hidden_size": 768,
        "d_ff": 2048,
        "num_layers": 12,
        "num_heads": 12,
        "relative_attention_num_buckets": 32,
    },
    (),
    {"num_heads": ("num_attention_heads",), "num_layers": ("num_hidden_layers",)},
)


def attention(heads: int, head_dim: int, buckets: int = 0) -> dict[str, Any]:
    """Unbiased query/key/value/output projections (and a relative bias table of buckets)."""
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": head_dim,
        "relative_attention_num_buckets": buckets,
    }


def gated(c: HFConfig) -> dict[str, Any]:
    """Pix2Struct's gated MLP: wi_0 and wi_1 to d_ff, wo back, none biased."""
    return {"kind": "gated", "intermediate_size": c.integer("d_ff"), "bias": False}


def vision(v: HFConfig) -> dict[str, Any]:
    """Pix2StructVisionModel: embeddings, the layers and the final RMS norm."""
    heads = v.integer("num_attention_heads")
    block = {
        "mixer": attention(heads, v.integer("d_kv")),
        "ffn": gated(v),
        "norms": ["input", "pre_ffn"],
    }
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("patch_embed_hidden_size"),
        "patch_size": 1,
        "patch_embedding": "linear",
        "position_embedding": "rows_columns",
        "position_rows": v.integer("seq_len"),
        "norm_type": "rmsnorm",
        "stack": {"name": "encoder", "num_hidden_layers": v.integer("num_hidden_layers")}
        | {"block": block},
    }


def decoder(t: HFConfig, tied: bool) -> dict[str, Any]:
    """Pix2StructTextModel: the token table, the layers (the first with the relative bias),
    the final norm and the head."""
    width, heads = t.integer("hidden_size"), t.integer("num_heads")
    if width % heads:
        # q/k/v/o are hidden_size square; paramcalc's heads must split that width
        raise t.error("num_heads", f"{heads} does not divide hidden_size={width}")
    layers = t.integer("num_layers")
    buckets = table_rows(t, "relative_attention_num_buckets")

    def block(rows: int) -> dict[str, Any]:
        return {
            "mixer": attention(heads, width // heads, rows),
            "cross_attention": attention(heads, width // heads),
            "ffn": gated(t),
            "norms": ["input", "pre_cross", "pre_ffn"],
        }

    stack: dict[str, Any] = {"name": "decoder", "num_hidden_layers": layers, "final_norm": True}
    if layers == 1:
        stack["block"] = block(buckets)
    else:
        stack["kinds"] = {"relative": block(buckets), "plain": block(0)}
        stack["layer_kinds"] = ["relative"] + ["plain"] * (layers - 1)
    return {
        "vocab_size": t.integer("vocab_size"),
        "hidden_size": width,
        "norm_type": "rmsnorm",
        "tie_word_embeddings": tied,
        "stacks": [stack],
    }


def pix2struct(c: HFConfig) -> dict[str, Any]:
    """Pix2StructForConditionalGeneration: the image encoder and the text decoder."""
    v = spec_config(c, "vision_config", PIX2STRUCT_VISION)
    t = spec_config(c, "text_config", PIX2STRUCT_TEXT)
    return {"text": decoder(t, c.boolean("tie_word_embeddings")), "vision": vision(v)}


ATTENTION_LEAVES = {"q_proj": "query", "k_proj": "key", "v_proj": "value", "o_proj": "output"}
PIX2STRUCT = Naming(
    {
        "embed_tokens": "decoder.embed_tokens",
        "decoder.layers": "decoder.layer",
        "decoder.final_norm": "decoder.final_layer_norm",
        "lm_head": "decoder.lm_head",
        "input_norm": "self_attention.layer_norm",
        "attention": "self_attention.attention",
        "pre_cross_norm": "encoder_decoder_attention.layer_norm",
        "cross_attention": "encoder_decoder_attention.attention",
        "pre_ffn_norm": "mlp.layer_norm",
        "ffn": "mlp.DenseReluDense",
    },
    leaves={
        **{
            f"{m}.{k}": v
            for m in ("attention", "cross_attention")
            for k, v in ATTENTION_LEAVES.items()
        },
        "ffn.gate_proj": "wi_0",
        "ffn.up_proj": "wi_1",
        "ffn.down_proj": "wo",
    },
    towers={
        "vision": Naming(
            {
                "patch_embedding": "encoder.embeddings.patch_projection",
                "row_embedding": "encoder.embeddings.row_embedder",
                "column_embedding": "encoder.embeddings.column_embedder",
                "encoder.layers": "encoder.encoder.layer",
                "post_norm": "encoder.layernorm",
                "input_norm": "pre_attention_layer_norm",
                "pre_ffn_norm": "pre_mlp_layer_norm",
                "attention": "attention",
                **{f"attention.{k}": f"attention.{v}" for k, v in ATTENTION_LEAVES.items()},
                "ffn": "mlp",
                "ffn.gate_proj": "mlp.wi_0",
                "ffn.up_proj": "mlp.wi_1",
                "ffn.down_proj": "mlp.wo",
            }
        )
    },
)

FAMILIES = (
    Family(
        "pix2struct",
        {"text_config": None, "vision_config": None, "tie_word_embeddings": False},
        (pix2struct,),
        naming=PIX2STRUCT,
    ),
)
