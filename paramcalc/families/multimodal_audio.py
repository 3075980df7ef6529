"""Audio-text-to-text models on a Whisper-style encoder: Qwen2-Audio, Voxtral, Audio
Flamingo 3 and Music Flamingo.

The audio tower is one shared record (`whisper_encoder`, paramcalc.core.audio): two Conv1d
over log-mel frames, a position table, encoder blocks with an unbiased k_proj, a final
LayerNorm; its config (`audio_config`) is read with its own config class's defaults. The text
model is the family `text_config` names, built by its text record and named under
model.language_model. Each model follows its `modeling_<family>.py` in transformers 5.23;
neither class declares tied weights, so the LM head is always its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramcalc.core.names import AUDIO_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config

#: The encoder fields paramcalc reads, and the other spelling each config class accepts
#: (Qwen2AudioEncoderConfig declares Whisper's d_model... and maps hidden_size... onto them;
#: VoxtralEncoderConfig the other way round).
WHISPER_ALIASES = {
    "hidden_size": ("d_model",),
    "num_hidden_layers": ("encoder_layers",),
    "num_attention_heads": ("encoder_attention_heads",),
    "intermediate_size": ("encoder_ffn_dim",),
}
#: Qwen2AudioEncoderConfig's defaults (transformers 5.23); Qwen2AudioConfig passes the same
#: values when audio_config is null.
QWEN2_AUDIO_ENCODER = Family(
    "qwen2_audio_encoder",
    {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 20,
        "num_mel_bins": 128,
        "max_source_positions": 1500,
    },
    (),
    WHISPER_ALIASES,
)
#: VoxtralEncoderConfig's defaults (transformers 5.23): the same as Qwen2-Audio's.
VOXTRAL_ENCODER = Family("voxtral_encoder", QWEN2_AUDIO_ENCODER.defaults, (), WHISPER_ALIASES)


def whisper_encoder(
    a: HFConfig, grouped: dict[str, int] | None = None, positions: bool = True
) -> dict[str, Any]:
    """The Whisper encoder: conv1, conv2, embed_positions (none with `positions` false: a
    rotary encoder), the layers (biased q/v/out, an unbiased k_proj; biased fc1/fc2;
    LayerNorms before each) and the final layer_norm. `grouped` gives the attention's
    num_key_value_heads and head_dim where they are not Whisper's (heads splitting the width)."""
    width, heads = a.integer("hidden_size"), a.integer("num_attention_heads")
    if grouped is None and width % heads:
        # the encoder's attention refuses heads that do not split the width
        raise a.error("num_attention_heads", f"{heads} does not divide the width {width}")
    block = {
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            **(grouped or {}),
            "qkv_bias": True,
            "k_bias": False,
            "o_bias": True,
        },
        "ffn": {"kind": "mlp", "intermediate_size": a.integer("intermediate_size"), "bias": True},
    }
    table = (
        {"max_source_positions": a.integer("max_source_positions")}
        if positions
        else {"position_embedding": "none"}
    )
    return {
        "hidden_size": width,
        "num_mel_bins": a.integer("num_mel_bins"),
        **table,
        "stack": {
            "name": "encoder",
            "num_hidden_layers": a.integer("num_hidden_layers"),
            "block": block,
        },
    }


def qwen2_audio(c: HFConfig) -> dict[str, Any]:
    """Qwen2AudioForConditionalGeneration: the Whisper encoder, a biased linear projection of
    its width to the text width, and the text model (Qwen 2 by default)."""
    a = spec_config(c, "audio_config", QWEN2_AUDIO_ENCODER)
    audio = whisper_encoder(a)
    text = llama_named_text(c, "qwen2", False)
    linear = {
        "kind": "linear",
        "role": "linear",
        "inputs": audio["hidden_size"],
        "outputs": text["hidden_size"],
        "bias": True,
    }
    return {"text": text, "audio": audio, "projector": {"parts": [linear]}}


#: What VoxtralConfig puts under text_config (SubConfigSpec init_kwargs when it is null, and
#: merged below a mapping's own keys by __post_init__).
VOXTRAL_TEXT = {
    "vocab_size": 131072,
    "hidden_size": 3072,
    "intermediate_size": 8192,
    "num_hidden_layers": 30,
    "num_key_value_heads": 8,
    "max_position_embeddings": 131072,
    "head_dim": 128,
}


def merged_text(
    c: HFConfig, default: str, defaults: Mapping[str, Any], tied: bool
) -> dict[str, Any]:
    """The text model of `text_config` under the model's own text defaults, which its config's
    __post_init__ merges below a mapping's keys (and SubConfigSpec applies to a null one)."""
    given = c.raw("text_config")
    merged = {**defaults, **given} if isinstance(given, Mapping) else given
    view = HFConfig({**c.data, "text_config": merged}, c.where, c.family)
    return llama_named_text(view, default, tied, defaults)


def voxtral(c: HFConfig) -> dict[str, Any]:
    """VoxtralForConditionalGeneration: the Whisper encoder, a projector whose unbiased
    linear_1 reads four frames side by side (the encoder's intermediate_size) and linear_2,
    and the text model (Llama by default) under Voxtral's text defaults."""
    a = spec_config(c, "audio_config", VOXTRAL_ENCODER)
    audio = whisper_encoder(a)
    text = merged_text(c, "llama", VOXTRAL_TEXT, False)
    th = text["hidden_size"]
    parts = [
        {
            "kind": "linear",
            "role": "linear_1",
            "inputs": a.integer("intermediate_size"),
            "outputs": th,
        },
        {"kind": "linear", "role": "linear_2", "inputs": th, "outputs": th},
    ]
    return {"text": text, "audio": audio, "projector": {"parts": parts}}


#: AudioFlamingo3EncoderConfig's defaults (transformers 5.23), Voxtral's keys and values;
#: MusicFlamingoConfig reads a musicflamingo_encoder audio_config as this class.
AUDIOFLAMINGO3_ENCODER = Family(
    "audioflamingo3_encoder", QWEN2_AUDIO_ENCODER.defaults, (), WHISPER_ALIASES
)


def audioflamingo3(c: HFConfig) -> dict[str, Any]:
    """AudioFlamingo3ForConditionalGeneration (and MusicFlamingo's, whose rotary time
    embedding holds only buffers): the Whisper encoder, linear_1 from its width and linear_2
    (biased when projector_bias), and the text model (Qwen 2 by default)."""
    a = spec_config(c, "audio_config", AUDIOFLAMINGO3_ENCODER, also=("musicflamingo_encoder",))
    audio = whisper_encoder(a)
    text = llama_named_text(c, "qwen2", False)
    th, bias = text["hidden_size"], c.boolean("projector_bias")
    parts = [
        {"kind": "linear", "role": "linear_1", "inputs": audio["hidden_size"], "outputs": th},
        {"kind": "linear", "role": "linear_2", "inputs": th, "outputs": th},
    ]
    parts = [{**part, "bias": bias} for part in parts]
    return {"text": text, "audio": audio, "projector": {"parts": parts}}


def audio_under(prefix: str) -> dict[str, str]:
    """Whisper's encoder names moved from `audio_tower.` to `prefix`."""
    return {
        k: v.replace("audio_tower.", prefix, 1)
        for k, v in AUDIO_NAMES.items()
        if v.startswith("audio_tower.")
    }


def audio_naming(projector: tuple[str, ...]) -> Naming:
    """A Llama-named text model under model.language_model, the encoder under
    model.audio_tower and the projector's layers under model.multi_modal_projector."""
    return Naming(
        LANGUAGE_MODEL,
        towers={
            "audio": Naming(audio_under("model.audio_tower.")),
            "projector": Naming({r: f"model.multi_modal_projector.{r}" for r in projector}),
        },
    )


AUDIO_NOTE = (
    "the text model is the family text_config names ({}), named under model.language_model; "
    "the audio tower's embed_positions is frozen (requires_grad=False) but is a parameter"
)

FAMILIES = (
    Family(
        "qwen2_audio",
        {"text_config": None, "audio_config": None},
        (qwen2_audio,),
        naming=audio_naming(("linear",)),
        notes=AUDIO_NOTE.format("Qwen 2 by default"),
    ),
    Family(
        "voxtral",
        {"text_config": None, "audio_config": None},
        (voxtral,),
        naming=audio_naming(("linear_1", "linear_2")),
        notes=AUDIO_NOTE.format("Llama by default"),
    ),
    *(
        Family(
            model_type,
            {"text_config": None, "audio_config": None, "projector_bias": True},
            (audioflamingo3,),
            naming=audio_naming(("linear_1", "linear_2")),
            notes=AUDIO_NOTE.format("Qwen 2 by default"),
        )
        for model_type in ("audioflamingo3", "musicflamingo")
    ),
)
