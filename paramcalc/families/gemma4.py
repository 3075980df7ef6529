"""Gemma 4's language models (`gemma4_text`, `gemma4_unified_text`, schema v2): Gemma 3n's
attention, norms and KV-shared layers, with full layers of their own head width and key/value
heads, keys doubling as values, a double-wide MLP in shared layers, experts beside the MLP and
per-layer input embeddings.

Each layer as `Gemma4TextDecoderLayer` (and the unified model's, which has neither per-layer
inputs nor experts) in transformers 5.23 builds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paramcalc.errors import describe
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.gemma3n import GEMMA3N_TEXT, kv_shared
from paramcalc.families.v2 import attention, gated_mlp, text_tower

#: What a per_layer_config entry may override (Gemma4TextConfig sets these two for full layers).
LAYER_OVERRIDES = ("head_dim", "num_key_value_heads")


@dataclass(frozen=True)
class LayerShape:
    """One layer's attention kind and the head sizes that config gives it."""

    span: str
    head_dim: int
    kv_heads: int
    shared: bool


def layer_spans(c: HFConfig, layers: int) -> list[str]:
    """Gemma4TextConfig.__post_init__: layer_types, else a full layer every 6th; the last layer
    is always full."""
    listed = c.layer_types("layer_types", layers)
    spans = (
        list(listed)
        if listed is not None
        else ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(layers)]
    )
    spans[-1] = "full_attention"
    return spans


def overrides(c: HFConfig, spans: list[str]) -> dict[int, Mapping[str, int]]:
    """per_layer_config as the file gives it, else what __post_init__ builds: global_head_dim
    (and, with attention_k_eq_v, num_global_key_value_heads) in every full layer."""
    listed = c.raw("per_layer_config")
    if listed is None:
        wide: dict[str, int] = {"head_dim": c.integer("global_head_dim")}
        kv = c.opt_int("num_global_key_value_heads")
        if kv is not None and c.boolean("attention_k_eq_v"):
            wide["num_key_value_heads"] = kv
        return {i: wide for i, span in enumerate(spans) if span == "full_attention"}
    if not isinstance(listed, dict):
        raise c.error(
            "per_layer_config", f"must map layer indices to fields, got {describe(listed)}"
        )
    found: dict[int, Mapping[str, int]] = {}
    for key, fields in listed.items():
        index = int(key) if isinstance(key, str) and key.isdigit() else key
        if not isinstance(index, int) or not 0 <= index < len(spans):
            raise c.error("per_layer_config", f"{key!r} is not a layer index")
        if not isinstance(fields, dict) or set(fields) - set(LAYER_OVERRIDES):
            raise c.error(
                "per_layer_config",
                f"layer {key}: paramcalc reads {' and '.join(LAYER_OVERRIDES)} overrides only, "
                f"got {describe(fields)}",
            )
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in fields.values()):
            raise c.error("per_layer_config", f"layer {key}: sizes must be positive integers")
        found[index] = fields
    return found


def layer_shapes(c: HFConfig) -> list[LayerShape]:
    """Each layer's kind, head width, key/value heads and whether it reuses earlier K/V."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(c, layers)
    special = overrides(c, spans)
    head_dim, kv = c.integer("head_dim"), c.integer("num_key_value_heads")
    return [
        LayerShape(
            span,
            special.get(i, {}).get("head_dim", head_dim),
            special.get(i, {}).get("num_key_value_heads", kv),
            shared,
        )
        for i, (span, shared) in enumerate(zip(spans, kv_shared(c, spans), strict=True))
    ]


def window(c: HFConfig) -> int:
    """The sliding window; with use_bidirectional_attention "all" the config halves it (plus 1)."""
    value = c.integer("sliding_window")
    return value // 2 + 1 if c.raw("use_bidirectional_attention") == "all" else value


def layer_block(c: HFConfig, shape: LayerShape, extras: list[dict[str, Any]]) -> dict[str, Any]:
    """One decoder layer: Gemma 3's four norms around attention and the MLP, and the extras."""
    sliding = shape.span == "sliding_attention"
    width = c.integer("intermediate_size")
    if shape.shared and c.boolean("use_double_wide_mlp"):
        width *= 2
    heads = c.integer("num_attention_heads")
    if heads % shape.kv_heads:
        raise c.error("num_key_value_heads", f"{shape.kv_heads} must divide {heads} heads")
    mixer = {
        **attention(
            c,
            bias=c.boolean("attention_bias"),
            head_dim=shape.head_dim,
            qk_norm="per_head",
            sliding_window=window(c) if sliding else None,
            kv_shared=shape.shared,
            values_from_keys=c.boolean("attention_k_eq_v") and not sliding,
        ),
        "num_key_value_heads": shape.kv_heads,
    }
    return {
        "mixer": mixer,
        "ffn": gated_mlp(width),
        "norms": ["input", "post_mixer", "pre_ffn", "post_ffn"],
        "extras": extras,
    }


def gemma4_layers(
    c: HFConfig, extras: list[dict[str, Any]], tower_extras: list[dict[str, Any]]
) -> dict[str, Any]:
    """A Gemma 4 decoder: one block kind per distinct layer shape."""
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for shape in layer_shapes(c):
        key = (
            f"{shape.span}/{shape.head_dim}x{shape.kv_heads}{'/kv_shared' if shape.shared else ''}"
        )
        kinds[key] = layer_block(c, shape, extras)
        layer_kinds.append(key)
    return {"text": text_tower(c, kinds, layer_kinds, extras=tower_extras)}


def gemma4_text(c: HFConfig) -> dict[str, Any]:
    """Gemma4TextModel: per-layer inputs when hidden_size_per_layer_input is set, experts
    beside every MLP with enable_moe_block."""
    extras: list[dict[str, Any]] = []
    tower_extras: list[dict[str, Any]] = []
    per_layer = c.opt_int("hidden_size_per_layer_input", minimum=0)
    if c.boolean("enable_moe_block"):
        extras.append(
            {
                "kind": "parallel_moe",
                "num_experts": c.integer("num_experts"),
                "num_experts_per_tok": c.integer("top_k_experts"),
                "moe_intermediate_size": c.integer("moe_intermediate_size"),
            }
        )
    if per_layer:
        extras.append({"kind": "per_layer_input", "width": per_layer})
        tower_extras.append(
            {
                "kind": "per_layer_embeddings",
                "vocab_size": c.integer("vocab_size_per_layer_input"),
                "width": per_layer,
            }
        )
    return gemma4_layers(c, extras, tower_extras)


def gemma4_unified_text(c: HFConfig) -> dict[str, Any]:
    """Gemma4UnifiedTextModel: Gemma 4's layers without per-layer inputs or experts."""
    return gemma4_layers(c, [], [])


#: Gemma 4's defaults shared by both text configs (Gemma4TextConfig in transformers 5.23).
GEMMA4_DEFAULTS = {
    "vocab_size": 262_144,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 30,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "tie_word_embeddings": True,
    "attention_bias": False,
    "sliding_window": 512,
    "layer_types": None,
    "use_bidirectional_attention": None,
    "attention_k_eq_v": False,
    "num_kv_shared_layers": 0,
    "use_double_wide_mlp": False,
    # __post_init__ pops these two from the file (they are not fields of the class)
    "global_head_dim": 512,
    "num_global_key_value_heads": None,
    "per_layer_config": None,
}

FAMILIES = (
    Family(
        "gemma4_text",
        {
            **GEMMA4_DEFAULTS,
            "vocab_size_per_layer_input": 262_144,
            "hidden_size_per_layer_input": 256,
            "enable_moe_block": False,
            "num_experts": None,
            "top_k_experts": None,
            "moe_intermediate_size": None,
        },
        (gemma4_text,),
        naming=GEMMA3N_TEXT,
        required=KV_HEADS,
    ),
    Family(
        "gemma4_unified_text",
        {
            **GEMMA4_DEFAULTS,
            "sliding_window": 1024,
            "use_bidirectional_attention": "vision",
        },
        (gemma4_unified_text,),
        naming=GEMMA3N_TEXT,
        required=KV_HEADS,
    ),
)
