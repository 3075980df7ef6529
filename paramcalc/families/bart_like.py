"""BART and the encoder-decoders built like it, as `AutoModelForSeq2SeqLM` builds them.

BART, mBART, PLBART, MVP, Blenderbot, Blenderbot-Small, Pegasus, Marian and M2M-100 share one
layout (`modeling_bart.py` and its copies in transformers 5.23): a shared token table, an
encoder and a decoder stack each with its own position table, attention with biased q/k/v/out
projections, a biased fc1/fc2 MLP, LayerNorms, and a head tied to the shared table. They differ
in where the norms sit (after each sub-layer, BART; before it with a final norm per stack,
mBART), in whether each stack normalises its embeddings (`layernorm_embedding`), and in the
position table: learned with BART's offset of two rows, learned without it, a frozen sinusoid
that is still a parameter (Pegasus, Marian), or a buffer (M2M-100).

An untied model keeps the shared table and gives each stack a table of its own as well, as
transformers' `_tied_weights_keys` are dropped with `tie_word_embeddings` false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig


@dataclass(frozen=True)
class Layout:
    """Where one BART-like family differs from BART."""

    pre_norm: bool = False
    """LayerNorm before each sub-layer and a final one per stack (mBART), not after it."""
    embedding_norm: bool = True
    """Each stack normalises its embeddings (`layernorm_embedding`)."""
    position_offset: int | None = 2
    """Rows a position table has beyond max_position_embeddings; None: the table is a buffer."""


BART = Layout()
MBART = Layout(pre_norm=True)
PRE_NORM = Layout(pre_norm=True, embedding_norm=False, position_offset=0)
POST_NORM_NO_OFFSET = Layout(position_offset=0)
MARIAN = Layout(embedding_norm=False, position_offset=0)
M2M_100 = Layout(pre_norm=True, embedding_norm=False, position_offset=None)


def bart_attention(c: HFConfig, heads_key: str) -> dict[str, Any]:
    """BartAttention: q/k/v/out projections of d_model with biases, d_model // heads wide."""
    heads = c.integer(heads_key)
    width = c.integer("d_model")
    if width % heads:
        raise c.error(heads_key, f"must divide d_model={width} (BartAttention refuses it)")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": width // heads,
        "qkv_bias": True,
        "o_bias": True,
    }


def bart_block(c: HFConfig, layout: Layout, stack: str) -> dict[str, Any]:
    """One encoder or decoder layer: attention (and cross-attention), fc1/fc2, LayerNorms."""
    decoder = stack == "decoder"
    if layout.pre_norm:
        norms = ["input", "pre_cross", "pre_ffn"] if decoder else ["input", "pre_ffn"]
    else:
        norms = ["post_mixer", "post_cross", "post_ffn"] if decoder else ["post_mixer", "post_ffn"]
    attention = bart_attention(c, f"{stack}_attention_heads")
    return {
        "mixer": attention,
        "cross_attention": bart_attention(c, "decoder_attention_heads") if decoder else None,
        "ffn": {"kind": "mlp", "intermediate_size": c.integer(f"{stack}_ffn_dim"), "bias": True},
        "norms": norms,
    }


def bart_stack(c: HFConfig, layout: Layout, stack: str, own_tokens: int) -> dict[str, Any]:
    """An encoder or decoder: its layers, its position table, its embedding and final norms."""
    offset = layout.position_offset
    positions = 0 if offset is None else c.integer("max_position_embeddings") + offset
    return {
        "name": stack,
        "num_hidden_layers": c.integer(f"{stack}_layers"),
        "block": bart_block(c, layout, stack),
        "final_norm": layout.pre_norm,
        "token_embeddings": own_tokens,
        "position_embeddings": positions,
        "embedding_norm": layout.embedding_norm,
    }


def bart_like(layout: Layout) -> Any:
    """The rule of a BART-like family with the given layout."""

    def rule(c: HFConfig) -> dict[str, Any]:
        """BartForConditionalGeneration and its copies: shared table, two stacks, a head."""
        vocab = c.integer("vocab_size")
        tied = c.boolean("tie_word_embeddings")
        own = 0 if tied else vocab  # untied: each stack keeps a table beside the shared one
        text = {
            "vocab_size": vocab,
            "hidden_size": c.integer("d_model"),
            "norm_type": "layernorm",
            "tie_word_embeddings": tied,
            "stacks": [
                bart_stack(c, layout, "encoder", own),
                bart_stack(c, layout, "decoder", own),
            ],
        }
        return {"text": text}

    return rule


def mvp(c: HFConfig) -> dict[str, Any]:
    """MvpForConditionalGeneration: BART's build; its prompt modules are refused."""
    if c.boolean("use_prompt"):
        raise c.error("use_prompt", "true adds MVP's prompt modules, which paramcalc cannot say")
    return bart_like(BART)(c)


def marian(c: HFConfig) -> dict[str, Any]:
    """MarianMTModel: post-norm layers, sinusoidal position tables that are parameters, and a
    decoder vocabulary of its own when the embeddings are not shared."""
    vocab = c.integer("vocab_size")
    target = c.opt_int("decoder_vocab_size") or vocab
    tied = c.boolean("tie_word_embeddings")
    shared = c.boolean("share_encoder_decoder_embeddings")
    if shared:
        # tied, both stacks' tables (whatever decoder_vocab_size says) become the shared one;
        # untied, each stack keeps its own beside it
        encoder, decoder, head_vocab = (0, 0, vocab) if tied else (vocab, target, vocab)
        naming = None
    else:
        # no shared table: the tower's table is the decoder's, which the head ties to
        encoder, decoder, head_vocab = vocab, 0, target
        naming = "marian/unshared"
    stacks = [
        bart_stack(c, MARIAN, "encoder", encoder),
        bart_stack(c, MARIAN, "decoder", decoder),
    ]
    text = {
        "vocab_size": head_vocab,
        "hidden_size": c.integer("d_model"),
        "norm_type": "layernorm",
        "tie_word_embeddings": tied,
        "stacks": stacks,
    }
    return {"text": text, **({"naming": naming} if naming else {})}


#: BartForConditionalGeneration: model.shared, model.{encoder,decoder}.layers.{i}.self_attn /
#: encoder_attn / fc1 / fc2 and their LayerNorms, the stacks' tables and norms, lm_head.
BART_NAMES = {
    "embed_tokens": "model.shared",
    "encoder.layers": "model.encoder.layers",
    "decoder.layers": "model.decoder.layers",
    "encoder.final_norm": "model.encoder.layer_norm",
    "decoder.final_norm": "model.decoder.layer_norm",
    "attention.o_proj": "self_attn.out_proj",
    "cross_attention": "encoder_attn",
    "cross_attention.o_proj": "encoder_attn.out_proj",
    "input_norm": "self_attn_layer_norm",
    "post_mixer_norm": "self_attn_layer_norm",
    "pre_cross_norm": "encoder_attn_layer_norm",
    "post_cross_norm": "encoder_attn_layer_norm",
    "pre_ffn_norm": "final_layer_norm",
    "post_ffn_norm": "final_layer_norm",
    "ffn.up_proj": "fc1",
    "ffn.down_proj": "fc2",
}
BART_NAMING = Naming(BART_NAMES)
#: MarianMTModel with share_encoder_decoder_embeddings false: no model.shared; the tower's
#: table is the decoder's own.
MARIAN_UNSHARED = Naming(
    {**BART_NAMES, "embed_tokens": "model.decoder.embed_tokens"},
)

#: The fields every BART-like config class declares, with BartConfig's values.
BART_DEFAULTS: dict[str, Any] = {
    "vocab_size": 50265,
    "max_position_embeddings": 1024,
    "encoder_layers": 12,
    "encoder_ffn_dim": 4096,
    "encoder_attention_heads": 16,
    "decoder_layers": 12,
    "decoder_ffn_dim": 4096,
    "decoder_attention_heads": 16,
    "d_model": 1024,
    "tie_word_embeddings": True,
}
#: attribute_map of BartConfig and its copies.
BART_ALIASES = {
    "d_model": ("hidden_size",),
    "encoder_attention_heads": ("num_attention_heads",),
    "encoder_layers": ("num_hidden_layers",),
}
BART_NOTES = (
    "checkpoints may also hold final_logits_bias, a buffer, and the stacks' own copies of the "
    "shared token table"
)


def bart_family(model_type: str, layout: Layout, **defaults: Any) -> Family:
    """A BART-like family: BART's defaults with the config class's own values."""
    return Family(
        model_type,
        {**BART_DEFAULTS, **defaults},
        (bart_like(layout),),
        BART_ALIASES,
        naming=BART_NAMING,
        notes=BART_NOTES,
    )


FAMILIES = (
    bart_family("bart", BART),
    bart_family("mbart", MBART),
    bart_family(
        "plbart",
        BART,
        vocab_size=50005,
        encoder_layers=6,
        encoder_ffn_dim=3072,
        encoder_attention_heads=12,
        decoder_layers=6,
        decoder_ffn_dim=3072,
        decoder_attention_heads=12,
        d_model=768,
    ),
    Family(
        "mvp",
        {**BART_DEFAULTS, "vocab_size": 50267, "use_prompt": False},
        (mvp,),
        BART_ALIASES,
        naming=BART_NAMING,
        notes=BART_NOTES,
    ),
    bart_family(
        "blenderbot",
        PRE_NORM,
        vocab_size=8008,
        max_position_embeddings=128,
        encoder_layers=2,
        encoder_ffn_dim=10240,
        encoder_attention_heads=32,
        decoder_layers=24,
        decoder_ffn_dim=10240,
        decoder_attention_heads=32,
        d_model=2560,
    ),
    bart_family(
        "blenderbot-small",
        POST_NORM_NO_OFFSET,
        max_position_embeddings=512,
        encoder_layers=8,
        encoder_ffn_dim=2048,
        decoder_layers=8,
        decoder_ffn_dim=2048,
        d_model=512,
    ),
    bart_family("pegasus", PRE_NORM),
    Family(
        "marian",
        {
            **BART_DEFAULTS,
            "vocab_size": 58101,
            "decoder_vocab_size": None,
            "share_encoder_decoder_embeddings": True,
        },
        (marian,),
        BART_ALIASES,
        naming=BART_NAMING,
        notes=BART_NOTES,
        variants={"unshared": MARIAN_UNSHARED},
    ),
    bart_family("m2m_100", M2M_100, vocab_size=128112),
)
