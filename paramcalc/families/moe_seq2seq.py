"""Mixture-of-experts encoder-decoders: Switch Transformers and NLLB-MoE.

Both keep one module per expert (`experts.expert_{e}.wi`, `experts.expert_{e}.fc1`) rather than
transformers' usual stacked expert tensors, and put a routed feed-forward on every sparse-step
layer of each stack, as `modeling_switch_transformers.py` and `modeling_nllb_moe.py` (5.23)
build them: Switch on T5's layout (RMS norms, relative position bias in each stack's first
layer), NLLB-MoE on M2M-100's (pre-norm LayerNorms, sinusoidal positions that are buffers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.bart_like import BART_ALIASES, BART_NAMES, bart_attention
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import T5_LEAVES, T5_NAMES, t5_decoder_layers, table_rows


def feed_forward(c: HFConfig, width: int, routed: bool, top_k: int, bias: bool) -> dict[str, Any]:
    """A plain fc1/fc2 MLP, or its routed version: `top_k` of num_experts ungated experts of
    the same width, behind a router biased as router_bias says."""
    if not routed:
        return {"kind": "mlp", "intermediate_size": width, "bias": bias}
    return {
        "kind": "moe",
        "num_experts": c.integer("num_experts"),
        "num_experts_per_tok": top_k,
        "moe_intermediate_size": width,
        "gated_experts": False,
        "expert_bias": bias,
        "router_bias": c.boolean("router_bias"),
    }


def stack_of_kinds(
    name: str, layer_kinds: list[str], block_of: Callable[[str], dict[str, Any]], own: int
) -> dict[str, Any]:
    """A stack whose layers are the named kinds, each kind's block built once."""
    kinds = {key: block_of(key) for key in dict.fromkeys(layer_kinds)}
    return {
        "name": name,
        "num_hidden_layers": len(layer_kinds),
        "kinds": kinds,
        "layer_kinds": layer_kinds,
        "token_embeddings": own,
    }


def switch_sparse_step(c: HFConfig, layers: int, sparse_key: str) -> int:
    """Every how many layers a routed feed-forward sits (the config's __post_init__)."""
    sparse = c.integer(sparse_key, minimum=0)
    return layers // sparse if sparse else layers


def switch_block(c: HFConfig, stack: str, relative: bool, sparse: bool) -> dict[str, Any]:
    """SwitchTransformersBlock: T5's attention sub-layers and a dense or routed feed-forward."""
    heads, width = c.integer("num_heads"), c.integer("d_ff")
    attention: dict[str, Any] = {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": heads,
        "head_dim": c.integer("d_kv"),
    }
    ffn = feed_forward(c, width, sparse, 1, False)  # the top-1 router
    buckets = table_rows(c, "relative_attention_num_buckets") if relative else 0
    decoder = stack == "decoder"
    return {
        "mixer": {**attention, "relative_attention_num_buckets": buckets},
        "cross_attention": attention if decoder else None,
        "ffn": ffn,
        "norms": ["input", "pre_cross", "pre_ffn"] if decoder else ["input", "pre_ffn"],
    }


def switch_stack(
    c: HFConfig, stack: str, layers: int, sparse_key: str, own_tokens: int
) -> dict[str, Any]:
    """A Switch stack: layer i is routed when i % step == 1 (or the step is 1)."""
    step = switch_sparse_step(c, layers, sparse_key)
    kinds = [
        f"{'first' if i == 0 else 'later'}-"
        f"{'routed' if step > 0 and (i % step == 1 or step == 1) else 'dense'}"
        for i in range(layers)
    ]
    return stack_of_kinds(
        stack,
        kinds,
        lambda key: switch_block(c, stack, key.startswith("first"), key.endswith("routed")),
        own_tokens,
    )


def switch_transformers(c: HFConfig) -> dict[str, Any]:
    """SwitchTransformersForConditionalGeneration: shared table, two stacks, a T5 head."""
    encoder_layers = c.integer("num_layers")
    decoder_layers = t5_decoder_layers(c)
    vocab, tied = c.integer("vocab_size"), c.boolean("tie_word_embeddings")
    own = 0 if tied else vocab  # untied, each stack keeps a table beside the shared one
    text = {
        "vocab_size": vocab,
        "hidden_size": c.integer("d_model"),
        "norm_type": "rmsnorm",
        "tie_word_embeddings": tied,
        "stacks": [
            switch_stack(c, "encoder", encoder_layers, "num_sparse_encoder_layers", own),
            switch_stack(c, "decoder", decoder_layers, "num_sparse_decoder_layers", own),
        ],
    }
    return {"text": text}


#: T5's names with `mlp` for the feed-forward, `router.classifier` and one module per expert.
SWITCH = Naming(
    {
        **T5_NAMES,
        "ffn": "layer.1.mlp",
        "decoder/ffn": "layer.2.mlp",
        "ffn.router": "layer.1.mlp.router.classifier",
        "decoder/ffn.router": "layer.2.mlp.router.classifier",
        "encoder.embed_tokens": "encoder.embed_tokens",
        "decoder.embed_tokens": "decoder.embed_tokens",
    },
    T5_LEAVES,
    expert_modules={"up_proj": "expert_{e}.wi", "down_proj": "expert_{e}.wo"},
)


def nllb_moe_block(c: HFConfig, stack: str, sparse: bool) -> dict[str, Any]:
    """NllbMoe{Encoder,Decoder}Layer: pre-norm attention (and cross-attention), then a dense
    fc1/fc2 or a top-2 routed one behind ff_layer_norm."""
    decoder = stack == "decoder"
    width = c.integer(f"{stack}_ffn_dim")
    ffn = feed_forward(c, width, sparse, 2, True)  # the top-2 router
    return {
        "mixer": bart_attention(c, f"{stack}_attention_heads"),
        "cross_attention": bart_attention(c, "decoder_attention_heads") if decoder else None,
        "ffn": ffn,
        "norms": ["input", "pre_cross", "pre_ffn"] if decoder else ["input", "pre_ffn"],
    }


def nllb_moe_stack(c: HFConfig, stack: str, own_tokens: int) -> dict[str, Any]:
    """A stack whose layer i is routed when (i + 1) % sparse_step == 0."""
    layers = c.integer(f"{stack}_layers")
    step = c.integer(f"{stack}_sparse_step", minimum=0)
    kinds = ["routed" if step > 0 and (i + 1) % step == 0 else "dense" for i in range(layers)]
    return stack_of_kinds(
        stack, kinds, lambda key: nllb_moe_block(c, stack, key == "routed"), own_tokens
    )


def nllb_moe(c: HFConfig) -> dict[str, Any]:
    """NllbMoeForConditionalGeneration: M2M-100's model with routed feed-forwards."""
    vocab, tied = c.integer("vocab_size"), c.boolean("tie_word_embeddings")
    own = 0 if tied else vocab
    text = {
        "vocab_size": vocab,
        "hidden_size": c.integer("d_model"),
        "norm_type": "layernorm",
        "tie_word_embeddings": tied,
        "stacks": [nllb_moe_stack(c, "encoder", own), nllb_moe_stack(c, "decoder", own)],
    }
    return {"text": text}


#: NllbMoe: BART's names, `ffn.fc1`/`ffn.fc2`, `ff_layer_norm`, `cross_attention`, and
#: `ffn.router.classifier` with one module per expert.
NLLB_MOE = Naming(
    {
        **BART_NAMES,
        "ffn": "ffn",
        "ffn.up_proj": "ffn.fc1",
        "ffn.down_proj": "ffn.fc2",
        "ffn.router": "ffn.router.classifier",
        "pre_ffn_norm": "ff_layer_norm",
        "cross_attention": "cross_attention",
        "cross_attention.o_proj": "cross_attention.out_proj",
        "pre_cross_norm": "cross_attention_layer_norm",
    },
    expert_modules={"up_proj": "expert_{e}.fc1", "down_proj": "expert_{e}.fc2"},
)

FAMILIES = (
    Family(
        "switch_transformers",
        {
            "vocab_size": 32128,
            "d_model": 768,
            "d_kv": 64,
            "d_ff": 2048,
            "num_layers": 12,
            "num_sparse_encoder_layers": 3,
            "num_decoder_layers": 12,
            "num_sparse_decoder_layers": 3,
            "num_heads": 12,
            "num_experts": 8,
            "router_bias": False,
            "relative_attention_num_buckets": 32,
            "tie_word_embeddings": True,
        },
        (switch_transformers,),
        {"d_model": ("hidden_size",), "num_heads": ("num_attention_heads",)},
        naming=SWITCH,
        notes="checkpoints may also hold the stacks' copies of the shared token table",
    ),
    Family(
        "nllb-moe",
        {
            "vocab_size": 128112,
            "encoder_layers": 12,
            "encoder_ffn_dim": 4096,
            "encoder_attention_heads": 16,
            "decoder_layers": 12,
            "decoder_ffn_dim": 4096,
            "decoder_attention_heads": 16,
            "d_model": 1024,
            "router_bias": False,
            "num_experts": 128,
            "encoder_sparse_step": 4,
            "decoder_sparse_step": 4,
            "tie_word_embeddings": True,
        },
        (nllb_moe,),
        BART_ALIASES,
        naming=NLLB_MOE,
        notes="checkpoints may also hold the stacks' copies of the shared token table",
    ),
)
