"""NeoMME (H Company's text-and-document-image encoder), as `AutoModel` builds it.

NeoMMEModel factorizes its token embedding (vocab_size x embedding_rank, then an unbiased
projection to hidden_size), embeds image patches with a small MLP stem, and keeps a
value-embedding table for its first and last global layers. Its layers are pre-norm with
weightless RMSNorms (and weightless q/k norms): grouped-query attention whose output passes
exclusive self-attention (a learned alpha per head) and a sigmoid gate projected from the
layer's input, a relu^2 MLP, and two scalars mixing the layer's input with the first layer's.
Every sixth and the last layer are global; sliding layers alternate a short window
(sliding_window) and a long one (1024), unless per_layer_config says otherwise. The table
holds NeoMMEConfig's defaults in transformers 5.23.0; the build follows `modeling_neomme.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import KV_HEADS, Family, HFConfig
from paramcalc.families.encoders_rotary import encoder
from paramcalc.families.heads import MaskedLM

#: NeoMMEConfig.default_long_sliding_window: the window of every other sliding layer.
LONG_WINDOW = 1024


def layer_spans(c: HFConfig, layers: int) -> list[str]:
    """layer_types, else global every sixth layer and the last; at least one global layer."""
    listed = c.layer_types("layer_types", layers)
    spans = (
        list(listed)
        if listed is not None
        else [
            "full_attention" if (i + 1) % 6 == 0 or i == layers - 1 else "sliding_attention"
            for i in range(layers)
        ]
    )
    if "full_attention" not in spans:
        # NeoMMEConfig.validate_layer_type; the value embeddings need a global layer
        raise c.error("layer_types", "must contain at least one full_attention layer")
    return spans


def window_overrides(c: HFConfig, spans: list[str]) -> dict[int, Any]:
    """Each layer's sliding_window override: per_layer_config as the file gives it, else the
    long window for every other sliding layer (NeoMMEConfig.__post_init__)."""
    listed = c.data.get("per_layer_config")
    if listed is None:
        sliding = [i for i, span in enumerate(spans) if span == "sliding_attention"]
        return {i: LONG_WINDOW for k, i in enumerate(sliding) if k % 2}
    if not isinstance(listed, dict):
        raise c.error(
            "per_layer_config", f"must map layer indices to fields, got {describe(listed)}"
        )
    found: dict[int, Any] = {}
    for key, fields in listed.items():
        index = int(key) if isinstance(key, str) and key.isdigit() else key
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(spans):
            raise c.error("per_layer_config", f"{key!r} is not a layer index")
        if not isinstance(fields, dict) or set(fields) - {"sliding_window"}:
            raise c.error(
                "per_layer_config",
                f"layer {key}: paramcalc reads sliding_window overrides only, "
                f"got {describe(fields)}",
            )
        if "sliding_window" in fields:
            found[index] = fields["sliding_window"]
    return found


def layer_windows(c: HFConfig, spans: list[str]) -> list[int | None]:
    """Keys a query sees in each layer: |q - k| <= the layer's window, none in a global one."""
    base, overrides = c.opt_int("sliding_window"), window_overrides(c, spans)
    windows: list[int | None] = []
    for i, span in enumerate(spans):
        window = overrides.get(i, base)
        if span == "full_attention":
            windows.append(None)
            continue
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            # NeoMMEConfig.validate_architecture (and NeoMMEAttention adds 1 to it)
            key = "per_layer_config" if i in overrides else "sliding_window"
            raise c.error(key, f"layer {i} is sliding and needs a positive window, got {window!r}")
        windows.append(2 * window + 1)
    return windows


def neomme(c: HFConfig) -> dict[str, Any]:
    """NeoMMEModel: factorized tokens, a patch stem, value embeddings, gated GQA layers."""
    heads, kv = c.integer("num_attention_heads"), c.integer("num_key_value_heads")
    if heads % kv:
        raise c.error("num_key_value_heads", f"must divide num_attention_heads={heads}")
    head_dim, layers = c.integer("head_dim"), c.integer("num_hidden_layers")
    bias = c.boolean("attention_bias")
    spans = layer_spans(c, layers)
    kinds: dict[str, dict[str, Any]] = {}
    keys = []
    for window in layer_windows(c, spans):
        key = f"sliding_{window}" if window else "full_attention"
        mixer = {
            "kind": "attention",
            "num_attention_heads": heads,
            "num_key_value_heads": kv,
            "head_dim": head_dim,
            "qkv_bias": bias,
            "o_bias": bias,  # output_projection.o_proj
            "gate_proj": "per_channel",
            "exclusive_alpha": True,
            "sliding_window": window,
        }
        ffn = {"kind": "mlp", "intermediate_size": c.integer("intermediate_size")}
        kinds[key] = {
            "mixer": mixer,
            "ffn": {**ffn, "bias": c.boolean("mlp_bias")},
            "extras": [{"kind": "input_mix"}],
        }
        keys.append(key)
    vocab = c.integer("vocab_size")
    extras = [
        {"kind": "patch_stem", "patch_dim": 3 * c.integer("patch_size") ** 2},
        {"kind": "value_embeddings", "rows": vocab, "width": kv * head_dim},
    ]
    return encoder(
        c,
        kinds,
        keys,
        # embedding_norm and final_norm are weightless RMSNorms, as are the layers' norms
        norm_type="none",
        embedding_size=c.integer("embedding_rank"),
        embedding_projection="in_no_bias",
        extras=extras,
    )


NEOMME = Naming(
    {
        "embed_tokens": "embed_tokens.word_embeddings",
        "embedding_projection": "embed_tokens.embedding_projection",
        "patch_stem": "patch_embeddings",
        "decoder.layers": "layers",
        "attention.gate_proj": "self_attn.output_projection.gate_proj",
        "attention.o_proj": "self_attn.output_projection.o_proj",
        "attention.exclusive_alpha": "self_attn.exclusive_self_attention.alpha",
    }
)
#: NeoMMEForMaskedLM: the last hidden state times unembedding_projection.weight back to
#: embedding_rank, then an unbiased lm_head; tied, both are the factorized embedding's.
NEOMME_MLM = MaskedLM(
    "model",
    {"unembedding_projection": "unembedding_projection", "lm_head": "lm_head"},
    transform=False,
    shared_bias=False,
    decoder_bias=False,
    unembedding_projection=True,
)

FAMILIES = (
    Family(
        "neomme",
        {
            "vocab_size": 131072,
            "embedding_rank": 256,
            "hidden_size": 1024,
            "intermediate_size": 3584,
            "mlp_bias": False,
            "num_hidden_layers": 17,
            "num_attention_heads": 16,
            "num_key_value_heads": 4,
            "head_dim": 64,
            "attention_bias": False,
            "layer_types": None,
            "sliding_window": 256,
            "patch_size": 32,
        },
        (neomme,),
        naming=NEOMME,
        required=KV_HEADS,
        notes="masked-LM and retrieval checkpoints also hold their heads, which AutoModel "
        "does not build",
        mlm=NEOMME_MLM,
    ),
)
