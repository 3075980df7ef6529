"""Kosmos-2.5 (`kosmos-2.5`): Pix2Struct's image encoder, latent queries that cross-attend the
projected image, and a pre-norm text decoder, as Kosmos2_5ForConditionalGeneration builds them.

Follows `modeling_kosmos2_5.py` in transformers 5.23. The encoder (`vision_model.`) is
Pix2Struct's (multimodal_pix2struct.py) with intermediate_size, head_dim and max_num_patches
for d_ff, d_kv and seq_len. The projector (`image_to_text_projection.`): a biased dense from the
encoder's width to embed_dim, latent_query_num learned queries, and a biased q/k/v/out_proj
attention (attention group) over them and the image. The text model (`text_model.model.`): a
token table, a two-row segment table, sinusoidal positions (a buffer), layers of biased
attention and a biased fc1/fc2 FFN with a LayerNorm of ffn_dim inside (ffn_layernorm), each
sub-layer after a LayerNorm, a final LayerNorm, and `text_model.lm_head`, tied as the text
config's tie_word_embeddings says (the top-level one is not read).
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import spec_config
from paramcalc.families.multimodal_pix2struct import ATTENTION_LEAVES, attention

#: Kosmos2_5VisionConfig's defaults (transformers 5.23).
KOSMOS2_5_VISION = Family(
    "kosmos_2_5_vision_model",
    {
        "hidden_size": 1536,
        "patch_embed_hidden_size": 768,
        "intermediate_size": 3968,
        "head_dim": 64,
        "num_hidden_layers": 18,
        "num_attention_heads": 24,
        "max_num_patches": 4096,
    },
    (),
)
#: Kosmos2_5TextConfig's defaults (transformers 5.23).
KOSMOS2_5_TEXT = Family(
    "kosmos_2_5_text_model",
    {
        "vocab_size": 108481,
        "embed_dim": 1536,
        "layers": 24,
        "ffn_dim": 6144,
        "attention_heads": 16,
        "tie_word_embeddings": True,
    },
    (),
)
#: The projector's roles, as the family names them under image_to_text_projection.
X_ATTN = ("x_attn.q_proj", "x_attn.k_proj", "x_attn.v_proj", "x_attn.out_proj")


def vision(v: HFConfig) -> dict[str, Any]:
    """Kosmos2_5VisionModel: Pix2Struct's encoder under Kosmos-2.5's field names."""
    block = {
        "mixer": attention(v.integer("num_attention_heads"), v.integer("head_dim")),
        "ffn": {"kind": "gated", "intermediate_size": v.integer("intermediate_size")},
        "norms": ["input", "pre_ffn"],
    }
    return {
        "hidden_size": v.integer("hidden_size"),
        "num_channels": v.integer("patch_embed_hidden_size"),
        "patch_size": 1,
        "patch_embedding": "linear",
        "position_embedding": "rows_columns",
        "position_rows": v.integer("max_num_patches"),
        "norm_type": "rmsnorm",
        "stack": {"name": "encoder", "num_hidden_layers": v.integer("num_hidden_layers")}
        | {"block": block},
    }


def text(t: HFConfig) -> dict[str, Any]:
    """Kosmos2_5TextForCausalLM: the tables, the layers, the final LayerNorm and the head."""
    width, heads = t.integer("embed_dim"), t.integer("attention_heads")
    if width % heads:
        raise t.error("attention_heads", f"{heads} must divide embed_dim={width}")
    block = {
        "mixer": {**attention(heads, width // heads), "qkv_bias": True, "o_bias": True},
        "ffn": {"kind": "mlp", "intermediate_size": t.integer("ffn_dim"), "bias": True}
        | {"sub_norm": True},
        "norms": ["input", "pre_ffn"],
    }
    stack = {"name": "decoder", "num_hidden_layers": t.integer("layers")}
    return {
        "vocab_size": t.integer("vocab_size"),
        "hidden_size": width,
        "type_vocab_size": 2,
        "norm_type": "layernorm",
        "tie_word_embeddings": t.boolean("tie_word_embeddings"),
        "stacks": [stack | {"block": block, "final_norm": True}],
    }


def kosmos2_5(c: HFConfig) -> dict[str, Any]:
    """Kosmos2_5ForConditionalGeneration: the encoder, the latent-query projector, the text
    model."""
    v = spec_config(c, "vision_config", KOSMOS2_5_VISION)
    t = spec_config(c, "text_config", KOSMOS2_5_TEXT)
    tower = text(t)
    width, queries = tower["hidden_size"], c.integer("latent_query_num")
    parts: list[dict[str, Any]] = [
        {"kind": "linear", "role": "dense", "inputs": v.integer("hidden_size")}
        | {"outputs": width, "bias": True},
        {"kind": "token", "role": "latent_query", "width": width, "lead": [queries]},
    ]
    parts += [
        {"kind": "linear", "role": role, "inputs": width, "outputs": width, "bias": True}
        | {"mixer": True}
        for role in X_ATTN
    ]
    return {
        "text": tower,
        "vision": vision(v),
        "projector": {"parts": parts, "image_tokens": queries},
    }


KOSMOS2_5 = Naming(
    {
        "embed_tokens": "text_model.model.embed_tokens",
        "token_type_embeddings": "text_model.model.segment_emb",
        "decoder.layers": "text_model.model.layers",
        "decoder.final_norm": "text_model.model.layer_norm",
        "lm_head": "text_model.lm_head",
        "input_norm": "self_attn_layer_norm",
        "pre_ffn_norm": "final_layer_norm",
        "attention.o_proj": "self_attn.out_proj",
        "ffn": "ffn",
        "ffn.up_proj": "ffn.fc1",
        "ffn.down_proj": "ffn.fc2",
        "ffn.sub_norm": "ffn.ffn_layernorm",
    },
    towers={
        "vision": Naming(
            {
                "patch_embedding": "vision_model.embeddings.patch_projection",
                "row_embedding": "vision_model.embeddings.row_embedder",
                "column_embedding": "vision_model.embeddings.column_embedder",
                "encoder.layers": "vision_model.encoder.layer",
                "post_norm": "vision_model.layernorm",
                "input_norm": "pre_attention_layer_norm",
                "pre_ffn_norm": "pre_mlp_layer_norm",
                "attention": "attention",
                **{f"attention.{k}": f"attention.{v}" for k, v in ATTENTION_LEAVES.items()},
                "ffn": "mlp",
                "ffn.gate_proj": "mlp.wi_0",
                "ffn.up_proj": "mlp.wi_1",
                "ffn.down_proj": "mlp.wo",
            }
        ),
        "projector": Naming(
            {
                role: f"image_to_text_projection.{role}"
                for role in ("dense", "latent_query", *X_ATTN)
            }
        ),
    },
)

FAMILIES = (
    Family(
        "kosmos-2.5",
        {"text_config": None, "vision_config": None, "latent_query_num": 2048},
        (kosmos2_5,),
        naming=KOSMOS2_5,
    ),
)
