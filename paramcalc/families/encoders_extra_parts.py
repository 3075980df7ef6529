"""BERT-layout encoders with one more part per layer, as `AutoModel` builds them.

Nystromformer keeps BERT's modules and adds a depthwise convolution of each head's values
(conv_kernel_size) to its Nystrom attention; its position table is two rows longer than
max_position_embeddings and the bare model has no pooler. X-MOD is RoBERTa with language
adapters after every layer's MLP (one bottleneck MLP per language), optionally pre-norm with a
final LayerNorm. Tables hold the defaults of each config class in transformers 5.23.0; builds
follow `modeling_nystromformer.py` and `modeling_xmod.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS
from paramcalc.families.encoders_v2 import bert_attention, bert_text, cross_attention
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM


def nystromformer(c: HFConfig) -> dict[str, Any]:
    """NystromformerModel: BERT's layers, a (conv_kernel_size, 1) filter per head on the
    values, max_position_embeddings + 2 positions, no pooler. add_cross_attention builds
    nothing (the layer only stores it); the config class refuses a null conv_kernel_size,
    the one value for which the model would build no convolution."""
    if c.boolean("inv_coeff_init_option"):
        # NystromformerSelfAttention reads config["inv_init_coeff_option"], which fails
        raise c.error("inv_coeff_init_option", "true fails to build in transformers 5.23")
    mixer = bert_attention(c, value_conv=c.integer("conv_kernel_size"))
    text = bert_text(c, mixer, cross=False, pooler=False)
    text["position_embeddings"] += 2
    return {"text": text}


def languages(c: HFConfig) -> tuple[str, ...]:
    """The adapters' module keys: str() of each language, once each, in order (ModuleDict)."""
    value = c.raw("languages")
    if not isinstance(value, (list, tuple)) or any(
        isinstance(x, bool) or not isinstance(x, (str, int)) for x in value
    ):
        raise c.error("languages", f"must be a list of language names, got {describe(value)}")
    keys = tuple(dict.fromkeys(str(x) for x in value))
    if any("." in k or not k for k in keys):
        raise c.error("languages", "a module name cannot be empty or contain '.' (ModuleDict)")
    return keys


def adapters(c: HFConfig) -> list[dict[str, Any]]:
    """XmodOutput's adapters: one per language, hidden // adapter_reduction_factor wide."""
    hidden, factor = c.integer("hidden_size"), c.integer("adapter_reduction_factor")
    if hidden // factor == 0:
        raise c.error(
            "adapter_reduction_factor",
            f"{factor} makes zero-width adapters for hidden_size={hidden} (zero-element "
            "tensors, which paramcalc does not list)",
        )
    keys = languages(c)
    norm = c.boolean("adapter_layer_norm")
    if not keys and not norm:
        return []
    for key in ("adapter_reuse_layer_norm", "ln_before_adapter"):
        c.boolean(key)  # where the norm runs, not what it holds
    return [
        {
            "kind": "language_adapters",
            "languages": keys,
            "bottleneck": hidden // factor,
            "norm": norm,
        }
    ]


def xmod(c: HFConfig) -> dict[str, Any]:
    """XmodModel: RoBERTa's embeddings and pooler, language adapters in every layer; with
    pre_norm each sub-layer's LayerNorm moves before it and the encoder ends in one."""
    cross = cross_attention(c)
    text = bert_text(c, bert_attention(c), cross, pooler=True)
    stack = text["stacks"][0]
    stack["block"]["extras"] = adapters(c)
    if not c.boolean("pre_norm"):
        return {"text": text}
    stack["block"]["norms"] = ["input", "pre_cross", "pre_ffn"] if cross else ["input", "pre_ffn"]
    stack["final_norm"] = True
    return {"text": text, "naming": "xmod/pre_norm"}


XMOD_NAMES = {
    **BERT.names,
    "adapter_modules": "output.adapter_modules",
    "adapter_layer_norm": "output.adapter_layer_norm",
}
XMOD = Naming(XMOD_NAMES, BERT.leaves)
#: With pre_norm the same LayerNorms run before their sub-layers; the encoder adds its own.
XMOD_PRE_NORM = Naming(
    {
        **XMOD_NAMES,
        "input_norm": "attention.output.LayerNorm",
        "pre_cross_norm": "crossattention.output.LayerNorm",
        "pre_ffn_norm": "output.LayerNorm",
        "decoder.final_norm": "encoder.LayerNorm",
    },
    BERT.leaves,
)

FAMILIES = (
    Family(
        "nystromformer",
        {
            **BERT_DEFAULTS,
            "vocab_size": 30000,
            "max_position_embeddings": 510,
            "conv_kernel_size": 65,
            "inv_coeff_init_option": False,
        },
        (nystromformer,),
        naming=BERT,
        mlm=MaskedLM("nystromformer", BERT_MLM_NAMES),
        required=frozenset({"conv_kernel_size"}),
        notes="masked-LM checkpoints also hold the head (cls.*), which AutoModel does not "
        "build; FLOPs count softmax attention over every pair, which the model computes when "
        "num_landmarks equals segment_means_seq_len (the default) and approximates otherwise",
    ),
    Family(
        "xmod",
        {
            **BERT_DEFAULTS,
            "pre_norm": False,
            "adapter_reduction_factor": 2,
            "adapter_layer_norm": False,
            "adapter_reuse_layer_norm": True,
            "ln_before_adapter": True,
            "languages": ["en_XX"],
        },
        (xmod,),
        naming=XMOD,
        mlm=MaskedLM("roberta", ROBERTA_MLM_NAMES),
        variants={"pre_norm": XMOD_PRE_NORM},
        notes="checkpoints also hold the masked-LM head (lm_head.*), which AutoModel does not "
        "build; each token passes through one language's adapter, so the other languages' "
        "adapters are not active parameters",
    ),
)
