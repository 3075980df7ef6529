"""Encoder-decoders counted as `AutoModelForSeq2SeqLM` builds them: mT5 and UMT5.

Tables hold the defaults of each config class in transformers 5.23.0; builds follow
`modeling_mt5.py` and `modeling_umt5.py`, both T5 with other defaults (UMT5 also gives every
layer's self-attention its own relative position bias).
"""

from __future__ import annotations

from typing import Any

from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import T5, T5_GATED, t5, t5_decoder_layers, t5_gated, table_rows


def mt5(c: HFConfig) -> dict[str, Any]:
    """MT5ForConditionalGeneration: T5's build, named by this family's namings."""
    fields = t5(c)
    if "naming" in fields:
        fields["naming"] = f"{c.family.model_type}/gated"
    return fields


def umt5_block(c: HFConfig, cross: bool) -> dict[str, Any]:
    """UMT5Block: T5's pre-norm layers; every self-attention holds its relative bias table."""
    heads = c.integer("num_heads")
    attention = {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": c.integer("d_kv"),
    }
    width = c.integer("d_ff")
    return {
        "mixer": {
            **attention,
            "relative_attention_num_buckets": table_rows(c, "relative_attention_num_buckets"),
        },
        "cross_attention": attention if cross else None,
        "ffn": {"kind": "gated" if t5_gated(c) else "mlp", "intermediate_size": width},
        "norms": ["input", "pre_cross", "pre_ffn"] if cross else ["input", "pre_ffn"],
    }


def umt5(c: HFConfig) -> dict[str, Any]:
    """UMT5ForConditionalGeneration: shared embedding, two stacks, RMS norms, a head."""
    # UMT5Config always ties; an untied checkpoint (google/umt5-*) keeps its own lm_head
    tied = c.opt_bool("tie_word_embeddings") is not False
    stacks = [
        {
            "name": "encoder",
            "num_hidden_layers": c.integer("num_layers"),
            "block": umt5_block(c, cross=False),
        },
        {
            "name": "decoder",
            "num_hidden_layers": t5_decoder_layers(c),
            "block": umt5_block(c, cross=True),
        },
    ]
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("d_model"),
        "norm_type": "rmsnorm",
        "tie_word_embeddings": tied,
        "stacks": stacks,
    }
    return {"text": text, **({"naming": "umt5/gated"} if t5_gated(c) else {})}


#: MT5Config and UMT5Config: the same table, T5's fields with mT5's sizes.
MT5_DEFAULTS = {
    "vocab_size": 250112,
    "d_model": 512,
    "d_kv": 64,
    "d_ff": 1024,
    "num_layers": 8,
    "num_decoder_layers": None,
    "num_heads": 6,
    "relative_attention_num_buckets": 32,
    "feed_forward_proj": "gated-gelu",
    "tie_word_embeddings": None,
}
T5_ALIASES = {
    "d_model": ("hidden_size",),
    "num_heads": ("num_attention_heads",),
    "num_layers": ("num_hidden_layers",),
    "d_kv": ("head_dim",),
}
T5_NOTES = (
    "checkpoints store the shared embedding again as encoder.embed_tokens and "
    "decoder.embed_tokens (one tensor, counted once)"
)

FAMILIES = (
    Family(
        "mt5",
        MT5_DEFAULTS,
        (mt5,),
        T5_ALIASES,
        naming=T5,
        variants={"gated": T5_GATED},
        notes=T5_NOTES,
    ),
    Family(
        "umt5",
        MT5_DEFAULTS,
        (umt5,),
        T5_ALIASES,
        naming=T5,
        variants={"gated": T5_GATED},
        notes=T5_NOTES,
    ),
)
