"""Encoders with rotary positions, as `AutoModel` builds them (transformers 5.23).

GTE, NomicBERT and Jina-Embeddings-v3 keep BERT's post-norm layers (a LayerNorm after
attention and one after the MLP, an embedding LayerNorm, no final norm) under Llama-style
module names, with rotary positions instead of a position table. EuroBERT is a Llama decoder
run bidirectionally; ModernBERT a pre-norm encoder with fused projections whose layers
alternate local (sliding-window) and global attention. Tables hold each config class's
defaults; builds follow each family's `modeling_*.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.dense_v2 import set_head_dim
from paramcalc.families.encoders import table_rows
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM
from paramcalc.families.v2 import gated_mlp, layer_spans

#: BERT's post-norm sites: a norm after the mixer and one after the feed-forward.
POST_NORMS = ["post_mixer", "post_ffn"]


def attention(c: HFConfig, bias: bool, head_dim: int | None, **extra: Any) -> dict[str, Any]:
    """Multi-head attention (these config classes have no num_key_value_heads)."""
    heads = c.integer("num_attention_heads")
    return {
        "kind": "attention",
        "num_attention_heads": heads,
        "head_dim": head_dim,
        "qkv_bias": bias,
        "o_bias": bias,
        **extra,
    }


def encoder(
    c: HFConfig,
    kinds: dict[str, dict[str, Any]],
    layer_kinds: list[str],
    final_norm: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """A bare encoder (no language-model head) whose layers are the given kinds."""
    stack: dict[str, Any] = {"num_hidden_layers": len(layer_kinds), "final_norm": final_norm}
    if len(set(layer_kinds)) == 1:
        stack["block"] = kinds[layer_kinds[0]]
    else:
        stack |= {"kinds": kinds, "layer_kinds": layer_kinds}
    tower = {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "lm_head": False,
        "stacks": [stack],
        **fields,
    }
    return {"text": tower}


def post_norm_encoder(
    c: HFConfig, ffn: dict[str, Any], bias: bool, type_vocab_size: int, pooler: bool
) -> dict[str, Any]:
    """BERT's layout with rotary attention: embedding LayerNorm, post-norm layers."""
    block = {
        "mixer": attention(c, bias, set_head_dim(c)),
        "ffn": ffn,
        "norms": POST_NORMS,
    }
    return encoder(
        c,
        {"layer": block},
        ["layer"] * c.integer("num_hidden_layers"),
        type_vocab_size=type_vocab_size,
        embedding_norm=True,
        norm_type="layernorm",
        pooler=pooler,
    )


def gte(c: HFConfig) -> dict[str, Any]:
    """GteModel: biased attention, a gated MLP whose down_proj alone has a bias, no pooler;
    type_vocab_size 0 builds no token-type table (gte-base-en-v1.5)."""
    ffn = {**gated_mlp(c.integer("intermediate_size")), "down_bias": True}
    types = c.integer("type_vocab_size", minimum=0)
    return post_norm_encoder(c, ffn, bias=True, type_vocab_size=types, pooler=False)


def nomic_bert(c: HFConfig) -> dict[str, Any]:
    """NomicBertModel: unbiased attention and gated MLP, token types, no pooler."""
    ffn = gated_mlp(c.integer("intermediate_size"))
    types = table_rows(c, "type_vocab_size")
    return post_norm_encoder(c, ffn, bias=False, type_vocab_size=types, pooler=False)


def jina_embeddings_v3(c: HFConfig) -> dict[str, Any]:
    """JinaEmbeddingsV3Model: XLM-RoBERTa's layers with rotary attention, and its pooler."""
    ffn = {"kind": "mlp", "intermediate_size": c.integer("intermediate_size"), "bias": True}
    types = table_rows(c, "type_vocab_size")
    return post_norm_encoder(c, ffn, bias=True, type_vocab_size=types, pooler=True)


def eurobert(c: HFConfig) -> dict[str, Any]:
    """EuroBertModel: Llama's pre-norm layers and final RMSNorm, no head, no pooler."""
    block = {
        "mixer": {
            **attention(c, c.boolean("attention_bias"), c.opt_int("head_dim")),
            # EuroBertConfig: a null num_key_value_heads is one per query head
            "num_key_value_heads": c.opt_int("num_key_value_heads"),
        },
        "ffn": gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias")),
    }
    return encoder(c, {"layer": block}, ["layer"] * c.integer("num_hidden_layers"), True)


def modernbert_window(c: HFConfig) -> int:
    """Keys a local layer's query sees: |q - k| <= local_attention // 2 on both sides
    (create_bidirectional_sliding_window_mask with config.sliding_window)."""
    half = c.integer("local_attention", minimum=2) // 2
    return 2 * half + 1


def modernbert(c: HFConfig) -> dict[str, Any]:
    """ModernBertModel: fused Wqkv and Wi, LayerNorms biased by norm_bias, no norm before the
    first layer's attention (attn_norm is Identity there), every global_attn_every_n_layers-th
    layer global and the others local."""
    layers, every = c.integer("num_hidden_layers"), c.integer("global_attn_every_n_layers")
    spans = layer_spans(
        c, layers, ["sliding_attention" if i % every else "full_attention" for i in range(layers)]
    )
    heads = c.integer("num_attention_heads")
    if c.integer("hidden_size") % heads:
        raise c.error("num_attention_heads", "must divide hidden_size (ModernBertAttention)")
    bias = c.boolean("attention_bias")
    ffn = gated_mlp(c.integer("intermediate_size"), c.boolean("mlp_bias"))
    kinds: dict[str, dict[str, Any]] = {}
    layer_kinds = []
    for i, span in enumerate(spans):
        window = modernbert_window(c) if span == "sliding_attention" else None
        key = f"first+{span}" if i == 0 else span
        kinds[key] = {
            "mixer": attention(c, bias, None, sliding_window=window),
            "ffn": ffn,
            "norms": ["pre_ffn"] if i == 0 else ["input", "pre_ffn"],
        }
        layer_kinds.append(key)
    norm = "layernorm" if c.boolean("norm_bias") else "layernorm_no_bias"
    return encoder(c, kinds, layer_kinds, True, embedding_norm=True, norm_type=norm)


#: The Llama-style names GTE, NomicBERT and Jina-v3 use under BERT's embeddings module.
ROTARY_BERT = Naming(
    {
        "embed_tokens": "embeddings.word_embeddings",
        "token_type_embeddings": "embeddings.token_type_embeddings",
        "embedding_norm": "embeddings.LayerNorm",
        "decoder.layers": "layers",
        "post_ffn_norm": "post_mlp_layernorm",
    }
)
JINA = Naming(ROTARY_BERT.names, {"ffn.up_proj": "fc1", "ffn.down_proj": "fc2"})
EUROBERT = Naming(
    {"embed_tokens": "embed_tokens", "decoder.layers": "layers", "decoder.final_norm": "norm"}
)
MODERNBERT = Naming(
    {
        "embed_tokens": "embeddings.tok_embeddings",
        "embedding_norm": "embeddings.norm",
        "decoder.layers": "layers",
        "decoder.final_norm": "final_norm",
        "input_norm": "attn_norm",
        "attention": "attn",
        "attention.o_proj": "attn.Wo",
        "pre_ffn_norm": "mlp_norm",
        "ffn.down_proj": "mlp.Wo",
    },
    fused={
        "attention.Wqkv": ("q_proj", "k_proj", "v_proj"),
        # ModernBertMLP: Wi's output is chunked into the input and the gate
        "ffn.Wi": ("gate_proj", "up_proj"),
    },
)
#: What pre-training checkpoints of the BERT-like ones store beyond the bare model.
MLM_NOTES = "masked-LM checkpoints also hold the prediction head, which AutoModel does not build"

#: GteForMaskedLM: RoBERTa's lm_head, whose decoder keeps its own bias.
GTE_MLM = MaskedLM(
    "gte",
    {
        "head_transform": "lm_head.dense",
        "head_transform_norm": "lm_head.layer_norm",
        "lm_head": "lm_head.decoder",
    },
    shared_bias=False,
    decoder_bias=True,
)
#: NomicBertForMaskedLM: BERT's cls.predictions with a lower-case layer_norm.
NOMIC_BERT_MLM = MaskedLM(
    "nomic_bert",
    {**BERT_MLM_NAMES, "head_transform_norm": "cls.predictions.transform.layer_norm"},
)
#: ModernBertForMaskedLM: head (dense biased by classifier_bias, the model's norm kind) and a
#: top-level decoder biased by decoder_bias.
MODERNBERT_MLM = MaskedLM(
    "model",
    {"head_transform": "head.dense", "head_transform_norm": "head.norm", "lm_head": "decoder"},
    transform_bias="classifier_bias",
    shared_bias=False,
    decoder_bias="decoder_bias",
)
#: EuroBertForMaskedLM: one lm_head on the final norm, biased by mlp_bias; untied by default.
EUROBERT_MLM = MaskedLM(
    "model",
    {"lm_head": "lm_head"},
    transform=False,
    shared_bias=False,
    decoder_bias="mlp_bias",
    tie_default=False,
)

FAMILIES = (
    Family(
        "gte",
        {
            "vocab_size": 250048,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "type_vocab_size": 1,
        },
        (gte,),
        naming=ROTARY_BERT,
        notes=MLM_NOTES,
        mlm=GTE_MLM,
    ),
    Family(
        "nomic_bert",
        {
            "vocab_size": 30528,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "type_vocab_size": 2,
            "head_dim": None,
        },
        (nomic_bert,),
        naming=ROTARY_BERT,
        notes=MLM_NOTES,
        mlm=NOMIC_BERT_MLM,
    ),
    Family(
        "jina_embeddings_v3",
        {
            "vocab_size": 250002,
            "hidden_size": 1024,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "intermediate_size": 4096,
            "type_vocab_size": 1,
        },
        (jina_embeddings_v3,),
        naming=JINA,
        notes=MLM_NOTES,
        mlm=MaskedLM("roberta", ROBERTA_MLM_NAMES, head_first=True),
    ),
    Family(
        "eurobert",
        {
            "vocab_size": 128256,
            "hidden_size": 768,
            "intermediate_size": 3072,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "num_key_value_heads": None,
            "attention_bias": False,
            "mlp_bias": False,
            "head_dim": None,
        },
        (eurobert,),
        naming=EUROBERT,
        notes="masked-LM checkpoints also hold lm_head, which AutoModel does not build",
        mlm=EUROBERT_MLM,
    ),
    Family(
        "modernbert",
        {
            "vocab_size": 50368,
            "hidden_size": 768,
            "intermediate_size": 1152,
            "num_hidden_layers": 22,
            "num_attention_heads": 12,
            "norm_bias": False,
            "attention_bias": False,
            "mlp_bias": False,
            "layer_types": None,
            "local_attention": 128,
            "global_attn_every_n_layers": 3,
            "classifier_bias": False,
            "decoder_bias": True,
        },
        (modernbert,),
        naming=MODERNBERT,
        notes="masked-LM checkpoints also hold the prediction head (head.*) and decoder bias, "
        "which AutoModel does not build",
        mlm=MODERNBERT_MLM,
    ),
)
