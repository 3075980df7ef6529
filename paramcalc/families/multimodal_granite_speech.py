"""Granite Speech (GraniteSpeechForConditionalGeneration) and Granite Speech Plus, which builds
the same tensors: a conformer CTC encoder (`encoder_config`), a BLIP-2 Q-Former projector over
windows of its frames (`projector_config`) with learned queries and a projection to the text
width, and a Llama-named text model (`text_config`, Granite by default) under
model.language_model. The top-level tie_word_embeddings decides the head.

Follows `modeling_granite_speech.py` and `modular_granite_speech_plus.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config

#: GraniteSpeechEncoderConfig's defaults (transformers 5.23); Plus adds cat_hidden_layers.
ENCODER = Family(
    "granite_speech_encoder",
    {
        "input_dim": 160,
        "num_layers": 10,
        "hidden_dim": 1024,
        "feedforward_mult": 4,
        "num_heads": 8,
        "dim_head": 128,
        "output_dim": 42,
        "max_pos_emb": 512,
        "conv_kernel_size": 15,
        "conv_expansion_factor": 2,
        "cat_hidden_layers": None,
    },
    (),
)
#: Blip2QFormerConfig's defaults (transformers 5.23).
QFORMER = Family(
    "blip_2_qformer",
    {
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "cross_attention_frequency": 2,
        "encoder_hidden_size": 1408,
        "use_qformer_text_input": False,
    },
    (),
)


def encoder(c: HFConfig) -> dict[str, Any]:
    """GraniteSpeechCTCEncoder as a conformer: input_linear, shaw_batchnorm blocks, out and
    out_mid."""
    e = spec_config(c, "encoder_config", ENCODER, also=("granite_speech_plus_encoder",))
    width = e.integer("hidden_dim")
    return {
        "kind": "conformer",
        "hidden_size": width,
        "num_hidden_layers": e.integer("num_layers"),
        "num_attention_heads": e.integer("num_heads"),
        "head_dim": e.integer("dim_head"),
        "intermediate_size": width * e.integer("feedforward_mult"),
        "kernel_size": e.integer("conv_kernel_size"),
        "subsampling": {"kind": "linear", "input_size": e.integer("input_dim")},
        "layout": {
            "kind": "shaw_batchnorm",
            # nn.Embedding(2 * max_pos_emb + 1, dim_head)
            "relative_positions": 2 * e.integer("max_pos_emb") + 1,
            "conv_expansion_factor": e.integer("conv_expansion_factor"),
            "ctc_classes": e.integer("output_dim"),
        },
    }


def check_concatenation(c: HFConfig, layers: int, width: int, projector_input: int) -> None:
    """GraniteSpeechPlusConfig.__post_init__: cat_hidden_layers index encoder layers, and the
    Q-Former then reads hidden_dim x (len + 1) features."""
    e = spec_config(c, "encoder_config", ENCODER, also=("granite_speech_plus_encoder",))
    listed = e.raw("cat_hidden_layers")
    if listed is None:
        return
    if not isinstance(listed, list) or not all(type(i) is int for i in listed):
        raise e.error("cat_hidden_layers", f"must be a list of layer indices, got {listed!r}")
    for index in listed:
        if not 0 <= index < layers:
            raise e.error("cat_hidden_layers", f"index {index} is out of range [0, {layers})")
    if projector_input != width * (len(listed) + 1):
        raise c.error(
            "projector_config",
            f"encoder_hidden_size {projector_input} must equal hidden_dim x "
            f"{len(listed) + 1} = {width * (len(listed) + 1)}",
        )


def attention(prefix: str, width: int, keys: int) -> list[dict[str, Any]]:
    """Blip2QFormerAttention: biased query, key and value (keys and values over `keys`
    features), the output dense (all attention) and its LayerNorm."""
    parts = [dense(f"{prefix}.attention.query", width, width, mixer=True)]
    parts += [dense(f"{prefix}.attention.{p}", keys, width, mixer=True) for p in ("key", "value")]
    parts.append(dense(f"{prefix}.output.dense", width, width, mixer=True))
    return [*parts, layer_norm(f"{prefix}.output.LayerNorm", width)]


def dense(role: str, inputs: int, outputs: int, mixer: bool = False) -> dict[str, Any]:
    """A biased projection of the projector: feedforward, or attention inside a mixer."""
    return {
        "kind": "linear",
        "role": role,
        "inputs": inputs,
        "outputs": outputs,
        "bias": True,
        "mixer": mixer,
    }


def layer_norm(role: str, width: int) -> dict[str, Any]:
    """A LayerNorm of the projector."""
    return {"kind": "norm", "role": role, "width": width, "norm_type": "layernorm"}


def qformer_config(c: HFConfig, key: str, family: Family = QFORMER) -> HFConfig:
    """A Q-Former's sub-config, its heads checked against its width."""
    q = spec_config(c, key, family)
    width, heads = q.integer("hidden_size"), q.integer("num_attention_heads")
    q.split_heads("num_attention_heads", heads, width)
    return q


def qformer_layers(q: HFConfig, keys: int, text_path: bool) -> list[dict[str, Any]]:
    """Blip2QFormerLayer's parts, layer by layer: self-attention, cross-attention over `keys`
    features in every cross_attention_frequency-th from layer 0, the text path's MLP (with
    `text_path`), then the queries'."""
    width, inner = q.integer("hidden_size"), q.integer("intermediate_size")
    every = q.integer("cross_attention_frequency")
    parts = []
    for index in range(q.integer("num_hidden_layers")):
        layer = f"qformer.encoder.layer.{index}"
        parts += attention(f"{layer}.attention", width, width)
        if index % every == 0:
            parts += attention(f"{layer}.crossattention", width, keys)
        for suffix in ("", "_query") if text_path else ("_query",):
            parts += [
                dense(f"{layer}.intermediate{suffix}.dense", width, inner),
                dense(f"{layer}.output{suffix}.dense", inner, width),
                layer_norm(f"{layer}.output{suffix}.LayerNorm", width),
            ]
    return parts


def qformer(
    c: HFConfig, key: str = "projector_config", keys: int | None = None
) -> tuple[list[dict[str, Any]], int, int]:
    """Blip2QFormerModel's parts (its LayerNorm and layers) from the sub-config at `key`, its
    width and the features it reads (`keys`, else its encoder_hidden_size)."""
    q = qformer_config(c, key)
    width = q.integer("hidden_size")
    keys = keys or q.integer("encoder_hidden_size")
    layers = qformer_layers(q, keys, q.boolean("use_qformer_text_input"))
    return [layer_norm("qformer.layernorm", width), *layers], width, keys


def granite_speech(c: HFConfig) -> dict[str, Any]:
    """GraniteSpeechForConditionalGeneration: encoder, projector (window_size //
    downsample_rate learned queries, the Q-Former, linear to the text width), text model."""
    audio = encoder(c)
    parts, width, keys = qformer(c)
    if c.family.model_type == "granite_speech_plus":
        check_concatenation(c, audio["num_hidden_layers"], audio["hidden_size"], keys)
    queries = c.integer("window_size") // c.integer("downsample_rate")
    if queries < 1:
        raise c.error("window_size", "window_size // downsample_rate leaves no query")
    text = llama_named_text(c, "granite", c.boolean("tie_word_embeddings"))
    projection = dense("linear", width, text["hidden_size"])
    token = {"kind": "token", "role": "query", "width": width, "lead": (1, queries)}
    return {"text": text, "audio": audio, "projector": {"parts": [token, *parts, projection]}}


GRANITE_SPEECH = Naming(
    LANGUAGE_MODEL,
    towers={
        "audio": Naming({"encoder": "model.encoder", "encoder.layers": "model.encoder.layers"}),
        "projector": Naming({r: f"model.projector.{r}" for r in ("query", "qformer", "linear")}),
    },
)
DEFAULTS = {
    "text_config": None,
    "encoder_config": None,
    "projector_config": None,
    "downsample_rate": 5,
    "window_size": 15,
    "tie_word_embeddings": True,
}
NOTES = (
    "the text model is the family text_config names (Granite by default); the encoder and "
    "the Q-Former run once per clip, not per text token (no FLOPs per token); a checkpoint "
    "with has_lora_adapter stores the LoRA adapter beside these tensors"
)

FAMILIES = tuple(
    Family(model_type, DEFAULTS, (granite_speech,), naming=GRANITE_SPEECH, notes=NOTES)
    for model_type in ("granite_speech", "granite_speech_plus")
)
