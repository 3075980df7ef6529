"""T5Gemma 2: a Gemma 3 encoder with a SigLIP vision tower and a decoder of merged attention, as
`AutoModelForSeq2SeqLM` builds it.

`T5Gemma2Config` nests `encoder` (a `text_config` and a `vision_config`) and `decoder`; both
stacks have one width and one vocabulary (validate_architecture). Each stack's layers are Gemma
3's: q/k RMSNorms per head, norms before and after attention and MLP. The decoder's
T5Gemma2MergedAttention runs self- and cross-attention through one set of projections, so a
decoder layer holds no cross-attention module. Each token table holds an `eoi_embedding`
vector; the top-level tie_word_embeddings ties the decoder's table and the head to the
encoder's. Built as `modeling_t5gemma2.py` (5.23) builds it.

The KV-cache figure counts the decoder's own keys and values; the merged attention also keeps
the encoder output's keys and values (as a cross-attention would), which it leaves out.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import SIGLIP_VISION, siglip, sub_config
from paramcalc.families.multimodal_more import under

#: T5Gemma2TextConfig's defaults, which T5Gemma2DecoderConfig repeats (transformers 5.23);
#: sliding_window_pattern is a keyword __post_init__ reads when layer_types is null.
TEXT_DEFAULTS: dict[str, Any] = {
    "vocab_size": 262208,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "attention_bias": False,
    "sliding_window": 4096,
    "layer_types": None,
    "sliding_window_pattern": 6,
}
TEXT = Family("t5gemma2_text", TEXT_DEFAULTS, (), required=frozenset({"num_key_value_heads"}))
ENCODER = Family(
    "t5gemma2_encoder", {"text_config": None, "vision_config": None, "mm_tokens_per_image": 256}, ()
)


def layer_spans(m: HFConfig) -> list[str]:
    """layer_types, by default every sliding_window_pattern-th layer full, the rest sliding."""
    layers = m.integer("num_hidden_layers")
    listed = m.layer_types("layer_types", layers)
    if listed is not None:
        return list(listed)
    every = m.integer("sliding_window_pattern")
    return ["sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers)]


def stack(m: HFConfig, name: str, own_tokens: int) -> dict[str, Any]:
    """One stack of Gemma 3 layers (T5Gemma2EncoderLayer / DecoderLayer) and its final norm."""
    width, heads = m.integer("hidden_size"), m.integer("num_attention_heads")
    m.split_heads("num_attention_heads", heads, width)
    bias, window = m.boolean("attention_bias"), m.opt_int("sliding_window")
    spans = layer_spans(m)
    kinds = {
        span: {
            "mixer": {
                "kind": "attention",
                "num_attention_heads": heads,
                "num_key_value_heads": m.integer("num_key_value_heads"),
                "head_dim": m.integer("head_dim"),
                "qkv_bias": bias,
                "o_bias": bias,
                "qk_norm": "per_head",
                "sliding_window": window if span == "sliding_attention" else None,
            },
            "ffn": {"kind": "gated", "intermediate_size": m.integer("intermediate_size")},
            "norms": ["input", "post_mixer", "pre_ffn", "post_ffn"],
        }
        for span in dict.fromkeys(spans)
    }
    return {
        "name": name,
        "num_hidden_layers": len(spans),
        "kinds": kinds,
        "layer_kinds": spans,
        "token_embeddings": own_tokens,
    }


def same(c: HFConfig, encoder: HFConfig, decoder: HFConfig, key: str) -> int:
    """A size both stacks must share (T5Gemma2Config.validate_architecture)."""
    value = decoder.integer(key)
    if encoder.integer(key) != value:
        raise c.error(f"decoder.{key}", f"must equal encoder.text_config.{key}")
    return value


def t5gemma2(c: HFConfig) -> dict[str, Any]:
    """T5Gemma2ForConditionalGeneration: the encoder's text stack, vision tower and Gemma 3's
    projector, the decoder stack and the head (lm_head.out_proj)."""
    enc = sub_config(c, "encoder", ENCODER)
    text, decoder = sub_config(enc, "text_config", TEXT), sub_config(c, "decoder", TEXT)
    v = sub_config(enc, "vision_config", SIGLIP_VISION)
    width, vocab = (same(c, text, decoder, key) for key in ("hidden_size", "vocab_size"))
    tied = c.boolean("tie_word_embeddings")
    vh = v.integer("hidden_size")
    tower = {
        "vocab_size": vocab,
        "hidden_size": width,
        "norm_type": "rmsnorm",
        "tie_word_embeddings": tied,
        # untied, the decoder's table (the tower's) is apart from the encoder's
        "stacks": [stack(text, "encoder", 0 if tied else vocab), stack(decoder, "decoder", 0)],
        "extras": [
            {
                "kind": "token_vectors",
                "roles": ["eoi_embedding", *([] if tied else ["encoder_eoi"])],
            }
        ],
    }
    return {
        "text": tower,
        "vision": siglip(v),
        "projector": {
            "parts": [
                {
                    "kind": "linear",
                    "role": "mm_input_projection",
                    "inputs": vh,
                    "outputs": width,
                    "weight_name": "mm_input_projection_weight",
                    "transposed": True,
                },
                {"kind": "norm", "role": "mm_soft_emb_norm", "width": vh},
            ],
            "image_tokens": enc.integer("mm_tokens_per_image", minimum=0),
        },
        **({} if tied else {"naming": "t5gemma2/untied"}),
    }


ENCODER_TEXT = "model.encoder.text_model"
PROJECTOR = "model.encoder.multi_modal_projector"
NAMES = {
    "embed_tokens": f"{ENCODER_TEXT}.embed_tokens",
    "eoi_embedding": f"{ENCODER_TEXT}.embed_tokens.eoi_embedding",
    "encoder.layers": f"{ENCODER_TEXT}.layers",
    "encoder.final_norm": f"{ENCODER_TEXT}.norm",
    "decoder.layers": "model.decoder.layers",
    "decoder.final_norm": "model.decoder.norm",
    "lm_head": "lm_head.out_proj",
    "input_norm": "pre_self_attn_layernorm",
    "post_mixer_norm": "post_self_attn_layernorm",
    "pre_ffn_norm": "pre_feedforward_layernorm",
    "post_ffn_norm": "post_feedforward_layernorm",
}
TOWERS = {
    "vision": Naming(under("model.encoder.vision_tower.", VISION_NAMES)),
    "projector": Naming(
        {
            "mm_input_projection": PROJECTOR,
            "mm_soft_emb_norm": f"{PROJECTOR}.mm_soft_emb_norm",
        }
    ),
}
T5GEMMA2 = Naming(NAMES, towers=TOWERS)
#: Untied: the tower's table and its vector are the decoder's, the encoder keeps its own.
UNTIED = Naming(
    {
        **NAMES,
        "embed_tokens": "model.decoder.embed_tokens",
        "eoi_embedding": "model.decoder.embed_tokens.eoi_embedding",
        "encoder.embed_tokens": f"{ENCODER_TEXT}.embed_tokens",
        "encoder_eoi": f"{ENCODER_TEXT}.embed_tokens.eoi_embedding",
    },
    towers=TOWERS,
)

FAMILIES = (
    Family(
        "t5gemma2",
        {"encoder": None, "decoder": None, "tie_word_embeddings": True},
        (t5gemma2,),
        naming=T5GEMMA2,
        variants={"untied": UNTIED},
    ),
)
