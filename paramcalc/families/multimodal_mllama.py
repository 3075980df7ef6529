"""Mllama (Llama 3.2 Vision): a tiled vision encoder and a Llama decoder with gated
cross-attention layers.

Follows transformers 5.23 `models/mllama/modeling_mllama.py`. The vision model runs a local
`transformer` and then a gated `global_transformer` over the patches of every tile, with
aspect-ratio embeddings around them; `multi_modal_projector` maps its concatenated
intermediate features (vision_output_dim) to the text width. The language model's layers at
cross_attention_layers attend to those features instead of the text (its own query/key norms,
tanh gates on both residual branches); its token table keeps 8 rows past vocab_size, which the
head does not have.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import sub_config

#: MllamaTextConfig's cross_attention_layers when null.
CROSS_ATTENTION_LAYERS = (3, 8, 13, 18, 23, 28, 33, 38)
#: MllamaVisionConfig's supported_aspect_ratios when null: the tile layouts of 4 tiles.
ASPECT_RATIOS = ((1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (3, 1), (4, 1))
#: The max_num_tiles those layouts need.
DEFAULT_TILES = 4
#: Rows MllamaTextModel's embed_tokens holds past vocab_size.
EXTRA_TOKEN_ROWS = 8

MLLAMA_TEXT = Family(
    "mllama_text_model",
    {
        "vocab_size": 128256,
        "hidden_size": 4096,
        "num_hidden_layers": 40,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "intermediate_size": 14336,
        "cross_attention_layers": None,
    },
    (),
)
MLLAMA_VISION = Family(
    "mllama_vision_model",
    {
        "hidden_size": 1280,
        "num_hidden_layers": 32,
        "num_global_layers": 8,
        "attention_heads": 16,
        "num_channels": 3,
        "intermediate_size": 5120,
        "vision_output_dim": 7680,
        "image_size": 448,
        "patch_size": 14,
        "max_num_tiles": 4,
        "supported_aspect_ratios": None,
    },
    (),
)


def attention(c: HFConfig, heads_key: str, kv_key: str | None) -> dict[str, Any]:
    """Mllama's unbiased attention: heads of hidden_size // heads, which need not fill the
    width (its o_proj maps heads x head_dim back to hidden_size)."""
    width, heads = c.integer("hidden_size"), c.integer(heads_key)
    if heads > width:
        raise c.error(heads_key, f"{heads} heads leave no column of hidden_size={width}")
    mixer: dict[str, Any] = {"kind": "attention", "num_attention_heads": heads}
    if kv_key is not None:
        mixer["num_key_value_heads"] = c.integer(kv_key)
    if width % heads:
        mixer["head_dim"] = width // heads
    return mixer


def text_tower(t: HFConfig) -> dict[str, Any]:
    """MllamaTextModel and the head: self-attention layers, and cross-attention layers where
    cross_attention_layers says (indices past the depth name no layer)."""
    layers = t.integer("num_hidden_layers")
    given = t.raw("cross_attention_layers") is not None
    cross = set(t.int_list("cross_attention_layers") if given else CROSS_ATTENTION_LAYERS)
    mixer = attention(t, "num_attention_heads", "num_key_value_heads")
    ffn = {"kind": "gated", "intermediate_size": t.integer("intermediate_size")}
    vocab = t.integer("vocab_size")
    return {
        "vocab_size": vocab + EXTRA_TOKEN_ROWS,
        "head_vocab_size": vocab,
        "hidden_size": t.integer("hidden_size"),
        # MllamaForConditionalGeneration ties nothing, whatever tie_word_embeddings says
        "tie_word_embeddings": False,
        "stacks": [
            {
                "num_hidden_layers": layers,
                "kinds": {
                    "self": {"mixer": mixer, "ffn": ffn},
                    "cross": {
                        "cross_attention": {**mixer, "qk_norm": "per_head"},
                        "ffn": ffn,
                        "gates": ["cross_attn_attn_gate", "cross_attn_mlp_gate"],
                    },
                },
                "layer_kinds": ["cross" if i in cross else "self" for i in range(layers)],
            }
        ],
    }


def aspect_ratio_rows(v: HFConfig) -> int:
    """Rows of the aspect-ratio tables: one per supported layout and one for padding tiles."""
    value = v.raw("supported_aspect_ratios")
    if value is None:
        if v.integer("max_num_tiles") != DEFAULT_TILES:
            # MllamaVisionConfig.validate_architecture
            raise v.error("max_num_tiles", "must be 4 with the default supported_aspect_ratios")
        return len(ASPECT_RATIOS) + 1
    if not isinstance(value, list):
        raise v.error(
            "supported_aspect_ratios", f"must be a list of [rows, columns], got {value!r}"
        )
    return len(value) + 1


def vision_tower(v: HFConfig) -> dict[str, Any]:
    """MllamaVisionModel: an unbiased Conv2d patch embedding, class token, gated positions
    and tile embeddings, pre/post LayerNorms, the local and the gated global encoder."""
    width = v.integer("hidden_size")
    block = {
        "mixer": attention(v, "attention_heads", None),
        "ffn": {"kind": "mlp", "intermediate_size": v.integer("intermediate_size"), "bias": True},
    }
    global_layers = v.integer("num_global_layers", minimum=0)
    gated = {
        "name": "global_transformer",
        "num_hidden_layers": global_layers,
        "final_norm": False,
        "block": {**block, "gates": ["gate_attn", "gate_ffn"]},
    }
    return {
        "hidden_size": width,
        "num_channels": v.integer("num_channels"),
        "image_size": v.integer("image_size"),
        "patch_size": v.integer("patch_size"),
        "patch_bias": False,
        "class_token": True,
        "position_embedding": "parameter",
        "tiles": {
            "max_num_tiles": v.integer("max_num_tiles"),
            "aspect_ratios": aspect_ratio_rows(v),
        },
        "pre_norm": True,
        "stack": {
            "name": "transformer",
            "num_hidden_layers": v.integer("num_hidden_layers"),
            "final_norm": False,
            "block": block,
        },
        "global_stack": gated if global_layers else None,
    }


def mllama(c: HFConfig) -> dict[str, Any]:
    """MllamaForConditionalGeneration: the vision model, the projector and the language
    model."""
    t = sub_config(c, "text_config", MLLAMA_TEXT)
    v = sub_config(c, "vision_config", MLLAMA_VISION)
    text = text_tower(t)
    return {
        "text": text,
        "vision": vision_tower(v),
        "projector": {
            "parts": [
                {
                    "kind": "linear",
                    "role": "multi_modal_projector",
                    "inputs": v.integer("vision_output_dim"),
                    "outputs": text["hidden_size"],
                    "bias": True,
                }
            ]
        },
    }


VISION = "model.vision_model"
MLLAMA = Naming(
    {
        "embed_tokens": "model.language_model.embed_tokens",
        "decoder.layers": "model.language_model.layers",
        "decoder.final_norm": "model.language_model.norm",
    },
    towers={
        "vision": Naming(
            {
                "patch_embedding": f"{VISION}.patch_embedding",
                "class_embedding": f"{VISION}.class_embedding",
                "position_embedding": f"{VISION}.gated_positional_embedding.embedding",
                "tile_positions": f"{VISION}.gated_positional_embedding",
                "pre_tile": f"{VISION}.pre_tile_positional_embedding",
                "post_tile": f"{VISION}.post_tile_positional_embedding",
                "pre_norm": f"{VISION}.layernorm_pre",
                "post_norm": f"{VISION}.layernorm_post",
                "transformer.layers": f"{VISION}.transformer.layers",
                "global_transformer.layers": f"{VISION}.global_transformer.layers",
                "input_norm": "input_layernorm",
                "pre_ffn_norm": "post_attention_layernorm",
                "attention.o_proj": "self_attn.o_proj",
            }
        ),
        "projector": Naming({"multi_modal_projector": "model.multi_modal_projector"}),
    },
)

FAMILIES = (
    Family(
        "mllama",
        {"text_config": None, "vision_config": None},
        (mllama,),
        naming=MLLAMA,
    ),
)
