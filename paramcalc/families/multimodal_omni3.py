"""Qwen3-Omni's thinker and Qwen3-ASR: an audio encoder with a strided Conv2d front-end
(paramcalc.core.audio.Conv2dFrontEnd), Whisper-style layers with a biased k_proj and ln_post,
and a two-layer projection to the text width; the thinker adds Qwen3-VL's ViT with its merger
and deepstack mergers, on a Qwen3-MoE text model.

Each follows its `modeling_<family>.py` in transformers 5.23 (Qwen3OmniMoeThinkerFor-
ConditionalGeneration, Qwen3ASRForConditionalGeneration). The thinker's encoder holds its
projection itself (proj1, proj2), Qwen3-ASR's model holds it as multi_modal_projector; both are
the projector's (GROUPS.md). In both, the top-level tie_word_embeddings decides.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.moe import qwen3_moe
from paramcalc.families.multimodal_audio import WHISPER_ALIASES, audio_under
from paramcalc.families.multimodal_more import LANGUAGE_MODEL, llama_named_text, spec_config
from paramcalc.families.multimodal_omni import floored_head_dim, omni_text, split_vision_heads
from paramcalc.families.multimodal_qwen3 import NAMING as QWEN3_VL_NAMING
from paramcalc.families.multimodal_qwen3 import VISION_ALIASES, VISION_DEFAULTS, vision

#: Qwen3OmniMoeTextConfig (transformers 5.23): a Qwen3-MoE decoder without shared experts;
#: heads are getattr(config, "head_dim", hidden_size // heads) wide.
QWEN3_OMNI_MOE_TEXT = Family(
    "qwen3_omni_moe_text",
    {
        "vocab_size": 3584,
        "hidden_size": 2048,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "max_position_embeddings": 32768,
        "attention_bias": False,
        "use_sliding_window": False,
        "sliding_window": None,
        "decoder_sparse_step": 1,
        "moe_intermediate_size": 768,
        "num_experts_per_tok": 8,
        "num_experts": 128,
        "mlp_only_layers": None,
        "tie_word_embeddings": False,
    },
    (qwen3_moe, floored_head_dim),
    required=KV_HEADS,
)
#: Qwen3OmniMoeAudioEncoderConfig's shape fields (transformers 5.23), Whisper's keys.
QWEN3_OMNI_MOE_AUDIO = Family(
    "qwen3_omni_moe_audio_encoder",
    {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 20,
        "num_mel_bins": 128,
        "output_dim": 3584,
        "downsample_hidden_size": 480,
    },
    (),
    WHISPER_ALIASES,
)
#: Qwen3ASREncoderConfig's shape fields: the same keys, smaller defaults.
QWEN3_ASR_ENCODER = Family(
    "qwen3_asr_encoder",
    {
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "num_mel_bins": 128,
        "output_dim": 3584,
        "downsample_hidden_size": 480,
    },
    (),
    WHISPER_ALIASES,
)
QWEN3_OMNI_MOE_VISION = Family(
    "qwen3_omni_moe_vision_encoder", VISION_DEFAULTS, (), aliases=VISION_ALIASES
)
#: What Qwen3ASRConfig builds for a null text_config (SubConfigSpec init_kwargs over Qwen3's
#: defaults); a given mapping is read as it stands.
QWEN3_ASR_TEXT = {
    "hidden_size": 2048,
    "intermediate_size": 6144,
    "num_hidden_layers": 28,
    "num_attention_heads": 16,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "max_position_embeddings": 65536,
    "tie_word_embeddings": True,
}


def conv2d_encoder(a: HFConfig) -> dict[str, Any]:
    """The encoder: the Conv2d front-end, no position table (a sinusoidal buffer), layers of
    biased q/k/v/out_proj over heads that split the width, a biased fc1/fc2 MLP, LayerNorms
    before each, and ln_post."""
    width, heads = a.integer("hidden_size"), a.integer("num_attention_heads")
    if width % heads:
        # the encoder's attention refuses heads that do not split the width
        raise a.error("num_attention_heads", f"{heads} does not divide the width {width}")
    block = {
        "mixer": {
            "kind": "attention",
            "num_attention_heads": heads,
            "qkv_bias": True,
            "o_bias": True,
        },
        "ffn": {"kind": "mlp", "intermediate_size": a.integer("intermediate_size"), "bias": True},
    }
    return {
        "hidden_size": width,
        "num_mel_bins": a.integer("num_mel_bins"),
        "position_embedding": "none",
        "front_end": {"kind": "conv2d", "channels": a.integer("downsample_hidden_size")},
        "stack": {
            "name": "encoder",
            "num_hidden_layers": a.integer("num_hidden_layers"),
            "block": block,
        },
    }


def audio_projection(a: HFConfig, first: str, second: str) -> list[dict[str, Any]]:
    """Two biased projections: the width to itself, then to output_dim."""
    width = a.integer("hidden_size")
    return [
        {"kind": "linear", "role": first, "inputs": width, "outputs": width, "bias": True},
        {
            "kind": "linear",
            "role": second,
            "inputs": width,
            "outputs": a.integer("output_dim"),
            "bias": True,
        },
    ]


def patch_merger(role: str, norm_width: int, merged: int, out: int) -> list[dict[str, Any]]:
    """Qwen3OmniMoeVisionPatchMerger: ln_q (a LayerNorm of `norm_width`), then mlp.0/mlp.2."""
    return [
        {"kind": "norm", "role": f"{role}.ln_q", "width": norm_width, "norm_type": "layernorm"},
        {
            "kind": "linear",
            "role": f"{role}.mlp.0",
            "inputs": merged,
            "outputs": merged,
            "bias": True,
        },
        {"kind": "linear", "role": f"{role}.mlp.2", "inputs": merged, "outputs": out, "bias": True},
    ]


def vision_mergers(v: HFConfig) -> list[dict[str, Any]]:
    """The merger (its norm before the shuffle) and one merger_list entry per deepstack index
    (the norm after it, over the merged width)."""
    width, out = v.integer("hidden_size"), v.integer("out_hidden_size")
    merged = width * v.integer("spatial_merge_size") ** 2
    parts = patch_merger("merger", width, merged, out)
    for i in range(len(v.int_list("deepstack_visual_indexes"))):
        parts += patch_merger(f"merger_list.{i}", merged, merged, out)
    return parts


def qwen3_omni_moe_thinker(c: HFConfig) -> dict[str, Any]:
    """Qwen3OmniMoeThinkerForConditionalGeneration: the Conv2d audio encoder with proj1/proj2,
    Qwen3-VL's ViT and mergers, and the Qwen3-MoE text model."""
    a = spec_config(c, "audio_config", QWEN3_OMNI_MOE_AUDIO)
    v = split_vision_heads(spec_config(c, "vision_config", QWEN3_OMNI_MOE_VISION))
    parts = [*vision_mergers(v), *audio_projection(a, "proj1", "proj2")]
    return {
        "text": omni_text(c, QWEN3_OMNI_MOE_TEXT),
        "vision": vision(v),
        "audio": conv2d_encoder(a),
        "projector": {"parts": parts},
    }


def qwen3_asr(c: HFConfig) -> dict[str, Any]:
    """Qwen3ASRForConditionalGeneration: the Conv2d audio encoder, multi_modal_projector's
    linear_1/linear_2, and the text model text_config names (Qwen 3 by default)."""
    a = spec_config(c, "audio_config", QWEN3_ASR_ENCODER)
    text = llama_named_text(c, "qwen3", c.boolean("tie_word_embeddings"), QWEN3_ASR_TEXT)
    parts = audio_projection(a, "linear_1", "linear_2")
    return {"text": text, "audio": conv2d_encoder(a), "projector": {"parts": parts}}


#: The encoder's own names: ln_post, conv2d1..3 and conv_out beside Whisper's layer names.
CONV2D_AUDIO = {
    **audio_under("model.audio_tower."),
    "post_norm": "model.audio_tower.ln_post",
    **{r: f"model.audio_tower.{r}" for r in ("conv2d1", "conv2d2", "conv2d3", "conv_out")},
}
QWEN3_OMNI_MOE_THINKER = Naming(
    LANGUAGE_MODEL,
    towers={
        "vision": QWEN3_VL_NAMING.towers["vision"],
        "audio": Naming(CONV2D_AUDIO),
        "projector": Naming(
            {
                "merger": "model.visual.merger",
                "merger_list": "model.visual.merger_list",
                "proj1": "model.audio_tower.proj1",
                "proj2": "model.audio_tower.proj2",
            }
        ),
    },
)
QWEN3_ASR = Naming(
    LANGUAGE_MODEL,
    towers={
        "audio": Naming(CONV2D_AUDIO),
        "projector": Naming(
            {r: f"model.multi_modal_projector.{r}" for r in ("linear_1", "linear_2")}
        ),
    },
)

FAMILIES = (
    Family(
        "qwen3_omni_moe_thinker",
        {
            "text_config": None,
            "vision_config": None,
            "audio_config": None,
            "tie_word_embeddings": False,
        },
        (qwen3_omni_moe_thinker,),
        naming=QWEN3_OMNI_MOE_THINKER,
        notes="the thinker's tie_word_embeddings decides, not text_config's; the audio "
        "encoder's proj1 and proj2 are the projector's",
    ),
    Family(
        "qwen3_asr",
        {"text_config": None, "audio_config": None, "tie_word_embeddings": True},
        (qwen3_asr,),
        naming=QWEN3_ASR,
        notes="the text model is the family text_config names (Qwen 3 by default), named under "
        "model.language_model; the top-level tie_word_embeddings decides",
    ),
)
