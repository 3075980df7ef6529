"""Latent-attention decoders: dots3's text model, whose layers differ in their attention sizes,
and A.X-K2 (DeepSeek-V3.2 attention with a query gate and gated norms).

Dots3NoteTextConfig keeps what a layer changes in `per_layer_config` (layer index -> the keys
that differ from the model's own), as transformers 5.23's heterogeneous configs do; a config
without it (a released checkpoint's) gives its sliding layers the `swa_*` sizes. The rules
follow `modeling_dots3_note.py`; defaults are its config class's.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.attention_more import per_layer
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.llama import size_defaults
from paramcalc.families.moe import DEEPSEEK, routed_experts
from paramcalc.families.special_mla import DSA_DEFAULTS, DSA_NOTES, routed, sparse_mla
from paramcalc.families.v2 import gated_mlp, text_tower

DOTS3_SPANS = ("indexed_attention", "sliding_attention", "full_attention")
#: Dots3NoteTextConfig.__post_init__: the sizes its sliding layers take from swa_* keys.
SWA_DEFAULTS = {
    "num_attention_heads": 64,
    "num_key_value_heads": 64,
    "q_lora_rank": 1024,
    "kv_lora_rank": 1024,
    "head_dim": 256,
    "qk_nope_head_dim": 192,
    "v_head_dim": 128,
}
#: Keys a layer's overrides may change: those of its attention, which is all that differs.
LAYER_KEYS = {*SWA_DEFAULTS, "qk_rope_head_dim", "sliding_window", "attention_bias"}


def dots3_spans(c: HFConfig) -> list[str]:
    """Dots3NoteTextConfig.__post_init__: layers 0, 1 and every 4th from 1 attend to all (with
    the DSA indexer unless use_dsa is false), the others slide (unless use_sliding_window is
    false); use_dsa renames full and indexed layers of a listed layer_types."""
    layers = c.integer("num_hidden_layers")
    # use_dsa defaults to True, or to None (no renaming) beside a per_layer_config
    dsa = c.raw("use_dsa") if c.has("use_dsa") else (None if c.has("per_layer_config") else True)
    full = "full_attention" if dsa is False else "indexed_attention"
    slide = c.boolean("use_sliding_window")
    spans = per_layer(
        c,
        "layer_types",
        DOTS3_SPANS,
        [full if not slide or i < 2 or i % 4 == 1 else "sliding_attention" for i in range(layers)],
    )
    if dsa is None:
        return spans
    old, new = (
        ("full_attention", "indexed_attention") if dsa else ("indexed_attention", "full_attention")
    )
    return [new if span == old else span for span in spans]


def layer_configs(c: HFConfig, spans: list[str]) -> list[HFConfig]:
    """Each layer's view of the config: the model's keys under the layer's own overrides."""
    listed = c.raw("per_layer_config")
    if listed is None:
        swa = {
            key: c.raw(f"swa_{key}") if c.has(f"swa_{key}") else v
            for key, v in SWA_DEFAULTS.items()
        }
        rope = c.raw("swa_qk_rope_head_dim") if c.has("swa_qk_rope_head_dim") else None
        swa["qk_rope_head_dim"] = (
            rope if rope is not None else swa["head_dim"] - swa["qk_nope_head_dim"]
        )
        listed = {str(i): swa for i, span in enumerate(spans) if span == "sliding_attention"}
    if not isinstance(listed, dict):
        raise c.error("per_layer_config", "must map layer indices to the keys they change")
    overrides: dict[int, dict[str, Any]] = {}
    for key, values in listed.items():
        if not str(key).isdigit() or int(key) >= len(spans) or not isinstance(values, dict):
            raise c.error("per_layer_config", f"has an entry {key!r} that is not a layer index")
        unknown = sorted(set(values) - LAYER_KEYS)
        if unknown:
            raise c.error(
                "per_layer_config",
                f"layer {key} changes {unknown[0]!r}, which paramcalc cannot vary by layer",
            )
        overrides[int(key)] = values
    return [
        HFConfig({**c.data, **overrides.get(i, {})}, c.where, c.family) for i in range(len(spans))
    ]


def dots3_attention(c: HFConfig, span: str) -> dict[str, Any]:
    """Dots3NoteTextAttention: DeepSeek MLA (q_a_layernorm always built, so q_lora_rank is
    required), a norm on the rotary key, a sigmoid gate per head; the DSA indexer on indexed
    layers; a window on sliding ones."""
    if c.opt_int("q_lora_rank") is None:
        raise c.error("q_lora_rank", "must be set (Dots3NoteTextConfig refuses MLA without it)")
    heads = c.integer("num_attention_heads")
    if c.integer("num_key_value_heads") != heads:
        raise c.error("num_key_value_heads", f"must equal num_attention_heads={heads}")
    bias = c.boolean("attention_bias")
    mixer: dict[str, Any] = {
        "kind": "mla",
        "num_attention_heads": heads,
        "q_lora_rank": c.integer("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
        # q_a_proj and kv_a_proj_with_mqa take attention_bias; so does o_proj
        "qkv_bias": bias,
        "o_bias": bias,
        "rope_key_norm": True,
        "head_gate": True,
    }
    if span == "indexed_attention":
        mixer["indexer"] = {
            "num_heads": c.integer("index_n_heads"),
            "head_dim": c.integer("index_head_dim"),
        }
    if span == "sliding_attention":
        mixer["sliding_window"] = sliding_window(c)
    return mixer


def sliding_window(c: HFConfig) -> int:
    """sliding_window, else the checkpoint's sliding_window_size (default 512)."""
    window = c.opt_int("sliding_window")
    if window is not None:
        return window
    return c.integer("sliding_window_size") if c.has("sliding_window_size") else 512


def dots3_mlps(c: HFConfig, layers: int) -> list[str]:
    """mlp_layer_types, else sparse from first_k_dense_replace on, every moe_layer_freq-th (an
    int, or a per-layer list of flags)."""
    first = c.integer("first_k_dense_replace", minimum=0)
    freq = c.raw("moe_layer_freq")
    if isinstance(freq, list):
        if len(freq) < layers:
            raise c.error("moe_layer_freq", f"must have one flag per layer ({layers})")
        sparse = [bool(freq[i]) for i in range(layers)]
    elif isinstance(freq, int) and not isinstance(freq, bool) and freq > 0:
        sparse = [i % freq == 0 for i in range(layers)]
    else:
        raise c.error("moe_layer_freq", "must be a positive integer or a list of flags")
    default = ["sparse" if i >= first and sparse[i] else "dense" for i in range(layers)]
    return per_layer(c, "mlp_layer_types", ("dense", "sparse"), default)


def dots3_note_text(c: HFConfig) -> dict[str, Any]:
    """Dots3NoteTextDecoderLayer: latent attention sized by the layer's own config, then a
    dense gated MLP or an MoE beside shared experts (n_shared_experts x their width)."""
    spans = dots3_spans(c)
    mlps = dots3_mlps(c, len(spans))
    shared = c.integer("n_shared_experts")
    width_key = "moe_shared_expert_intermediate_size"
    width = (
        c.integer(width_key) if c.has(width_key) else c.integer("shared_experts_intermediate_size")
    )
    ffns = {
        "dense": gated_mlp(c.integer("intermediate_size")),
        "sparse": {
            "kind": "moe",
            **routed_experts(c, "n_routed_experts", c.integer("moe_intermediate_size")),
            "shared_expert_intermediate_size": width * shared,
        },
    }
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for i, (layer, span, mlp) in enumerate(zip(layer_configs(c, spans), spans, mlps, strict=True)):
        block = {"mixer": dots3_attention(layer, span), "ffn": ffns[mlp]}
        key = next((k for k, b in kinds.items() if b == block), None)
        if key is None:  # a new kind; a layer of its own sizes gets its index in the name
            key = f"{span}+{mlp}" if f"{span}+{mlp}" not in kinds else f"{span}+{mlp}@{i}"
            kinds[key] = block
        layer_kinds.append(key)
    return {"text": text_tower(c, kinds, layer_kinds)}


def axk2(c: HFConfig) -> dict[str, Any]:
    """AXK2DecoderLayer: DeepSeek-V3.2 attention (an indexer in every layer) whose q_gate_proj
    replaces q_b_proj and gates the output; GatedRMSNorm (a norm and a gated_norm_rank gate
    MLP) before attention and, in MoE layers, before the MoE; AXK2Config.__post_init__: MoE
    layers by mlp_layer_types, else from first_k_dense_replace, every moe_layer_freq-th."""
    layers = c.integer("num_hidden_layers")
    # every layer builds an indexer, so indexed_attention is the one kind a layer can be
    per_layer(c, "layer_types", ("indexed_attention",), [])
    first, freq = c.integer("first_k_dense_replace", minimum=0), c.integer("moe_layer_freq")
    default = ["sparse" if i >= first and i % freq == 0 else "dense" for i in range(layers)]
    mlps = per_layer(c, "mlp_layer_types", ("dense", "sparse"), default)
    mixer = {**sparse_mla(c, True), "query_gate": True}
    rank = c.integer("gated_norm_rank")
    ffns = {"dense": gated_mlp(c.integer("intermediate_size")), "sparse": routed(c)}
    kinds = {
        mlp: {
            "mixer": mixer,
            "ffn": ffns[mlp],
            "norm_gate": {
                "sites": ["input", "pre_ffn"] if mlp == "sparse" else ["input"],
                "rank": rank,
            },
        }
        for mlp in dict.fromkeys(mlps)
    }
    return {"text": text_tower(c, kinds, mlps)}


#: Dots3NoteTextMoE: `mlp.gate`, stacked experts and `mlp.shared_experts`.
DOTS3 = Naming(
    {
        "ffn.shared_expert": "mlp.shared_experts",
        "attention.k_rope_norm": "self_attn.k_rope_only_layernorm",
    }
)

FAMILIES = (
    Family(
        "axk2",
        {
            **DSA_DEFAULTS,
            "vocab_size": 163840,
            "hidden_size": 2048,
            "intermediate_size": 5120,
            "moe_intermediate_size": 512,
            "num_hidden_layers": 48,
            "num_attention_heads": 32,
            "n_routed_experts": 128,
            "kv_lora_rank": 128,
            "q_lora_rank": 384,
            "qk_rope_head_dim": 32,
            "v_head_dim": 64,
            "qk_nope_head_dim": 64,
            "index_head_dim": 128,
            "index_n_heads": 16,
            "gated_norm_rank": 16,
            "layer_types": None,
            # not fields: __post_init__ pops them to derive mlp_layer_types
            "first_k_dense_replace": 1,
            "moe_layer_freq": 1,
        },
        (axk2,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DEEPSEEK,
        notes=DSA_NOTES,
    ),
    Family(
        "dots3_note_text",
        {
            **size_defaults(152064, 5120, 13824, 46, 128, 128, 524288, False),
            "moe_intermediate_size": 1536,
            "n_shared_experts": 1,
            "n_routed_experts": 256,
            "num_experts_per_tok": 8,
            "kv_lora_rank": 512,
            "q_lora_rank": 1024,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "qk_nope_head_dim": 128,
            "attention_bias": False,
            "index_head_dim": 128,
            "index_n_heads": 64,
            "layer_types": None,
            "mlp_layer_types": None,
            "sliding_window": None,
            "shared_experts_intermediate_size": 1536,
            "per_layer_config": None,
            "use_dsa": None,
            "use_sliding_window": True,
            # not fields: __post_init__ pops them to derive mlp_layer_types
            "first_k_dense_replace": 1,
            "moe_layer_freq": 1,
        },
        (dots3_note_text,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DOTS3,
        required=KV_HEADS,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers)",
    ),
)
