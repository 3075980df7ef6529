"""MLA decoders: MiniCPM3, DeepSeek sparse attention (DeepSeek-V3.2, GLM-DSA) and A.X-K1.

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
`modeling_<family>.py`. MiniCPM3 is DeepSeek-V2's MLA over a dense model (flat fields); the
others have per-layer MLP kinds or indexers (schema v2 models).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig, standard_sizes
from paramcalc.families.moe import DEEPSEEK
from paramcalc.families.v2 import gated_mlp, text_tower


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
)
