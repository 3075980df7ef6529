"""An architecture's count next to a checkpoint's, group by group and tensor by tensor.

The architecture's tensors carry the names the family's transformers model gives them, so a
checkpoint is compared name by name: first through the family's renames of older checkpoint
layouts (Mixtral's `block_sparse_moe.experts.N.w1`), with a model-class prefix added or dropped
(`model.`, `transformer.`), and with experts stored one by one summed into the stacked tensor
transformers builds. Stored tensors with no counterpart are differences unless they are known
not to be extra parameters: buffers, and a tied head stored a second time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from paramcalc.calculator import GROUPS, Breakdown
from paramcalc.core.names import Naming, naming_for
from paramcalc.core.records import Linear, Tensor
from paramcalc.errors import InputError
from paramcalc.naming import BUFFER, classify
from paramcalc.sources.safetensors import Checkpoint, StoredTensor

#: One routed expert stored on its own: `<experts module>.<index>.<projection>.<param>`.
PER_EXPERT = re.compile(
    r"^(?P<module>.+)\.(?P<expert>\d+)\.(?P<proj>gate_proj|up_proj|down_proj)"
    r"\.(?P<param>weight|bias)$"
)
#: Which stacked tensor each per-expert projection is part of (gated experts fuse gate and up).
STACKED_PART = {"gate_proj": "gate_up_proj", "up_proj": "gate_up_proj", "down_proj": "down_proj"}


@dataclass(frozen=True)
class Difference:
    """A tensor the two sides disagree on; a size of None means that side lacks it.

    `reason`: missing (from the checkpoint), extra (not in the architecture), size differs.
    """

    name: str
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


class Matcher:
    """Maps stored names onto the architecture's tensor names."""

    def __init__(self, expected: dict[str, Tensor], naming: Naming) -> None:
        self.expected, self.naming = expected, naming
        self.prefixes = sorted({n.split(".", 1)[0] + "." for n in expected if "." in n})
        self.stacked = {
            t.record.name
            for t in expected.values()
            if isinstance(t.record, Linear) and t.record.experts
        }

    def name_of(self, stored: str) -> str:
        """The architecture's name for a stored tensor (itself when nothing fits)."""
        name = self.naming.renamed_checkpoint(stored)
        for candidate in self.candidates(name):
            if candidate in self.expected:
                return candidate
            stacked = self.stacked_name(candidate)
            if stacked is not None:
                return stacked
        return name

    def candidates(self, name: str) -> list[str]:
        """The name as stored, with a model-class prefix added, and with its own dropped."""
        found = [name] + [p + name for p in self.prefixes if not name.startswith(p)]
        if "." in name:
            found.append(name.split(".", 1)[1])
        return found

    def stacked_name(self, name: str) -> str | None:
        """The stacked experts tensor a per-expert tensor is part of, if any."""
        match = PER_EXPERT.match(name)
        if match is None or match["module"] not in self.stacked:
            return None
        for part in (STACKED_PART[match["proj"]], match["proj"]):
            leaf = part if match["param"] == "weight" else f"{part}_bias"
            stacked = f"{match['module']}.{leaf}"
            if stacked in self.expected:
                return stacked
        return None


def compare(breakdown: Breakdown, checkpoint: Checkpoint) -> Comparison:
    """Compare an architecture's tensors with a checkpoint's stored tensors."""
    naming = naming_for(breakdown.model.naming)
    expected = {t.name: t for t in breakdown.enumeration.tensors()}
    matcher = Matcher(expected, naming)
    stored: dict[str, list[StoredTensor]] = defaultdict(list)
    for tensor in checkpoint.tensors:
        stored[matcher.name_of(tensor.name)].append(tensor)
    if checkpoint.tensors and not any(name in expected for name in stored):
        raise InputError(
            checkpoint.where,
            "no stored tensor name matches the architecture's "
            f"({breakdown.model.naming or 'llama'} naming, e.g. "
            f"{next(iter(expected), '-')})",
        )
    result = Comparison(breakdown.model.naming or "llama", {})
    counted: dict[str, int] = defaultdict(int)
    for name, want in expected.items():
        found = stored.get(name)
        if found is None:
            result.differences.append(Difference(name, "", want.size, None, "missing"))
            continue
        size = sum(t.size for t in found)
        counted[want.group.value] += size
        if size != want.size:
            result.differences.append(
                Difference(name, found[0].name, want.size, size, "size differs")
            )
    head = naming.resolve("lm_head") + ".weight"
    embedding = next(iter(expected.values()), None)
    for name, tensors in stored.items():
        if name in expected:
            continue
        for tensor in tensors:
            reason = explain(tensor, name == head and breakdown.tied_embeddings, embedding)
            if reason is not None:
                result.explained.append(Explained(tensor.name, tensor.size, reason))
            else:
                result.differences.append(Difference("", tensor.name, None, tensor.size, "extra"))
                counted[classify(tensor.name)] += tensor.size
    result.groups = {g.value: (breakdown.groups[g], counted.pop(g.value, 0)) for g in GROUPS}
    result.groups.update({group: (0, size) for group, size in counted.items()})
    return result


def explain(tensor: StoredTensor, tied_head: bool, embedding: Tensor | None) -> str | None:
    """Why a stored tensor without a counterpart is not an extra parameter, if it is not."""
    if classify(tensor.name) == BUFFER:
        return "buffer, not a parameter"
    if tied_head and embedding is not None and embedding.shape == tensor.shape:
        return (
            f"tied head stored a second time (same shape as {embedding.name}); "
            "counted once, in embedding"
        )
    return None
