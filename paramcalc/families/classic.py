"""GPT-2 and its descendants: GPT-2, GPT-J, OPT, BLOOM, Falcon, GPT-NeoX and Phi.

Tables hold the defaults of each config class in transformers 5.23.0 under the config class's
own field names (n_embd, n_layer, ...), with its `attribute_map` aliases; builds follow each
`modeling_<family>.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig, standard_sizes
from paramcalc.families.rules import head_dim_if_set

#: GPT2Config / GPTJConfig attribute_map: the standard names stand for the n_* fields.
GPT2_ALIASES = {
    "n_embd": ("hidden_size",),
    "n_layer": ("num_hidden_layers",),
    "n_head": ("num_attention_heads",),
    "n_positions": ("max_position_embeddings",),
}
ALL_BIASES = {"qkv_bias": True, "attention_out_bias": True, "ffn_bias": True}


def gpt2_sizes(c: HFConfig) -> dict[str, Any]:
    """Sizes under GPT-2's names; the MLP is n_inner wide, or 4 x n_embd when n_inner is null."""
    hidden = c.integer("n_embd")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "num_hidden_layers": c.integer("n_layer"),
        "num_attention_heads": c.integer("n_head"),
        "intermediate_size": c.opt_int("n_inner") or 4 * hidden,  # GPT2Block / GPTJBlock
        "max_position_embeddings": c.integer("n_positions"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
    }


def gpt2(c: HFConfig) -> dict[str, Any]:
    """GPT-2: learned positions, fused c_attn with biases, LayerNorm, plain GELU MLP."""
    # GPT2Block with add_cross_attention: crossattention (q_attn, c_attn, c_proj), ln_cross_attn
    return {
        **gpt2_sizes(c),
        **ALL_BIASES,
        "cross_attention": c.boolean("add_cross_attention"),
        "position_embedding_type": "learned",
        "norm_type": "layernorm",
        "gated_ffn": False,
    }


def gptj(c: HFConfig) -> dict[str, Any]:
    """GPTJBlock: one ln_1 feeds attention and MLP; q/k/v/out_proj unbiased; lm_head biased."""
    return {
        **gpt2_sizes(c),
        "ffn_bias": True,
        "norm_type": "layernorm",
        "gated_ffn": False,
        "parallel_block": True,
        "lm_head_bias": True,
    }


def opt(c: HFConfig) -> dict[str, Any]:
    """OPT: position table of max_position_embeddings + 2 rows, optional project_in/out."""
    hidden, bias = c.integer("hidden_size"), c.boolean("enable_bias")
    word_dim = c.opt_int("word_embed_proj_dim") or hidden  # OPTConfig.__post_init__
    affine = c.boolean("layer_norm_elementwise_affine")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": c.integer("num_attention_heads"),
        "intermediate_size": c.integer("ffn_dim"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "learned",
        "position_offset": 2,  # OPTLearnedPositionalEmbedding.offset
        "embedding_size": word_dim,
        "qkv_bias": bias,
        "attention_out_bias": bias,
        "ffn_bias": bias,
        "gated_ffn": False,
        "norm_type": "layernorm" if affine else "none",
        # OPTDecoder: final_layer_norm only with do_layer_norm_before (OPT-350m has none)
        "final_norm": (
            c.boolean("do_layer_norm_before") and not c.boolean("_remove_final_layer_norm")
        ),
    }


def bloom(c: HFConfig) -> dict[str, Any]:
    """BLOOM: ALiBi, word_embeddings_layernorm, 4 x hidden MLP, every projection biased."""
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": c.integer("n_layer"),
        "num_attention_heads": c.integer("n_head"),
        "intermediate_size": 4 * c.integer("hidden_size"),  # BloomMLP
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "alibi",
        "embedding_norm": True,
        "norm_type": "layernorm",
        "gated_ffn": False,
        **ALL_BIASES,
    }


def falcon_kv_heads(c: HFConfig, heads: int) -> int:
    """FalconAttention: num_kv_heads (new architecture), 1 (multi-query) or one per head."""
    if c.opt_bool("new_decoder_architecture"):
        return c.opt_int("num_kv_heads") or heads
    return 1 if c.opt_bool("multi_query") else heads


def falcon_norms(c: HFConfig) -> dict[str, Any]:
    """FalconDecoderLayer: two norms (sequential, or ln_attn + ln_mlp) or one shared norm."""
    two_parallel = c.opt_int("num_ln_in_parallel_attn")
    if two_parallel is None and c.opt_bool("new_decoder_architecture"):
        two_parallel = 2
    if two_parallel == 2 and c.opt_bool("parallel_attn"):
        return {"parallel_block": False, "naming": "falcon/parallel_norms"}
    return {"parallel_block": bool(c.opt_bool("parallel_attn"))}


def falcon(c: HFConfig) -> dict[str, Any]:
    """Falcon: fused query_key_value; `bias` on every projection; LayerNorm with bias."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    bias = c.opt_bool("bias")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": heads,
        "num_key_value_heads": falcon_kv_heads(c, heads),
        "intermediate_size": c.opt_int("ffn_hidden_size") or 4 * hidden,  # FalconConfig
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "alibi" if c.opt_bool("alibi") else "rotary",
        "qkv_bias": bool(bias),
        "attention_out_bias": bool(bias),
        "ffn_bias": bool(bias),
        "norm_type": "layernorm",
        "gated_ffn": False,
        **falcon_norms(c),
    }


def gpt_neox(c: HFConfig) -> dict[str, Any]:
    """GPT-NeoX: two LayerNorms per layer whether residuals are parallel or not; biased MLP."""
    bias = c.boolean("attention_bias")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": c.integer("num_attention_heads"),
        "intermediate_size": c.integer("intermediate_size"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "qkv_bias": bias,
        "attention_out_bias": bias,
        "ffn_bias": True,
        "norm_type": "layernorm",
        "gated_ffn": False,
    }


def phi(c: HFConfig) -> dict[str, Any]:
    """Phi: one input_layernorm feeds attention and MLP; biased projections and lm_head."""
    fields = {
        **standard_sizes(c),
        **head_dim_if_set(c),
        **ALL_BIASES,
        "norm_type": "layernorm",
        "gated_ffn": False,
        "parallel_block": True,
        "lm_head_bias": True,
    }
    if c.boolean("qk_layernorm"):
        # PhiAttention: q_layernorm/k_layernorm are hidden_size // heads wide, whatever head_dim
        per_head = fields["hidden_size"] // fields["num_attention_heads"]
        if fields.get("head_dim", per_head) != per_head:
            raise c.error(
                "head_dim", "with qk_layernorm must equal hidden_size // num_attention_heads"
            )
        fields["qk_norm"] = "per_head"
    return fields


#: transformers' GPT-2 family names (GPT2LMHeadModel): Conv1D projections stored (in, out).
GPT2 = Naming(
    {
        "embed_tokens": "transformer.wte",
        "embed_positions": "transformer.wpe",
        "decoder.layers": "transformer.h",
        "input_norm": "ln_1",
        "attention": "attn",
        "attention.qkv_proj": "attn.c_attn",
        "attention.o_proj": "attn.c_proj",
        "pre_ffn_norm": "ln_2",
        "ffn.up_proj": "mlp.c_fc",
        "ffn.down_proj": "mlp.c_proj",
        "decoder.final_norm": "transformer.ln_f",
        "pre_cross_norm": "ln_cross_attn",
        "cross_attention": "crossattention",
        "cross_attention.o_proj": "crossattention.c_proj",
        "cross_attention.q_proj": "crossattention.q_attn",
        "cross_attention.kv_proj": "crossattention.c_attn",
    },
    fused={
        "attention.qkv_proj": ("q_proj", "k_proj", "v_proj"),
        "cross_attention.kv_proj": ("k_proj", "v_proj"),
    },
    conv1d=True,
)
GPTJ = Naming(
    {
        "embed_tokens": "transformer.wte",
        "decoder.layers": "transformer.h",
        "input_norm": "ln_1",
        "attention": "attn",
        "attention.o_proj": "attn.out_proj",
        "ffn.up_proj": "mlp.fc_in",
        "ffn.down_proj": "mlp.fc_out",
        "decoder.final_norm": "transformer.ln_f",
    }
)
OPT = Naming(
    {
        "embed_tokens": "model.decoder.embed_tokens",
        "embed_positions": "model.decoder.embed_positions",
        "project_in": "model.decoder.project_in",
        "project_out": "model.decoder.project_out",
        "decoder.layers": "model.decoder.layers",
        "input_norm": "self_attn_layer_norm",
        "attention.o_proj": "self_attn.out_proj",
        "pre_ffn_norm": "final_layer_norm",
        "ffn": "",
        "ffn.up_proj": "fc1",
        "ffn.down_proj": "fc2",
        "decoder.final_norm": "model.decoder.final_layer_norm",
    }
)
#: BLOOM, Falcon and GPT-NeoX fuse q, k and v into query_key_value and name the MLP's
#: projections dense_h_to_4h and dense_4h_to_h.
FUSED_QKV = {"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")}
H_TO_4H = {"ffn.up_proj": "mlp.dense_h_to_4h", "ffn.down_proj": "mlp.dense_4h_to_h"}
BLOOM = Naming(
    {
        "embed_tokens": "transformer.word_embeddings",
        "embedding_norm": "transformer.word_embeddings_layernorm",
        "decoder.layers": "transformer.h",
        "attention": "self_attention",
        "attention.qkv_proj": "self_attention.query_key_value",
        "attention.o_proj": "self_attention.dense",
        **H_TO_4H,
        "decoder.final_norm": "transformer.ln_f",
    },
    fused=FUSED_QKV,
)
FALCON_NAMES = {**BLOOM.names, "embedding_norm": "transformer.embedding_norm"}
FALCON = Naming(FALCON_NAMES, fused=FUSED_QKV)
#: Falcon's new decoder architecture: one norm for attention and one for the MLP, in parallel.
FALCON_PARALLEL_NORMS = Naming(
    {**FALCON_NAMES, "input_norm": "ln_attn", "pre_ffn_norm": "ln_mlp"}, fused=FUSED_QKV
)
GPT_NEOX = Naming(
    {
        "embed_tokens": "gpt_neox.embed_in",
        "decoder.layers": "gpt_neox.layers",
        "attention": "attention",
        "attention.qkv_proj": "attention.query_key_value",
        "attention.o_proj": "attention.dense",
        **H_TO_4H,
        "decoder.final_norm": "gpt_neox.final_layer_norm",
    },
    fused=FUSED_QKV,
)
PHI = Naming(
    {
        "attention.o_proj": "self_attn.dense",
        "attention.q_norm": "self_attn.q_layernorm",
        "attention.k_norm": "self_attn.k_layernorm",
        "ffn.up_proj": "mlp.fc1",
        "ffn.down_proj": "mlp.fc2",
        "decoder.final_norm": "model.final_layernorm",
    }
)
CAUSAL_MASK = "checkpoints may store causal-mask buffers ({}): not parameters"

FAMILIES = (
    Family(
        "gpt2",
        {
            "vocab_size": 50257,
            "n_positions": 1024,
            "n_embd": 768,
            "n_layer": 12,
            "n_head": 12,
            "n_inner": None,
            "add_cross_attention": False,
            "tie_word_embeddings": True,
        },
        (gpt2,),
        GPT2_ALIASES,
        naming=GPT2,
        notes="GPT-2 " + CAUSAL_MASK.format("h.N.attn.bias, attn.masked_bias"),
    ),
    Family(
        "gptj",
        {
            "vocab_size": 50400,
            "n_positions": 2048,
            "n_embd": 4096,
            "n_layer": 28,
            "n_head": 16,
            "n_inner": None,
            "tie_word_embeddings": False,
        },
        (gptj,),
        GPT2_ALIASES,
        naming=GPTJ,
        notes="GPT-J " + CAUSAL_MASK.format("attn.bias, attn.masked_bias"),
    ),
    Family(
        "opt",
        {
            "vocab_size": 50272,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "ffn_dim": 3072,
            "max_position_embeddings": 2048,
            "do_layer_norm_before": True,
            "_remove_final_layer_norm": False,
            "word_embed_proj_dim": None,
            "num_attention_heads": 12,
            "enable_bias": True,
            "layer_norm_elementwise_affine": True,
            "tie_word_embeddings": True,
        },
        (opt,),
        naming=OPT,
    ),
    Family(
        "bloom",
        {
            "vocab_size": 250880,
            "hidden_size": 64,
            "n_layer": 2,
            "n_head": 8,
            "tie_word_embeddings": True,
        },
        (bloom,),
        {
            "hidden_size": ("n_embed",),
            "n_layer": ("num_hidden_layers",),
            "n_head": ("num_attention_heads",),
        },
        naming=BLOOM,
    ),
    Family(
        "falcon",
        {
            "vocab_size": 65024,
            "hidden_size": 4544,
            "num_hidden_layers": 32,
            "num_attention_heads": 71,
            "num_ln_in_parallel_attn": None,
            "num_kv_heads": None,
            "alibi": False,
            "new_decoder_architecture": False,
            "multi_query": True,
            "parallel_attn": True,
            "bias": False,
            "max_position_embeddings": 2048,
            "ffn_hidden_size": None,
            "tie_word_embeddings": True,
        },
        (falcon,),
        {"hidden_size": ("n_embed",)},
        naming=FALCON,
        variants={"parallel_norms": FALCON_PARALLEL_NORMS},
    ),
    Family(
        "gpt_neox",
        {
            "vocab_size": 50432,
            "hidden_size": 6144,
            "num_hidden_layers": 44,
            "num_attention_heads": 64,
            "intermediate_size": 24576,
            "max_position_embeddings": 2048,
            "tie_word_embeddings": False,
            "attention_bias": True,
        },
        (gpt_neox,),
        naming=GPT_NEOX,
        notes="GPT-NeoX checkpoints may store buffers (attention.bias, attention.masked_bias, "
        "rotary_emb.inv_freq): not parameters",
    ),
    Family(
        "phi",
        {
            "vocab_size": 51200,
            "hidden_size": 2048,
            "intermediate_size": 8192,
            "num_hidden_layers": 24,
            "num_attention_heads": 32,
            "num_key_value_heads": None,
            "max_position_embeddings": 2048,
            "tie_word_embeddings": False,
            "qk_layernorm": False,
        },
        (phi,),
        naming=PHI,
    ),
)
