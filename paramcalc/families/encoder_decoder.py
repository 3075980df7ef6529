"""EncoderDecoderModel: an encoder and a causal LM of other families, joined by cross-attention.

`EncoderDecoderConfig` nests two configs, `encoder` and `decoder` (each BERT's when absent, the
decoder then with is_decoder and add_cross_attention; a given mapping is read as it is, without
them). `modeling_encoder_decoder.py` (5.23) builds the encoder with `AutoModel` and the decoder
with `AutoModelForCausalLM`, and adds `enc_to_dec_proj` (encoder width -> decoder width, biased)
when the widths differ and the decoder sets no cross_attention_hidden_size. The decoder ties its
head as its own config says; there is no tying between encoder and decoder in 5.23
(tie_encoder_decoder is no longer read).

Each side is its family's record: the encoder's tower (a bare model: its tables, their width
and projection in, its layers and pooler) becomes the encoder stack, the decoder's is the
tower, each named as its family names its model, under `encoder.` and `decoder.`. A BERT-like
decoder's causal-LM class is its bare model under the masked-LM model's prefix with the
masked-LM model's head (BertLMHeadModel: `bert.` and `cls.predictions`), which the family's
`mlm` record says. An encoder whose model holds what a stack cannot (extra input tables,
several stacks, a norm kind other than the decoder's) is refused, naming the part.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from paramcalc.core.names import Naming, join
from paramcalc.core.spec import TextTower
from paramcalc.families.base import Family, HFConfig
from paramcalc.families.encoders import BERT
from paramcalc.families.heads import BERT_MLM_NAMES, MaskedLM

#: Fields of an encoder's tower that move onto its stack (the tower's tables become the stack's).
STACK_FIELDS = {
    "vocab_size": "token_embeddings",
    "position_embeddings": "position_embeddings",
    "type_vocab_size": "type_vocab_size",
    "embedding_norm": "embedding_norm",
    "pooler": "pooler",
    "embedding_size": "embedding_size",
    "type_vocab_sizes": "type_vocab_sizes",
    "box_position_embeddings": "box_position_embeddings",
    "input_tables": "input_tables",
    "input_mapping": "input_mapping",
    "trigram_input": "trigram_input",
}
#: Fields of an encoder's tower the encoder stack reads otherwise: its width, norms and stack;
#: a bare model has no head to tie. Any other field away from its default (ELECTRA's
#: embedding_size, TAPAS's type_vocab_sizes, FNet's embedding projection) is refused by name.
READ = frozenset(
    {
        "kind",
        "hidden_size",
        "norm_type",
        "stacks",
        "lm_head",
        "tie_word_embeddings",
        "embedding_projection",
    }
)


def causal_lm(sub: HFConfig, fields: dict[str, Any]) -> dict[str, Any]:
    """A BERT-like family's ForCausalLM: the bare model under the family's prefix (its pooler
    as the masked-LM model keeps it) and the prediction head of its masked-LM model, which the
    causal-LM class shares."""
    mlm = sub.family.mlm
    assert mlm is not None  # DECODERS lists only families with a masked-LM head
    return mlm.tower(TextTower(**fields), sub).model_dump()


Convert = Callable[[HFConfig, dict[str, Any]], dict[str, Any]]
#: The decoders paramcalc builds as AutoModelForCausalLM does: the model_types whose causal-LM
#: class reads add_cross_attention, and how the family's record becomes that class (None: the
#: record already is it).
DECODERS: dict[str, Convert | None] = {
    **{
        t: causal_lm
        for t in (
            "bert",
            "roberta",
            "xlm-roberta",
            "camembert",
            "data2vec-text",
            "roberta-prelayernorm",
            "xlm-roberta-xl",
            "electra",
            "ernie",
            "big_bird",
            "megatron-bert",
            "rembert",
            "roc_bert",
            "roformer",
            "xmod",
        )
    },
    "gpt2": None,
    "gpt_bigcode": None,
    "xglm": None,
    "bert-generation": None,
}
#: The encoders: the bare models (AutoModel) of these families, named as their families name
#: them. MobileBERT is not among them: its bottleneck layers in an encoder stack do not count
#: what transformers builds.
ENCODERS = (
    "bert",
    "roberta",
    "xlm-roberta",
    "camembert",
    "data2vec-text",
    "roberta-prelayernorm",
    "xlm-roberta-xl",
    "megatron-bert",
    "distilbert",
    "ernie",
    "ibert",
    "big_bird",
    "mra",
    "yoso",
    "splinter",
    "electra",
    "rembert",
    "longformer",
    "layoutlm",
    "roformer",
    "mpnet",
    "esm",
    "squeezebert",
    "xlm",
    "flaubert",
    "roc_bert",
    "gte",
    "nomic_bert",
    "jina_embeddings_v3",
    "eurobert",
    "modernbert",
    "fnet",
    "albert",
    "convbert",
    "tapas",
    "luke",
    "esmc",
    "ultrabert",
    "neomme",
    "clip_text_model",
    "deberta",
    "deberta-v2",
    "nystromformer",
    "xmod",
    "reformer",
    "canine",
    "funnel",
    "perceiver",
)


def side(c: HFConfig, key: str, supported: Collection[str]) -> tuple[str, HFConfig]:
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


def tower_of(c: HFConfig, key: str, sub: HFConfig) -> tuple[dict[str, Any], str]:
    """The text tower a family's record builds for a sub-config (as a v2 mapping) and the key
    of its naming (`albert/inner_layers`)."""
    fields = sub.family.build(sub)
    naming = fields.get("naming") or sub.family.model_type
    if fields.get("vision") or fields.get("audio") or fields.get("projector"):
        raise c.error(key, "has a vision or audio tower, which EncoderDecoderModel cannot join")
    tower = fields["text"] if "text" in fields else sub.text_tower(fields)
    # every field spelled out: a family's v2 mapping leaves its defaults unsaid
    return TextTower.model_validate(tower).model_dump(), naming


def encoder_stack(c: HFConfig, tower: dict[str, Any]) -> dict[str, Any]:
    """The encoder's tower as the encoder stack: its tables, layers and pooler."""
    defaults = TextTower.model_fields
    present = [
        k
        for k, v in tower.items()
        if k not in READ and k not in STACK_FIELDS and v != defaults[k].get_default()
    ]
    stacks = tower["stacks"]
    if present or len(stacks) != 1 or tower["lm_head"]:
        what = present[0] if present else "an LM head or a second stack"
        raise c.error("encoder", f"has {what}, which paramcalc cannot put in an encoder stack")
    stack = dict(stacks[0])
    if any(stack.get(v) and tower[k] for k, v in STACK_FIELDS.items()):
        raise c.error("encoder", "keeps tables per stack, which paramcalc cannot nest")
    projection = tower["embedding_projection"]
    if projection == "in_out":  # OPT's project_in and project_out, only with two widths
        # (an input mapping reads a narrow token table itself: MobileBERT)
        if (
            tower["embedding_size"] not in (None, tower["hidden_size"])
            and not tower["input_mapping"]
        ):
            raise c.error(
                "encoder", "has project_in and project_out, which an encoder stack does not hold"
            )
        projection = "none"
    blocks = [stack["block"]] if stack.get("block") else list(stack["kinds"].values())
    if any(b.get("cross_attention") for b in blocks):
        raise c.error("encoder", "has cross-attention (add_cross_attention), which reads nothing")
    stack |= {v: tower[k] for k, v in STACK_FIELDS.items() if tower[k] or not stack.get(v)}
    stack["embedding_projection"] = projection
    # its width said even when it is the decoder's: its token table is as wide as its own
    # tables, never the decoder's (an ELECTRA decoder's embedding_size)
    return {**stack, "name": "encoder", "hidden_size": tower["hidden_size"]}


def encoder_decoder(c: HFConfig) -> dict[str, Any]:
    """EncoderDecoderModel: the encoder stack (AutoModel) and the decoder tower (its causal LM),
    with enc_to_dec_proj between two widths."""
    _, enc = side(c, "encoder", ENCODERS)
    decoder_type, dec = side(c, "decoder", DECODERS)
    decoder, decoder_naming = tower_of(c, "decoder", dec)
    convert = DECODERS[decoder_type]
    if convert is not None:
        decoder = convert(dec, decoder)
    encoder, encoder_naming = tower_of(c, "encoder", enc)
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
    stack = encoder_stack(c, encoder)
    stack["output_projection"] = source != width
    text = {**decoder, "stacks": [stack, *decoder["stacks"]]}
    return {"text": text, "naming": f"encoder-decoder/{encoder_naming}+{decoder_naming}"}


def side_naming(key: str, decoder: bool) -> Naming:
    """The naming of one side from its key (`albert/inner_layers`): the family's model, or for
    a decoder built from a bare model its causal-LM class (the masked-LM model's names)."""
    from paramcalc.families import families

    model_type, _, variant = key.partition("/")
    family = families()[model_type]
    naming = family.naming_of(variant)
    if decoder and DECODERS[model_type] is not None:
        assert family.mlm is not None
        return family.mlm.naming(naming)
    return naming


def composite(encoder: Naming, decoder: Naming) -> Naming:
    """The names of an EncoderDecoderModel of the two sides' families."""
    from dataclasses import replace

    return Naming(
        {"encoder.output_projection": "enc_to_dec_proj"},
        stacks={
            "encoder": replace(encoder, prefix="encoder"),
            # a causal-LM class keeps its base model under a prefix of its own (bert.)
            "decoder": replace(
                decoder,
                prefix=join("decoder", decoder.prefix),
                head={role: f"decoder.{path}" for role, path in decoder.head.items()},
            ),
        },
    )


class Pairs(Mapping[str, Naming]):
    """The namings of every pair (`bert+gpt2`, `albert/inner_layers+roberta`), made when asked
    for: the two sides' families are read only then."""

    def __getitem__(self, key: str) -> Naming:
        from paramcalc.families import families

        encoder, plus, decoder = key.partition("+")
        sides = ((encoder, ENCODERS, False), (decoder, DECODERS, True))
        for side_key, supported, _ in sides:
            model_type, _, variant = side_key.partition("/")
            if not plus or model_type not in supported:
                raise KeyError(key)
            if variant and variant not in families()[model_type].variants:
                raise KeyError(key)
        return composite(side_naming(encoder, False), side_naming(decoder, True))

    def __iter__(self) -> Iterator[str]:
        return (f"{e}+{d}" for e in ENCODERS for d in DECODERS)

    def __len__(self) -> int:
        return len(ENCODERS) * len(DECODERS)


PAIRS = Pairs()
#: EncoderDecoderConfig's own default: BertModel and BertLMHeadModel.
BERT_PAIR = composite(BERT, MaskedLM("bert", BERT_MLM_NAMES).naming(BERT))

FAMILIES = (
    Family(
        "encoder-decoder",
        {"encoder": None, "decoder": None},
        (encoder_decoder,),
        naming=BERT_PAIR,
        variants=PAIRS,
    ),
)
