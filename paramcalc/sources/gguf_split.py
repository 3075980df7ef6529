"""GGUF models split by llama.cpp's `gguf-split` into `NAME-00001-of-00003.gguf` files: the first
split holds the metadata (`split.count`, `split.tensors.count`), every split some tensors."""

from __future__ import annotations

import re
from pathlib import Path

from paramcalc.errors import InputError, describe
from paramcalc.sources.gguf import GGUFFile, GGUFTensor, read_gguf
from paramcalc.sources.kinds import GGUF_SUFFIX as SUFFIX

#: llama.cpp's `gguf-split` names: `model-00001-of-00003.gguf`.
SPLIT = re.compile(r"^(?P<stem>.+)-(?P<no>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)


def model_name(path: Path) -> str:
    """A GGUF model's name: the file's, without `.gguf` and a gguf-split suffix."""
    named = SPLIT.match(path.name)
    return named["stem"] if named else path.name[: -len(SUFFIX)]


def read_model(path: Path) -> GGUFFile:
    """Read a GGUF file, or every split of a `gguf-split` model from any one of them."""
    first = read_gguf(path)
    count = first.metadata.get("split.count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InputError(first.where, f"expected a count, got {describe(count)}", "split.count")
    if count == 1:
        return first
    named = SPLIT.match(path.name)
    if named is None or int(named["count"]) != count:
        raise InputError(
            first.where,
            f"is one of {count} splits, but its name is not gguf-split's "
            f"NAME-0000N-of-{count:05d}.gguf",
            "split.count",
        )
    paths = [
        path.with_name(f"{named['stem']}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)
    ]
    missing = next((p for p in paths if not p.is_file()), None)
    if missing is not None:
        raise InputError(first.where, f"split {missing.name} is not beside it", "split.count")
    return combine([first if p == path else read_gguf(p) for p in paths], str(paths[0]))


def combine(splits: list[GGUFFile], where: str) -> GGUFFile:
    """One model from its splits: the first split's metadata, every split's tensors."""
    tensors: dict[str, GGUFTensor] = {}
    for split in splits:
        for t in split.tensors:
            if t.name in tensors:
                raise InputError(split.where, f"tensor {t.name!r} is also in another split")
            tensors[t.name] = t
    head = splits[0]
    declared = head.metadata.get("split.tensors.count")
    if declared is not None and declared != len(tensors):
        raise InputError(
            where,
            f"{declared!r}, but the splits hold {len(tensors)} tensors",
            "split.tensors.count",
        )
    return GGUFFile(
        where,
        head.version,
        head.metadata,
        tuple(tensors.values()),
        sum(s.data_offset for s in splits),
        sum(s.file_bytes for s in splits),
        tuple(s.where for s in splits),
    )
