"""Reformer as `AutoModel` builds it (ReformerModel), following `modeling_reformer.py`.

Each layer is LSH or local self-attention (attn_layers, whose length is the depth unless the
file writes num_hidden_layers), both
unbiased at attention_head_size per head: LSH attention projects queries and keys with one
query_key, local attention has its own query and key. Every sub-layer is pre-norm; the layers
are reversible, so the final LayerNorm reads the two streams concatenated (2 x hidden_size).
Positions are axial factors (axial_pos_shape x axial_pos_embds_dim) or a plain table. The table
holds ReformerConfig's defaults in transformers 5.23.0.

FLOPs are FlopCounterMode's for ReformerModel's forward pass at any length
(`paramcalc.core.chunked`): a sequence longer than the shortest chunk length of attn_layers'
kinds is padded to a multiple of their least common multiple, and every layer runs over the
padded rows. A layer whose rows fit in one chunk computes every pair; past that, local attention
computes each chunk of local_attn_chunk_length queries against its own and
local_num_chunks_before / after chunks, LSH attention the same over lsh_attn_chunk_length
chunks of the rows sorted by bucket once per hashing round, after the rotations that hash them
(num_hashes x num_buckets / 2 columns per head, the factors' sum for factorized buckets, and
buckets derived from the padded length as `_set_num_buckets` does when num_buckets is null).
A masked-LM head reads the unpadded tokens. The causal figure keeps the pairs a causal mask
keeps over each chunk and its neighbours in row order; for LSH that is a convention, as its mask
compares the positions of bucket-sorted rows. The KV cache follows the other encoders'
convention: K and V per layer over the unpadded tokens; a Reformer decoder's own cache holds
each layer's input states (and LSH buckets) instead.
"""

from __future__ import annotations

from math import lcm
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.heads import MaskedLM

#: ReformerAttention builds LSHSelfAttention or LocalSelfAttention by the layer's entry.
ATTENTION_KINDS = ("lsh", "local")


def attn_layers(c: HFConfig) -> tuple[str, ...]:
    """The attention kind of each layer built.

    ReformerConfig sets num_hidden_layers to len(attn_layers), but a num_hidden_layers in the
    file wins; ReformerEncoder builds that many layers. With one kind every layer has it; with
    both, layer i takes attn_layers[i], so a deeper stack cannot build."""
    value = c.raw("attn_layers")
    if not isinstance(value, list | tuple) or not value:
        raise c.error("attn_layers", f"must list 'lsh' or 'local' per layer, got {describe(value)}")
    unknown = [v for v in value if v not in ATTENTION_KINDS]
    if unknown:
        raise c.error("attn_layers", f"unknown attention kind {describe(unknown[0])}")
    # ReformerModel asserts num_hidden_layers > 0
    depth = c.integer("num_hidden_layers") if c.has("num_hidden_layers") else len(value)
    if len(set(value)) == 1:
        return (value[0],) * depth
    if depth > len(value):
        raise c.error(
            "num_hidden_layers",
            f"{depth} layers but attn_layers names {len(value)} (ReformerAttention indexes it)",
        )
    return tuple(value[:depth])


def positions(c: HFConfig, hidden: int) -> dict[str, Any]:
    """AxialPositionEmbeddings when axial_pos_embds is set, else a max_position_embeddings table."""
    if not c.boolean("axial_pos_embds"):
        return {"position_embeddings": c.integer("max_position_embeddings")}
    shape, dims = c.positive_ints("axial_pos_shape"), c.positive_ints("axial_pos_embds_dim")
    if sum(dims) != hidden:
        raise c.error("axial_pos_embds_dim", f"must sum to hidden_size={hidden}, got {dims}")
    if len(dims) > len(shape):
        # AxialPositionEmbeddings indexes axial_pos_shape by each factor's axis
        raise c.error("axial_pos_embds_dim", f"has more factors than axial_pos_shape {shape}")
    return {"extras": [{"kind": "axial_positions", "shape": shape, "dims": dims}]}


def num_buckets(c: HFConfig) -> int | tuple[int, ...] | None:
    """LSH buckets: an even count, a list of even factors, or null (derived per pass)."""
    value = c.raw("num_buckets")
    if value is None:
        return None
    factors = value if isinstance(value, list | tuple) else [value]
    if not factors or any(
        isinstance(f, bool) or not isinstance(f, int) or f < 2 or f % 2 for f in factors
    ):
        # LSHSelfAttention._hash_vectors asserts even buckets
        raise c.error(
            "num_buckets", f"must be even or a list of even factors, got {describe(value)}"
        )
    return tuple(factors) if isinstance(value, list | tuple) else value


def chunk_layout(c: HFConfig, kind: str) -> dict[str, Any]:
    """The layer's chunks, and the padding ReformerModel applies before every layer: to a
    multiple of the least common multiple of the chunk lengths of attn_layers' kinds, for a
    sequence longer than the shortest of them."""
    lengths = [c.integer(f"{k}_attn_chunk_length") for k in dict.fromkeys(c.raw("attn_layers"))]
    length = c.integer(f"{kind}_attn_chunk_length")
    layout: dict[str, Any] = {
        "chunk_length": length,
        "chunks_before": c.integer(f"{kind}_num_chunks_before", minimum=0),
        "chunks_after": c.integer(f"{kind}_num_chunks_after", minimum=0),
    }
    # both default to the layer's own chunk length
    if lcm(*lengths) != length:
        layout["pad_multiple"] = lcm(*lengths)
    if min(lengths) != length:
        layout["pad_above"] = min(lengths)
    if kind == "lsh":
        layout["hashing"] = {
            "num_hashes": c.integer("num_hashes"),
            "num_buckets": num_buckets(c),
            "max_position_embeddings": c.integer("max_position_embeddings"),
        }
    return layout


def reformer_block(c: HFConfig, kind: str) -> dict[str, Any]:
    """One ReformerLayer: a pre-norm attention of its kind, then a pre-norm biased MLP."""
    mixer = {
        "kind": "attention",
        "num_attention_heads": c.integer("num_attention_heads"),
        "head_dim": c.integer("attention_head_size"),
        "shared_query_key": kind == "lsh",
        "chunk_layout": chunk_layout(c, kind),
    }
    ffn = {"kind": "mlp", "intermediate_size": c.integer("feed_forward_size"), "bias": True}
    return {"mixer": mixer, "ffn": ffn, "norms": ["input", "pre_ffn"]}


def reformer(c: HFConfig) -> dict[str, Any]:
    """ReformerModel: embeddings, a reversible stack of LSH/local layers, no head."""
    hidden, layers = c.integer("hidden_size"), attn_layers(c)
    stack = {
        "name": "decoder",
        "num_hidden_layers": len(layers),
        "kinds": {kind: reformer_block(c, kind) for kind in dict.fromkeys(layers)},
        "layer_kinds": layers,
        "reversible": True,
    }
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "norm_type": "layernorm",
        "stacks": [stack],
        "lm_head": False,
        **positions(c, hidden),
    }
    return {"text": text}


REFORMER = Naming(
    {
        "embed_tokens": "embeddings.word_embeddings",
        "embed_positions": "embeddings.position_embeddings.embedding",
        "axial_positions": "embeddings.position_embeddings.weights",
        "decoder.layers": "encoder.layers",
        "decoder.final_norm": "encoder.layer_norm",
        "input_norm": "attention.layer_norm",
        "attention": "attention.self_attention",
        "attention.o_proj": "attention.output.dense",
        "pre_ffn_norm": "feed_forward.layer_norm",
        "ffn.up_proj": "feed_forward.dense.dense",
        "ffn.down_proj": "feed_forward.output.dense",
    },
    leaves={
        "attention.q_proj": "query",
        "attention.k_proj": "key",
        "attention.v_proj": "value",
        "attention.qk_proj": "query_key",
    },
)


def masked_lm_encoder(c: HFConfig) -> None:
    """ReformerForMaskedLM asserts a bidirectional encoder."""
    if c.boolean("is_decoder"):
        raise c.error("is_decoder", "true: ReformerForMaskedLM needs a bidirectional encoder")


#: ReformerForMaskedLM: an unbiased decoder from both streams (2 x hidden_size), never tied
#: (its shape is not the token table's), and lm_head.bias beside it, which forward never adds.
REFORMER_MLM = MaskedLM(
    "reformer",
    {"lm_head": "lm_head.decoder", "head_bias": "lm_head.bias"},
    transform=False,
    decoder_bias=False,
    ties=False,
    tie_default=False,
    check=masked_lm_encoder,
)

FAMILIES = (
    Family(
        "reformer",
        {
            "vocab_size": 320,
            "hidden_size": 256,
            "num_attention_heads": 12,
            "attention_head_size": 64,
            "attn_layers": ["local", "lsh", "local", "lsh", "local", "lsh"],
            "feed_forward_size": 512,
            "axial_pos_embds": True,
            "axial_pos_shape": [64, 64],
            "axial_pos_embds_dim": [64, 192],
            "max_position_embeddings": 4096,
            "is_decoder": False,
            "local_attn_chunk_length": 64,
            "local_num_chunks_before": 1,
            "local_num_chunks_after": 0,
            "lsh_attn_chunk_length": 64,
            "lsh_num_chunks_before": 1,
            "lsh_num_chunks_after": 0,
            "num_hashes": 1,
            "num_buckets": None,
        },
        (reformer,),
        naming=REFORMER,
        notes="language-model checkpoints also hold the head (lm_head.decoder reading "
        "2 x hidden_size, lm_head.bias), which AutoModel does not build",
        mlm=REFORMER_MLM,
    ),
)
