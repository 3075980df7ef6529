"""XLM and FlauBERT, as `AutoModel` builds them (XLMModel, FlaubertModel in transformers 5.23).

Both keep one module list per sub-layer (`attentions.{i}`, `layer_norm1.{i}`, `ffns.{i}`,
`layer_norm2.{i}`) rather than one module per layer: biased q/k/v/out projections of emb_dim,
an MLP four times as wide, a LayerNorm after each sub-layer (before it in a FlauBERT with
pre_norm) and one after the embeddings, and a table of language embeddings added to every
token when there are several languages. They build only an encoder.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.heads import MaskedLM


def xlm(c: HFConfig) -> dict[str, Any]:
    """XLMModel: learned positions, language embeddings, post-norm layers, no head."""
    return xlm_like(c, pre_norm=False)


def flaubert(c: HFConfig) -> dict[str, Any]:
    """FlaubertModel: XLM's, with the LayerNorms before each sub-layer under pre_norm."""
    return xlm_like(c, pre_norm=c.boolean("pre_norm"))


def xlm_like(c: HFConfig, pre_norm: bool) -> dict[str, Any]:
    """The encoder both build: its layers' norms after each sub-layer, or before it."""
    if not c.boolean("is_encoder"):
        raise c.error("is_encoder", "false: the model builds only an encoder")
    width, heads = c.integer("emb_dim"), c.integer("n_heads")
    if width % heads:
        raise c.error("n_heads", f"must divide emb_dim={width}")
    languages = c.integer("n_langs")
    block = {
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "num_key_value_heads": heads,
            "qkv_bias": True,
            "o_bias": True,
        },
        # TransformerFFN(dim, 4 * dim, dim): hidden_dim is hard-coded
        "ffn": {"kind": "mlp", "intermediate_size": 4 * width, "bias": True},
        "norms": ["input", "pre_ffn"] if pre_norm else ["post_mixer", "post_ffn"],
    }
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": width,
        "position_embeddings": c.integer("max_position_embeddings"),
        # lang_embeddings: one row per language, added to every token like a segment table
        "type_vocab_size": languages if languages > 1 and c.boolean("use_lang_emb") else 0,
        "embedding_norm": True,
        "norm_type": "layernorm",
        "stacks": [
            {
                "name": "decoder",
                "num_hidden_layers": c.integer("n_layers"),
                "block": block,
                "final_norm": False,
            }
        ],
        "lm_head": False,
    }
    return {"text": text}


XLM_DEFAULTS = {
    "vocab_size": 30145,
    "emb_dim": 2048,
    "n_layers": 12,
    "n_heads": 16,
    "n_langs": 1,
    "use_lang_emb": True,
    "max_position_embeddings": 512,
    "is_encoder": True,
    "asm": False,
}
XLM_ALIASES = {
    "emb_dim": ("hidden_size",),
    "n_heads": ("num_attention_heads",),
    "n_layers": ("num_hidden_layers",),
    "vocab_size": ("n_words",),
}
#: XLMModel's names: the index sits inside each sub-layer's module list.
XLM = Naming(
    {
        "embed_tokens": "embeddings",
        "embed_positions": "position_embeddings",
        "token_type_embeddings": "lang_embeddings",
        "embedding_norm": "layer_norm_emb",
        "decoder.layers": "",
        "attention": "attentions.{i}",
        "post_mixer_norm": "layer_norm1.{i}",
        "input_norm": "layer_norm1.{i}",
        "ffn": "ffns.{i}",
        "post_ffn_norm": "layer_norm2.{i}",
        "pre_ffn_norm": "layer_norm2.{i}",
    },
    {
        "attention.q_proj": "q_lin",
        "attention.k_proj": "k_lin",
        "attention.v_proj": "v_lin",
        "attention.o_proj": "out_lin",
        "ffn.up_proj": "lin1",
        "ffn.down_proj": "lin2",
    },
)


def plain_softmax(c: HFConfig) -> None:
    """XLMPredLayer: asm builds an adaptive softmax instead of pred_layer.proj."""
    if c.boolean("asm"):
        raise c.error("asm", "true builds an adaptive softmax head, not supported yet")


#: XLMWithLMHeadModel / FlaubertWithLMHeadModel: pred_layer.proj, tied, with its own bias.
XLM_MLM = MaskedLM(
    "transformer",
    {"lm_head": "pred_layer.proj"},
    transform=False,
    shared_bias=False,
    decoder_bias=True,
    check=plain_softmax,
)

FAMILIES = (
    Family(
        "xlm",
        XLM_DEFAULTS,
        (xlm,),
        XLM_ALIASES,
        naming=XLM,
        notes="LM checkpoints also hold pred_layer.*, which AutoModel does not build",
        mlm=XLM_MLM,
    ),
    Family(
        "flaubert",
        {**XLM_DEFAULTS, "pre_norm": False},
        (flaubert,),
        XLM_ALIASES,
        naming=XLM,
        notes="LM checkpoints also hold pred_layer.*, which AutoModel does not build",
        mlm=XLM_MLM,
    ),
)
