"""Helpers for family records whose models the flat form cannot say (hybrids, sinks, towers).

They build schema v2 mappings (validated by `ModelFile`) from a config, reading each key
through `HFConfig` so errors name the file's key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from paramcalc.families.base import HFConfig

LAYER_SPANS = {"full_attention", "sliding_attention", "chunked_attention", "attention"}


def attention(
    c: HFConfig,
    *,
    bias: bool = False,
    o_bias: bool | None = None,
    head_dim: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An attention mixer from the standard head keys."""
    heads = c.integer("num_attention_heads")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "num_key_value_heads": c.opt_int("num_key_value_heads") or heads,
        "head_dim": head_dim,
        "qkv_bias": bias,
        "o_bias": bias if o_bias is None else o_bias,
        **extra,
    }


def gated_mlp(width: int, bias: bool = False) -> dict[str, Any]:
    """A gate/up/down MLP."""
    return {"kind": "gated", "intermediate_size": width, "bias": bias}


def text_tower(
    c: HFConfig, kinds: dict[str, dict[str, Any]], layer_kinds: list[str], **fields: Any
) -> dict[str, Any]:
    """A decoder-only language model whose layers are the given kinds."""
    layers = len(layer_kinds)
    if len(set(layer_kinds)) == 1:
        stack: dict[str, Any] = {"num_hidden_layers": layers, "block": kinds[layer_kinds[0]]}
    else:
        used = {k: kinds[k] for k in dict.fromkeys(layer_kinds)}
        stack = {"num_hidden_layers": layers, "kinds": used, "layer_kinds": layer_kinds}
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "stacks": [stack],
        **fields,
    }


def layer_spans(c: HFConfig, layers: int, default: list[str]) -> list[str]:
    """`layer_types` as the config lists it, legacy names mapped, else the default pattern."""
    listed = c.raw("layer_types")
    if listed is None:
        return default
    if (
        not isinstance(listed, list)
        or len(listed) != layers
        or any(not isinstance(v, str) or v not in LAYER_SPANS for v in listed)
    ):
        raise c.error("layer_types", f"must list one of {sorted(LAYER_SPANS)} per layer ({layers})")
    return ["full_attention" if v == "attention" else v for v in listed]


def mixed_layers(
    c: HFConfig,
    mixers: dict[str, dict[str, Any]],
    ffns: dict[str, dict[str, Any]],
    layers: Iterable[tuple[str, str]],
    norms: list[str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A decoder whose every layer pairs one of `mixers` with one of `ffns`, by key, as each
    (mixer, ffn) of `layers` says: one block kind per pair that occurs (with the given norm
    sites, else the pre-norm default); `fields` go to the text tower."""
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for mixer, ffn in layers:
        key = f"{mixer}+{ffn}"
        kinds[key] = {"mixer": mixers[mixer], "ffn": ffns[ffn]}
        if norms is not None:
            kinds[key]["norms"] = norms
        layer_kinds.append(key)
    return {"text": text_tower(c, kinds, layer_kinds, **fields)}
