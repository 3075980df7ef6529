"""The family records: one per Hugging Face `model_type`, with every fact of that family.

A record holds the config class's defaults (transformers 5.23.0), the rules that map a config
onto paramcalc's schema, the family's parameter naming and what its checkpoints store beyond
the parameters. `families()` is the registry; it is imported only when a config.json is read
or a family's names are asked for.
"""

from __future__ import annotations

from functools import cache

from paramcalc.core.names import Naming
from paramcalc.families.base import Family

#: The modules holding family records (each a FAMILIES tuple), one per line.
MODULES = (
    "attention_more",
    "bart_like",
    "bert_decoders",
    "blt",
    "classic",
    "classic_decoders",
    "dbrx",
    "deepseek_v4",
    "dense",
    "dense_norms",
    "dense_v2",
    "encoder_decoder",
    "encoders",
    "encoders_more",
    "encoders_bert_like",
    "encoders_canine",
    "encoders_funnel",
    "encoders_perceiver",
    "encoders_conv",
    "encoders_llama_like",
    "encoders_neomme",
    "encoders_tables",
    "encoders_text_towers",
    "encoders_vision_language",
    "encoders_v2",
    "encoders_v2_more",
    "encoders_xlm",
    "encoders_factorized",
    "encoders_reformer",
    "encoders_rotary",
    "encoders_deberta",
    "encoders_extra_parts",
    "encoders_mobilebert",
    "fairseq_like",
    "gemma3n",
    "gemma4",
    "gemma4_assistant",
    "gpt_like",
    "hybrid",
    "hybrid_more",
    "hybrid_parallel",
    "kda_hybrid",
    "latent_more",
    "linear_hybrid",
    "hy_v4",
    "inkling",
    "jetmoe",
    "lfm3",
    "llama",
    "longcat",
    "llama_moe",
    "minimax",
    "mistral_mla",
    "modern",
    "prophetnet",
    "recursive",
    "relative_decoders",
    "moe",
    "moe_gated",
    "moe_indexed",
    "moe_more",
    "moe_shared",
    "moe_seq2seq",
    "moe_windows",
    "multimodal",
    "multimodal_aria",
    "multimodal_audio",
    "multimodal_audio_glm",
    "multimodal_audio_realtime",
    "multimodal_omni",
    "multimodal_omni3",
    "seq2seq",
    "seq2seq_long",
    "multimodal_deepseek_vl_hybrid",
    "multimodal_exaone",
    "multimodal_fuyu",
    "multimodal_minimax_m3",
    "multimodal_hyperclovax",
    "multimodal_gemma4",
    "multimodal_glm",
    "multimodal_blip",
    "multimodal_blip_decoder",
    "multimodal_git",
    "multimodal_kosmos2",
    "multimodal_granite_speech",
    "multimodal_glm_ocr",
    "multimodal_granite_docling",
    "multimodal_hunyuan",
    "multimodal_idefics",
    "multimodal_internvl",
    "multimodal_lfm3",
    "multimodal_got_ocr2",
    "multimodal_pp_formulanet",
    "multimodal_pix2struct",
    "multimodal_kosmos2_5",
    "multimodal_kimi",
    "multimodal_llava",
    "multimodal_minicpmv",
    "multimodal_mllama",
    "multimodal_more",
    "multimodal_paddleocr",
    "multimodal_ovis",
    "multimodal_pali_mistral",
    "multimodal_phi4",
    "multimodal_qwen",
    "multimodal_qwen3",
    "multimodal_siglip_llm",
    "multimodal_video_llama",
    "multimodal_vq",
    "qwen4_exp",
    "special",
    "special_mla",
    "t5gemma",
    "t5gemma2",
    "zaya",
    "zamba",
    "rnn",
)

#: model_types transformers 5.23 maps to a model class but builds no model of, and why: each is
#: refused by name rather than listed as unknown.
UNBUILDABLE = {
    "gemma4_assistant": "Gemma4AssistantConfig.validate_architecture demands that every layer "
    "share K/V (num_kv_shared_layers = num_hidden_layers), which Gemma4TextConfig."
    "kv_sharing_modes refuses (no earlier layer produces them): transformers 5.23 cannot "
    "build Gemma4AssistantForCausalLM",
}


@cache
def families() -> dict[str, Family]:
    """Every supported model_type and its record, sorted by name."""
    from importlib import import_module

    every = [
        f for module in MODULES for f in import_module(f"paramcalc.families.{module}").FAMILIES
    ]
    found = dict(sorted((f.model_type, f) for f in every))
    if len(found) != len(every):
        raise RuntimeError("a model_type has two family records")
    return found


def supported_model_types() -> list[str]:
    """The model_type values paramcalc can import exactly."""
    return list(families())


def naming_of(key: str) -> Naming:
    """The naming a key stands for: a model_type, or `model_type/variant`, either followed by
    `+mlm` for the family's masked-LM model."""
    from paramcalc.families.heads import MLM_SUFFIX

    # an encoder-decoder's variant joins its two sides with a bare + (bert+gpt2)
    mlm = key.endswith(MLM_SUFFIX)
    model_type, _, variant = key.removesuffix(MLM_SUFFIX).partition("/")
    family = families().get(model_type)
    if (
        family is None
        or (variant and variant not in family.variants)
        or (mlm and family.mlm is None)
    ):
        from paramcalc.errors import FieldValueError

        known = ", ".join(families())
        raise FieldValueError("naming", f"unknown naming {key!r} (a model_type: {known})")
    return family.naming_of(variant, mlm=mlm)
