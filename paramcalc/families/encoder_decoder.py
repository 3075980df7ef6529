"""EncoderDecoderModel: an encoder and a causal LM of other families, joined by cross-attention.

`EncoderDecoderConfig` nests two configs, `encoder` and `decoder` (each BERT's when absent, the
decoder then with is_decoder and add_cross_attention; a given mapping is read as it is, without
them). `modeling_encoder_decoder.py` (5.23) builds the encoder with `AutoModel` and the decoder
with `AutoModelForCausalLM`, and adds `enc_to_dec_proj` (encoder width -> decoder width, biased)
when the widths differ and the decoder sets no cross_attention_hidden_size. The decoder ties its
head as its own config says; there is no tying between encoder and decoder in 5.23
(tie_encoder_decoder is no longer read).

Each side is its family's record: the encoder's tower (a bare model: its tables, layers and
pooler) becomes the encoder stack, the decoder's is the tower, each named as its family names
its model, under `encoder.` and `decoder.`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paramcalc.core.names import Naming
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.bert_decoders import BERT_GENERATION
from paramcalc.families.classic import GPT2
from paramcalc.families.encoders import BERT

#: Fields of an encoder's tower that move onto its stack (the tower's tables become the stack's).
STACK_FIELDS = {
    "vocab_size": "token_embeddings",
    "position_embeddings": "position_embeddings",
    "type_vocab_size": "type_vocab_size",
    "embedding_norm": "embedding_norm",
    "pooler": "pooler",
}
#: Fields of a tower the encoder stack cannot carry: an encoder with any of them is refused.
TOWER_ONLY = (
    "embedding_size",
    "input_tables",
    "input_mapping",
    "box_position_embeddings",
    "initial_state",
    "head_transform",
    "contact_head",
    "hyper_head",
    "extras",
)


def bert_lm_head(sub: HFConfig, fields: dict[str, Any]) -> dict[str, Any]:
    """BertLMHeadModel / RobertaForCausalLM: the bare model without its pooler, then the
    prediction head (dense and LayerNorm) and a decoder tied to the word embeddings, whose bias
    is the head's."""
    tied = sub.data.get("tie_word_embeddings", True)  # PreTrainedConfig's default
    if tied is not True:
        raise sub.error(
            "tie_word_embeddings",
            f"{tied!r} unties the head's decoder.bias from its bias, leaving an unused bias of its "
            "own, which paramcalc does not represent",
        )
    return {
        **fields,
        "pooler": False,
        "lm_head": True,
        "lm_head_bias": True,
        "head_transform": {"bias": True},
        "tie_word_embeddings": True,
    }


def lm_head_naming(model: str, head: str, transform: str, norm: str) -> Naming:
    """BERT's names under `model.`, the prediction head's under `head`."""
    roots = ("embed_tokens", "embed_positions", "token_type_embeddings", "embedding_norm")
    return Naming(
        {
            **BERT.names,
            **{role: f"{model}.{BERT.names[role]}" for role in roots},
            "decoder.layers": f"{model}.{BERT.names['decoder.layers']}",
            "head_transform": f"{head}.{transform}",
            "head_transform_norm": f"{head}.{norm}",
            "lm_head": head,
        },
        leaves=BERT.leaves,
    )


Convert = Callable[[HFConfig, dict[str, Any]], dict[str, Any]]
#: The decoders paramcalc builds as AutoModelForCausalLM does: how the family's record becomes
#: that class, and that class's names.
DECODERS: dict[str, tuple[Convert | None, Naming]] = {
    "bert": (
        bert_lm_head,
        lm_head_naming("bert", "cls.predictions", "transform.dense", "transform.LayerNorm"),
    ),
    "roberta": (bert_lm_head, lm_head_naming("roberta", "lm_head", "dense", "layer_norm")),
    "gpt2": (None, GPT2),
    "bert-generation": (None, BERT_GENERATION),
}
#: The encoders: bare models (AutoModel) of BERT's build, named as their families name them.
ENCODERS = {t: BERT for t in ("bert", "roberta", "xlm-roberta", "camembert", "data2vec-text")}


def side(c: HFConfig, key: str, supported: dict[str, Any]) -> tuple[str, HFConfig]:
    """The model_type of a sub-config and the sub-config read against its family's table."""
    from paramcalc.families import families

    value = c.raw(key)
    if value is None:  # EncoderDecoderConfig: BERT's defaults, a decoder with cross-attention
        value = {} if key == "encoder" else {"is_decoder": True, "add_cross_attention": True}
    if not isinstance(value, dict):
        raise c.error(key, f"must be a mapping, got {type(value).__name__}")
    model_type = value.get("model_type", "bert")
    if model_type not in supported:
        raise c.error(
            key,
            f"model_type {model_type!r} is not one paramcalc builds here (one of: "
            f"{', '.join(sorted(supported))})",
        )
    family = families()[model_type]
    return model_type, HFConfig(value, f"{c.where}: {key}", family)


def tower_of(sub: HFConfig, convert: Convert | None = None) -> dict[str, Any]:
    """The text tower a family's record builds for a sub-config (as a v2 mapping)."""
    fields = sub.family.build(sub)
    fields = fields["text"] if "text" in fields else sub.text_tower(fields)
    return convert(sub, fields) if convert else fields


def encoder_stack(c: HFConfig, tower: dict[str, Any], width: int) -> dict[str, Any]:
    """The encoder's tower as the encoder stack: its tables, layers and pooler."""
    present = [k for k in TOWER_ONLY if tower.get(k) not in (None, (), [], 0, False)]
    stacks = tower["stacks"]
    if present or len(stacks) != 1 or tower.get("lm_head"):
        what = present[0] if present else "an LM head or a second stack"
        raise c.error("encoder", f"has {what}, which paramcalc cannot put in an encoder stack")
    stack = dict(stacks[0])
    if any(stack.get(k) for k in STACK_FIELDS.values()):
        raise c.error("encoder", "keeps tables per stack, which paramcalc cannot nest")
    blocks = [stack["block"]] if stack.get("block") else list(stack["kinds"].values())
    if any(b.get("cross_attention") for b in blocks):
        raise c.error("encoder", "has cross-attention (add_cross_attention), which reads nothing")
    stack |= {v: tower[k] for k, v in STACK_FIELDS.items()}
    own = tower["hidden_size"]
    return {**stack, "name": "encoder", "hidden_size": own if own != width else None}


def encoder_decoder(c: HFConfig) -> dict[str, Any]:
    """EncoderDecoderModel: the encoder stack (AutoModel) and the decoder tower (its causal LM),
    with enc_to_dec_proj between two widths."""
    encoder_type, enc = side(c, "encoder", ENCODERS)
    decoder_type, dec = side(c, "decoder", DECODERS)
    decoder = tower_of(dec, DECODERS[decoder_type][0])
    encoder = tower_of(enc)
    width, source = decoder["hidden_size"], encoder["hidden_size"]
    cross_width = dec.data.get("cross_attention_hidden_size")
    if cross_width is not None and cross_width != source:
        raise c.error("decoder", "cross_attention_hidden_size must equal the encoder's width")
    if cross_width is not None and source != width:
        # the decoder's cross-attention would then read the encoder's width itself
        raise c.error("decoder", "cross_attention_hidden_size with two widths is not supported")
    if encoder["norm_type"] != decoder["norm_type"]:
        raise c.error(
            "encoder", "normalizes otherwise than the decoder, which paramcalc cannot say"
        )
    stack = encoder_stack(c, encoder, width)
    stack["output_projection"] = source != width
    text = {**decoder, "stacks": [stack, *decoder["stacks"]]}
    return {"text": text, "naming": f"encoder-decoder/{encoder_type}+{decoder_type}"}


def composite(encoder: Naming, decoder: Naming) -> Naming:
    """The names of an EncoderDecoderModel of the two sides' families."""
    from dataclasses import replace

    return Naming(
        {"encoder.output_projection": "enc_to_dec_proj"},
        stacks={
            "encoder": replace(encoder, prefix="encoder"),
            "decoder": replace(decoder, prefix="decoder"),
        },
    )


PAIRS = {
    f"{e}+{d}": composite(naming, decoder)
    for e, naming in ENCODERS.items()
    for d, (_, decoder) in DECODERS.items()
}

FAMILIES = (
    Family(
        "encoder-decoder",
        {"encoder": None, "decoder": None},
        (encoder_decoder,),
        naming=PAIRS["bert+bert"],
        variants=PAIRS,
    ),
)
