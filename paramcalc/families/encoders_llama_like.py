"""Encoders built as Llama decoders run bidirectionally, as `AutoModel` builds them.

ESMC (EvolutionaryScale's protein model) keeps Llama's module names with LayerNorms for
RMSNorms: biased ones before attention and the MLP, unbiased ones over the whole query and key
(hidden_size wide) and after the last layer; it has no head. UltraBERT is EuroBERT with
sliding-window layers: every third layer global by default, the others attending to the
tokens within sliding_window on either side. Tables hold each config class's defaults in
transformers 5.23.0; builds follow `modular_esmc.py` and `modular_ultrabert.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders_rotary import EUROBERT, attention, encoder, eurobert
from paramcalc.families.heads import MaskedLM
from paramcalc.families.v2 import gated_mlp, layer_spans


def esmc(c: HFConfig) -> dict[str, Any]:
    """EsmcModel: pre-norm Llama layers with LayerNorms and full-width q/k LayerNorms."""
    hidden, heads = c.integer("hidden_size"), c.integer("num_attention_heads")
    if hidden % heads:
        raise c.error("num_attention_heads", f"must divide hidden_size={hidden}")
    kv = c.opt_int("num_key_value_heads")
    if kv not in (None, heads):
        # EsmcConfig.validate_architecture: no grouped-query attention
        raise c.error("num_key_value_heads", f"must equal num_attention_heads={heads}, got {kv}")
    head_dim = c.opt_int("head_dim")
    if head_dim not in (None, hidden // heads):
        # q_norm and k_norm are LayerNorm(hidden_size) over heads x head_dim channels
        raise c.error("head_dim", f"must be hidden_size / num_attention_heads, got {head_dim}")
    block = {
        "mixer": {
            **attention(c, c.boolean("attention_bias"), None),
            "qk_norm": "full",
            "qk_norm_type": "layernorm_no_bias",
        },
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
    }
    layers = c.integer("num_hidden_layers")
    model = encoder(c, {"layer": block}, ["layer"] * layers, True, norm_type="layernorm")
    model["text"]["stacks"][0]["final_norm_type"] = "layernorm_no_bias"
    return model


def ultrabert_windows(c: HFConfig, layers: int) -> tuple[int, list[str]]:
    """The radius of sliding layers and each layer's kind; a legacy attention_windows list
    (one radius per layer, 0 for global) sets both where the file does not."""
    radius, legacy = c.integer("sliding_window", minimum=0), c.data.get("attention_windows")
    default = ["sliding_attention" if (i + 1) % 3 else "full_attention" for i in range(layers)]
    if legacy is None:
        return radius, layer_spans(c, layers, default)
    if not isinstance(legacy, list) or len(legacy) != layers:
        raise c.error("attention_windows", f"must list one radius per layer ({layers})")
    if any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in legacy):
        raise c.error("attention_windows", f"must be radii of 0 or more, got {describe(legacy)}")
    # UltrabertConfig.__post_init__: the first nonzero radius; layer_types from the list
    radius = next((w for w in legacy if w), radius)
    kinds = ["sliding_attention" if w else "full_attention" for w in legacy]
    return radius, layer_spans(c, layers, kinds)


def ultrabert(c: HFConfig) -> dict[str, Any]:
    """UltrabertModel: EuroBERT's layers, sliding layers seeing |q - k| <= sliding_window."""
    layers = c.integer("num_hidden_layers")
    radius, spans = ultrabert_windows(c, layers)
    model = eurobert(c)
    block = model["text"]["stacks"][0].pop("block")
    kinds = {
        span: {
            **block,
            "mixer": {
                **block["mixer"],
                # create_bidirectional_sliding_window_mask: radius keys on either side
                "sliding_window": 2 * radius + 1 if span == "sliding_attention" else None,
            },
        }
        for span in dict.fromkeys(spans)
    }
    return encoder(c, kinds, spans, True)


#: EsmcForMaskedLM's EsmcMaskedLMHead: dense, LayerNorm and a biased decoder it never ties
#: (no _tied_weights_keys, whatever tie_word_embeddings says).
ESMC_MLM = MaskedLM(
    "esmc",
    {
        "head_transform": "lm_head.dense",
        "head_transform_norm": "lm_head.layer_norm",
        "lm_head": "lm_head.decoder",
    },
    shared_bias=False,
    decoder_bias=True,
    ties=False,
    tie_default=False,
)
#: UltrabertForMaskedLM's UltrabertPredictionHead: two unbiased dense layers (hidden ->
#: prediction_head_size -> hidden), no norm, an unbiased decoder tied when the config ties.
ULTRABERT_MLM = MaskedLM(
    "model",
    {
        "head_intermediate": "head.linear1",
        "head_transform": "head.linear2",
        "lm_head": "head.decoder",
    },
    intermediate="prediction_head_size",
    transform_bias=False,
    transform_norm=False,
    shared_bias=False,
    decoder_bias=False,
    tie_default=False,
)

FAMILIES = (
    Family(
        "esmc",
        {
            "vocab_size": 64,
            "hidden_size": 2560,
            "intermediate_size": 6912,
            "num_hidden_layers": 80,
            "num_attention_heads": 40,
            "num_key_value_heads": None,
            "attention_bias": False,
            "mlp_bias": False,
            "head_dim": None,
        },
        (esmc,),
        naming=EUROBERT,
        notes="masked-LM checkpoints also hold the head (lm_head.*), which AutoModel does "
        "not build",
        mlm=ESMC_MLM,
    ),
    Family(
        "ultrabert",
        {
            "vocab_size": 32000,
            "hidden_size": 4096,
            "intermediate_size": 11008,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "num_key_value_heads": None,
            "attention_bias": False,
            "mlp_bias": False,
            "head_dim": None,
            "sliding_window": 128,
            "layer_types": None,
            "prediction_head_size": 768,
        },
        (ultrabert,),
        naming=EUROBERT,
        notes="masked-LM checkpoints also hold the prediction head (head.linear1, "
        "head.linear2), which AutoModel does not build",
        mlm=ULTRABERT_MLM,
    ),
)
