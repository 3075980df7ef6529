"""More BERT-like encoders in the v2 form, as `AutoModel` builds them.

MPNet keeps one relative position bias table for all its layers; ESM moves BERT's LayerNorms
before each sub-layer, ends the stack with one and adds a contact head; SqueezeBERT makes every
projection a grouped 1x1 convolution; Longformer adds the global query/key/value projections
to each attention. Tables hold the defaults of each config class in transformers 5.23.0; builds
follow each family's `modeling_*.py`.
"""

from __future__ import annotations

from typing import Any

from paramcalc.core.names import Naming
from paramcalc.errors import describe
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT, BERT_DEFAULTS, table_rows
from paramcalc.families.encoders_v2 import bert_attention, bert_block, bert_text, cross_attention
from paramcalc.families.heads import BERT_MLM_NAMES, ROBERTA_MLM_NAMES, MaskedLM


def attention_window(c: HFConfig) -> None:
    """Check attention_window: one even size, or one per layer (LongformerSelfAttention)."""
    value, layers = c.raw("attention_window"), c.integer("num_hidden_layers")
    sizes = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) != layers:
        raise c.error("attention_window", f"needs {layers} entries, got {len(value)}")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size % 2:
            raise c.error("attention_window", f"must be positive and even, got {describe(size)}")


def longformer(c: HFConfig) -> dict[str, Any]:
    """LongformerModel: BERT's layout with global query/key/value projections per layer."""
    # the window changes no shape; FLOPs count full attention, an upper bound
    attention_window(c)
    mixer = bert_attention(c, global_projections=True)
    return {"text": bert_text(c, mixer, cross=False, pooler=True)}


def mpnet(c: HFConfig) -> dict[str, Any]:
    """MPNetModel: BERT's layout without token types, one relative bias for all layers."""
    text = bert_text(c, bert_attention(c), cross=False, pooler=True, token_types=False)
    text["stacks"][0]["relative_attention_bias"] = table_rows(c, "relative_attention_num_buckets")
    return {"text": text}


def esm(c: HFConfig) -> dict[str, Any]:
    """EsmModel: pre-norm BERT layers, a final LayerNorm, a pooler and the contact head."""
    kind = c.raw("position_embedding_type")
    if kind not in ("absolute", "rotary"):
        raise c.error("position_embedding_type", f"must be absolute or rotary, got {kind!r}")
    cross = cross_attention(c)
    block = bert_block(c, bert_attention(c), cross)
    block["norms"] = ["input", "pre_cross", "pre_ffn"] if cross else ["input", "pre_ffn"]
    text = bert_text(c, block["mixer"], cross, pooler=True, token_types=False)
    # rotary tables are buffers; emb_layer_norm_before is null (no norm) by default
    positions = c.integer("max_position_embeddings") if kind == "absolute" else 0
    text |= {
        "position_embeddings": positions,
        "embedding_norm": c.opt_bool("emb_layer_norm_before") is True,
        "contact_head": True,
    }
    text["stacks"][0] |= {"block": block, "final_norm": True}
    return {"text": text}


def conv_groups(c: HFConfig, *keys: str) -> list[int]:
    """Groups of SqueezeBERT's Conv1d layers, each dividing the channels it splits."""
    widths = (c.integer("hidden_size"), c.integer("intermediate_size"))
    found = []
    for key in keys:
        groups = c.integer(key)
        if any(width % groups for width in widths):
            raise c.error(key, f"{groups} must divide hidden_size and intermediate_size")
        found.append(groups)
    return found


def squeezebert(c: HFConfig) -> dict[str, Any]:
    """SqueezeBertModel: BERT's layout with grouped 1x1 convolutions for every projection."""
    if c.integer("embedding_size") != c.integer("hidden_size"):
        # SqueezeBertEncoder asserts it: no projection between the widths
        raise c.error("embedding_size", "must equal hidden_size")
    attention_groups = conv_groups(c, "q_groups", "k_groups", "v_groups", "post_attention_groups")
    mixer = bert_attention(c, conv_groups=attention_groups)
    text = bert_text(c, mixer, cross=False, pooler=True)
    ffn_groups = conv_groups(c, "intermediate_groups", "output_groups")
    text["stacks"][0]["block"]["ffn"]["conv_groups"] = ffn_groups
    return {"text": text}


#: MPNetAttention: q/k/v/o inside `attn`, its LayerNorm beside it.
MPNET = Naming(
    {
        **BERT.names,
        "attention": "attention.attn",
        "attention.o_proj": "attention.attn.o",
        "post_mixer_norm": "attention.LayerNorm",
        "decoder.relative_attention_bias": "encoder.relative_attention_bias",
    },
    {f"attention.{x}_proj": x for x in "qkv"},
)
#: EsmModel: each sub-layer's LayerNorm before it, the encoder's after the last layer.
ESM = Naming(
    {
        **BERT.names,
        "embedding_norm": "embeddings.layer_norm",
        "input_norm": "attention.LayerNorm",
        "pre_cross_norm": "crossattention.LayerNorm",
        "pre_ffn_norm": "LayerNorm",
        "decoder.final_norm": "encoder.emb_layer_norm_after",
        "contact_head": "contact_head.regression",
    },
    BERT.leaves,
)
#: SqueezeBertModule: query/key/value, post_attention, intermediate and output Conv1d.
SQUEEZEBERT = Naming(
    {
        **BERT.names,
        "decoder.layers": "encoder.layers",
        "attention": "attention",
        "attention.o_proj": "post_attention.conv1d",
        "post_mixer_norm": "post_attention.layernorm",
        "ffn.up_proj": "intermediate.conv1d",
        "ffn.down_proj": "output.conv1d",
        "post_ffn_norm": "output.layernorm",
    },
    BERT.leaves,
)
#: LongformerSelfAttention keeps its global projections beside query/key/value.
LONGFORMER = Naming(
    {
        **BERT.names,
        "attention.q_global_proj": "attention.self.query_global",
        "attention.k_global_proj": "attention.self.key_global",
        "attention.v_global_proj": "attention.self.value_global",
    },
    BERT.leaves,
)

FAMILIES = (
    Family(
        "mpnet",
        {
            **BERT_DEFAULTS,
            "vocab_size": 30527,
            "relative_attention_num_buckets": 32,
        },
        (mpnet,),
        naming=MPNET,
        notes="masked-LM checkpoints also hold lm_head.*, which AutoModel does not build",
        mlm=MaskedLM("mpnet", ROBERTA_MLM_NAMES),
    ),
    Family(
        "esm",
        {
            **BERT_DEFAULTS,
            "vocab_size": None,
            "max_position_embeddings": 1026,
            "position_embedding_type": "absolute",
            "emb_layer_norm_before": None,
        },
        (esm,),
        naming=ESM,
        notes="masked-LM checkpoints also hold lm_head.*, which AutoModel does not build",
        mlm=MaskedLM("esm", ROBERTA_MLM_NAMES, decoder_bias=False),
    ),
    Family(
        "squeezebert",
        {
            **BERT_DEFAULTS,
            "embedding_size": 768,
            "q_groups": 4,
            "k_groups": 4,
            "v_groups": 4,
            "post_attention_groups": 1,
            "intermediate_groups": 4,
            "output_groups": 4,
        },
        (squeezebert,),
        naming=SQUEEZEBERT,
        notes="masked-LM checkpoints also hold the head (cls.*), which AutoModel does not build",
        mlm=MaskedLM("transformer", BERT_MLM_NAMES, pooler=True),
    ),
    Family(
        "longformer",
        {**BERT_DEFAULTS, "attention_window": 512},
        (longformer,),
        naming=LONGFORMER,
        notes="masked-LM checkpoints also hold lm_head.*, which AutoModel does not build",
        mlm=MaskedLM("longformer", ROBERTA_MLM_NAMES),
    ),
)
