"""GPT-2's descendants and cousins: GPT-Neo, GPT-BigCode, CodeGen, MPT, OpenAI GPT and GPT-SW3.

Tables hold the defaults of each config class in transformers 5.23.0 under the config class's
own field names, with its `attribute_map` aliases; builds follow each `modeling_<family>.py`
as `AutoModelForCausalLM` builds it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families import classic
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.classic import ALL_BIASES, GPT2, GPT2_ALIASES, gpt2_sizes

LAYERNORM_MLP = {"norm_type": "layernorm", "gated_ffn": False}


def gpt_neo_spans(c: HFConfig, layers: int) -> dict[str, Any]:
    """GPTNeoConfig.expand_attention_types_params: [[kinds, repeat], ...] lists each layer's
    attention; a `local` layer sees the last window_size tokens (GPTNeoSelfAttention's mask)."""
    value = c.raw("attention_types")
    if value is None:
        value = [[["global", "local"], 12]]
    kinds: list[str] = []
    try:
        for item_kinds, repeat in value:
            if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 0:
                raise TypeError
            for _ in range(repeat):
                kinds.extend(item_kinds)
    except (TypeError, ValueError):
        raise c.error(
            "attention_types", f"must be [[kinds, count], ...], got {describe(value)}"
        ) from None
    if len(kinds) != layers:
        raise c.error("attention_types", f"lists {len(kinds)} layers for num_layers={layers}")
    spans = {"global": "full_attention", "local": "sliding_attention"}
    unknown = [k for k in kinds if k not in spans]
    if unknown:
        raise c.error(
            "attention_types",
            f"unknown attention kind {describe(unknown[0])} (expected global or local)",
        )
    if "local" not in kinds:
        return {}
    return {
        "sliding_window": c.integer("window_size"),
        "layer_types": tuple(spans[k] for k in kinds),
    }


def gpt_neo(c: HFConfig) -> dict[str, Any]:
    """GPTNeoBlock: unbiased q/k/v, biased out_proj and MLP, learned positions, LayerNorm."""
    hidden, layers = c.integer("hidden_size"), c.integer("num_layers")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": c.integer("num_heads"),
        "intermediate_size": c.opt_int("intermediate_size") or 4 * hidden,  # GPTNeoBlock
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "learned",
        **LAYERNORM_MLP,
        "qkv_bias": False,
        "attention_out_bias": True,
        "ffn_bias": True,
        **gpt_neo_spans(c, layers),
    }


def gpt_bigcode(c: HFConfig) -> dict[str, Any]:
    """GPTBigCodeBlock: GPT-2 with nn.Linear projections and one key/value head (multi_query)."""
    cross, multi_query = c.boolean("add_cross_attention"), c.boolean("multi_query")
    if cross and multi_query:
        # GPTBigCodeBlock: "Cross-attention not implemented for MQA"
        raise c.error(
            "add_cross_attention",
            "true needs multi_query false (GPT-BigCode has no multi-query cross-attention)",
        )
    fields = {
        **gpt2_sizes(c),
        **ALL_BIASES,
        **LAYERNORM_MLP,
        "cross_attention": cross,
        "position_embedding_type": "learned",
    }
    return {**fields, "num_key_value_heads": 1 if multi_query else fields["num_attention_heads"]}


def codegen(c: HFConfig) -> dict[str, Any]:
    """CodeGenBlock: one ln_1 feeds attention and MLP (GPT-J's layout), fused unbiased qkv_proj,
    biased MLP and lm_head; rotary positions."""
    return {
        **gpt2_sizes(c),
        **LAYERNORM_MLP,
        "ffn_bias": True,
        "parallel_block": True,
        "lm_head_bias": True,
    }


def mpt(c: HFConfig) -> dict[str, Any]:
    """MptBlock: ALiBi, bias-free LayerNorms and projections, a 4 x d_model MLP."""
    # modeling_mpt.py hard-codes the MLP width and bias=False and always uses ALiBi: the
    # config's expansion_ratio, no_bias and learned_pos_emb change no parameter.
    hidden = c.integer("d_model")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "num_hidden_layers": c.integer("n_layers"),
        "num_attention_heads": c.integer("n_heads"),
        "intermediate_size": 4 * hidden,
        "max_position_embeddings": c.integer("max_seq_len"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "alibi",
        "norm_type": "layernorm_no_bias",
        "gated_ffn": False,
    }


def openai_gpt(c: HFConfig) -> dict[str, Any]:
    """OpenAI GPT's Block: post-norm (ln_1 after attention, ln_2 after the MLP), no final
    norm, Conv1D projections with biases, a 4 x n_embd MLP, learned positions."""
    hidden = c.integer("n_embd")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": hidden,
        "num_hidden_layers": c.integer("n_layer"),
        "num_attention_heads": c.integer("n_head"),
        "intermediate_size": 4 * hidden,
        "max_position_embeddings": c.integer("n_positions"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
        "position_embedding_type": "learned",
        **LAYERNORM_MLP,
        **ALL_BIASES,
        "attention_input_norm": False,
        "attention_output_norm": True,
        "ffn_input_norm": False,
        "ffn_output_norm": True,
        "final_norm": False,
    }


#: GPTNeoForCausalLM: GPT-2's module names, attention one level deeper, nn.Linear layout.
GPT_NEO = Naming(
    {
        "embed_tokens": "transformer.wte",
        "embed_positions": "transformer.wpe",
        "decoder.layers": "transformer.h",
        "input_norm": "ln_1",
        "attention": "attn.attention",
        "attention.o_proj": "attn.attention.out_proj",
        "pre_ffn_norm": "ln_2",
        "ffn.up_proj": "mlp.c_fc",
        "ffn.down_proj": "mlp.c_proj",
        "decoder.final_norm": "transformer.ln_f",
    }
)
#: GPTBigCodeForCausalLM: GPT-2's names, but nn.Linear projections stored (out, in).
GPT_BIGCODE = replace(GPT2, conv1d=False)
CODEGEN = Naming(
    {
        "embed_tokens": "transformer.wte",
        "decoder.layers": "transformer.h",
        "input_norm": "ln_1",
        "attention": "attn",
        "attention.o_proj": "attn.out_proj",
        "ffn.up_proj": "mlp.fc_in",
        "ffn.down_proj": "mlp.fc_out",
        "decoder.final_norm": "transformer.ln_f",
    },
    fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
)
MPT = Naming(
    {
        "embed_tokens": "transformer.wte",
        "decoder.layers": "transformer.blocks",
        "input_norm": "norm_1",
        "attention": "attn",
        "attention.qkv_proj": "attn.Wqkv",
        "attention.o_proj": "attn.out_proj",
        "pre_ffn_norm": "norm_2",
        "ffn": "ffn",
        "decoder.final_norm": "transformer.norm_f",
    },
    fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
)
OPENAI_GPT = Naming(
    {
        "embed_tokens": "transformer.tokens_embed",
        "embed_positions": "transformer.positions_embed",
        "decoder.layers": "transformer.h",
        "attention": "attn",
        "attention.qkv_proj": "attn.c_attn",
        "attention.o_proj": "attn.c_proj",
        "post_mixer_norm": "ln_1",
        "ffn.up_proj": "mlp.c_fc",
        "ffn.down_proj": "mlp.c_proj",
        "post_ffn_norm": "ln_2",
    },
    fused={"attention.qkv_proj": ("q_proj", "k_proj", "v_proj")},
    conv1d=True,
)
MASK_BUFFER = "checkpoints may store causal-mask buffers ({}): not parameters"
GPT2_FAMILY = next(f for f in classic.FAMILIES if f.model_type == "gpt2")

FAMILIES = (
    Family(
        "gpt_neo",
        {
            "vocab_size": 50257,
            "max_position_embeddings": 2048,
            "hidden_size": 2048,
            "num_layers": 24,
            "attention_types": None,
            "num_heads": 16,
            "intermediate_size": None,
            "window_size": 256,
            "tie_word_embeddings": True,
        },
        (gpt_neo,),
        {"num_heads": ("num_attention_heads",), "num_layers": ("num_hidden_layers",)},
        naming=GPT_NEO,
        notes="GPT-Neo " + MASK_BUFFER.format("attn.attention.bias"),
    ),
    Family(
        "gpt_bigcode",
        {
            "vocab_size": 50257,
            "n_positions": 1024,
            "n_embd": 768,
            "n_layer": 12,
            "n_head": 12,
            "n_inner": None,
            "multi_query": True,
            "add_cross_attention": False,
            "tie_word_embeddings": True,
        },
        (gpt_bigcode,),
        GPT2_ALIASES,
        naming=GPT_BIGCODE,
    ),
    Family(
        "codegen",
        {
            "vocab_size": 50400,
            "n_positions": 2048,
            "n_embd": 4096,
            "n_layer": 28,
            "n_head": 16,
            "n_inner": None,
            "tie_word_embeddings": False,
        },
        (codegen,),
        GPT2_ALIASES,
        naming=CODEGEN,
        notes="CodeGen " + MASK_BUFFER.format("attn.causal_mask"),
    ),
    Family(
        "mpt",
        {
            "vocab_size": 50368,
            "d_model": 2048,
            "n_heads": 16,
            "n_layers": 24,
            "max_seq_len": 2048,
            "tie_word_embeddings": True,
        },
        (mpt,),
        {
            "n_heads": ("num_attention_heads",),
            "d_model": ("hidden_size",),
            "n_layers": ("num_hidden_layers",),
        },
        naming=MPT,
    ),
    Family(
        "openai-gpt",
        {
            "vocab_size": 40478,
            "n_positions": 512,
            "n_embd": 768,
            "n_layer": 12,
            "n_head": 12,
            "tie_word_embeddings": True,
        },
        (openai_gpt,),
        GPT2_ALIASES,
        naming=OPENAI_GPT,
        notes="OpenAI GPT " + MASK_BUFFER.format("attn.bias"),
    ),
    # transformers maps gpt-sw3 to GPT2Config and GPT2LMHeadModel: GPT-2's record.
    replace(GPT2_FAMILY, model_type="gpt-sw3"),
)
