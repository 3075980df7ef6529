"""Decoders with relative positions instead of position embeddings: CPM-Ant's learned bias
table and XLNet's two-stream relative attention.

Each build follows its `modeling_<family>.py` in transformers 5.23.0 (CpmAntForCausalLM,
XLNetLMHeadModel); tables hold the config class's defaults under its own field names.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.v2 import gated_mlp, text_tower


def cpmant(c: HFConfig) -> dict[str, Any]:
    """CpmAntForCausalLM: pre-norm layers of unbiased attention (dim_head wide heads) and a
    GELU-gated MLP; the token table holds prompt_types x prompt_length prompt rows beyond the
    vocabulary, and the model one segment/position bias table for every layer."""
    heads = c.integer("num_attention_heads")
    block = {
        # CpmAntAttention: project_q/k/v/attention_out, one key/value head per query head
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "head_dim": c.integer("dim_head"),
        },
        # CpmAntDenseGatedACT: gelu(w_0(x)) * w_1(x), then w_out
        "ffn": gated_mlp(c.integer("dim_ff")),
    }
    prompt = c.integer("prompt_length", minimum=0)
    tower = text_tower(
        c,
        {"layer": block},
        ["layer"] * c.integer("num_hidden_layers"),
        type_vocab_size=c.integer("segment_types"),
        extra_token_rows=c.integer("prompt_types", minimum=0) * prompt,
        extras=[
            {
                "kind": "segment_position_bias",
                "segment_types": c.integer("segment_types"),
                "num_buckets": c.integer("position_bias_num_buckets"),
                "num_attention_heads": heads,
            }
        ],
    )
    # CpmAntModel.forward puts prompt_length prompt ids before every sequence, drops their
    # hidden states before the head
    tower["stacks"][0]["prefix_tokens"] = prompt
    # _tied_weights_keys = {}: the head is never the table (which has the prompt rows too)
    return {"text": {**tower, "tie_word_embeddings": False}}


def xlnet_heads(c: HFConfig) -> tuple[int, int]:
    """n_head and d_head as XLNetConfig.validate_architecture accepts them: the heads split
    d_model, and d_head is that split. A null d_head is d_model // n_head as __post_init__
    computes it, before the attribute_map spellings (hidden_size, num_attention_heads) apply:
    from the fields under their own names, else their defaults."""
    width, heads = c.integer("d_model"), c.integer("n_head")
    if width % heads:
        raise c.error("n_head", f"{heads} does not divide d_model={width}")
    head = c.opt_int("d_head")
    if head is None:
        own = {k: c.data.get(k, c.family.defaults[k]) for k in ("d_model", "n_head")}
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in own.values()):
            raise c.error("d_head", f"null, and d_model // n_head cannot be taken of {own}")
        head = own["d_model"] // own["n_head"]
    if head != width // heads:
        raise c.error(
            "d_head",
            f"{head} must equal d_model // n_head = {width // heads} (a null d_head is taken "
            "from d_model and n_head under those names, before hidden_size or "
            "num_attention_heads apply)",
        )
    return heads, head


def xlnet(c: HFConfig) -> dict[str, Any]:
    """XLNetLMHeadModel: post-norm layers of relative attention and a biased MLP, no final
    norm, mask_emb, and lm_loss (tied, with its own bias)."""
    heads, head = xlnet_heads(c)
    attn_type = c.raw("attn_type")
    if attn_type not in ("bi", "uni"):
        # XLNetModel.relative_positional_encoding raises on any other at the first forward
        raise c.error("attn_type", f"must be 'bi' or 'uni', got {describe(attn_type)}")
    mixer = {
        "kind": "two_stream",
        "num_attention_heads": heads,
        "head_dim": head,
        "bidirectional": attn_type == "bi",
        "keeps_memory": c.boolean("use_mems_eval"),
        # XLNetModel.cache_mem: a mem_len or reuse_len of None or 0 sets no limit
        "memory_length": c.opt_int("mem_len", minimum=0) or None,
        "reuse_length": c.opt_int("reuse_len", minimum=0) or None,
    }
    block = {
        "mixer": mixer,
        "ffn": {"kind": "mlp", "intermediate_size": c.integer("d_inner"), "bias": True},
        "norms": ["post_mixer", "post_ffn"],
    }
    return {
        "text": {
            "vocab_size": c.integer("vocab_size"),
            "hidden_size": c.integer("d_model"),
            "norm_type": "layernorm",
            "stacks": [
                {"num_hidden_layers": c.integer("n_layer"), "block": block, "final_norm": False}
            ],
            "tie_word_embeddings": c.boolean("tie_word_embeddings"),
            "lm_head_bias": True,
            "extras": [{"kind": "mask_embedding"}],
        }
    }


#: CpmAntForCausalLM's names: the model under `cpmant`, its decoder called `encoder`.
CPMANT = Naming(
    {
        "embed_tokens": "cpmant.input_embedding",
        "token_type_embeddings": "cpmant.segment_embedding",
        "position_bias": "cpmant.position_bias",
        "decoder.layers": "cpmant.encoder.layers",
        "input_norm": "self_att.layernorm_before_attention",
        "attention": "self_att.self_attention",
        "attention.q_proj": "self_att.self_attention.project_q",
        "attention.k_proj": "self_att.self_attention.project_k",
        "attention.v_proj": "self_att.self_attention.project_v",
        "attention.o_proj": "self_att.self_attention.attention_out",
        "pre_ffn_norm": "ffn.layernorm_before_ffn",
        "ffn.gate_proj": "ffn.ffn.w_in.w_0",
        "ffn.up_proj": "ffn.ffn.w_in.w_1",
        "ffn.down_proj": "ffn.ffn.w_out",
        "decoder.final_norm": "cpmant.encoder.output_layernorm",
    }
)

#: XLNetLMHeadModel's names: the model under `transformer`, the head `lm_loss`.
XLNET = Naming(
    {
        "embed_tokens": "transformer.word_embedding",
        "mask_emb": "transformer.mask_emb",
        "decoder.layers": "transformer.layer",
        "attention": "rel_attn",
        "post_mixer_norm": "rel_attn.layer_norm",
        "ffn": "ff",
        "ffn.up_proj": "ff.layer_1",
        "ffn.down_proj": "ff.layer_2",
        "post_ffn_norm": "ff.layer_norm",
        "lm_head": "lm_loss",
    }
)

FAMILIES = (
    Family(
        "cpmant",
        {
            "vocab_size": 30720,
            "hidden_size": 4096,
            "num_attention_heads": 32,
            "dim_head": 128,
            "dim_ff": 10240,
            "num_hidden_layers": 48,
            "position_bias_num_buckets": 512,
            "prompt_types": 32,
            "prompt_length": 32,
            "segment_types": 32,
            "tie_word_embeddings": True,
        },
        (cpmant,),
        naming=CPMANT,
    ),
    Family(
        "xlnet",
        {
            "vocab_size": 32000,
            "d_model": 1024,
            "n_layer": 24,
            "n_head": 16,
            "d_inner": 4096,
            "d_head": None,
            "attn_type": "bi",
            "mem_len": 512,
            "reuse_len": None,
            "use_mems_eval": True,
            "tie_word_embeddings": True,
        },
        (xlnet,),
        # XLNetConfig.attribute_map
        {
            "vocab_size": ("n_token",),
            "d_model": ("hidden_size",),
            "n_head": ("num_attention_heads",),
            "n_layer": ("num_hidden_layers",),
        },
        naming=XLNET,
    ),
)
