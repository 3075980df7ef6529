"""Gemma 3n's language model (`gemma3n_text`, schema v2): Gemma 3 attention and norms, with
AltUp, LAuReL, per-layer input embeddings, per-layer MLP widths and KV-shared layers.

Each layer as `Gemma3nTextDecoderLayer` in transformers 5.23 builds it; the parts beside the
mixer and MLP live in `core/augment.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.v2 import attention, gated_mlp, text_tower


def per_layer_widths(c: HFConfig, layers: int) -> list[int]:
    """Gemma3nTextConfig.__post_init__: one intermediate_size for every layer, or a list."""
    value = c.raw("intermediate_size")
    if isinstance(value, list):
        if len(value) != layers or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value
        ):
            raise c.error("intermediate_size", f"must list one positive width per layer ({layers})")
        return value
    return [c.integer("intermediate_size")] * layers


def kv_shared(c: HFConfig, spans: list[str]) -> list[bool]:
    """Gemma3nTextConfig.kv_sharing_modes: the last num_kv_shared_layers layers reuse the K/V
    of the last earlier layer of their kind, so every kind must occur before them."""
    layers, shared = len(spans), c.integer("num_kv_shared_layers", minimum=0)
    if shared == 0:
        return [False] * layers
    first = layers - shared
    if first < 1 or set(spans[:first]) != set(spans):
        raise c.error(
            "num_kv_shared_layers",
            f"{shared} leaves no earlier layer of every kind to share its K/V "
            f"(num_hidden_layers={layers})",
        )
    return [i >= first for i in range(layers)]


def check_sparsity(c: HFConfig, layers: int) -> None:
    """activation_sparsity_pattern holds no parameter, but the config class refuses a list that
    does not give one value per layer."""
    value = c.raw("activation_sparsity_pattern")
    if isinstance(value, list) and len(value) != layers:
        raise c.error(
            "activation_sparsity_pattern",
            f"must give one value per layer ({layers}), got {describe(value)}",
        )


def layer_block(c: HFConfig, span: str, shared: bool, width: int) -> dict[str, Any]:
    """One Gemma3nTextDecoderLayer: Gemma 3's four norms around attention and the MLP, then
    AltUp, LAuReL and the per-layer input gate."""
    window = c.integer("sliding_window") if span == "sliding_attention" else None
    return {
        "mixer": attention(
            c,
            bias=c.boolean("attention_bias"),
            head_dim=c.integer("head_dim"),
            qk_norm="per_head",
            sliding_window=window,
            kv_shared=shared,
        ),
        "ffn": gated_mlp(width),
        "norms": ["input", "post_mixer", "pre_ffn", "post_ffn"],
        "extras": [
            {"kind": "altup", "num_inputs": c.integer("altup_num_inputs")},
            {"kind": "laurel", "rank": c.integer("laurel_rank")},
            {"kind": "per_layer_input", "width": c.integer("hidden_size_per_layer_input")},
        ],
    }


def gemma3n_text(c: HFConfig) -> dict[str, Any]:
    """Gemma3nTextModel: layers by layer_types (a full layer every 5th by default), per-layer
    widths, KV sharing at the end; per-layer embeddings and AltUp projections in the model."""
    layers, heads = c.integer("num_hidden_layers"), c.integer("num_attention_heads")
    if c.integer("hidden_size") % heads:
        raise c.error("num_attention_heads", f"{heads} must divide hidden_size")
    check_sparsity(c, layers)
    listed = c.layer_types("layer_types", layers)
    spans = (
        list(listed)
        if listed is not None
        else ["full_attention" if (i + 1) % 5 == 0 else "sliding_attention" for i in range(layers)]
    )
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    widths = per_layer_widths(c, layers)
    for span, shared, width in zip(spans, kv_shared(c, spans), widths, strict=True):
        key = f"{span}{'/kv_shared' if shared else ''}+mlp{width}"
        kinds[key] = layer_block(c, span, shared, width)
        layer_kinds.append(key)
    extras = [
        {
            "kind": "per_layer_embeddings",
            "vocab_size": c.integer("vocab_size_per_layer_input"),
            "width": c.integer("hidden_size_per_layer_input"),
        },
        {"kind": "altup_projections", "num_inputs": c.integer("altup_num_inputs")},
    ]
    return {"text": text_tower(c, kinds, layer_kinds, extras=extras)}


#: Gemma3nForCausalLM: Gemma's names; the model-level parts under `model.`.
GEMMA3N_TEXT = Naming(
    {
        name: f"model.{name}"
        for name in (
            "embed_tokens_per_layer",
            "per_layer_model_projection",
            "per_layer_projection_norm",
            "altup_projections",
            "altup_unembed_projections",
        )
    }
)

FAMILIES = (
    Family(
        "gemma3n_text",
        {
            "vocab_size": 262_400,
            "hidden_size": 2048,
            "intermediate_size": 16_384,
            "num_hidden_layers": 35,
            "num_attention_heads": 8,
            "num_key_value_heads": 2,
            "head_dim": 256,
            "tie_word_embeddings": True,
            "attention_bias": False,
            "sliding_window": 512,
            "layer_types": None,
            "vocab_size_per_layer_input": 262_144,
            "hidden_size_per_layer_input": 256,
            "altup_num_inputs": 4,
            "num_kv_shared_layers": 15,
            "laurel_rank": 64,
            "activation_sparsity_pattern": None,
        },
        (gemma3n_text,),
        naming=GEMMA3N_TEXT,
        required=KV_HEADS,
    ),
)
