"""Qwen2.5-Omni's thinker: a Whisper-style audio encoder whose output is projected to the text
width inside the encoder, Qwen2.5-VL's ViT with separate q/k/v projections, its patch merger,
and a Qwen2 text model, as `modeling_qwen2_5_omni.py` in transformers 5.23 builds
Qwen2_5OmniThinkerForConditionalGeneration.

The encoder's `proj` (to output_dim, the text width) and its `audio_bos_eos_token` table (two
learned rows of that width, which no forward pass reads) feed the language model, so they are
the projector's (GROUPS.md), beside the visual merger.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_audio import WHISPER_ALIASES, audio_under, whisper_encoder
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, spec_config
from paramcalc.families.multimodal_qwen import QWEN2_5_VL_VISION, QWEN_VISUAL, merger, qwen_vision
from paramcalc.families.rules import fixed, qwen_windows, sizes


def floored_head_dim(c: HFConfig) -> dict[str, Any]:
    """getattr(config, "head_dim", hidden_size // heads): the config class has no head_dim
    field, so a file's head_dim wins and otherwise heads are the floor of the split (Qwen3-Omni's
    default 2048 / 28 heads of 73)."""
    given = c.opt_int("head_dim") if c.has("head_dim") else None
    return {"head_dim": given or c.integer("hidden_size") // c.integer("num_attention_heads")}


#: Qwen2_5OmniTextConfig (transformers 5.23): a Qwen2 decoder with q/k/v biases; its heads are
#: getattr(config, "head_dim", hidden_size // heads) wide. Its own tie_word_embeddings (true)
#: is not read: the thinker's top-level flag decides.
QWEN2_5_OMNI_TEXT = Family(
    "qwen2_5_omni_text",
    {
        "vocab_size": 152064,
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "max_position_embeddings": 32768,
        "use_sliding_window": False,
        "sliding_window": 32768,
        "max_window_layers": 28,
        "layer_types": None,
        "tie_word_embeddings": False,
    },
    (sizes, floored_head_dim, fixed(qkv_bias=True, attention_out_bias=False), qwen_windows),
)
#: Qwen2_5OmniAudioEncoderConfig's defaults (transformers 5.23), Whisper's keys.
QWEN2_5_OMNI_AUDIO = Family(
    "qwen2_5_omni_audio_encoder",
    {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 20,
        "num_mel_bins": 128,
        "max_source_positions": 1500,
        "output_dim": 3584,
    },
    (),
    WHISPER_ALIASES,
)
#: Qwen2_5OmniVisionEncoderConfig: Qwen2.5-VL's vision fields and defaults.
QWEN2_5_OMNI_VISION = Family(
    "qwen2_5_omni_vision_encoder",
    QWEN2_5_VL_VISION.defaults,
    (),
    {"num_heads": ("num_attention_heads",), "depth": ("num_hidden_layers",)},
)


def split_vision_heads(v: HFConfig) -> HFConfig:
    """The vision config, when its heads split the width: the ViT's q/k/v (or qkv) keep the
    full width while its attention views them as heads of width // heads, which paramcalc's
    heads cannot represent otherwise (and the model's forward pass cannot run)."""
    width, heads = v.integer("hidden_size"), v.integer("num_heads")
    if width % heads:
        raise v.error("num_heads", f"{heads} does not divide the width {width}")
    return v


def omni_text(c: HFConfig, family: Family) -> dict[str, Any]:
    """The text model of text_config under `family`; the thinker's tie_word_embeddings decides."""
    t = spec_config(c, "text_config", family)
    built = family.build(t)
    if "text" in built:
        return {**built["text"], "tie_word_embeddings": c.boolean("tie_word_embeddings")}
    return t.text_tower({**built, "tie_word_embeddings": c.boolean("tie_word_embeddings")})


def qwen2_5_omni_audio(a: HFConfig) -> dict[str, Any]:
    """Qwen2_5OmniAudioEncoder: Whisper's conv1/conv2, a sinusoidal position buffer (no
    parameter), layers with an unbiased k_proj, and ln_post."""
    return {**whisper_encoder(a), "position_embedding": "none"}


def audio_projection(a: HFConfig, role: str) -> dict[str, Any]:
    """The encoder's biased projection from its width to output_dim."""
    return {
        "kind": "linear",
        "role": role,
        "inputs": a.integer("hidden_size"),
        "outputs": a.integer("output_dim"),
        "bias": True,
    }


def qwen2_5_omni_thinker(c: HFConfig) -> dict[str, Any]:
    """Qwen2_5OmniThinkerForConditionalGeneration: the audio encoder, the ViT (RMSNorm blocks,
    biased q/k/v/proj and a biased gated MLP), the merger to out_hidden_size, the encoder's
    proj and audio_bos_eos_token, and the text model."""
    a = spec_config(c, "audio_config", QWEN2_5_OMNI_AUDIO)
    v = split_vision_heads(spec_config(c, "vision_config", QWEN2_5_OMNI_VISION))
    width = v.integer("hidden_size")
    ffn = {"kind": "gated", "intermediate_size": v.integer("intermediate_size"), "bias": True}
    parts = [
        *merger(v, width, v.integer("out_hidden_size"), "rmsnorm")["parts"],
        audio_projection(a, "audio_proj"),
        {
            "kind": "token",
            "role": "audio_bos_eos_token",
            "lead": [2],
            "width": a.integer("output_dim"),
        },
    ]
    return {
        "text": omni_text(c, QWEN2_5_OMNI_TEXT),
        "vision": qwen_vision(v, width, ffn, "rmsnorm"),
        "audio": qwen2_5_omni_audio(a),
        "projector": {"parts": parts},
    }


#: Separate q, k and v projections of the ViT's attention (Qwen2.5-VL fuses them as qkv).
OMNI_VISUAL = {
    **{k: v for k, v in QWEN_VISUAL.items() if k != "attention.qkv_proj"},
    "attention.q_proj": "attn.q",
    "attention.k_proj": "attn.k",
    "attention.v_proj": "attn.v",
}
#: The thinker's encoders: Whisper's names with the final norm called ln_post.
OMNI_AUDIO = {**audio_under("model.audio_tower."), "post_norm": "model.audio_tower.ln_post"}
QWEN2_5_OMNI_THINKER = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": Naming(OMNI_VISUAL),
        "audio": Naming(OMNI_AUDIO),
        "projector": Naming(
            {
                **{r: f"model.visual.{r}" for r in ("merger.ln_q", "merger.mlp.0", "merger.mlp.2")},
                "audio_proj": "model.audio_tower.proj",
                "audio_bos_eos_token": "model.audio_tower.audio_bos_eos_token.weight",
            }
        ),
    },
)
THINKER_DEFAULTS = {
    "text_config": None,
    "vision_config": None,
    "audio_config": None,
    "tie_word_embeddings": False,
}

FAMILIES = (
    Family(
        "qwen2_5_omni_thinker",
        THINKER_DEFAULTS,
        (qwen2_5_omni_thinker,),
        naming=QWEN2_5_OMNI_THINKER,
        notes="the thinker's tie_word_embeddings decides, not text_config's; the audio "
        "encoder's proj and audio_bos_eos_token are the projector's",
    ),
)
