"""Phi-4-multimodal (Phi4MultimodalForCausalLM, which AutoModelForCausalLM and
AutoModelForMultimodalLM both build): a Phi-3 text model read from the top level of the config,
a SigLIP-like image encoder with its pooling head, a conformer speech encoder, and the
projections of both into the text width, all under `model.embed_tokens_extend`.

Follows `modeling_phi4_multimodal.py` in transformers 5.23.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import VISION_NAMES, Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.multimodal import siglip
from paramcalc.families.multimodal_more import spec_config, under
from paramcalc.families.rules import head_dim_if_set, sizes, window_every_layer

#: Phi4MultimodalVisionConfig's defaults (transformers 5.23).
PHI4_VISION = Family(
    "phi4_multimodal_vision",
    {
        "hidden_size": 1152,
        "intermediate_size": 4304,
        "num_hidden_layers": 27,
        "num_attention_heads": 16,
        "num_channels": 3,
        "image_size": 448,
        "patch_size": 14,
        "vision_use_head": True,  # not a field: SigLIP's switch, always on here
    },
    (),
)
#: Phi4MultimodalAudioConfig's defaults (transformers 5.23).
PHI4_AUDIO = Family(
    "phi4_multimodal_audio",
    {
        "hidden_size": 1024,
        "intermediate_size": 1536,
        "num_blocks": 24,
        "num_attention_heads": 16,
        "ext_pw_out_channel": 1024,
        "depthwise_separable_out_channel": 1024,
        "depthwise_multiplier": 1,
        "kernel_size": 3,
        "input_size": 80,
        "time_reduction": 8,
        "bias_max_distance": 1000,
        "bias_symmetric": False,
        "nemo_conv_channels": 1024,
        "downsample_rate": 1,
    },
    (),
)


def phi4_vision(c: HFConfig) -> dict[str, Any]:
    """Phi4MultimodalVisionModel: SigLIP's layout, its attention-pooling head always built
    (the config class has no vision_use_head; a key of that name changes nothing)."""
    v = spec_config(c, "vision_config", PHI4_VISION)
    data = {k: value for k, value in v.data.items() if k != "vision_use_head"}
    return siglip(HFConfig(data, v.where, PHI4_VISION))


def phi4_audio(c: HFConfig) -> tuple[dict[str, Any], int]:
    """Phi4MultimodalAudioModel as a conformer, and its output width times downsample_rate
    (what the speech projections read)."""
    a = spec_config(c, "audio_config", PHI4_AUDIO)
    width, heads = a.integer("hidden_size"), a.integer("num_attention_heads")
    # getattr(config, "head_dim", hidden_size // num_attention_heads)
    head_dim = a.integer("head_dim") if a.has("head_dim") else width // heads
    if head_dim < 1:
        raise a.error("num_attention_heads", f"{heads} heads leave no width of hidden_size={width}")
    reduction = a.integer("time_reduction")
    if reduction < 2 or reduction % 2:
        # validate_architecture refuses an odd factor; log2 of 1 leaves no stage
        raise a.error("time_reduction", f"must be an even factor, got {reduction}")
    buckets = a.integer("bias_max_distance") * (1 if a.boolean("bias_symmetric") else 2)
    tower = {
        "kind": "conformer",
        "hidden_size": width,
        "num_hidden_layers": a.integer("num_blocks"),
        "num_attention_heads": heads,
        "head_dim": head_dim,
        "intermediate_size": a.integer("intermediate_size"),
        "subsampling": {
            "kind": "nemo_conv",
            "input_size": a.integer("input_size"),
            "channels": a.integer("nemo_conv_channels"),
            "time_reduction": reduction,
        },
        "kernel_size": a.integer("kernel_size"),
        "layout": {
            "kind": "glu_conv",
            "bias_buckets": buckets,
            "depthwise_multiplier": a.integer("depthwise_multiplier"),
            "depthwise_out_channels": a.integer("depthwise_separable_out_channel"),
            "pointwise_out_channels": a.integer("ext_pw_out_channel"),
        },
    }
    return tower, width * a.integer("downsample_rate")


def linear(role: str, inputs: int, outputs: int) -> dict[str, Any]:
    """A biased projection of the projector."""
    return {"kind": "linear", "role": role, "inputs": inputs, "outputs": outputs, "bias": True}


def phi4_multimodal(c: HFConfig) -> dict[str, Any]:
    """Phi4MultimodalForCausalLM: the Phi-3 text model, the image embedding (encoder, two
    learned separators, projection up to the text width and down), the audio embedding
    (encoder, and an up/down projection pair for speech and another for vision-speech)."""
    fields = {**sizes(c), **head_dim_if_set(c), **window_every_layer(c)}
    text = c.text_tower(fields)
    th = text["hidden_size"]
    vision = phi4_vision(c)
    vh = vision["hidden_size"]
    audio, speech = phi4_audio(c)
    parts = [
        linear("img_projection_up", vh, th),
        linear("img_projection_down", th, th),
        {"kind": "token", "role": "global_img_feature_extensor", "width": vh, "lead": (1, 1)},
        {"kind": "token", "role": "sub_img_feature_extensor", "width": vh, "lead": (1, 1, 1)},
    ]
    for mode in ("speech", "vision_speech"):
        parts.append(linear(f"up_proj_for_{mode}", speech, th))
        parts.append(linear(f"down_proj_for_{mode}", th, th))
    return {"text": text, "vision": vision, "audio": audio, "projector": {"parts": parts}}


EXTEND = "model.embed_tokens_extend."
IMAGE, SPEECH = EXTEND + "image_embed.", EXTEND + "audio_embed."
PHI4_MULTIMODAL = Naming(
    # Phi3: fused qkv_proj and gate_up_proj (the sizes of separate ones)
    fused={
        "attention.qkv_proj": ("q_proj", "k_proj", "v_proj"),
        "ffn.gate_up_proj": ("gate_proj", "up_proj"),
    },
    towers={
        "vision": Naming(under(IMAGE + "img_processor.", VISION_NAMES)),
        "audio": Naming(
            {"encoder": SPEECH + "encoder", "encoder.layers": SPEECH + "encoder.encoders"}
        ),
        "projector": Naming(
            {
                **{
                    role: IMAGE + role
                    for role in (
                        "img_projection_up",
                        "img_projection_down",
                        "global_img_feature_extensor",
                        "sub_img_feature_extensor",
                    )
                },
                **{
                    f"{way}_proj_for_{mode}": f"{SPEECH}{way}_proj_for_{mode}"
                    for way in ("up", "down")
                    for mode in ("speech", "vision_speech")
                },
            }
        ),
    },
)
PHI4_DEFAULTS = {
    "vocab_size": 200064,
    "hidden_size": 3072,
    "intermediate_size": 8192,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "max_position_embeddings": 131072,
    "tie_word_embeddings": False,
    "sliding_window": None,
    "vision_config": None,
    "audio_config": None,
}

FAMILIES = (
    Family(
        "phi4_multimodal",
        PHI4_DEFAULTS,
        (phi4_multimodal,),
        naming=PHI4_MULTIMODAL,
        notes=(
            "the audio encoder runs once per clip over its subsampled frames and the image "
            "encoder once per crop; neither adds to per-token FLOPs"
        ),
    ),
)
