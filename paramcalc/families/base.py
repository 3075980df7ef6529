"""Typed reading of one Hugging Face `config.json` against its family's defaults and aliases.

transformers fills every field a published config omits from its config class's defaults, so a
`Family` carries those defaults (transformers 5.23.0) for every field that changes a count.
`attribute_map` aliases (GPT-2's `hidden_size` for `n_embd`) are applied after the declared
fields, so an alias present in the file wins over the field it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paramcalc.core.names import Naming
from paramcalc.errors import InputError, describe

if TYPE_CHECKING:
    from paramcalc.families.heads import MaskedLM

#: Attention kinds paramcalc knows; transformers' legacy name "attention" means full attention
#: (configuration_utils._LEGACY_LAYER_TYPE_REMAP).
LAYER_TYPE_NAMES = {
    "full_attention": "full_attention",
    "attention": "full_attention",
    "sliding_attention": "sliding_attention",
}


Rule = Callable[["HFConfig"], dict[str, Any]]
#: The config classes that type num_key_value_heads as a plain int (MistralConfig, GemmaConfig,
#: Qwen2MoeConfig...): a null is refused rather than read as one head per query head.
KV_HEADS = frozenset({"num_key_value_heads"})


@dataclass(frozen=True)
class Family:
    """One `model_type` and every fact paramcalc knows of it, in one record.

    `rules` map the config onto the schema: each reads keys of the config (falling back to
    `defaults`, the config class's defaults in transformers 5.23) and returns schema fields;
    later rules win. `naming` is how the family's transformers model names its parameters;
    `notes` what its checkpoints store beyond them.
    """

    model_type: str
    defaults: Mapping[str, Any]
    rules: tuple[Rule, ...]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Field -> the other names transformers accepts for it, in the order they win."""
    naming: Naming = field(default_factory=Naming)
    """Parameter names and storage layout of the family's transformers model."""
    notes: str | None = None
    """What checkpoints of the family store beyond the parameters transformers builds."""
    required: frozenset[str] = frozenset()
    """Keys the config class types without None (`num_key_value_heads: int`): transformers
    refuses a null there, and so does paramcalc, instead of reading it as a default."""
    variants: Mapping[str, Naming] = field(default_factory=dict)
    """Namings of configurations whose modules the family names otherwise
    (`falcon/parallel_norms`), chosen by a rule that sets `naming`."""
    mlm: MaskedLM | None = None
    """What the family's AutoModelForMaskedLM adds to its bare encoder (`--head mlm`); None
    where transformers has no masked-LM class for it."""

    def naming_of(self, variant: str, mlm: bool = False) -> Naming:
        """The naming of one of the family's variants (its own for an empty one), or of its
        masked-LM model."""
        naming = self.variants[variant] if variant else self.naming
        return self.mlm.naming(naming) if mlm and self.mlm is not None else naming

    def build(self, c: HFConfig) -> dict[str, Any]:
        """Schema fields for a config: every rule's fields, later ones winning."""
        fields: dict[str, Any] = {}
        for rule in self.rules:
            fields |= rule(c)
        return fields


class HFConfig:
    """A config.json mapping read through one family's table; errors name the file's key."""

    def __init__(self, data: Mapping[str, Any], where: str, family: Family) -> None:
        self.data, self.where, self.family = data, where, family

    def key(self, name: str) -> str:
        """The key of the file that sets `name`: an alias if present, else the name itself."""
        for alias in self.family.aliases.get(name, ()):
            if alias in self.data:
                return alias
        return name

    def has(self, name: str) -> bool:
        """Whether the file sets `name` (or one of its aliases) at all."""
        return self.key(name) in self.data

    def raw(self, name: str) -> Any:
        """The value of `name`: from the file (null included), else the class default."""
        key = self.key(name)
        if key in self.data:
            return self.data[key]
        if name not in self.family.defaults:
            raise KeyError(f"{self.family.model_type} table has no default for {name!r}")
        return self.family.defaults[name]

    def error(self, name: str, message: str) -> InputError:
        """An InputError naming this file and the key that set `name`."""
        return InputError(self.where, message, self.key(name))

    def text_tower(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The v2 text tower of a record's flat fields. The fields come from this file, so a
        rule they break is this file's error (naming its key), never a bare ValidationError."""
        from pydantic import ValidationError

        from paramcalc.errors import from_validation_error
        from paramcalc.schema import Architecture

        try:
            return Architecture.model_validate(fields).to_model().text.model_dump()
        except ValidationError as exc:
            error = from_validation_error(exc, self.where)
            key = self.key(error.field) if error.field else None
            raise InputError(self.where, error.message, key) from None

    def integer(self, name: str, minimum: int = 1) -> int:
        """An integer field of at least `minimum` (sizes are positive)."""
        value = self.opt_int(name, minimum)
        if value is None:
            raise self.error(name, "must be an integer, got None")
        return value

    def opt_int(self, name: str, minimum: int = 1) -> int | None:
        """An integer field that may be null (transformers then derives it), unless the
        family's config class refuses a null there."""
        value = self.raw(name)
        if value is None:
            if name in self.family.required:
                raise self.error(
                    name,
                    f"must be an integer, got None ({self.family.model_type}"
                    "'s config class refuses null)",
                )
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be an integer, got {describe(value)}")
        if value < minimum:
            raise self.error(name, f"must be at least {minimum}, got {describe(value)}")
        return value

    def boolean(self, name: str) -> bool:
        """A true/false field."""
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, got {describe(value)}")
        return value

    def opt_bool(self, name: str) -> bool | None:
        """A true/false field that may be null."""
        return None if self.raw(name) is None else self.boolean(name)

    def string(self, name: str) -> str:
        """A string field."""
        value = self.raw(name)
        if not isinstance(value, str):
            raise self.error(name, f"must be a string, got {describe(value)}")
        return value

    def split_heads(self, name: str, heads: int, width: int) -> None:
        """Refuse heads that do not split the width they share (an attention whose head width
        is width // heads, as transformers' refuses or, built, cannot run)."""
        if width % heads:
            raise self.error(name, f"{heads} does not divide hidden_size={width}")

    def positive_ints(self, name: str) -> tuple[int, ...]:
        """A non-empty list of positive integers (sizes per block or per axis)."""
        value = self.raw(name)
        if (
            not isinstance(value, list | tuple)
            or not value
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value)
        ):
            raise self.error(name, f"must be a list of positive integers, got {describe(value)}")
        return tuple(value)

    def int_list(self, name: str) -> tuple[int, ...]:
        """A list of non-negative integers (layer indices); null is the empty list."""
        value = self.raw(name)
        if value is None:
            return ()
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value
        ):
            raise self.error(name, f"must be a list of layer indices, got {describe(value)}")
        return tuple(value)

    def layer_types(self, name: str, layers: int) -> tuple[str, ...] | None:
        """A per-layer attention-kind list, legacy names mapped; null when the file has none."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != layers:
            raise self.error(
                name, f"must list one attention kind per layer ({layers}), got {describe(value)}"
            )
        unknown = [v for v in value if not isinstance(v, str) or v not in LAYER_TYPE_NAMES]
        if unknown:
            raise self.error(
                name,
                f"unsupported attention kind {describe(unknown[0])} (expected "
                "full_attention or sliding_attention)",
            )
        return tuple(LAYER_TYPE_NAMES[v] for v in value)


def attention_span(window: int | None, kinds: Sequence[str] | None) -> dict[str, Any]:
    """Schema fields for the attention span: without a window every layer is full."""
    if window is None:
        return {}
    if kinds is None:
        return {"sliding_window": window}
    return {"sliding_window": window, "layer_types": tuple(kinds)}


def standard_sizes(c: HFConfig) -> dict[str, Any]:
    """Sizes under the names most families use (Llama's): vocabulary, width, depth, heads."""
    heads = c.integer("num_attention_heads")
    return {
        "vocab_size": c.integer("vocab_size"),
        "hidden_size": c.integer("hidden_size"),
        "num_hidden_layers": c.integer("num_hidden_layers"),
        "num_attention_heads": heads,
        # configuration_*.py: a null num_key_value_heads means one per query head (MHA)
        "num_key_value_heads": c.opt_int("num_key_value_heads") or heads,
        "intermediate_size": c.integer("intermediate_size"),
        "max_position_embeddings": c.integer("max_position_embeddings"),
        "tie_word_embeddings": c.boolean("tie_word_embeddings"),
    }
