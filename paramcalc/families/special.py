"""Decoders with special attention: MLA variants, DeepSeek sparse attention, differential attention.

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
`modeling_<family>.py`. Families the flat form can say (MiniCPM3, DiffLlama's plain layout)
return flat fields; those with per-layer indexers or MLP kinds return schema v2 models.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig, attention_span, standard_sizes
from paramcalc.families.moe import DEEPSEEK
from paramcalc.families.rules import attention_bias, head_dim_if_set, sizes
from paramcalc.families.v2 import attention, gated_mlp, layer_spans, text_tower


def minicpm3(c: HFConfig) -> dict[str, Any]:
    """MiniCPM3Attention is DeepSeek-V2's MLA (q_a/q_b or a plain q_proj); a dense gated MLP."""
    bias = c.boolean("attention_bias")
    fields = {k: v for k, v in standard_sizes(c).items() if k != "num_key_value_heads"}
    # MiniCPM3Config.__post_init__: v_head_dim defaults to hidden_size // num_attention_heads
    v_head = c.opt_int("v_head_dim") or fields["hidden_size"] // fields["num_attention_heads"]
    return fields | {
        "q_lora_rank": c.opt_int("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": v_head,
        # attention_bias on q_a_proj, kv_a_proj_with_mqa and o_proj; mlp_bias on the MLP
        "qkv_bias": bias,
        "attention_out_bias": bias,
        "ffn_bias": c.boolean("mlp_bias"),
    }


def first_dense(c: HFConfig, layers: int) -> list[str]:
    """DeepSeek's default MLP kinds: the first first_k_dense_replace layers dense."""
    dense = min(c.integer("first_k_dense_replace", minimum=0), layers)
    return ["dense"] * dense + ["sparse"] * (layers - dense)


def mlp_kinds(c: HFConfig, layers: int, default: list[str]) -> list[str]:
    """`mlp_layer_types` (dense or sparse per layer) as listed, else the default."""
    listed = c.raw("mlp_layer_types")
    if listed is None:
        return default
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - {"dense", "sparse"}:
        raise c.error(
            "mlp_layer_types", f"must list dense or sparse for each of the {layers} layers"
        )
    return listed


def routed(c: HFConfig, shared: bool = True) -> dict[str, Any]:
    """DeepSeek-V3's MoE: a router without bias, stacked experts and the shared experts."""
    width = c.integer("moe_intermediate_size")
    shared_width = width * c.integer("n_shared_experts") if shared else 0
    return {
        "kind": "moe",
        "num_experts": c.integer("n_routed_experts"),
        "num_experts_per_tok": c.integer("num_experts_per_tok"),
        "moe_intermediate_size": width,
        "shared_expert_intermediate_size": shared_width,
    }


def sparse_mla(c: HFConfig, indexed: bool) -> dict[str, Any]:
    """DeepSeek-V3.2 attention: MLA with a query latent, and the DSA indexer when `indexed`."""
    bias = c.boolean("attention_bias")
    mixer = {
        "kind": "mla",
        "num_attention_heads": c.integer("num_attention_heads"),
        "q_lora_rank": c.integer("q_lora_rank"),
        "kv_lora_rank": c.integer("kv_lora_rank"),
        "qk_nope_head_dim": c.integer("qk_nope_head_dim"),
        "qk_rope_head_dim": c.integer("qk_rope_head_dim"),
        "v_head_dim": c.integer("v_head_dim"),
        "qkv_bias": bias,
        "o_bias": bias,
    }
    if indexed:
        mixer["indexer"] = {
            "num_heads": c.integer("index_n_heads"),
            "head_dim": c.integer("index_head_dim"),
        }
    return mixer


def dsa_model(c: HFConfig, indexers: list[bool]) -> dict[str, Any]:
    """Layers of DeepSeek sparse attention (an indexer where listed) and dense or MoE MLPs."""
    layers = c.integer("num_hidden_layers")
    mlps = mlp_kinds(c, layers, first_dense(c, layers))
    ffns = {"dense": gated_mlp(c.integer("intermediate_size")), "sparse": routed(c)}
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for indexed, mlp in zip(indexers, mlps, strict=True):
        key = f"{'indexed' if indexed else 'shared_topk'}+{mlp}"
        kinds[key] = {"mixer": sparse_mla(c, indexed), "ffn": ffns[mlp]}
        layer_kinds.append(key)
    return {"text": text_tower(c, kinds, layer_kinds)}


def deepseek_v32(c: HFConfig) -> dict[str, Any]:
    """DeepseekV32DecoderLayer: every layer's attention has its own indexer."""
    return dsa_model(c, [True] * c.integer("num_hidden_layers"))


def glm_indexer_types(c: HFConfig, layers: int) -> list[str]:
    """GlmMoeDsaConfig.__post_init__: indexer_types, else index_topk_pattern (F/S), else a
    full indexer every index_topk_freq layers from index_skip_topk_offset."""
    listed = c.raw("indexer_types")
    if listed is None:
        pattern = c.raw("index_topk_pattern")
        if pattern is not None:
            letters = {"F": "full", "S": "shared"}
            if isinstance(pattern, str):
                if set(pattern) - set(letters):
                    raise c.error(
                        "index_topk_pattern", f"must be a string of F and S, got {pattern!r}"
                    )
                listed = [letters[ch] for ch in pattern]
            else:
                listed = pattern
        else:
            freq = max(c.integer("index_topk_freq"), 1)
            offset = c.integer("index_skip_topk_offset", minimum=0)
            return [
                "full" if max(i - offset + 1, 0) % freq == 0 else "shared" for i in range(layers)
            ]
    key = "indexer_types" if c.raw("indexer_types") is not None else "index_topk_pattern"
    if not isinstance(listed, list) or len(listed) != layers or set(listed) - {"full", "shared"}:
        raise c.error(key, f"must give full or shared for each of the {layers} layers")
    return listed


def glm_moe_dsa(c: HFConfig) -> dict[str, Any]:
    """GlmMoeDsaAttention: a layer of indexer type `shared` reuses the previous top-k and has
    no indexer of its own."""
    layers = c.integer("num_hidden_layers")
    return dsa_model(c, [t == "full" for t in glm_indexer_types(c, layers)])


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
    model = fields_to_text(fields)
    return {"text": model}


def fields_to_text(fields: dict[str, Any]) -> dict[str, Any]:
    """The v2 text tower of flat fields, every attention made differential."""
    from paramcalc.schema import Architecture

    text = Architecture.model_validate(fields).to_model().text.model_dump()
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


def axk1(c: HFConfig) -> dict[str, Any]:
    """AXK1DecoderLayer: DeepSeek-V3 with a query latent always, and a norm on each MoE block's
    output; MoE layers by mlp_layer_types, else from first_k_dense_replace and moe_layer_freq."""
    layers = c.integer("num_hidden_layers")
    first, freq = c.integer("first_k_dense_replace", minimum=0), c.integer("moe_layer_freq")
    default = ["sparse" if i >= first and i % freq == 0 else "dense" for i in range(layers)]
    ffns = {
        "dense": gated_mlp(c.integer("intermediate_size")),
        "sparse": {**routed(c), "output_norm": True},
    }
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for mlp in mlp_kinds(c, layers, default):
        kinds[mlp] = {"mixer": sparse_mla(c, False), "ffn": ffns[mlp]}
        layer_kinds.append(mlp)
    return {"text": text_tower(c, kinds, layer_kinds)}


DSA_DEFAULTS = {
    "hidden_size": 7168,
    "intermediate_size": 18432,
    "moe_intermediate_size": 2048,
    "num_hidden_layers": 61,
    "num_attention_heads": 128,
    "n_shared_experts": 1,
    "n_routed_experts": 256,
    "kv_lora_rank": 512,
    "q_lora_rank": 1536,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
    "qk_nope_head_dim": 128,
    "num_experts_per_tok": 8,
    "tie_word_embeddings": False,
    "mlp_layer_types": None,
    "attention_bias": False,
    "index_head_dim": 128,
    "index_n_heads": 64,
    "first_k_dense_replace": 3,
    "vocab_size": 129280,
}
DSA_NOTES = (
    "checkpoints also store each MoE router's e_score_correction_bias (a buffer in "
    "transformers) and the multi-token-prediction layers, which transformers does not "
    "build"
)

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

#: A.X-K1 keeps the MoE output norm inside the MoE block (checkpoints store it one level up,
#: `post_mlp_layernorm`, which transformers renames on loading).
AXK1 = Naming(
    {"ffn.shared_expert": "mlp.shared_experts", "ffn.output_norm": "mlp.post_mlp_layernorm"},
    checkpoint_renames=((r"\.(\d+)\.post_mlp_layernorm\.", r".\1.mlp.post_mlp_layernorm."),),
)

FAMILIES = (
    Family(
        "axk1",
        {
            **DSA_DEFAULTS,
            "vocab_size": 163840,
            "num_attention_heads": 64,
            "n_routed_experts": 192,
            "first_k_dense_replace": 1,
            "moe_layer_freq": 1,
        },
        (axk1,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=AXK1,
        notes=DSA_NOTES,
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
    ),
    Family(
        "minicpm3",
        {
            "vocab_size": 73448,
            "hidden_size": 2560,
            "intermediate_size": 6400,
            "num_hidden_layers": 62,
            "num_attention_heads": 40,
            "num_key_value_heads": 40,
            "max_position_embeddings": 32768,
            "tie_word_embeddings": True,
            "attention_bias": False,
            "mlp_bias": False,
            "kv_lora_rank": 256,
            "q_lora_rank": 768,
            "qk_nope_head_dim": 64,
            "qk_rope_head_dim": 32,
            "v_head_dim": None,
        },
        (minicpm3,),
    ),
    Family(
        "deepseek_v32",
        DSA_DEFAULTS,
        (deepseek_v32,),
        aliases={"n_routed_experts": ("num_local_experts", "num_experts")},
        naming=DEEPSEEK,
        notes=DSA_NOTES,
    ),
    Family(
        "glm_moe_dsa",
        {
            **DSA_DEFAULTS,
            "vocab_size": 154880,
            "hidden_size": 6144,
            "intermediate_size": 12288,
            "num_hidden_layers": 78,
            "num_attention_heads": 64,
            "q_lora_rank": 2048,
            "v_head_dim": 256,
            "qk_nope_head_dim": 192,
            "index_n_heads": 32,
            "indexer_types": None,
            "index_topk_pattern": None,
            "index_topk_freq": 1,
            "index_skip_topk_offset": 2,
        },
        (glm_moe_dsa,),
        aliases={"n_routed_experts": ("num_local_experts", "num_experts")},
        naming=DEEPSEEK,
        notes=DSA_NOTES,
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
