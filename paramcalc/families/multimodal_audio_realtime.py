"""Voxtral Realtime: a streaming Whisper-style encoder (causal convolutions, rotary RMSNorm
layers with a gated MLP), a two-layer projector over downsample_factor frames, and a Mistral
text model whose MLP input is scaled by a time-conditioned norm, as
`modeling_voxtral_realtime.py` in transformers 5.23 builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.rules import head_dim_if_set, sizes, window_every_layer

#: VoxtralRealtimeEncoderConfig's defaults (transformers 5.23); its attribute_map makes
#: num_key_value_heads another name of num_attention_heads.
ENCODER = Family(
    "voxtral_realtime_encoder",
    {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_mel_bins": 128,
        "head_dim": 64,
    },
    (),
    {
        "hidden_size": ("d_model",),
        "num_hidden_layers": ("encoder_layers",),
        "num_attention_heads": ("encoder_attention_heads", "num_key_value_heads"),
        "intermediate_size": ("encoder_ffn_dim",),
    },
)
#: VoxtralRealtimeTextConfig (Mistral's defaults): read only as this model's text_config, whose
#: class is always VoxtralRealtimeTextModel.
TEXT = Family(
    "voxtral_realtime_text",
    {
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "head_dim": None,
        "max_position_embeddings": 4096 * 32,
        "sliding_window": 4096,
        "tie_word_embeddings": True,
    },
    (sizes, head_dim_if_set, window_every_layer),
    required=KV_HEADS,
)
#: What VoxtralRealtimeConfig puts under text_config (SubConfigSpec init_kwargs when it is
#: null, and merged below a mapping's own keys by __post_init__).
TEXT_DEFAULTS = {
    "vocab_size": 131072,
    "hidden_size": 3072,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "max_position_embeddings": 131072,
    "head_dim": 128,
    "tie_word_embeddings": True,
    "sliding_window": 8192,
}


def encoder(a: HFConfig) -> dict[str, Any]:
    """VoxtralRealtimeEncoder: the embedder's two causal Conv1d, no position table (rotary),
    layers of biased q/v/o and an unbiased k_proj (as many key/value heads as query heads),
    a gated MLP with a bias on down_proj only, RMSNorms before each, and a final RMSNorm."""
    heads = a.integer("num_attention_heads")
    head_dim = a.integer("head_dim")  # typed int: the config class refuses a null
    block = {
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "head_dim": head_dim,
            "qkv_bias": True,
            "k_bias": False,
            "o_bias": True,
        },
        "ffn": {
            "kind": "gated",
            "intermediate_size": a.integer("intermediate_size"),
            "down_bias": True,
        },
    }
    return {
        "hidden_size": a.integer("hidden_size"),
        "num_mel_bins": a.integer("num_mel_bins"),
        "position_embedding": "none",
        "norm_type": "rmsnorm",
        "stack": {
            "name": "encoder",
            "num_hidden_layers": a.integer("num_hidden_layers"),
            "block": block,
        },
    }


def text_model(c: HFConfig, tied: bool) -> dict[str, Any]:
    """VoxtralRealtimeTextModel under the model's text defaults: Mistral's layers, each with a
    time-conditioned norm on its MLP input."""
    given = c.raw("text_config")
    merged = {**TEXT_DEFAULTS, **given} if isinstance(given, Mapping) else given
    view = HFConfig({**c.data, "text_config": merged or TEXT_DEFAULTS}, c.where, c.family)
    t = spec_config(view, "text_config", TEXT)
    text = t.text_tower({**TEXT.build(t), "tie_word_embeddings": tied})
    for stack in text["stacks"]:
        blocks = [stack["block"]] if stack["block"] is not None else stack["kinds"].values()
        for block in blocks:
            block["extras"] = [*block["extras"], {"kind": "time_conditioned_norm"}]
    return text


def voxtral_realtime(c: HFConfig) -> dict[str, Any]:
    """VoxtralRealtimeForConditionalGeneration: the encoder, the projector (unbiased linear_1
    over downsample_factor frames side by side, linear_2) and the text model; the top-level
    tie_word_embeddings decides."""
    audio = encoder(spec_config(c, "audio_config", ENCODER))
    text = text_model(c, c.boolean("tie_word_embeddings"))
    th, frames = text["hidden_size"], audio["hidden_size"] * c.integer("downsample_factor")
    parts = [
        {"kind": "linear", "role": "linear_1", "inputs": frames, "outputs": th},
        {"kind": "linear", "role": "linear_2", "inputs": th, "outputs": th},
    ]
    return {"text": text, "audio": audio, "projector": {"parts": parts}}


VOXTRAL_REALTIME = Naming(
    LANGUAGE_MODEL,
    towers={
        "audio": Naming(
            {
                "conv1": "model.audio_tower.embedder.conv1",
                "conv2": "model.audio_tower.embedder.conv2",
                "encoder.layers": "model.audio_tower.layers",
                "post_norm": "model.audio_tower.norm",
                "attention.o_proj": "self_attn.o_proj",
                "ffn": "mlp",
                "ffn.up_proj": "mlp.up_proj",
                "ffn.down_proj": "mlp.down_proj",
            }
        ),
        "projector": Naming(
            {r: f"model.multi_modal_projector.{r}" for r in ("linear_1", "linear_2")}
        ),
    },
)

FAMILIES = (
    Family(
        "voxtral_realtime",
        {
            "text_config": None,
            "audio_config": None,
            "downsample_factor": 4,
            "tie_word_embeddings": True,
        },
        (voxtral_realtime,),
        naming=VOXTRAL_REALTIME,
        notes=(
            "the text model is VoxtralRealtimeTextModel (Mistral's layers and a time-conditioned "
            "norm), named under model.language_model; the time embedding holds only buffers"
        ),
    ),
)
