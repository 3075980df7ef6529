"""Hybrid decoders: attention between Mamba-2 or gated DeltaNet layers (schema v2 models).

Layer kinds come from the config as it writes them (`layer_types`, `layers_block_type`,
`hybrid_override_pattern`, `full_attention_interval`), following each family's
`modeling_<family>.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.v2 import attention, gated_mlp, mixed_layers, text_tower


def kinds_listed(c: HFConfig, key: str, allowed: set[str]) -> list[str] | None:
    """A per-layer kind list from the config, each entry checked; None when absent."""
    listed = c.raw(key)
    if listed is None:
        return None
    if (
        not isinstance(listed, list)
        or not listed
        or any(not isinstance(v, str) or v not in allowed for v in listed)
    ):
        raise c.error(key, f"must list one of {sorted(allowed)} per layer")
    return listed


def qwen3_next_mixers(c: HFConfig, layers: int) -> list[str]:
    """Qwen3NextConfig.__post_init__: every full_attention_interval-th layer is full attention."""
    listed = kinds_listed(c, "layer_types", {"linear_attention", "full_attention"})
    if listed is not None:
        if len(listed) != layers:
            raise c.error("layer_types", f"has {len(listed)} entries for {layers} layers")
        return listed
    interval = c.integer("full_attention_interval")
    return [
        "full_attention" if (i + 1) % interval == 0 else "linear_attention" for i in range(layers)
    ]


def qwen3_next(c: HFConfig) -> dict[str, Any]:
    """Qwen3NextDecoderLayer: gated DeltaNet or gated attention, then an MoE with a gated shared
    expert or a dense MLP."""
    layers = c.integer("num_hidden_layers")
    mixers = {
        "linear_attention": {
            "kind": "gated_deltanet",
            "num_key_heads": c.integer("linear_num_key_heads"),
            "num_value_heads": c.integer("linear_num_value_heads"),
            "key_head_dim": c.integer("linear_key_head_dim"),
            "value_head_dim": c.integer("linear_value_head_dim"),
            "conv_kernel": c.integer("linear_conv_kernel_dim"),
        },
        # Qwen3NextAttention: q_proj also computes the output gate; q/k norms per head.
        "full_attention": attention(
            c,
            bias=c.boolean("attention_bias"),
            head_dim=c.integer("head_dim"),
            qk_norm="per_head",
            output_gate=True,
        ),
    }
    dense_only = set(c.int_list("mlp_only_layers"))
    experts, step = c.integer("num_experts", minimum=0), c.integer("decoder_sparse_step")
    moe = {
        "kind": "moe",
        "num_experts": max(experts, 1),
        "num_experts_per_tok": c.integer("num_experts_per_tok"),
        "moe_intermediate_size": c.integer("moe_intermediate_size"),
        "shared_expert_intermediate_size": c.integer("shared_expert_intermediate_size"),
        "shared_expert_gate": True,
    }
    ffns = {"moe": moe, "mlp": gated_mlp(c.integer("intermediate_size"))}
    routed = [i not in dense_only and experts > 0 and (i + 1) % step == 0 for i in range(layers)]
    pairs = [
        (mixer, "moe" if routed[i] else "mlp")
        for i, mixer in enumerate(qwen3_next_mixers(c, layers))
    ]
    return mixed_layers(c, mixers, ffns, pairs)


NEMOTRON_KINDS = {"M": "linear_attention", "*": "full_attention", "-": "mlp", "E": "moe"}


def nemotron_h_layers(c: HFConfig) -> list[str]:
    """layers_block_type, else the legacy hybrid_override_pattern (M, *, -, E)."""
    listed = kinds_listed(c, "layers_block_type", set(NEMOTRON_KINDS.values()))
    if listed is not None:
        return listed
    pattern = c.raw("hybrid_override_pattern")
    if pattern is None:
        return ["linear_attention", "moe", "full_attention", "mlp"]
    if not isinstance(pattern, str) or not pattern or set(pattern) - set(NEMOTRON_KINDS):
        raise c.error(
            "hybrid_override_pattern",
            f"must be a string of {''.join(NEMOTRON_KINDS)}, got {pattern!r}",
        )
    return [NEMOTRON_KINDS[ch] for ch in pattern]


def nemotron_h(c: HFConfig) -> dict[str, Any]:
    """NemotronHBlock: one norm and one mixer (Mamba-2, attention, MLP or MoE) per layer."""
    mlp_bias = c.boolean("mlp_bias")
    latent = c.opt_int("moe_latent_size")
    kinds: dict[str, dict[str, Any]] = {
        "linear_attention": {
            "mixer": {
                "kind": "mamba2",
                "num_heads": c.integer("mamba_num_heads"),
                "head_dim": c.integer("mamba_head_dim"),
                "state_size": c.integer("ssm_state_size"),
                "n_groups": c.integer("n_groups"),
                "conv_kernel": c.integer("conv_kernel"),
                "conv_bias": c.boolean("use_conv_bias"),
                "bias": c.boolean("use_bias"),
            }
        },
        # NemotronHAttention: no biases whatever attention_bias says.
        "full_attention": {"mixer": attention(c, head_dim=c.integer("head_dim"))},
        "mlp": {
            "ffn": {
                "kind": "mlp",
                "intermediate_size": c.integer("intermediate_size"),
                "bias": mlp_bias,
            }
        },
        # NemotronHMoE: plain experts, one plain shared MLP, optional latent projections.
        "moe": {
            "ffn": {
                "kind": "moe",
                "num_experts": c.integer("n_routed_experts"),
                "num_experts_per_tok": c.integer("num_experts_per_tok"),
                "moe_intermediate_size": c.integer("moe_intermediate_size"),
                "gated_experts": False,
                "shared_expert_intermediate_size": c.integer("moe_shared_expert_intermediate_size"),
                "shared_expert_gated": False,
                "shared_expert_bias": mlp_bias,
                "latent_size": latent,
                "latent_bias": mlp_bias,
            }
        },
    }
    kinds = {k: {**v, "norms": ["input"]} for k, v in kinds.items()}
    # NemotronHForCausalLM ties nothing (_tied_weights_keys is empty).
    return {"text": {**text_tower(c, kinds, nemotron_h_layers(c)), "tie_word_embeddings": False}}


#: NemotronHForCausalLM: every block is `norm` + `mixer`, whatever the mixer is.
NEMOTRON_H = Naming(
    {
        "embed_tokens": "model.embeddings",
        "decoder.final_norm": "model.norm_f",
        "input_norm": "norm",
        "attention": "mixer",
        "mamba": "mixer",
        "ffn": "mixer",
        "ffn.router": "mixer.gate",
        "ffn.shared_expert": "mixer.shared_experts",
    }
)

FAMILIES = (
    Family(
        "qwen3_next",
        {
            "vocab_size": 151936,
            "hidden_size": 2048,
            "intermediate_size": 5632,
            "num_hidden_layers": 48,
            "num_attention_heads": 16,
            "num_key_value_heads": 2,
            "head_dim": 256,
            "attention_bias": False,
            "tie_word_embeddings": False,
            "linear_conv_kernel_dim": 4,
            "linear_key_head_dim": 128,
            "linear_value_head_dim": 128,
            "linear_num_key_heads": 16,
            "linear_num_value_heads": 32,
            "decoder_sparse_step": 1,
            "moe_intermediate_size": 512,
            "shared_expert_intermediate_size": 512,
            "num_experts_per_tok": 10,
            "num_experts": 512,
            "mlp_only_layers": None,
            "layer_types": None,
            "full_attention_interval": 4,
        },
        (qwen3_next,),
        required=KV_HEADS,
    ),
    Family(
        "nemotron_h",
        {
            "vocab_size": 131072,
            "hidden_size": 4096,
            "layers_block_type": None,
            "hybrid_override_pattern": None,
            "tie_word_embeddings": False,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "intermediate_size": 21504,
            "mlp_bias": False,
            "ssm_state_size": 128,
            "mamba_num_heads": 128,
            "mamba_head_dim": 64,
            "n_groups": 8,
            "conv_kernel": 4,
            "use_conv_bias": True,
            "n_routed_experts": 8,
            "moe_intermediate_size": 7688,
            "moe_shared_expert_intermediate_size": 7688,
            "moe_latent_size": None,
            "num_experts_per_tok": 2,
            "use_bias": False,
        },
        (nemotron_h,),
        aliases={
            "layers_block_type": ("layer_types",),
            "n_routed_experts": ("num_local_experts",),
            "n_groups": ("mamba_n_groups",),
            "conv_kernel": ("mamba_d_conv",),
            "use_conv_bias": ("mamba_conv_bias",),
        },
        naming=NEMOTRON_H,
        notes="checkpoints may also store each router's e_score_correction_bias (a buffer) "
        "and multi-token-prediction layers, which transformers does not build",
        required=KV_HEADS,
    ),
)
