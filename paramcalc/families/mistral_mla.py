"""Mistral's MLA decoders: Mistral 4 (DeepSeek-V3's attention and MoE).

Tables hold the defaults of each config class in transformers 5.23.0; builds follow each
`modeling_<family>.py`.
"""

from __future__ import annotations

from paramcalc.families.base import Family
from paramcalc.families.llama import size_defaults as sizes
from paramcalc.families.moe import DEEPSEEK, deepseek_v3

FAMILIES = (
    Family(
        "mistral4",
        {
            **sizes(131072, 4096, 12288, 36, 32, 32, 1048576, False),
            "kv_lora_rank": 256,
            "q_lora_rank": 1024,
            "qk_nope_head_dim": 64,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "attention_bias": False,
            "first_k_dense_replace": 0,
            "n_routed_experts": 128,
            "n_shared_experts": 1,
            "num_experts_per_tok": 4,
            "moe_intermediate_size": 2048,
        },
        # Mistral4DecoderLayer is DeepseekV3DecoderLayer; its router holds no bias buffer.
        (deepseek_v3,),
        aliases={"n_routed_experts": ("num_local_experts",)},
        naming=DEEPSEEK,
    ),
)
