"""GGUF files (llama.cpp), read from their header and tensor infos only, never the tensor data.

The format (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md), little-endian: the
magic `GGUF`, a uint32 version (2 or 3), uint64 tensor and metadata counts; the metadata, each a
string key, a uint32 value type and the value (a string is a uint64 length and UTF-8 bytes, an
array a uint32 item type, a uint64 length and the items); then per tensor its name, a uint32
n_dims (at most 4), n_dims uint64 extents `ne` (innermost first), a uint32 GGML type and a
uint64 offset into the data section, which starts at the next multiple of `general.alignment`
(32 by default). The file is memory-mapped: only the header's pages are ever read. Every
length is checked against the bytes that remain before anything is allocated or looped over,
so a hostile header fails fast, in one line. The gguf package is not needed.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError, describe
from paramcalc.sources.ggml_types import GGML_TYPES, QuantType

MAGIC = b"GGUF"
VERSIONS = (2, 3)
#: ggml's GGML_MAX_DIMS.
MAX_DIMS = 4
#: ggml holds extents and element counts as int64.
MAX_ELEMENTS = 2**63 - 1
#: Longest string value kept (chat templates are tens of KB); longer ones are refused.
MAX_STRING_BYTES = 1 << 24
#: Longest array whose items are kept (per-layer lists); longer ones (the vocabulary's tokens,
#: scores, merges) keep their length only.
MAX_KEPT_ITEMS = 1 << 16
DEFAULT_ALIGNMENT = 32


#: Metadata value types: id -> (name, struct format of a scalar; None for string and array).
VALUE_TYPES: dict[int, tuple[str, str | None]] = {
    0: ("UINT8", "<B"),
    1: ("INT8", "<b"),
    2: ("UINT16", "<H"),
    3: ("INT16", "<h"),
    4: ("UINT32", "<I"),
    5: ("INT32", "<i"),
    6: ("FLOAT32", "<f"),
    7: ("BOOL", "<?"),
    8: ("STRING", None),
    9: ("ARRAY", None),
    10: ("UINT64", "<Q"),
    11: ("INT64", "<q"),
    12: ("FLOAT64", "<d"),
}
STRING, ARRAY = 8, 9
U64 = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class LongArray:
    """An array too long to keep (a vocabulary): its item type and length."""

    item_type: str
    length: int


@dataclass(frozen=True, slots=True)
class GGUFTensor:
    """One tensor's info: its shape in row-major order (ggml's `ne` reversed) and type."""

    name: str
    shape: tuple[int, ...]
    type: QuantType
    offset: int

    @property
    def size(self) -> int:
        """Elements of the tensor."""
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes of its data: whole blocks of its type."""
        return self.size // self.type.block_size * self.type.type_size


@dataclass(frozen=True)
class GGUFFile:
    """A GGUF file's header: its metadata and tensor infos, in file order."""

    where: str
    version: int
    metadata: dict[str, Any]
    tensors: tuple[GGUFTensor, ...]
    data_offset: int
    """Bytes before the tensor data: the header and its padding (of every split)."""
    file_bytes: int
    files: tuple[str, ...] = ()
    """The split files read, in order; empty for a single file."""

    @property
    def architecture(self) -> str:
        """`general.architecture`, the model's llama.cpp architecture name."""
        value = self.metadata.get("general.architecture")
        if not isinstance(value, str):
            raise InputError(
                self.where, f"expected a string, got {describe(value)}", "general.architecture"
            )
        return value


class Cursor:
    """Reads little-endian values from a buffer, refusing any read past its end."""

    def __init__(self, buffer: Any, where: str) -> None:
        self.buffer, self.where, self.pos, self.end = buffer, where, 0, len(buffer)

    def fail(self, message: str) -> InputError:
        """An error at the current offset."""
        return InputError(self.where, f"at byte {self.pos:,}: {message}")

    def need(self, n: int, what: str, at_least: bool = False) -> None:
        """Fail unless `n` more bytes remain."""
        if n > self.end - self.pos:
            needs = "at least " * at_least + f"{n:,} bytes"
            raise self.fail(f"truncated: {what} needs {needs}, {self.end - self.pos:,} remain")

    def unpack(self, fmt: str, what: str) -> Any:
        """One scalar."""
        size = struct.calcsize(fmt)
        self.need(size, what)
        (value,) = struct.unpack_from(fmt, self.buffer, self.pos)
        self.pos += size
        return value

    def u32(self, what: str) -> int:
        """A uint32."""
        return int(self.unpack("<I", what))

    def u64(self, what: str) -> int:
        """A uint64."""
        return int(self.unpack("<Q", what))

    def string(self, what: str, limit: int = MAX_STRING_BYTES) -> str:
        """A uint64 length and that many bytes of UTF-8."""
        length = self.u64(f"the length of {what}")
        if length > limit:
            raise self.fail(f"{what} is {length:,} bytes long, over the {limit:,}-byte limit")
        self.need(length, what)
        raw = bytes(self.buffer[self.pos : self.pos + length])
        self.pos += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(f"{what} is not UTF-8 (byte {exc.start})") from None

    def skip_strings(self, count: int, what: str) -> None:
        """Step over `count` strings without reading them (a vocabulary: a tight loop)."""
        pos, end, buffer, length_at = self.pos, self.end, self.buffer, U64.unpack_from
        for _ in range(count):
            if pos + 8 > end:
                break
            pos += 8 + length_at(buffer, pos)[0]
            if pos > end:
                break
        else:
            self.pos = pos
            return
        self.pos = min(pos, end)
        raise self.fail(f"truncated: {what} runs past the end of the file")


def read_gguf(path: Path) -> GGUFFile:
    """Read a GGUF file's header and tensor infos (the tensor data is never read)."""
    where = str(path)
    if not path.is_file():
        raise InputError(where, "no such file")
    with open(path, "rb") as f:
        size = path.stat().st_size
        if size < 24:
            raise InputError(where, f"truncated: {size} bytes, less than a GGUF header's 24")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
            return parse(Cursor(buffer, where))


def parse(c: Cursor) -> GGUFFile:
    """The header in `c`'s buffer, checked against the buffer's size."""
    magic = bytes(c.buffer[:4])
    if magic != MAGIC:
        raise InputError(c.where, f"not a GGUF file: starts with {magic!r}, not {MAGIC!r}")
    c.pos = 4
    version = c.u32("the version")
    if version not in VERSIONS:
        hint = " (a big-endian file?)" if version.to_bytes(4, "little")[0] == 0 else ""
        raise InputError(c.where, f"GGUF version {version} is not 2 or 3{hint}")
    tensors, kvs = c.u64("the tensor count"), c.u64("the metadata count")
    # The smallest metadata entry takes 13 bytes, the smallest tensor info 24: counts beyond
    # what the file could hold are refused before any loop starts.
    if kvs > (c.end - c.pos) // 13 or tensors > (c.end - c.pos) // 24:
        raise InputError(
            c.where, f"{tensors:,} tensors and {kvs:,} metadata entries cannot fit the file"
        )
    metadata = read_metadata(c, kvs)
    infos = [tensor_info(c, i) for i in range(tensors)]
    alignment = alignment_of(metadata, c.where)
    data_offset = -(-c.pos // alignment) * alignment
    check_data(infos, alignment, c.end - data_offset, c.where)
    return GGUFFile(c.where, version, metadata, tuple(infos), data_offset, c.end)


def read_metadata(c: Cursor, count: int) -> dict[str, Any]:
    """Each key's value; a key may appear once."""
    metadata: dict[str, Any] = {}
    for _ in range(count):
        key = c.string("a metadata key", limit=65535)
        if key in metadata:
            raise c.fail(f"metadata key {key!r} appears twice")
        metadata[key] = value(c, c.u32(f"the type of {key!r}"), key)
    return metadata


def value(c: Cursor, type_id: int, key: str) -> Any:
    """One metadata value of type `type_id`."""
    if type_id not in VALUE_TYPES:
        raise c.fail(f"{key!r} has unknown value type {type_id}")
    if type_id == STRING:
        return c.string(f"the value of {key!r}")
    if type_id == ARRAY:
        return array(c, key)
    fmt = VALUE_TYPES[type_id][1]
    assert fmt is not None  # every type but STRING and ARRAY is a scalar
    return c.unpack(fmt, f"the value of {key!r}")


def array(c: Cursor, key: str) -> list[Any] | LongArray:
    """An array of scalars or strings: its items when short, its length when long."""
    item_type = c.u32(f"the item type of {key!r}")
    if item_type not in VALUE_TYPES or item_type == ARRAY:
        raise c.fail(f"{key!r} is an array of unknown or nested type {item_type}")
    length = c.u64(f"the length of {key!r}")
    name, fmt = VALUE_TYPES[item_type]
    item_bytes = 8 if fmt is None else struct.calcsize(fmt)  # a string is at least its length
    c.need(length * item_bytes, f"{length:,} items of {key!r}", at_least=fmt is None)
    if length > MAX_KEPT_ITEMS:
        if fmt is None:
            c.skip_strings(length, f"the strings of {key!r}")
        else:
            c.pos += length * item_bytes
        return LongArray(name, length)
    return [value(c, item_type, key) for _ in range(length)]


def tensor_info(c: Cursor, index: int) -> GGUFTensor:
    """The name, extents, type and offset of tensor `index`."""
    name = c.string(f"the name of tensor {index}", limit=65535)
    n_dims = c.u32(f"the n_dims of {name!r}")
    if n_dims > MAX_DIMS:
        raise c.fail(f"tensor {name!r} has {n_dims} dimensions, more than ggml's {MAX_DIMS}")
    ne = [c.u64(f"an extent of {name!r}") for _ in range(n_dims)]
    type_id = c.u32(f"the type of {name!r}")
    offset = c.u64(f"the offset of {name!r}")
    if type_id not in GGML_TYPES:
        raise c.fail(f"tensor {name!r} has unknown GGML type id {type_id}")
    kind = GGML_TYPES[type_id]
    if any(n > MAX_ELEMENTS for n in ne) or prod(ne) > MAX_ELEMENTS:
        raise c.fail(f"tensor {name!r}: extents {ne} overflow ggml's int64 element count")
    if ne and ne[0] % kind.block_size:
        raise c.fail(
            f"tensor {name!r}: rows of {ne[0]} elements are not whole {kind.name} blocks "
            f"of {kind.block_size}"
        )
    return GGUFTensor(name, tuple(reversed(ne)), kind, offset)


def alignment_of(metadata: dict[str, Any], where: str) -> int:
    """`general.alignment`: a power of two, 32 when absent."""
    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if (
        not isinstance(alignment, int)
        or isinstance(alignment, bool)
        or alignment <= 0
        or alignment & (alignment - 1)
    ):
        raise InputError(
            where, f"must be a power of two, got {describe(alignment)}", "general.alignment"
        )
    return alignment


def check_data(tensors: list[GGUFTensor], alignment: int, data_bytes: int, where: str) -> None:
    """Each tensor's data must start where the previous one's ends, padded to the alignment
    (as llama.cpp requires), and lie inside the file; names must be unique."""
    expected, seen = 0, set()
    for t in tensors:
        if t.name in seen:
            raise InputError(where, f"tensor {t.name!r} appears twice")
        seen.add(t.name)
        if t.offset != expected:
            raise InputError(
                where, f"tensor {t.name!r}: data at offset {t.offset:,}, expected {expected:,}"
            )
        expected += -(-t.nbytes // alignment) * alignment
        if t.offset + t.nbytes > data_bytes:
            raise InputError(
                where,
                f"truncated: tensor {t.name!r} ends at data byte {t.offset + t.nbytes:,}, "
                f"the file holds {max(data_bytes, 0):,}",
            )
