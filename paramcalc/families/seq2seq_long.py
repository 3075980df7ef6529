"""Long-input encoder-decoders, as `AutoModelForSeq2SeqLM` builds them: LongT5 and PEGASUS-X.

LongT5 (`modeling_longt5.py`, 5.23) is T5 whose encoder attends locally (`LocalSelfAttention`)
or locally plus to transient global block summaries (`TransientGlobalSelfAttention`, which adds
a norm over the summaries in every layer and, in the first, a second relative bias table);
its config class always ties the head. PEGASUS-X (`modeling_pegasus_x.py`) is Pegasus with
unbiased attention, sinusoidal positions that are no parameters, learned global tokens in the
encoder (`embed_global`) and a second norm per encoder layer for them.

FLOPs are counted as transformers computes them. LongT5's local blocks and transient global
tokens are its attention's own products. PEGASUS-X's encoder pads its input to whole blocks
and runs its learned global tokens beside it through every projection of every layer; a token
attends to its block and the global tokens, a global token to every (padded) token and the
global tokens; a staggered layer (every other one, with stagger_local_blocks) pads half a block
more at each end around its attention (`Attention.global_local`).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.bart_like import BART_ALIASES, BART_NAMES, BART_NOTES, bart_attention
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import T5_LEAVES, T5_NAMES, t5_decoder_layers, t5_gated, table_rows
from paramcalc.families.moe_seq2seq import stack_of_kinds
from paramcalc.families.seq2seq import MT5_DEFAULTS, T5_ALIASES, T5_NOTES

ENCODER_ATTENTION = {
    "local": "LocalSelfAttention",
    "transient-global": "TransientGlobalSelfAttention",
}


def longt5_transient(c: HFConfig) -> bool:
    """LongT5Block: encoder_attention_type is local or transient-global."""
    kind = c.string("encoder_attention_type")
    if kind not in ENCODER_ATTENTION:
        raise c.error("encoder_attention_type", f"must be local or transient-global, got {kind!r}")
    return kind == "transient-global"


def longt5_block(c: HFConfig, stack: str, first: bool, transient: bool) -> dict[str, Any]:
    """LongT5Block: T5's pre-norm sub-layers; the first block of a stack holds the relative
    bias, a transient-global encoder block also the global tokens' norm (and, first, their
    relative table)."""
    heads = c.integer("num_heads")
    attention = {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": c.integer("d_kv"),
    }
    decoder = stack == "decoder"
    mixer = {
        **attention,
        "relative_attention_num_buckets": (
            table_rows(c, "relative_attention_num_buckets") if first else 0
        ),
    }
    if not decoder:
        mixer["local_radius"] = c.integer("local_radius", minimum=0)
    if transient and not decoder:
        mixer |= {
            "global_norm": True,
            "global_relative_attention_bias": first,
            "global_block_size": c.integer("global_block_size"),
        }
    return {
        "mixer": mixer,
        "cross_attention": attention if decoder else None,
        "ffn": {"kind": "gated" if t5_gated(c) else "mlp", "intermediate_size": c.integer("d_ff")},
        "norms": ["input", "pre_cross", "pre_ffn"] if decoder else ["input", "pre_ffn"],
    }


def longt5_stack(c: HFConfig, stack: str, layers: int, transient: bool) -> dict[str, Any]:
    """A LongT5Stack: the first block with the relative bias tables, then the others."""
    blocks = {
        "first": longt5_block(c, stack, True, transient),
        "later": longt5_block(c, stack, False, transient),
    }
    return stack_of_kinds(stack, ["first"] + ["later"] * (layers - 1), blocks.__getitem__, 0)


def longt5(c: HFConfig) -> dict[str, Any]:
    """LongT5ForConditionalGeneration: shared embedding, two stacks, a head always tied."""
    transient = longt5_transient(c)
    # LongT5Config.__post_init__ sets tie_word_embeddings to True whatever the file says
    c.boolean("tie_word_embeddings")
    stacks = [
        longt5_stack(c, "encoder", c.integer("num_layers"), transient),
        longt5_stack(c, "decoder", t5_decoder_layers(c), transient),
    ]
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("d_model"),
        "norm_type": "rmsnorm",
        "tie_word_embeddings": True,
        "stacks": stacks,
    }
    variant = ("tglobal" if transient else "") + ("_gated" if t5_gated(c) else "")
    return {"text": text, **({"naming": f"longt5/{variant.lstrip('_')}"} if variant else {})}


def longt5_naming(transient: bool, gated: bool) -> Naming:
    """T5's names with the encoder's attention module of the given type."""
    leaves = T5_LEAVES | {"attention.global_input_norm": "global_input_layer_norm"}
    if gated:
        leaves |= {"ffn.gate_proj": "wi_0", "ffn.up_proj": "wi_1"}
    module = ENCODER_ATTENTION["transient-global" if transient else "local"]
    return Naming({**T5_NAMES, "encoder/attention": f"layer.0.{module}"}, leaves)


def pegasus_x_block(c: HFConfig, stack: str, staggered: bool = False) -> dict[str, Any]:
    """PegasusX{Encoder,Decoder}Layer: unbiased pre-norm attention (the encoder's global-local,
    with the global tokens' norm), a biased fc1/fc2 MLP."""
    decoder = stack == "decoder"
    extra: dict[str, Any] = {}
    if not decoder:
        extra = {
            "global_norm": True,
            "global_local": {
                "block_size": c.integer("block_size"),
                "global_tokens": c.integer("num_global_tokens"),
                "stagger": staggered,
            },
        }
    return {
        "mixer": bart_attention(c, f"{stack}_attention_heads", False, **extra),
        "cross_attention": bart_attention(c, "decoder_attention_heads", False) if decoder else None,
        "ffn": {"kind": "mlp", "intermediate_size": c.integer(f"{stack}_ffn_dim"), "bias": True},
        "norms": ["input", "pre_cross", "pre_ffn"] if decoder else ["input", "pre_ffn"],
    }


def pegasus_x_encoder_kinds(c: HFConfig) -> list[str]:
    """PegasusXEncoder: every odd layer staggers its blocks when stagger_local_blocks is set,
    which needs an even block_size (it pads half a block at each end)."""
    layers = c.integer("encoder_layers")
    if not c.boolean("stagger_local_blocks") or layers < 2:
        return ["plain"] * layers
    if c.integer("block_size") % 2:
        raise c.error("block_size", "must be even with stagger_local_blocks (PegasusXConfig)")
    return ["plain" if i % 2 == 0 else "staggered" for i in range(layers)]


def pegasus_x(c: HFConfig) -> dict[str, Any]:
    """PegasusXForConditionalGeneration: shared table, the encoder's global tokens, two
    pre-norm stacks with final norms, a head; untied, each stack keeps its own table."""
    vocab, tied = c.integer("vocab_size"), c.boolean("tie_word_embeddings")
    own = 0 if tied else vocab
    encoder = stack_of_kinds(
        "encoder",
        pegasus_x_encoder_kinds(c),
        lambda kind: pegasus_x_block(c, "encoder", kind == "staggered"),
        own,
    )
    decoder = {
        "name": "decoder",
        "num_hidden_layers": c.integer("decoder_layers"),
        "block": pegasus_x_block(c, "decoder"),
        "token_embeddings": own,
    }
    text = {
        "vocab_size": vocab,
        "hidden_size": c.integer("d_model"),
        "norm_type": "layernorm",
        "tie_word_embeddings": tied,
        "stacks": [
            {**encoder, "learned_tokens": c.integer("num_global_tokens")},
            decoder,
        ],
    }
    return {"text": text}


PEGASUS_X = Naming(
    {
        **BART_NAMES,
        "encoder.embed_tokens": "model.encoder.embed_tokens",
        "decoder.embed_tokens": "model.decoder.embed_tokens",
        "encoder.learned_tokens": "model.encoder.embed_global",
        "attention.global_input_norm": "global_self_attn_layer_norm",
    }
)

FAMILIES = (
    Family(
        "longt5",
        {
            **MT5_DEFAULTS,
            "vocab_size": 32128,
            "d_ff": 2048,
            "num_layers": 6,
            "num_heads": 8,
            "feed_forward_proj": "relu",
            "encoder_attention_type": "local",
            "local_radius": 127,
            "global_block_size": 16,
            "tie_word_embeddings": True,
        },
        (longt5,),
        T5_ALIASES,
        naming=longt5_naming(False, False),
        variants={
            "gated": longt5_naming(False, True),
            "tglobal": longt5_naming(True, False),
            "tglobal_gated": longt5_naming(True, True),
        },
        notes=T5_NOTES,
    ),
    Family(
        "pegasus_x",
        {
            "vocab_size": 96103,
            "d_model": 1024,
            "encoder_layers": 16,
            "encoder_ffn_dim": 4096,
            "encoder_attention_heads": 16,
            "decoder_layers": 16,
            "decoder_ffn_dim": 4096,
            "decoder_attention_heads": 16,
            "num_global_tokens": 32,
            "block_size": 512,
            "stagger_local_blocks": True,
            "tie_word_embeddings": True,
        },
        (pegasus_x,),
        BART_ALIASES,
        naming=PEGASUS_X,
        notes=BART_NOTES,
    ),
)
