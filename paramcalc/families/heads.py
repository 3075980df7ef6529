"""The heads an encoder's checkpoint may hold: its pooler, none, or the masked-LM head.

`AutoModel` builds an encoder family's bare model (with its pooler where it has one: the
default); `AutoModelForMaskedLM` puts that model under a prefix (`bert.`), mostly without its
pooler, and adds a prediction head; a sentence-embedding user loads the bare model without
its pooler (`add_pooling_layer=False`). A family states its masked-LM head in one `MaskedLM`
entry of its record; `with_head` turns the bare model a family builds into the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from paramcalc.core.model import Model, ModelFile
from paramcalc.core.names import Naming
from paramcalc.core.spec import HeadTransform, TextTower, TowerExtra
from paramcalc.errors import InputError, describe
from paramcalc.families.base import Family, HFConfig

if TYPE_CHECKING:
    from paramcalc.schema import Loaded

#: The heads `--head` chooses: the masked-LM head, the bare model's pooler, or neither.
HeadName = Literal["mlm", "pooler", "none"]
#: The naming key suffix of a family's masked-LM model (`bert+mlm`).
MLM_SUFFIX = "+mlm"

#: BertForMaskedLM's head (BertOnlyMLMHead), the one most BERT-like families copy.
BERT_MLM_NAMES: Mapping[str, str] = {
    "head_transform": "cls.predictions.transform.dense",
    "head_transform_norm": "cls.predictions.transform.LayerNorm",
    "lm_head": "cls.predictions.decoder",
    "head_bias": "cls.predictions.bias",
}
#: RobertaForMaskedLM's head (RobertaLMHead), which its copies share.
ROBERTA_MLM_NAMES: Mapping[str, str] = {
    "head_transform": "lm_head.dense",
    "head_transform_norm": "lm_head.layer_norm",
    "lm_head": "lm_head.decoder",
    "head_bias": "lm_head.bias",
}


@dataclass(frozen=True)
class MaskedLM:
    """What a family's AutoModelForMaskedLM class adds to its bare encoder, and where.

    The head is a dense layer and a norm (unless `transform` is false), then a decoder to the
    vocabulary, tied to the token embedding when the config ties, and a bias vector beside
    it (`shared_bias`) that a tied decoder takes as its own bias.
    """

    prefix: str
    """The module the masked-LM model keeps the encoder under (`bert`, `roberta`)."""
    names: Mapping[str, str]
    """The head's roles (head_transform, head_transform_norm, lm_head, head_bias) -> their
    module paths from the model's root."""
    pooler: bool = False
    """The masked-LM model keeps the bare model's pooler (BigBird, FNet, LayoutLM)."""
    transform: bool = True
    """A dense layer and a norm before the decoder."""
    width: str | None = None
    """The config key of the dense layer's output width, which the decoder reads
    (ALBERT's embedding_size); None or a null value: hidden_size."""
    intermediate: str | None = None
    """The config key of the width of a first dense layer, the one to `width` reading it
    (UltraBERT's prediction_head_size); None: one dense layer."""
    transform_bias: bool | str = True
    """The dense layers' bias: always, never, or as a config key says (classifier_bias)."""
    transform_norm: bool = True
    """A norm after the dense layers (UltraBERT's head has none)."""
    unembedding_projection: bool = False
    """The decoder reads the last hidden state projected back to the token width (NeoMME)."""
    head_remainder: bool = False
    """The hidden state's columns beyond the token width have a weight of their own
    (MobileBERT's cls.predictions.dense)."""
    shared_bias: bool = True
    """A bias vector beside the decoder (cls.predictions.bias), shared with a tied decoder."""
    decoder_bias: bool | str | None = None
    """The decoder's own bias: a constant, a config key, or None: only when
    tie_word_embeddings is false, the tie joining it to the shared bias otherwise (BERT's
    decoder.bias; LUKE ties the biases though never the weights)."""
    ties: bool = True
    """tie_word_embeddings ties the decoder's weight to the token embedding (RemBERT's and
    LUKE's never is)."""
    tie_default: bool = True
    """The config class's tie_word_embeddings default."""
    head_first: bool = False
    """The class registers its head before the encoder (XLM-RoBERTa), so a tied token table
    is listed under the decoder's name."""
    check: Callable[[HFConfig], None] | None = field(default=None, compare=False)
    """Refuses config values whose head paramcalc does not say (XLM's adaptive softmax)."""
    extras: Callable[[HFConfig], tuple[TowerExtra, ...]] | None = field(default=None, compare=False)
    """Further heads the class holds, from the config (LUKE's entity predictions)."""
    towers: Mapping[str, Naming] = field(default_factory=dict)
    """The namings of the model's other towers inside the masked-LM model, which it keeps
    (a vision-language encoder's vision model and connector under `model.`)."""
    config: Callable[[HFConfig], HFConfig] | None = field(default=None, compare=False)
    """The sub-config the head's keys are read from (ModernVBERT's text_config); None: the
    config itself. tie_word_embeddings is always the config's own."""
    model: Callable[[HFConfig], dict[str, Any]] | None = field(default=None, compare=False)
    """The masked-LM model's whole text tower from the config, where the class changes more
    than a head on the bare model (Perceiver's text preprocessor and decoder)."""

    def naming(self, base: Naming) -> Naming:
        """The family's naming with the encoder under the prefix and the head's own names."""
        towers = self.towers or base.towers
        return replace(
            base, prefix=self.prefix, head=self.names, head_first=self.head_first, towers=towers
        )

    def tower(self, text: TextTower, c: HFConfig) -> TextTower:
        """The bare text tower with this head on it."""
        if self.check is not None:
            self.check(c)
        if self.model is not None:
            return TextTower(**self.model(c))
        joined = tied_embeddings(c, self.tie_default)
        h = self.config(c) if self.config is not None else c
        own = self.decoder_bias
        own = h.boolean(own) if isinstance(own, str) else own
        extras = self.extras(c) if self.extras is not None else ()
        return TextTower(
            **{
                **dict(text),
                "lm_head": True,
                "tie_word_embeddings": self.ties and joined,
                "head_transform": self.head_transform(text, h),
                "lm_head_bias": (not joined) if own is None else own,
                "head_bias": self.shared_bias,
                "unembedding_projection": self.unembedding_projection,
                "head_remainder": self.head_remainder,
                "pooler": text.pooler and self.pooler,
                "extras": (*text.extras, *extras),
            }
        )

    def head_transform(self, text: TextTower, c: HFConfig) -> HeadTransform | None:
        """The dense layers and norm before the decoder, at the widths the config gives."""
        if not self.transform:
            return None
        hidden = text.hidden_size
        width = (c.opt_int(self.width) or hidden) if self.width else hidden
        bias = self.transform_bias
        return HeadTransform(
            bias=c.boolean(bias) if isinstance(bias, str) else bias,
            width=None if width == hidden else width,
            intermediate_size=c.integer(self.intermediate) if self.intermediate else None,
            norm=self.transform_norm,
        )


def tied_embeddings(c: HFConfig, default: bool) -> bool:
    """tie_word_embeddings of the config, the class default when it is absent."""
    value = c.data.get("tie_word_embeddings", default)
    if not isinstance(value, bool):
        raise c.error("tie_word_embeddings", f"must be true or false, got {describe(value)}")
    return value


def with_head(loaded: Loaded, family: Family, c: HFConfig, head: HeadName) -> ModelFile:
    """The model a family builds for its config, with the head asked for."""
    model, kind = loaded.to_model(), family.model_type
    text = model.text
    # a vision-language encoder's masked-LM model keeps its other towers
    keeps_towers = head == "mlm" and family.mlm is not None and bool(family.mlm.towers)
    if text.lm_head or (model.vision is not None and not keeps_towers):
        raise InputError(c.where, f"{head!r}: {kind} is not a text encoder", "head")
    if head == "mlm":
        if family.mlm is None:
            raise InputError(
                c.where, f"'mlm': paramcalc knows no masked-LM head for {kind}", "head"
            )
        text = family.mlm.tower(text, c)
        model = Model(
            text=text,
            vision=model.vision,
            projector=model.projector,
            naming=f"{model.naming or kind}{MLM_SUFFIX}",
        )
    elif head == "pooler" and not text.pooler:
        raise InputError(c.where, f"'pooler': {kind}'s bare model has no pooler", "head")
    elif head == "none":
        model = Model(text=TextTower(**{**dict(text), "pooler": False}), naming=model.naming)
    # the family's notes say what a bare model's checkpoint holds beyond it (often this head)
    notes = () if head == "mlm" else tuple(loaded.notes)
    return ModelFile(**dict(model), name=loaded.name, source=loaded.source, notes=notes, head=head)
