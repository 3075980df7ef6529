"""A GGUF file's count: its tensors' elements by group and tower, its bytes by GGML type.

llama.cpp names tensors by role, not by module: `token_embd`, `blk.N.attn_q`, `blk.N.ffn_up_exps`,
`output_norm`, `output`; an `mmproj` file holds a vision tower (`v.*`), sometimes an audio
tower (`a.*`), and the projector (`mm.*`). Groups and towers are read from those names (see
GROUPS.md); a GGUF stores each parameter whole, so every tensor's elements are parameters,
whatever its quantization, except the buffers llama.cpp stores beside them (rotary frequency
factors, a router's score correction bias).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paramcalc.calculator import GROUPS
from paramcalc.naming import BUFFER, UNKNOWN
from paramcalc.sources.gguf import GGUFFile, GGUFTensor

#: Buffers, not parameters: Llama 3's and Phi-3's rotary factors, DeepSeek's `exp_probs_b`
#: (transformers' `e_score_correction_bias` buffer).
BUFFERS = re.compile(r"^(rope_freqs|rope_factors_long|rope_factors_short)$|(^|_)exp_probs_b$")
#: Towers other than text, by the prefix of an mmproj file's names.
TOWERS = {"v": "vision", "a": "audio", "mm": "projector", "resampler": "projector"}
#: `general.file_type`: llama.cpp's `llama_ftype` (llama.h), the recipe a file was quantized by
#: (Q4_K_M keeps some tensors at Q6_K); the per-type tally says what each tensor really is.
#: Ids 4-6 and 33-35 were removed from llama.cpp.
FILE_TYPES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
}
BLOCK = re.compile(r"^blk\.\d+\.")
#: Norms: every `*norm*` and CLIP's `ln1`, `ln2`, `pre_ln`, `post_ln`.
NORM = re.compile(r"norm|^(ln\d*|pre_ln|post_ln)$")
#: Leaves of a block's token mixer: attention, Mamba's ssm_*, RWKV's time mix, LFM2's conv.
MIXER = re.compile(r"^(attn_|ssm_|time_mix_|shortconv)")
#: Leaves of a block's feed-forward, experts, shared experts and router included, and layer
#: scales (`ls1`, `ls2`), which GROUPS.md counts as feedforward.
FFN = re.compile(r"^(ffn_|channel_mix_|ls\d$|layer_out_scale)")


def tower_of(name: str) -> str:
    """The tower a tensor belongs to: text unless an mmproj prefix says otherwise."""
    return TOWERS.get(name.split(".", 1)[0], "text")


def leaf_of(name: str) -> tuple[str, bool]:
    """The role of a tensor (`attn_q`) without tower prefix, block and `.weight`/`.bias`, and
    whether it sits in a block."""
    if tower_of(name) != "text":
        name = name.split(".", 1)[1]
    block = BLOCK.match(name)
    if block:
        name = name[block.end() :]
    stem, _, last = name.rpartition(".")
    return (stem if stem and last in ("weight", "bias") else name), bool(block)


def group_of(name: str) -> str:
    """The group of a GGUF tensor from its name; `unknown` when no rule fits."""
    leaf, in_block = leaf_of(name)
    if BUFFERS.search(leaf):
        return BUFFER
    if NORM.search(leaf):
        return "norm"
    if in_block:
        if MIXER.match(leaf):
            return "attention"
        if FFN.match(leaf):
            return "feedforward"
        return UNKNOWN
    if "embd" in leaf or leaf == "token_types":
        return "embedding"
    if leaf in ("output", "cls", "cls.output") or (tower_of(name) == "vision" and leaf == "head"):
        return "output"
    if tower_of(name) == "projector":  # its linear layers and convolutions
        return "feedforward"
    return UNKNOWN


@dataclass(frozen=True)
class TypeTally:
    """Tensors of one GGML type: how many, their elements and bytes."""

    tensors: int = 0
    elements: int = 0
    bytes: int = 0

    def plus(self, t: GGUFTensor) -> TypeTally:
        """This tally with one more tensor."""
        return TypeTally(self.tensors + 1, self.elements + t.size, self.bytes + t.nbytes)

    @property
    def bits_per_weight(self) -> float:
        """Stored bits per element."""
        return self.bytes * 8 / self.elements if self.elements else 0.0


@dataclass(frozen=True)
class GGUFCount:
    """The parameters of a GGUF file by group and tower, and its bytes by GGML type."""

    name: str
    file: GGUFFile = field(repr=False)
    quantization: str | None
    """The file type `general.file_type` names (Q4_K_M), if it names a known one."""
    groups: dict[str, int]
    towers: dict[str, dict[str, int]]
    """Tower -> its parameters by group."""
    by_type: dict[str, TypeTally]
    buffers: tuple[str, ...]
    unknown: tuple[str, ...]
    """Tensors whose names no rule knows (counted in the `unknown` group)."""

    @property
    def total(self) -> int:
        """Every parameter: the elements of every tensor but the buffers."""
        return sum(self.groups.values())

    @property
    def stored(self) -> TypeTally:
        """Every stored tensor, buffers included: the file's tensor data."""
        tally = TypeTally()
        for t in self.file.tensors:
            tally = tally.plus(t)
        return tally


def count_gguf(file: GGUFFile, name: str) -> GGUFCount:
    """Count a GGUF file's tensors by group and tower and tally its bytes by type."""
    groups = {g.value: 0 for g in GROUPS}
    towers: dict[str, dict[str, int]] = {}
    by_type: dict[str, TypeTally] = {}
    buffers, unknown = [], []
    for t in file.tensors:
        by_type[t.type.name] = by_type.get(t.type.name, TypeTally()).plus(t)
        group = group_of(t.name)
        if group == BUFFER:
            buffers.append(t.name)
            continue
        if group == UNKNOWN:
            unknown.append(t.name)
        groups[group] = groups.get(group, 0) + t.size
        tower = towers.setdefault(tower_of(t.name), {g.value: 0 for g in GROUPS})
        tower[group] = tower.get(group, 0) + t.size
    file_type = file.metadata.get("general.file_type")
    quantization = FILE_TYPES.get(file_type) if isinstance(file_type, int) else None
    return GGUFCount(
        name=name,
        file=file,
        quantization=quantization,
        groups=groups,
        towers=dict(sorted(towers.items(), key=lambda kv: kv[0] != "text")),
        by_type=dict(sorted(by_type.items(), key=lambda kv: -kv[1].bytes)),
        buffers=tuple(buffers),
        unknown=tuple(unknown),
    )
