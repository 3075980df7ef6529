"""The rules that keep a resized architecture a real model, read off the base it starts from.

When `paramcalc solve` changes the width, the heads follow it at the base's head width, the
key/value heads keep the base's grouping, the width stays a multiple of 64 or 128 as the base's
is, and each FFN width keeps the base's ratio to the width and its rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from paramcalc.errors import InputError
from paramcalc.schema import MAX_LAYERS, Architecture

#: FFN ratios tried before the base's exact one: SwiGLU's 2/3 x 4 (Shazeer 2020, Llama's
#: `multiple_of` rounding) and the classic 4 (Vaswani et al. 2017).
KNOWN_RATIOS = (Fraction(8, 3), Fraction(4))
#: Roundings tried with them, largest first (Llama: 256).
KNOWN_MULTIPLES = (256, 128, 64, 32)
#: FFN ratios offered when the FFN width is varied together with the width.
RATIO_CHOICES = tuple(Fraction(r) for r in ("2", "8/3", "3", "7/2", "4", "16/3"))
#: At most this many values of an enumerated field (evenly spread, the base's kept).
MAX_CHOICES = 32
#: At most this many depths when the depth is enumerated.
MAX_DEPTHS = 256
#: FFN widths that follow the width when the base sets them explicitly.
FFN_FIELDS = ("intermediate_size", "moe_intermediate_size", "shared_expert_intermediate_size")
#: Fields that `vary` may name; others stay as the base has them.
VARIABLE = (
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "vocab_size",
    "moe_intermediate_size",
    "num_experts",
    "num_attention_heads",
    "num_key_value_heads",
)


def alignment(n: int, cap: int = 256) -> int:
    """The largest power of two that divides n, at most `cap`."""
    return min(n & -n, cap)


@dataclass(frozen=True)
class FfnRule:
    """An FFN width as floor(ratio x hidden_size) rounded up to a multiple, as the schema does."""

    ratio: Fraction
    multiple: int

    def width(self, hidden: int) -> int:
        """The FFN width for a model width."""
        return -(-int(self.ratio * hidden) // self.multiple) * self.multiple

    def __str__(self) -> str:
        """The rule as written in a note: `8/3 x hidden_size, rounded up to 256`."""
        return f"{self.ratio} x hidden_size" + (
            f", rounded up to a multiple of {self.multiple}" if self.multiple > 1 else ""
        )


def infer_ffn_rule(width: int, hidden: int) -> FfnRule:
    """The simplest rule that gives `width` at `hidden` (llama-2-7b: 11008 = 8/3 x 4096 -> 256)."""
    exact = Fraction(width, hidden)
    if exact.denominator <= 3:
        return FfnRule(exact, alignment(width))
    for ratio in KNOWN_RATIOS:
        for multiple in KNOWN_MULTIPLES:
            if FfnRule(ratio, multiple).width(hidden) == width:
                return FfnRule(ratio, multiple)
    return FfnRule(exact, alignment(width))


def resolved(arch: Architecture, name: str) -> int:
    """The value of a variable field with its default filled in (kv heads, FFN widths)."""
    if name == "intermediate_size":
        return arch.resolved_intermediate_size
    if name == "moe_intermediate_size":
        return arch.expert_intermediate_size
    if name == "num_key_value_heads":
        return arch.kv_heads
    return int(getattr(arch, name))


def width_alignment(hidden: int) -> int:
    """128 or 64 when the base's width is a multiple of it, else the width's power of two."""
    return next((a for a in (128, 64) if hidden % a == 0), alignment(hidden, 64))


def spread(values: list[Any], keep: Any, limit: int = MAX_CHOICES) -> list[Any]:
    """At most `limit` values, evenly spaced, always including `keep`."""
    if len(values) <= limit:
        return values
    picked = {values[round(i * (len(values) - 1) / (limit - 1))] for i in range(limit)}
    return sorted(picked | {keep}, key=values.index)


def repeat_pattern(types: tuple[str, ...], layers: int) -> tuple[str, ...]:
    """Extend a per-layer pattern to `layers` entries by repeating its shortest period."""
    period = next(
        p
        for p in range(1, len(types) + 1)
        if all(types[i] == types[i % p] for i in range(len(types)))
    )
    return tuple(types[i % period] for i in range(layers))


class Shaper:
    """Derive the dependent fields of a resized base, or say that no real model has the shape."""

    def __init__(self, base: Architecture, vary: tuple[str, ...]) -> None:
        for name in vary:
            if name not in VARIABLE:
                raise InputError(
                    "--vary", f"cannot vary {name!r}; choose from {', '.join(VARIABLE)}"
                )
            if name in ("num_experts", "moe_intermediate_size") and not base.is_moe:
                raise InputError("--vary", "the base is dense (num_experts=0)", name)
        self.base, self.vary = base, vary
        self.align = width_alignment(base.hidden_size)
        self.ffn = {
            name: infer_ffn_rule(getattr(base, name), base.hidden_size)
            for name in FFN_FIELDS
            if getattr(base, name)
        }
        self.ffn_rule = self.ffn.get("intermediate_size") or FfnRule(
            base.ffn_ratio_fraction, base.multiple_of
        )

    def base_value(self, name: str) -> int:
        """The base's resolved value of a variable field."""
        return resolved(self.base, name)

    def step(self, name: str, fixed: dict[str, Any]) -> int | None:
        """The lattice step of a solved field; for the width, the first that makes heads fit."""
        if name in ("num_hidden_layers", "num_experts"):
            return 1
        if name != "hidden_size":
            return alignment(self.base_value(name))
        for m in range(1, 1025):
            if self.derive({**fixed, name: m * self.align}) is not None:
                return m * self.align
        return None

    def lowest(self, name: str, step: int) -> int:
        """The smallest lattice index a solved field may take."""
        if name == "num_experts":
            return max(1, -(-self.base.num_experts_per_tok // step))
        return 1

    def choices(self, name: str, scale: float = 1.0) -> list[Any]:
        """Values an enumerated (not solved) field runs through.

        Depths span a quarter to four times the base's, scaled by `scale` (the cube root of the
        size asked for over the base's: depth and width grow alike at a constant aspect ratio).
        """
        b, value = self.base, self.base_value(name)
        if name == "num_hidden_layers":  # within the schema's depths, whatever the target
            centre = min(max(1, round(value * scale)), MAX_LAYERS)
            depths = list(range(max(1, centre // 4), min(4 * centre, MAX_LAYERS) + 1))
            return spread(depths, centre, MAX_DEPTHS)
        if name == "num_attention_heads":
            group = 1 if b.kv_heads == 1 else value // b.kv_heads
            start = max(group, value // 4 // group * group)
            return spread(list(range(start, 4 * value + 1, group)), value, MAX_CHOICES // 2)
        if name == "num_key_value_heads":
            heads = b.num_attention_heads
            options = {d for d in range(1, heads + 1) if heads % d == 0}
            return sorted(options | {2**e for e in range(12) if 2**e <= 4 * heads} | {value})
        if name == "num_experts":
            return sorted(
                {2**e for e in range(16) if b.num_experts_per_tok <= 2**e <= 4 * value} | {value}
            )
        if name in ("intermediate_size", "moe_intermediate_size") and "hidden_size" in self.vary:
            rule = self.ffn.get(name, self.ffn_rule)
            return [FfnRule(r, rule.multiple) for r in sorted(set(RATIO_CHOICES) | {rule.ratio})]
        step = alignment(value)
        return sorted(
            {max(step, round(value * Fraction(2) ** e / step) * step) for e in range(-2, 3)}
        )

    def kv_heads(self, heads: int) -> int | None:
        """Key/value heads for `heads` query heads: MQA stays MQA, GQA keeps its grouping."""
        b = self.base
        if b.kv_heads == 1 and b.num_attention_heads > 1:
            return 1
        kv, rest = divmod(heads * b.kv_heads, b.num_attention_heads)
        return None if rest or not kv else kv

    def derive(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """The fields to set for these values of the varied fields; None if no model has them."""
        b = self.base
        hidden = values.get("hidden_size", b.hidden_size)
        out = {k: v for k, v in values.items() if not isinstance(v, FfnRule)}
        heads = values.get("num_attention_heads", b.num_attention_heads)
        if "num_attention_heads" not in values and hidden != b.hidden_size:
            heads, rest = divmod(hidden * b.num_attention_heads, b.hidden_size)
            if rest or not heads:
                return None
            out["num_attention_heads"] = heads
        kv = values.get("num_key_value_heads") or self.kv_heads(heads)
        if kv is None or kv > heads or heads % kv:
            return None
        if (
            "num_key_value_heads" not in values
            and b.num_key_value_heads
            and heads != (b.num_attention_heads)
        ):
            out["num_key_value_heads"] = kv
        if b.head_dim is None and not b.uses_mla and hidden % heads:
            return None
        if values.get("num_experts", b.num_experts) < b.num_experts_per_tok:
            return None
        self.derive_ffn(values, hidden, out)
        if "num_hidden_layers" in values and b.layer_types is not None:
            out["layer_types"] = repeat_pattern(b.layer_types, values["num_hidden_layers"])
        return out

    def derive_ffn(self, values: dict[str, Any], hidden: int, out: dict[str, Any]) -> None:
        """Set each FFN width that follows the width (or a ratio chosen for it)."""
        for name in FFN_FIELDS:
            chosen = values.get(name)
            if isinstance(chosen, FfnRule):
                out[name] = chosen.width(hidden)
            elif chosen is None and name in self.ffn and hidden != self.base.hidden_size:
                out[name] = self.ffn[name].width(hidden)
        if "intermediate_size" in out and self.base.ffn_ratio is not None:
            out["ffn_ratio"] = None  # an explicit width replaces the base's ratio

    def rules(self) -> list[str]:
        """The rules applied, in words, for the notes under the results."""
        b, notes = self.base, []
        if "hidden_size" in self.vary:
            notes.append(
                f"hidden_size in multiples of {self.align}, as the base's {b.hidden_size:,}"
            )
            if "num_attention_heads" not in self.vary:
                notes.append(
                    f"num_attention_heads follow the width: "
                    f"{b.num_attention_heads} per {b.hidden_size:,}"
                )
            for name, rule in self.ffn.items():
                if name not in self.vary:
                    notes.append(f"{name} = {rule} ({getattr(b, name):,} at {b.hidden_size:,})")
        if {"hidden_size", "num_attention_heads"} & set(self.vary) and (
            "num_key_value_heads" not in self.vary
        ):
            group = b.num_attention_heads // b.kv_heads
            kind = (
                "one key/value head (MQA)"
                if b.kv_heads == 1 < b.num_attention_heads
                else "as many key/value heads as query heads (MHA)"
                if group == 1
                else f"{group} query heads per key/value head (GQA)"
            )
            notes.append(f"{kind}, as in the base")
        if (
            "hidden_size" in self.vary
            and b.intermediate_size is None
            and ("intermediate_size" not in self.vary)
        ):
            notes.append(f"intermediate_size = {self.ffn_rule}, the base's ffn_ratio")
        return notes
