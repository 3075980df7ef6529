"""Funnel Transformer as `AutoModel` builds it: FunnelModel, or FunnelBaseModel when the
config's architectures name it first.

FunnelModel embeds tokens (a table and a LayerNorm, no positions or token types), runs
len(block_sizes) blocks of post-norm layers, the sequence pooled (stride 2) before each block
after the first, then num_decoder_layers layers over the full sequence again (the last block's
output up-sampled and added to the first block's). FunnelBaseModel has no decoder. Each layer
repeats block_repeats[b] times with the same weights. A layer is Funnel's relative attention
(`paramcalc.core.funnel`) and a biased MLP of d_inner, each followed by its LayerNorm.

AutoModel picks the class by the config's architectures (the first of them it knows);
without any it means FunnelModel, the mapping's first class, though transformers 5.23's
AutoModel.from_config then fails (it iterates architectures=None). FunnelForMaskedLM keeps a
FunnelModel under `funnel` and adds lm_head, a biased Linear tied to the token table when
tie_word_embeddings (its bias its own). FLOPs and cache: see `paramcalc.core.funnel`.
The table holds FunnelConfig's defaults in transformers 5.23.0; the build follows
`modeling_funnel.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.core.spec import MAX_STACKS
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.heads import MaskedLM

#: The classes AutoModel maps funnel to, the first its default.
CLASSES = ("FunnelModel", "FunnelBaseModel")
#: Most encoder blocks paramcalc holds: a stack each, beside the decoder's.
MAX_BLOCKS = MAX_STACKS - 1


def blocks(c: HFConfig) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """block_sizes and block_repeats (ones when null, as __post_init__ fills them)."""
    # a block of no layers skips its pooling, which the blocks after it then shift
    sizes = c.positive_ints("block_sizes")
    if len(sizes) > MAX_BLOCKS:
        raise c.error("block_sizes", f"{len(sizes)} blocks; paramcalc holds at most {MAX_BLOCKS}")
    repeats = (
        (1,) * len(sizes) if c.raw("block_repeats") is None else c.positive_ints("block_repeats")
    )
    if len(repeats) != len(sizes):
        raise c.error("block_repeats", f"needs one entry per block ({len(sizes)})")
    return sizes, repeats


def builds_decoder(c: HFConfig) -> bool:
    """Whether AutoModel builds FunnelModel: architectures' first funnel class, else it."""
    value = c.data.get("architectures")
    if value is None:
        return True
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise c.error("architectures", f"must be a list of class names, got {describe(value)}")
    chosen = next((v for v in value if v in CLASSES), CLASSES[0])
    return chosen == "FunnelModel"


def choice(c: HFConfig, name: str, options: tuple[str, ...]) -> str:
    """A string field one of `options`, as validate_architecture checks it."""
    value = c.raw(name)
    if value not in options:
        raise c.error(name, f"must be one of {', '.join(options)}, got {describe(value)}")
    return str(value)


def funnel(c: HFConfig) -> dict[str, Any]:
    """FunnelModel (or FunnelBaseModel): the embeddings, a stack per block, the decoder."""
    sizes, repeats = blocks(c)
    factorized = choice(c, "attention_type", ("relative_shift", "factorized")) == "factorized"
    choice(c, "pooling_type", ("mean", "max"))
    mixer = {
        "kind": "funnel_relative",
        "num_attention_heads": c.integer("n_head"),
        "head_dim": c.integer("d_head"),
        "factorized": factorized,
    }
    block = {
        "mixer": mixer,
        "ffn": {"kind": "mlp", "intermediate_size": c.integer("d_inner"), "bias": True},
        "norms": ["post_mixer", "post_ffn"],
    }
    pooling = {
        "separate_cls": c.boolean("separate_cls"),
        "truncate_seq": c.boolean("truncate_seq"),
        "queries_only": c.boolean("pool_q_only"),
    }
    stacks: list[dict[str, Any]] = [
        {
            "name": f"block{b}",
            "num_hidden_layers": size,
            "runs": runs,
            "block": block,
            "final_norm": False,
            "pooling": {"times": b, **pooling} if b else None,
        }
        for b, (size, runs) in enumerate(zip(sizes, repeats, strict=True))
    ]
    decoder = c.integer("num_decoder_layers", minimum=0)
    if decoder and builds_decoder(c):
        stacks.append(
            {"name": "decoder", "num_hidden_layers": decoder, "block": block, "final_norm": False}
        )
    text = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("d_model"),
        "embedding_norm": True,
        "norm_type": "layernorm",
        "stacks": stacks,
        "lm_head": False,
    }
    return {"text": text}


def head_check(c: HFConfig) -> None:
    """FunnelForMaskedLM always builds FunnelModel: its decoder is in the count whatever
    architectures says, so a config AutoModel builds as FunnelBaseModel is refused."""
    if not builds_decoder(c):
        raise c.error(
            "architectures",
            "names FunnelBaseModel, which has no decoder; FunnelForMaskedLM's FunnelModel has "
            "one (drop architectures to count it)",
        )


#: FunnelModel's names: embeddings, encoder.blocks.{b}.{i}, decoder.layers.{i}.
FUNNEL = Naming(
    {
        "embed_tokens": "embeddings.word_embeddings",
        "embedding_norm": "embeddings.layer_norm",
        **{f"block{b}.layers": f"encoder.blocks.{b}" for b in range(MAX_BLOCKS)},
        "decoder.layers": "decoder.layers",
        "attention": "attention",
        "attention.q_proj": "attention.q_head",
        "attention.k_proj": "attention.k_head",
        "attention.v_proj": "attention.v_head",
        "attention.o_proj": "attention.post_proj",
        "post_mixer_norm": "attention.layer_norm",
        "ffn.up_proj": "ffn.linear_1",
        "ffn.down_proj": "ffn.linear_2",
        "post_ffn_norm": "ffn.layer_norm",
    }
)

FAMILIES = (
    Family(
        "funnel",
        {
            "vocab_size": 30522,
            "block_sizes": [4, 4, 4],
            "block_repeats": None,
            "num_decoder_layers": 2,
            "d_model": 768,
            "n_head": 12,
            "d_head": 64,
            "d_inner": 3072,
            "attention_type": "relative_shift",
            "pooling_type": "mean",
            "separate_cls": True,
            "truncate_seq": True,
            "pool_q_only": True,
            "tie_word_embeddings": True,
        },
        (funnel,),
        # FunnelConfig.attribute_map
        {"d_model": ("hidden_size",), "n_head": ("num_attention_heads",)},
        naming=FUNNEL,
        # typed int without None in FunnelConfig
        required=frozenset(
            {"vocab_size", "num_decoder_layers", "d_model", "n_head", "d_head", "d_inner"}
        ),
        mlm=MaskedLM(
            "funnel",
            {"lm_head": "lm_head"},
            transform=False,
            shared_bias=False,
            decoder_bias=True,
            check=head_check,
        ),
    ),
)
