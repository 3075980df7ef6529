"""ProphetNet, as `AutoModelForSeq2SeqLM` builds it (`modeling_prophetnet.py`, 5.23).

A post-norm encoder-decoder with learned positions and an embedding LayerNorm in each stack. The
decoder predicts `ngram` future tokens: it holds one learned embedding per predicting stream
(`ngram_embeddings`), and its n-gram self-attention adds a relative position bias projected from
the hidden states (`relative_pos_embeddings`: hidden -> num_buckets x heads, biased). Tied, the
stacks' word embeddings and the head are the shared table; untied, each keeps its own.

FLOPs: the decoder runs its main stream and `ngram` predicting streams, each as long as the
input, through every projection of every layer (the cross-attention's queries too); the main
stream attends to itself, each predicting stream to the main stream and itself; the head reads
the predicting streams only (`Attention.ngram`). The KV cache (the main stream's keys and
values, and the cross-attention's) is exact.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig


def prophetnet_attention(c: HFConfig, heads_key: str, **extra: Any) -> dict[str, Any]:
    """ProphetNetAttention: biased query/key/value/out projections of hidden_size."""
    heads, width = c.integer(heads_key), c.integer("hidden_size")
    if width % heads:
        raise c.error(heads_key, f"must divide hidden_size={width} (ProphetNet asserts it)")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "qkv_bias": True,
        "o_bias": True,
        **extra,
    }


def prophetnet_block(c: HFConfig, stack: str) -> dict[str, Any]:
    """ProphetNet{Encoder,Decoder}Layer: attention, cross-attention (add_cross_attention) and
    the feed-forward, each followed by its LayerNorm."""
    heads = f"num_{stack}_attention_heads"
    mlp = {"kind": "mlp", "intermediate_size": c.integer(f"{stack}_ffn_dim"), "bias": True}
    if stack == "encoder":
        return {
            "mixer": prophetnet_attention(c, heads),
            "ffn": mlp,
            "norms": ["post_mixer", "post_ffn"],
        }
    buckets = c.integer("num_buckets")  # 0 builds a zero-width projection
    cross = c.boolean("add_cross_attention")
    return {
        "mixer": prophetnet_attention(
            c, heads, relative_position_projection=buckets, ngram=c.integer("ngram")
        ),
        "cross_attention": prophetnet_attention(c, heads) if cross else None,
        "ffn": mlp,
        "norms": ["post_mixer", "post_cross", "post_ffn"] if cross else ["post_mixer", "post_ffn"],
    }


def prophetnet(c: HFConfig) -> dict[str, Any]:
    """ProphetNetForConditionalGeneration: the shared table, two stacks, the head."""
    vocab, tied = c.integer("vocab_size"), c.boolean("tie_word_embeddings")
    positions = c.integer("max_position_embeddings")
    stacks = [
        {
            "name": stack,
            "num_hidden_layers": c.integer(f"num_{stack}_layers"),
            "block": prophetnet_block(c, stack),
            "final_norm": False,
            "token_embeddings": 0 if tied else vocab,
            "position_embeddings": positions,
            "learned_tokens": c.integer("ngram") if stack == "decoder" else 0,
            "embedding_norm": True,
        }
        for stack in ("encoder", "decoder")
    ]
    text = {
        "vocab_size": vocab,
        "hidden_size": c.integer("hidden_size"),
        "norm_type": "layernorm",
        "tie_word_embeddings": tied,
        "stacks": stacks,
    }
    return {"text": text}


PROPHETNET = Naming(
    {
        "embed_tokens": "prophetnet.word_embeddings",
        **{
            f"{stack}.{role}": f"prophetnet.{stack}.{name}"
            for stack in ("encoder", "decoder")
            for role, name in (
                ("embed_tokens", "word_embeddings"),
                ("embed_positions", "position_embeddings"),
                ("embedding_norm", "embeddings_layer_norm"),
                ("layers", "layers"),
            )
        },
        "decoder.learned_tokens": "prophetnet.decoder.ngram_embeddings",
        "post_mixer_norm": "self_attn_layer_norm",
        "post_cross_norm": "cross_attn_layer_norm",
        "post_ffn_norm": "feed_forward_layer_norm",
        "ffn": "feed_forward",
        "ffn.up_proj": "feed_forward.intermediate",
        "ffn.down_proj": "feed_forward.output",
    },
    leaves={
        **{
            f"{mixer}.{x}_proj": f"{name}_proj"
            for mixer in ("attention", "cross_attention")
            for x, name in (("q", "query"), ("k", "key"), ("v", "value"), ("o", "out"))
        },
        "attention.relative_position_proj": "relative_pos_embeddings",
    },
)

FAMILIES = (
    Family(
        "prophetnet",
        {
            "vocab_size": 30522,
            "hidden_size": 1024,
            "encoder_ffn_dim": 4096,
            "num_encoder_layers": 12,
            "num_encoder_attention_heads": 16,
            "decoder_ffn_dim": 4096,
            "num_decoder_layers": 12,
            "num_decoder_attention_heads": 16,
            "max_position_embeddings": 512,
            "add_cross_attention": True,
            "ngram": 2,
            "num_buckets": 32,
            "tie_word_embeddings": True,
        },
        (prophetnet,),
        {"num_encoder_attention_heads": ("num_attention_heads",)},
        naming=PROPHETNET,
    ),
)
