"""Decoders with special attention: differential attention (DiffLlama), narrow value heads with
sinks on sliding layers (MiMo-V2-Flash), sinks and q/k norms in every layer (Flint), four norms
per block (Kolibri1).

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
`modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig, attention_span
from paramcalc.families.moe import DEEPSEEK
from paramcalc.families.rules import attention_bias, head_dim_if_set, sizes
from paramcalc.families.special_mla import mlp_kinds, routed
from paramcalc.families.v2 import attention, gated_mlp, layer_spans, text_tower


def diffllama(c: HFConfig) -> dict[str, Any]:
    """DiffLlamaAttention: Llama's projections plus four lambda vectors of head_dim."""
    kv = c.opt_int("num_key_value_heads") or c.integer("num_attention_heads")
    if kv % 2:
        raise c.error(
            "num_key_value_heads",
            f"must be even (DiffLlama splits the values over "
            f"two halves of the key/value heads), got {kv}",
        )
    fields = {**sizes(c), **head_dim_if_set(c), **attention_bias("attention_bias")(c)}
    model = fields_to_text(c, fields)
    return {"text": model}


def fields_to_text(c: HFConfig, fields: dict[str, Any]) -> dict[str, Any]:
    """The v2 text tower of flat fields, every attention made differential."""
    text = c.text_tower(fields)
    for stack in text["stacks"]:
        for block in [stack["block"], *stack["kinds"].values()]:
            if block is not None and block.get("mixer") is not None:
                block["mixer"]["differential"] = True
    return text


def mimo_spans(c: HFConfig, layers: int) -> list[str]:
    """MiMoV2FlashConfig.__post_init__: layer 0 and every sixth layer are full attention."""
    default = [
        "full_attention" if i == 0 or (i + 1) % 6 == 0 else "sliding_attention"
        for i in range(layers)
    ]
    spans = layer_spans(c, layers, default)
    if "chunked_attention" in spans:
        raise c.error("layer_types", "must list full_attention or sliding_attention per layer")
    return spans


def mimo_v2_flash(c: HFConfig) -> dict[str, Any]:
    """MiMoV2FlashAttention: value heads narrower than query/key heads, no o_proj bias; sliding
    layers have twice the key/value heads and attention sinks. MoE without shared experts."""
    layers = c.integer("num_hidden_layers")
    kv, bias = c.integer("num_key_value_heads"), c.boolean("attention_bias")
    window = c.integer("sliding_window")
    if c.has("sliding_window_size") and c.raw("sliding_window_size") is not None:
        window = c.integer("sliding_window_size") + 1  # MiMoV2FlashConfig.__post_init__
    mixer = attention(
        c,
        bias=bias,
        o_bias=False,
        head_dim=c.integer("head_dim"),
        v_head_dim=c.integer("v_head_dim"),
    )
    mixers = {
        "full_attention": mixer,
        "sliding_attention": {
            **mixer,
            "num_key_value_heads": 2 * kv,
            "sinks": True,
            "sliding_window": window,
        },
    }
    ffns = {"dense": gated_mlp(c.integer("intermediate_size")), "sparse": routed(c, False)}
    mlps = mlp_kinds(c, layers, ["dense"] + ["sparse"] * (layers - 1))
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for span, mlp in zip(mimo_spans(c, layers), mlps, strict=True):
        key = f"{span}+{mlp}"
        kinds[key] = {"mixer": mixers[span], "ffn": ffns[mlp]}
        layer_kinds.append(key)
    return {"text": text_tower(c, kinds, layer_kinds)}


def kolibri1(c: HFConfig) -> dict[str, Any]:
    """Kolibri1DecoderLayer: per-head q/k norms, norms before and after attention and the MoE,
    an MoE with a shared expert in every layer; sliding layers by layer_types."""
    layers, width = c.integer("num_hidden_layers"), c.integer("moe_intermediate_size")
    default = ["full_attention" if (i + 1) % 5 == 0 else "sliding_attention" for i in range(layers)]
    heads = c.integer("num_attention_heads")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": c.opt_int("num_key_value_heads") or heads,
        "head_dim": c.integer("head_dim"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "qk_norm": "per_head",
        "attention_output_norm": True,
        "ffn_output_norm": True,
        # every layer is MoE: the dense width is never built
        "intermediate_size": width,
        "num_experts": c.integer("num_experts"),
        "num_experts_per_tok": c.integer("num_experts_per_tok"),
        "moe_intermediate_size": width,
        "shared_expert_intermediate_size": c.integer("shared_expert_intermediate_size"),
        **attention_span(
            c.opt_int("sliding_window"), c.layer_types("layer_types", layers) or tuple(default)
        ),
    }


def flint(c: HFConfig) -> dict[str, Any]:
    """FlintDecoderLayer: attention with per-head q/k norms and sinks in every layer; an MoE with
    an ungated shared expert where Qwen2-MoE's rule says, else a dense MLP."""
    layers = c.integer("num_hidden_layers")
    default = [
        "full_attention" if i < 2 or i % 4 == 1 or i == layers - 1 else "sliding_attention"
        for i in range(layers)
    ]
    spans = layer_spans(c, layers, default)
    if "chunked_attention" in spans:
        raise c.error("layer_types", "must list full_attention or sliding_attention per layer")
    # FlintConfig.__post_init__: a null mlp_only_layers means [0, 1]
    dense = set(c.int_list("mlp_only_layers")) if c.raw("mlp_only_layers") is not None else {0, 1}
    experts, step = c.integer("num_experts", minimum=0), c.integer("decoder_sparse_step")
    mixer = attention(
        c,
        bias=c.boolean("attention_bias"),
        head_dim=c.integer("head_dim"),
        qk_norm="per_head",
        sinks=True,
    )
    windows = {"full_attention": None, "sliding_attention": c.integer("sliding_window")}
    ffns = {"mlp": gated_mlp(c.integer("intermediate_size"))}
    if experts:
        ffns["moe"] = {
            "kind": "moe",
            "num_experts": experts,
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": c.integer("moe_intermediate_size"),
            "shared_expert_intermediate_size": c.integer("shared_expert_intermediate_size"),
        }
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for i, span in enumerate(spans):
        ffn = "moe" if experts and i not in dense and (i + 1) % step == 0 else "mlp"
        key = f"{span}+{ffn}"
        kinds[key] = {"mixer": {**mixer, "sliding_window": windows[span]}, "ffn": ffns[ffn]}
        layer_kinds.append(key)
    return {"text": text_tower(c, kinds, layer_kinds)}


#: Kolibri1: the norm after attention is post_self_attn_layernorm, the one before the MoE
#: post_attention_layernorm, the one after it post_mlp_layernorm.
KOLIBRI1 = Naming(
    {
        "post_mixer_norm": "post_self_attn_layernorm",
        "pre_ffn_norm": "post_attention_layernorm",
        "post_ffn_norm": "post_mlp_layernorm",
        "ffn.shared_expert": "mlp.shared_experts",
    }
)

FAMILIES = (
    Family(
        "flint",
        {
            "vocab_size": 150144,
            "hidden_size": 2048,
            "intermediate_size": 6144,
            "num_hidden_layers": 49,
            "num_attention_heads": 32,
            "num_key_value_heads": 4,
            "head_dim": 128,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "sliding_window": 513,
            "layer_types": None,
            "decoder_sparse_step": 1,
            "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 1024,
            "num_experts_per_tok": 6,
            "num_experts": 256,
            "mlp_only_layers": None,
        },
        (flint,),
        required=KV_HEADS,
    ),
    Family(
        "kolibri1",
        {
            "vocab_size": 128000,
            "hidden_size": 2560,
            "num_hidden_layers": 50,
            "num_attention_heads": 48,
            "num_key_value_heads": 4,
            "head_dim": 128,
            "tie_word_embeddings": False,
            "sliding_window": 513,
            "layer_types": None,
            "moe_intermediate_size": 512,
            "num_experts_per_tok": 6,
            "num_experts": 384,
            "shared_expert_intermediate_size": 512,
        },
        (kolibri1,),
        aliases={"num_experts": ("num_local_experts",)},
        naming=KOLIBRI1,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers)",
        required=KV_HEADS,
    ),
    Family(
        "mimo_v2_flash",
        {
            "vocab_size": 152576,
            "hidden_size": 4096,
            "intermediate_size": 16384,
            "num_hidden_layers": 48,
            "num_attention_heads": 64,
            "num_key_value_heads": 4,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "moe_intermediate_size": 2048,
            "num_experts_per_tok": 8,
            "n_routed_experts": 256,
            "head_dim": 192,
            "v_head_dim": 128,
            "sliding_window": 129,
            "layer_types": None,
            "mlp_layer_types": None,
        },
        (mimo_v2_flash,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DEEPSEEK,
        notes="checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
        "transformers) and may hold multi-token-prediction layers, which transformers does not "
        "build",
        required=KV_HEADS,
    ),
    Family(
        "diffllama",
        {
            "vocab_size": 32000,
            "hidden_size": 2048,
            "intermediate_size": 8192,
            "num_hidden_layers": 16,
            "num_attention_heads": 32,
            "num_key_value_heads": None,
            "max_position_embeddings": 2048,
            "tie_word_embeddings": False,
            "attention_bias": False,
            "head_dim": None,
        },
        (diffllama,),
    ),
)
