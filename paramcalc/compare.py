"""An architecture's count next to a checkpoint's, group by group and tensor by tensor.

Each enumerated tensor is renamed to the checkpoint family's naming (paramcalc.naming); the
sizes must then match name by name. Stored tensors with no counterpart are differences unless
they are known not to be extra parameters: buffers, and a tied head stored a second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from paramcalc.calculator import GROUPS, Breakdown, Tensor
from paramcalc.errors import InputError
from paramcalc.naming import BUFFER, Style, classify, detect_style
from paramcalc.sources.safetensors import Checkpoint, StoredTensor


@dataclass(frozen=True)
class Difference:
    """A tensor the two sides disagree on; a size of None means that side lacks it.

    `reason`: missing (from the checkpoint), extra (not in the architecture), size differs,
    or unmapped (no stored name for the path in the checkpoint's naming).
    """

    paths: tuple[str, ...]
    stored_name: str
    expected: int | None
    stored: int | None
    reason: str


@dataclass(frozen=True)
class Explained:
    """A stored tensor with no counterpart that is known not to be an extra parameter."""

    name: str
    size: int
    reason: str


@dataclass
class Comparison:
    """The outcome: per-group counts of both sides, differences and explained tensors."""

    style: str
    groups: dict[str, tuple[int, int]]
    differences: list[Difference] = field(default_factory=list)
    explained: list[Explained] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the two agree once the explained tensors are set aside."""
        return not self.differences and all(a == b for a, b in self.groups.values())


def expanded(tensors: list[Tensor]) -> list[Tensor]:
    """Split routed experts (one Tensor with `copies`) into one tensor per expert index."""
    out = []
    for t in tensors:
        if t.copies == 1:
            out.append(t)
            continue
        out += [Tensor(t.path.replace(".experts.", f".experts.{e}.", 1), t.group, t.shape)
                for e in range(t.copies)]
    return out


def expected_names(style: Style, tensors: list[Tensor]) -> tuple[dict[str, list[Tensor]],
                                                                   list[Tensor]]:
    """Enumerated tensors by the stored name they map to (fused tensors share one); unmapped."""
    by_name: dict[str, list[Tensor]] = defaultdict(list)
    unmapped = []
    for t in tensors:
        name = style.checkpoint_name(t.path)
        if name is None:
            unmapped.append(t)
        else:
            by_name[name].append(t)
    return by_name, unmapped


def explain(name: str, tensor: StoredTensor, stored: dict[str, StoredTensor],
            tied: bool, style: Style) -> str | None:
    """Why a stored tensor without a counterpart is not an extra parameter, if it is not."""
    if classify(tensor.name) == BUFFER:
        return "buffer, not a parameter"
    embedding = stored.get(style.checkpoint_name("embedding.tokens.weight") or "")
    if tied and name == "lm_head.weight" and embedding and embedding.shape == tensor.shape:
        return (f"tied head stored a second time (same shape as {embedding.name}); "
                "counted once, in embedding")
    return None


def compare(breakdown: Breakdown, tied: bool, post_norm: bool,
            checkpoint: Checkpoint) -> Comparison:
    """Compare an architecture's enumeration with a checkpoint's stored tensors."""
    style = detect_style([t.name for t in checkpoint.tensors], post_norm)
    if style is None:
        raise InputError(checkpoint.where, "tensor names follow no naming paramcalc can map "
                                           "(llama-style layers.N.self_attn.*, gpt2-style "
                                           "h.N.attn.c_attn.*)")
    stored = {style.strip(t.name): t for t in checkpoint.tensors}
    expected, unmapped = expected_names(style, expanded(list(breakdown.enumeration.tensors())))
    result = Comparison(style.name, {})
    result.differences += [Difference((t.path,), "", t.size, None, "unmapped") for t in unmapped]
    for name, tensors in expected.items():
        size, found = sum(t.size for t in tensors), stored.get(name)
        paths = tuple(t.path for t in tensors)
        if found is None:
            result.differences.append(Difference(paths, name, size, None, "missing"))
        elif found.size != size:
            result.differences.append(Difference(paths, found.name, size, found.size,
                                                 "size differs"))
    counted = []
    for name, tensor in stored.items():
        if name in expected:
            counted.append(tensor)
        elif (reason := explain(name, tensor, stored, tied, style)) is not None:
            result.explained.append(Explained(tensor.name, tensor.size, reason))
        else:
            result.differences.append(Difference((), tensor.name, None, tensor.size,
                                                 "extra"))
            counted.append(tensor)
    result.groups = group_columns(breakdown, counted)
    return result


def group_columns(breakdown: Breakdown, counted: list[StoredTensor]) -> dict[str, tuple[int, int]]:
    """Per group: the architecture's count and the checkpoint's (by name patterns)."""
    stored: dict[str, int] = defaultdict(int)
    for tensor in counted:
        stored[classify(tensor.name)] += tensor.size
    columns = {g.value: (breakdown.groups[g], stored.pop(g.value, 0)) for g in GROUPS}
    columns.update({group: (0, size) for group, size in stored.items()})
    return columns
