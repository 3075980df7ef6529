"""Decoders the flat form cannot say: attention sinks, per-expert biases, interleaved MoE.

Each record's rules build a schema v2 model (`paramcalc.families.v2`), following the family's
`modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.v2 import attention, layer_spans, mixed_layers, text_tower


def windowed(block: dict[str, Any], window: int | None) -> dict[str, Any]:
    """The block with its attention limited to a sliding window."""
    return {**block, "mixer": {**block["mixer"], "sliding_window": window}}


def gpt_oss(c: HFConfig) -> dict[str, Any]:
    """GptOssDecoderLayer: attention with sinks and biases, alternating windows, MoE in every
    layer with a biased router and biased experts."""
    layers = c.integer("num_hidden_layers")
    spans = layer_spans(
        c, layers, ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(layers)]
    )
    head_dim = c.opt_int("head_dim") or c.integer("hidden_size") // c.integer("num_attention_heads")
    block = {
        "mixer": attention(c, bias=c.boolean("attention_bias"), head_dim=head_dim, sinks=True),
        "ffn": {
            "kind": "moe",
            "num_experts": c.integer("num_local_experts"),
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": c.integer("intermediate_size"),
            "expert_bias": True,
            "router_bias": True,
        },
    }
    kinds = {
        "full_attention": block,
        "sliding_attention": windowed(block, c.opt_int("sliding_window")),
    }
    return {"text": text_tower(c, kinds, spans)}


def llama4_spans(c: HFConfig, layers: int) -> list[str]:
    """Llama4TextConfig.__post_init__: layers without rotary (no_rope_layers) use chunked
    attention; by default every no_rope_layer_interval-th layer keeps rotary and full attention."""
    if c.raw("layer_types") is not None:
        return layer_spans(c, layers, [])
    listed = c.int_list("no_rope_layers")
    interval = c.integer("no_rope_layer_interval")
    no_rope = list(listed) if listed else [int((i + 1) % interval != 0) for i in range(layers)]
    if len(no_rope) != layers:
        raise c.error("no_rope_layers", f"has {len(no_rope)} entries for {layers} layers")
    return ["chunked_attention" if flag else "full_attention" for flag in no_rope]


def llama4_text(c: HFConfig) -> dict[str, Any]:
    """Llama4TextDecoderLayer: MoE layers (routed experts plus a shared expert, all of
    intermediate_size) interleaved with dense MLPs of intermediate_size_mlp."""
    layers = c.integer("num_hidden_layers")
    step = c.integer("interleave_moe_layer_step")
    listed = c.raw("moe_layers")
    moe_layers = (
        set(c.int_list("moe_layers")) if listed is not None else set(range(step - 1, layers, step))
    )
    width = c.integer("intermediate_size")
    ffns = {
        "moe": {
            "kind": "moe",
            "num_experts": c.integer("num_local_experts"),
            "num_experts_per_tok": c.integer("num_experts_per_tok"),
            "moe_intermediate_size": width,
            "shared_expert_intermediate_size": width,
        },
        "mlp": {"kind": "gated", "intermediate_size": c.integer("intermediate_size_mlp")},
    }
    head_dim = c.opt_int("head_dim") or c.integer("hidden_size") // c.integer("num_attention_heads")
    bias = c.boolean("attention_bias")
    mixers = {
        "full_attention": attention(c, bias=bias, head_dim=head_dim),
        # an explicit layer_types may say sliding: Llama 4's modeling code gives it no window
        "sliding_attention": attention(c, bias=bias, head_dim=head_dim),
        "chunked_attention": attention(
            c, bias=bias, head_dim=head_dim, attention_chunk_size=c.opt_int("attention_chunk_size")
        ),
    }
    pairs = [
        (span, "moe" if i in moe_layers else "mlp")
        for i, span in enumerate(llama4_spans(c, layers))
    ]
    return mixed_layers(c, mixers, ffns, pairs)


#: GptOssForCausalLM: the router is `mlp.router`; experts are stored (E, in, out) with their
#: biases beside them (`gate_up_proj_bias`).
GPT_OSS = Naming({"ffn.router": "mlp.router"}, experts_transposed=True)

#: Llama4ForCausalLM: `feed_forward` holds the router, stacked experts stored (E, in, out), the
#: shared expert, or a dense MLP.
LLAMA4 = Naming(
    {"ffn": "feed_forward", "ffn.router": "feed_forward.router"}, experts_transposed=True
)
LLAMA4_TEXT_DEFAULTS = {
    "vocab_size": 202048,
    "hidden_size": 5120,
    "intermediate_size": 8192,
    "intermediate_size_mlp": 16384,
    "num_hidden_layers": 48,
    "num_attention_heads": 40,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "tie_word_embeddings": False,
    "num_experts_per_tok": 1,
    "num_local_experts": 16,
    "moe_layers": None,
    "interleave_moe_layer_step": 1,
    "no_rope_layers": None,
    "no_rope_layer_interval": 4,
    "attention_chunk_size": 8192,
    "layer_types": None,
    "attention_bias": False,
}

FAMILIES = (
    Family(
        "gpt_oss",
        {
            "vocab_size": 201088,
            "hidden_size": 2880,
            "intermediate_size": 2880,
            "num_hidden_layers": 36,
            "num_attention_heads": 64,
            "num_key_value_heads": 8,
            "head_dim": 64,
            "num_local_experts": 128,
            "num_experts_per_tok": 4,
            "sliding_window": 128,
            "layer_types": None,
            "attention_bias": True,
            "tie_word_embeddings": False,
        },
        (gpt_oss,),
        naming=GPT_OSS,
        notes="published gpt-oss checkpoints store the experts in MXFP4 "
        "(gate_up_proj_blocks and _scales): the same parameters, packed",
        required=KV_HEADS,
    ),
    Family("llama4_text", LLAMA4_TEXT_DEFAULTS, (llama4_text,), naming=LLAMA4, required=KV_HEADS),
)
