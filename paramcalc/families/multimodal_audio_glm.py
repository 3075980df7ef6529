"""GLM-ASR: the Whisper front-end without a position table, Llama-style encoder layers (rotary,
grouped key/value heads, LayerNorms, a biased fc1/fc2 MLP), a two-layer projector and a Llama
text model, as `modeling_glmasr.py` in transformers 5.23 builds them.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_audio import merged_text, whisper_encoder
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config

#: GlmAsrEncoderConfig's defaults (transformers 5.23); a null num_key_value_heads is one per
#: query head (__post_init__).
GLMASR_ENCODER = Family(
    "glmasr_encoder",
    {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 20,
        "num_key_value_heads": None,
        "num_mel_bins": 128,
    },
    (),
)
#: What GlmAsrConfig puts under text_config (SubConfigSpec init_kwargs when it is null, and
#: merged below a mapping's own keys by __post_init__).
GLMASR_TEXT = {
    "vocab_size": 59264,
    "hidden_size": 2048,
    "intermediate_size": 6144,
    "num_hidden_layers": 28,
    "num_attention_heads": 16,
    "num_key_value_heads": 4,
    "max_position_embeddings": 8192,
}


def glmasr_encoder(a: HFConfig) -> dict[str, Any]:
    """GlmAsrEncoder: conv1, conv2 and no position table (rotary), layers of biased q/v/o and
    an unbiased k_proj over grouped heads of hidden_size // heads, a biased fc1/fc2 MLP,
    LayerNorms before each, and a final LayerNorm."""
    width, heads = a.integer("hidden_size"), a.integer("num_attention_heads")
    kv = a.opt_int("num_key_value_heads") or heads
    if width < heads:
        # GlmAsrAttention's heads are hidden_size // heads wide: none would be 0 wide
        raise a.error("num_attention_heads", f"{heads} heads exceed hidden_size={width}")
    if heads % kv:
        # repeat_kv cannot share uneven groups: transformers builds it, no forward pass runs
        raise a.error("num_key_value_heads", f"{kv} does not divide {heads} query heads")
    grouped = {"num_key_value_heads": kv, "head_dim": width // heads}
    return whisper_encoder(a, grouped, positions=False)


def glmasr(c: HFConfig) -> dict[str, Any]:
    """GlmAsrForConditionalGeneration: the encoder, a projector whose biased linear_1 reads four
    frames side by side (the encoder's intermediate_size) into twice the text width and
    linear_2 back, and the text model (Llama by default) under GLM-ASR's text defaults; the
    top-level tie_word_embeddings decides."""
    a = spec_config(c, "audio_config", GLMASR_ENCODER)
    text = merged_text(c, "llama", GLMASR_TEXT, c.boolean("tie_word_embeddings"))
    th = text["hidden_size"]
    parts = [
        {
            "kind": "linear",
            "role": "linear_1",
            "inputs": a.integer("intermediate_size"),
            "outputs": 2 * th,
            "bias": True,
        },
        {"kind": "linear", "role": "linear_2", "inputs": 2 * th, "outputs": th, "bias": True},
    ]
    return {"text": text, "audio": glmasr_encoder(a), "projector": {"parts": parts}}


GLMASR = Naming(
    LANGUAGE_MODEL,
    towers={
        "audio": Naming(
            {
                "conv1": "model.audio_tower.conv1",
                "conv2": "model.audio_tower.conv2",
                "encoder.layers": "model.audio_tower.layers",
                "post_norm": "model.audio_tower.norm",
                "input_norm": "input_layernorm",
                "pre_ffn_norm": "post_attention_layernorm",
                "attention.o_proj": "self_attn.o_proj",
                "ffn.up_proj": "mlp.fc1",
                "ffn.down_proj": "mlp.fc2",
            }
        ),
        "projector": Naming(
            {r: f"model.multi_modal_projector.{r}" for r in ("linear_1", "linear_2")}
        ),
    },
)

FAMILIES = (
    Family(
        "glmasr",
        {"text_config": None, "audio_config": None, "tie_word_embeddings": True},
        (glmasr,),
        naming=GLMASR,
        notes=(
            "the text model is the family text_config names (Llama by default), named under "
            "model.language_model"
        ),
    ),
)
