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


def bart_attention(c: HFConfig, heads_key: str, bias: bool = True, **extra: Any) -> dict[str, Any]:
    """BartAttention: q/k/v/out projections of d_model (biased), d_model // heads wide."""
    heads = c.integer(heads_key)
    width = c.integer("d_model")
    if width % heads:
        raise c.error(heads_key, f"must divide d_model={width} (BartAttention refuses it)")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": width // heads,
        "qkv_bias": bias,
        "o_bias": bias,
        **extra,
    }


def bart_block(
    c: HFConfig,
    layout: Layout,
    stack: str,
    attention: dict[str, Any] | None = None,
    bias: bool = True,
) -> dict[str, Any]:
    """One encoder or decoder layer: attention (and cross-attention), fc1/fc2, LayerNorms."""
    decoder = stack == "decoder"
    if layout.pre_norm:
        norms = ["input", "pre_cross", "pre_ffn"] if decoder else ["input", "pre_ffn"]
    else:
        norms = ["post_mixer", "post_cross", "post_ffn"] if decoder else ["post_mixer", "post_ffn"]
    cross = bart_attention(c, "decoder_attention_heads", bias) if decoder else None
    return {
        "mixer": attention or bart_attention(c, f"{stack}_attention_heads"),
        "cross_attention": cross,
        "ffn": {"kind": "mlp", "intermediate_size": c.integer(f"{stack}_ffn_dim"), "bias": True},
        "norms": norms,
    }


def bart_stack(
    c: HFConfig,
    layout: Layout,
    stack: str,
    own_tokens: int,
    positions_key: str = "max_position_embeddings",
    block: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An encoder or decoder: its layers, its position table, its embedding and final norms."""
    offset = layout.position_offset
    positions = 0 if offset is None else c.integer(positions_key) + offset
    return {
        "name": stack,
        "num_hidden_layers": c.integer(f"{stack}_layers"),
        "block": block or bart_block(c, layout, stack),
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


def led(c: HFConfig) -> dict[str, Any]:
    """LEDForConditionalGeneration: BART's layout under `led.`, an encoder of Longformer
    attention (query/key/value and their global twins) and per-stack position lengths."""
    vocab, tied = c.integer("vocab_size"), c.boolean("tie_word_embeddings")
    own = 0 if tied else vocab
    longformer = bart_attention(c, "encoder_attention_heads", global_projections=True)
    encoder_block = bart_block(c, POST_NORM_NO_OFFSET, "encoder", longformer)
    stacks = [
        bart_stack(
            c, POST_NORM_NO_OFFSET, "encoder", own, "max_encoder_position_embeddings", encoder_block
        ),
        bart_stack(c, POST_NORM_NO_OFFSET, "decoder", own, "max_decoder_position_embeddings"),
    ]
    return {"text": bart_tower(c, vocab, tied, stacks)}


def bigbird_pegasus(c: HFConfig) -> dict[str, Any]:
    """BigBirdPegasusForConditionalGeneration: Pegasus's pre-norm layers with learned
    positions, use_bias on every attention projection, BigBird attention in the encoder."""
    attention_type = c.string("attention_type")
    if attention_type not in ("block_sparse", "original_full"):
        raise c.error("attention_type", "must be block_sparse or original_full")
    vocab, tied, bias = (
        c.integer("vocab_size"),
        c.boolean("tie_word_embeddings"),
        c.boolean("use_bias"),
    )
    own = 0 if tied else vocab
    blocks = {
        stack: bart_block(
            c, PRE_NORM, stack, bart_attention(c, f"{stack}_attention_heads", bias), bias
        )
        for stack in ("encoder", "decoder")
    }
    stacks = [bart_stack(c, PRE_NORM, s, own, block=b) for s, b in blocks.items()]
    return {"text": bart_tower(c, vocab, tied, stacks)}


def fsmt(c: HFConfig) -> dict[str, Any]:
    """FSMTForConditionalGeneration: fairseq's post-norm layers, a source and a target
    vocabulary, sinusoidal position tables (parameters) of max_position_embeddings +
    pad_token_id + 1 rows, the head as decoder.output_projection."""
    source, target = c.integer("src_vocab_size"), c.integer("tgt_vocab_size")
    tied = c.boolean("tie_word_embeddings")
    pad = c.integer("pad_token_id", minimum=0)
    rows = c.integer("max_position_embeddings") + pad + 1
    stacks = [
        {**bart_stack(c, MARIAN, "encoder", 0 if tied else source), "position_embeddings": rows},
        {**bart_stack(c, MARIAN, "decoder", 0), "position_embeddings": rows},
    ]
    # tied, the encoder's table is the decoder's and named_parameters lists it first, under
    # the encoder's name; untied, the tower's table is the decoder's
    return {
        "text": bart_tower(c, target, tied, stacks),
        **({"naming": "fsmt/tied"} if tied else {}),
    }


def bart_tower(c: HFConfig, vocab: int, tied: bool, stacks: list[dict[str, Any]]) -> dict[str, Any]:
    """The text tower of a BART-like model: a token table, the two stacks, a LayerNorm model."""
    return {
        "vocab_size": vocab,
        "hidden_size": c.integer("d_model"),
        "norm_type": "layernorm",
        "tie_word_embeddings": tied,
        "stacks": stacks,
    }


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

#: LEDForConditionalGeneration: BART's names under `led.`, the encoder's Longformer attention.
LED = Naming(
    {
        **{k: v.replace("model.", "led.", 1) for k, v in BART_NAMES.items()},
        "encoder.embed_tokens": "led.encoder.embed_tokens",
        "decoder.embed_tokens": "led.decoder.embed_tokens",
        "encoder.embed_positions": "led.encoder.embed_positions",
        "decoder.embed_positions": "led.decoder.embed_positions",
        "encoder.embedding_norm": "led.encoder.layernorm_embedding",
        "decoder.embedding_norm": "led.decoder.layernorm_embedding",
        "encoder/attention": "self_attn.longformer_self_attn",
        "encoder/attention.q_proj": "self_attn.longformer_self_attn.query",
        "encoder/attention.k_proj": "self_attn.longformer_self_attn.key",
        "encoder/attention.v_proj": "self_attn.longformer_self_attn.value",
        "encoder/attention.q_global_proj": "self_attn.longformer_self_attn.query_global",
        "encoder/attention.k_global_proj": "self_attn.longformer_self_attn.key_global",
        "encoder/attention.v_global_proj": "self_attn.longformer_self_attn.value_global",
        "encoder/attention.o_proj": "self_attn.output",
    }
)
#: BigBirdPegasus: the encoder's attention is `self_attn.self.{query,key,value}` and
#: `self_attn.output`; the final norms are named layernorm_embedding.
BIGBIRD_PEGASUS = Naming(
    {
        **BART_NAMES,
        "encoder.final_norm": "model.encoder.layernorm_embedding",
        "decoder.final_norm": "model.decoder.layernorm_embedding",
        "encoder/attention.q_proj": "self_attn.self.query",
        "encoder/attention.k_proj": "self_attn.self.key",
        "encoder/attention.v_proj": "self_attn.self.value",
        "encoder/attention.o_proj": "self_attn.output",
    }
)
#: FSMT: no shared table; the tower's is the decoder's, the head its output_projection.
FSMT = Naming(
    {
        **BART_NAMES,
        "embed_tokens": "model.decoder.embed_tokens",
        "lm_head": "model.decoder.output_projection",
    }
)

FSMT_TIED = Naming({**FSMT.names, "embed_tokens": "model.encoder.embed_tokens"})

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
    Family(
        "led",
        {
            **{k: v for k, v in BART_DEFAULTS.items() if k != "max_position_embeddings"},
            "max_encoder_position_embeddings": 16384,
            "max_decoder_position_embeddings": 1024,
        },
        (led,),
        BART_ALIASES,
        naming=LED,
        notes=BART_NOTES,
    ),
    Family(
        "bigbird_pegasus",
        {
            **BART_DEFAULTS,
            "vocab_size": 96103,
            "max_position_embeddings": 4096,
            "encoder_layers": 16,
            "decoder_layers": 16,
            "attention_type": "block_sparse",
            "use_bias": False,
        },
        (bigbird_pegasus,),
        BART_ALIASES,
        naming=BIGBIRD_PEGASUS,
        notes=BART_NOTES,
    ),
    Family(
        "fsmt",
        {
            **{k: v for k, v in BART_DEFAULTS.items() if k != "vocab_size"},
            "src_vocab_size": 42024,
            "tgt_vocab_size": 42024,
            "pad_token_id": 1,
            "tie_word_embeddings": False,
        },
        (fsmt,),
        {**BART_ALIASES, "tgt_vocab_size": ("vocab_size",)},
        naming=FSMT,
        variants={"tied": FSMT_TIED},
        notes="checkpoints may also hold the stacks' sinusoidal position tables, which "
        "transformers rebuilds on loading",
    ),
)
