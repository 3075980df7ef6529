"""Encoders whose embeddings end in a projection, as `AutoModel` builds them (transformers 5.23).

FNet keeps BERT's embeddings plus a biased hidden -> hidden projection, and replaces
attention by a Fourier transform with no parameters: its layers are a LayerNorm after the
(parameter-free) mixing and BERT's MLP. ALBERT factorizes its embeddings (tables and norm at
embedding_size, then embedding_hidden_mapping_in up to hidden_size) and shares its layers:
num_hidden_groups groups of inner_group_num layers are stored, and the forward pass applies
group int(i / (num_hidden_layers / num_hidden_groups)) at layer i. paramcalc lists the stored
layers once and runs them num_hidden_layers / num_hidden_groups times, so FLOPs count every
use. Tables hold each config class's defaults; builds follow `modeling_fnet.py` and
`modeling_albert.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import table_rows
from paramcalc.families.heads import BERT_MLM_NAMES, MaskedLM

#: BERT's post-norm sites: a norm after the mixer and one after the feed-forward.
POST_NORMS = ["post_mixer", "post_ffn"]


def biased_mlp(c: HFConfig) -> dict[str, Any]:
    """BERT's feed-forward: biased up and down projections."""
    return {"kind": "mlp", "intermediate_size": c.integer("intermediate_size"), "bias": True}


def bare_encoder(c: HFConfig, stack: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An encoder with learned positions, token types, an embedding LayerNorm, its
    embedding projection and a pooler (FNetModel and AlbertModel build one)."""
    return {
        "text": {
            "vocab_size": c.integer("vocab_size"),
            "hidden_size": c.integer("hidden_size"),
            "position_embeddings": c.integer("max_position_embeddings"),
            "type_vocab_size": table_rows(c, "type_vocab_size"),
            "embedding_norm": True,
            "embedding_projection": "in",
            "norm_type": "layernorm",
            "stacks": [{"final_norm": False, **stack}],
            "lm_head": False,
            "pooler": True,
            **fields,
        }
    }


def fnet(c: HFConfig) -> dict[str, Any]:
    """FNetModel: the Fourier mixing has no parameters (its TPU path's DFT matrices are
    buffers), so a layer is the LayerNorm after it and BERT's MLP."""
    c.boolean("use_tpu_fourier_optimizations")
    block = {"ffn": biased_mlp(c), "norms": POST_NORMS}
    return bare_encoder(c, {"num_hidden_layers": c.integer("num_hidden_layers"), "block": block})


def albert_runs(c: HFConfig) -> int:
    """How many layers of the forward pass use each stored group."""
    layers, groups = c.integer("num_hidden_layers"), c.integer("num_hidden_groups")
    if layers % groups:
        raise c.error(
            "num_hidden_groups",
            f"{groups} does not divide num_hidden_layers={layers}: its groups would be used "
            "unequally, which paramcalc does not say",
        )
    return layers // groups


def albert(c: HFConfig) -> dict[str, Any]:
    """AlbertModel: factorized embeddings, one post-norm layer layout stored once per group
    and inner layer, run num_hidden_layers / num_hidden_groups times."""
    groups, inner = c.integer("num_hidden_groups"), c.integer("inner_group_num")
    if groups > 1 and inner > 1:
        raise c.error(
            "inner_group_num",
            "more than one inner layer in more than one group is not supported yet",
        )
    heads, hidden = c.integer("num_attention_heads"), c.integer("hidden_size")
    if hidden % heads:
        # AlbertAttention's dense reads hidden_size, its heads only heads x (hidden // heads)
        raise c.error("num_attention_heads", f"must divide hidden_size={hidden}")
    mixer = {"kind": "attention", "num_attention_heads": heads, "qkv_bias": True, "o_bias": True}
    stack = {
        "num_hidden_layers": groups * inner,
        "runs": albert_runs(c),
        "block": {"mixer": mixer, "ffn": biased_mlp(c), "norms": POST_NORMS},
    }
    variant = "albert/inner_layers" if inner > 1 else None
    return {
        **bare_encoder(c, stack, embedding_size=c.integer("embedding_size")),
        **({"naming": variant} if variant else {}),
    }


FNET = Naming(
    {
        "embed_tokens": "embeddings.word_embeddings",
        "embed_positions": "embeddings.position_embeddings",
        "token_type_embeddings": "embeddings.token_type_embeddings",
        "embedding_norm": "embeddings.LayerNorm",
        "embedding_projection": "embeddings.projection",
        "decoder.layers": "encoder.layer",
        "post_mixer_norm": "fourier.output.LayerNorm",
        "ffn.up_proj": "intermediate.dense",
        "ffn.down_proj": "output.dense",
        "post_ffn_norm": "output.LayerNorm",
    }
)


def albert_naming(layers: str, layer: str) -> Naming:
    """AlbertModel's names: stored layer i is `layers.{i}` and then `layer` within it."""
    inside = f"{layer}." if layer else ""
    return Naming(
        {
            "embed_tokens": "embeddings.word_embeddings",
            "embed_positions": "embeddings.position_embeddings",
            "token_type_embeddings": "embeddings.token_type_embeddings",
            "embedding_norm": "embeddings.LayerNorm",
            "embedding_projection": "encoder.embedding_hidden_mapping_in",
            "decoder.layers": layers,
            "attention": f"{inside}attention",
            "attention.o_proj": f"{inside}attention.dense",
            "post_mixer_norm": f"{inside}attention.LayerNorm",
            "ffn.up_proj": f"{inside}ffn",
            "ffn.down_proj": f"{inside}ffn_output",
            "post_ffn_norm": f"{inside}full_layer_layer_norm",
            "pooler": "pooler",
        },
        {"attention.q_proj": "query", "attention.k_proj": "key", "attention.v_proj": "value"},
    )


#: One layer per group: stored layer i is group i's only layer.
ALBERT = albert_naming("encoder.albert_layer_groups", "albert_layers.0")
#: One group of inner_group_num layers: stored layer i is the group's layer i.
ALBERT_INNER = albert_naming("encoder.albert_layer_groups.0.albert_layers", "")

#: AlbertForMaskedLM: predictions maps to embedding_size; the decoder is tied, predictions.bias
#: its bias.
ALBERT_MLM = MaskedLM(
    "albert",
    {
        "head_transform": "predictions.dense",
        "head_transform_norm": "predictions.LayerNorm",
        "lm_head": "predictions.decoder",
        "head_bias": "predictions.bias",
    },
    width="embedding_size",
)

FAMILIES = (
    Family(
        "fnet",
        {
            "vocab_size": 32000,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "intermediate_size": 3072,
            "max_position_embeddings": 512,
            "type_vocab_size": 4,
            "use_tpu_fourier_optimizations": False,
        },
        (fnet,),
        naming=FNET,
        notes="pre-training checkpoints also hold the masked-LM and next-sentence heads "
        "(cls.*), which AutoModel does not build",
        mlm=MaskedLM("fnet", BERT_MLM_NAMES, pooler=True),
    ),
    Family(
        "albert",
        {
            "vocab_size": 30000,
            "embedding_size": 128,
            "hidden_size": 4096,
            "num_hidden_layers": 12,
            "num_hidden_groups": 1,
            "num_attention_heads": 64,
            "intermediate_size": 16384,
            "inner_group_num": 1,
            "max_position_embeddings": 512,
            "type_vocab_size": 2,
        },
        (albert,),
        naming=ALBERT,
        variants={"inner_layers": ALBERT_INNER},
        notes="pre-training checkpoints also hold the masked-LM and sentence-order heads "
        "(predictions.*, sop_classifier.*), which AutoModel does not build",
        mlm=ALBERT_MLM,
    ),
)
