"""Safetensors checkpoints, read from their headers only: names, dtypes, shapes, never the data.

The format (https://huggingface.co/docs/safetensors, "Format"): 8 bytes, an unsigned
little-endian header length N; N bytes of UTF-8 JSON mapping each tensor name to
`{"dtype", "shape", "data_offsets": [begin, end]}` (plus an optional `__metadata__` of
strings); then the data, which the tensors must cover exactly, without holes or overlaps.
A checkpoint is one such file, a `*.safetensors.index.json` whose `weight_map` names the shard
of each tensor, or a folder of shards. The safetensors package is not needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError, describe
from paramcalc.sources.kinds import INDEX_SUFFIX as INDEX_SUFFIX
from paramcalc.sources.kinds import SUFFIX as SUFFIX

#: The safetensors library refuses headers above 100 MB; a real one is at most a few MB.
MAX_HEADER_BYTES = 100_000_000
#: Largest dimension of a tensor (PyTorch shapes are int64), and most dimensions (PyTorch's).
MAX_DIMENSION, MAX_DIMENSIONS = 2**63 - 1, 64
#: An index lists one line per tensor: a few MB for the largest models.
MAX_INDEX_BYTES = 100_000_000
#: Bits per element of every dtype the format defines (safetensors' `Dtype`).
DTYPE_BITS = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "I64": 64,
    "U64": 64,
    "F64": 64,
    "C64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}


@dataclass(frozen=True, slots=True)
class StoredTensor:
    """One tensor as a checkpoint stores it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    file: str

    @property
    def size(self) -> int:
        """Elements of the tensor."""
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes of its data."""
        return self.size * DTYPE_BITS[self.dtype] // 8


@dataclass(frozen=True)
class Checkpoint:
    """Every tensor of a checkpoint, in file order, and the bytes its files take."""

    where: str
    files: tuple[str, ...]
    tensors: tuple[StoredTensor, ...]
    file_bytes: int


def read_checkpoint(path: Path) -> Checkpoint:
    """Read a .safetensors file, an index of shards, or a folder of shards (headers only)."""
    if not path.exists():
        raise InputError(str(path), "no such file or folder")
    if path.is_dir():
        indexes = sorted(path.glob(f"*{INDEX_SUFFIX}"))
        if len(indexes) > 1:
            raise InputError(
                str(path),
                "folder holds several *.safetensors.index.json files; name the one to read",
            )
        if indexes:
            return read_index(indexes[0])
        shards = sorted(path.glob(f"*{SUFFIX}"))
        if not shards:
            raise InputError(str(path), "folder holds no *.safetensors file")
        return combine(str(path), shards)
    if path.name.endswith(".json"):
        return read_index(path)
    return combine(str(path), [path])


def combine(where: str, shards: list[Path]) -> Checkpoint:
    """Read every shard's header; a tensor name may appear in one shard only."""
    return assemble(where, [(s.name, read_header(s), s.stat().st_size) for s in shards])


def assemble(where: str, files: list[tuple[str, list[StoredTensor], int]]) -> Checkpoint:
    """One checkpoint from each file's name, tensors and size (local files or remote headers)."""
    tensors: dict[str, StoredTensor] = {}
    for name, stored, _ in files:
        for tensor in stored:
            if tensor.name in tensors:
                raise InputError(
                    f"{where}: {name}",
                    f"tensor {tensor.name!r} is also stored in {tensors[tensor.name].file}",
                )
            tensors[tensor.name] = tensor
    return Checkpoint(
        where,
        tuple(name for name, _, _ in files),
        tuple(tensors.values()),
        sum(size for _, _, size in files),
    )


def read_index(path: Path) -> Checkpoint:
    """Read a `model.safetensors.index.json` and the headers of the shards it names."""
    where = str(path)
    weight_map, total_size = index_file(path)
    checkpoint = combine(where, [path.parent / name for name in shard_names(weight_map, where)])
    check_weight_map(weight_map, checkpoint, total_size)
    return checkpoint


def shard_names(weight_map: dict[str, str], where: str) -> list[str]:
    """The shard files an index names, in order; each must be a plain file name."""
    names = list(dict.fromkeys(weight_map.values()))
    for name in names:
        if Path(name).name != name or name in {".", ".."}:
            raise InputError(
                where, f"shard {name!r} is not a file name beside the index", "weight_map"
            )
    return names


def check_weight_map(
    weight_map: dict[str, str], checkpoint: Checkpoint, total_size: int | None = None
) -> None:
    """Every tensor the index maps must be stored in that shard, nothing else stored, and the
    index's `metadata.total_size` (when it says one) the bytes the shards' tensors hold."""
    where = checkpoint.where
    stored = {t.name: t.file for t in checkpoint.tensors}
    for name, shard in weight_map.items():
        if stored.get(name) != shard:
            raise InputError(
                where, f"{name!r} is mapped to {shard} but not stored there", "weight_map"
            )
    extra = next((n for n in stored if n not in weight_map), None)
    if extra is not None:
        raise InputError(
            where, f"{stored[extra]} stores {extra!r}, which the index does not list", "weight_map"
        )
    data_bytes = sum(t.nbytes for t in checkpoint.tensors)
    if total_size is not None and total_size != data_bytes:
        raise InputError(
            where,
            f"{total_size:,} bytes, but the shards' tensors hold {data_bytes:,} (a stale index?)",
            "metadata.total_size",
        )


def index_weight_map(path: Path) -> dict[str, str]:
    """The `weight_map` of an index file: tensor name -> shard file name."""
    return index_file(path)[0]


def index_file(path: Path) -> tuple[dict[str, str], int | None]:
    """The `weight_map` of an index file (tensor name -> shard file name) and the bytes of
    tensor data its `metadata.total_size` declares, if it does."""
    where = str(path)
    if not path.is_file():
        raise InputError(where, "no such file")
    if path.stat().st_size > MAX_INDEX_BYTES:
        raise InputError(where, f"index is over the {MAX_INDEX_BYTES:,}-byte limit")
    data = parse_json_bytes(path.read_bytes(), where)
    weight_map = data.get("weight_map")
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise InputError(where, "expected a mapping of tensor names to shard files", "weight_map")
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InputError(where, f"expected a mapping, got {describe(metadata)}", "metadata")
    total_size = metadata.get("total_size")
    if total_size is not None and not is_count(total_size):
        raise InputError(
            where, f"expected a number of bytes, got {describe(total_size)}", "metadata.total_size"
        )
    return weight_map, total_size


def parse_json_bytes(raw: bytes, where: str) -> dict[str, Any]:
    """Parse a JSON object from bytes, rejecting duplicate keys (the format forbids them)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) < len(pairs):  # linear: a header may list 100,000 tensors
            seen: set[str] = set()
            duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            raise InputError(where, f"header names {describe(duplicate)} twice")
        return data

    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except UnicodeDecodeError as exc:
        raise InputError(where, f"header is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(where, f"header is not JSON: {exc.msg} at offset {exc.pos}") from None
    except RecursionError:
        raise InputError(where, "header is not JSON: nested too deeply") from None
    except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
        raise InputError(where, "header is not JSON: a number with too many digits") from None
    if not isinstance(data, dict):
        raise InputError(where, f"header must be a JSON object, got {type(data).__name__}")
    return data


def read_header(path: Path) -> list[StoredTensor]:
    """Read and check one file's header; the tensor data after it is never read."""
    where = str(path)
    if not path.is_file():
        raise InputError(where, "no such file")
    file_size = path.stat().st_size
    with open(path, "rb") as f:
        length = header_length(f.read(8), file_size, where)
        return parse_header(f.read(length), file_size - 8 - length, where, path.name)


def header_length(prefix: bytes, file_size: int, where: str) -> int:
    """The header length the first 8 bytes give, checked against the file's size."""
    if len(prefix) < 8:
        raise InputError(where, f"truncated: {file_size} bytes, less than the 8-byte header length")
    length = int.from_bytes(prefix, "little")
    if length > MAX_HEADER_BYTES:
        raise InputError(
            where,
            f"header length {length:,} is over the {MAX_HEADER_BYTES:,}-byte "
            "limit (not a safetensors file?)",
        )
    if 8 + length > file_size:
        raise InputError(
            where,
            f"truncated: header length {length:,} runs past the end of the {file_size:,}-byte file",
        )
    return length


def parse_header(raw: bytes, data_bytes: int, where: str, file: str) -> list[StoredTensor]:
    """Check a header's JSON against the `data_bytes` of data that follow it in `file`."""
    header = parse_json_bytes(raw, where)
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InputError(where, f"__metadata__ must map names to strings, got {describe(metadata)}")
    tensors = [stored_tensor(name, entry, where, file) for name, entry in header.items()]
    check_offsets(header, tensors, data_bytes, where)
    return tensors


def stored_tensor(name: str, entry: Any, file_where: str, file: str) -> StoredTensor:
    """Check one header entry's dtype and shape."""
    where = f"{file_where}: tensor {name!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise InputError(where, "expected exactly dtype, shape and data_offsets")
    dtype, shape = entry["dtype"], entry["shape"]
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        raise InputError(where, f"unknown dtype {describe(dtype)}")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_DIMENSIONS
        or not all(is_count(d) and d <= MAX_DIMENSION for d in shape)
    ):
        raise InputError(
            where,
            f"shape must be a list of at most {MAX_DIMENSIONS} integers "
            f"from 0 to 2**63 - 1, got {describe(shape)}",
        )
    tensor = StoredTensor(name, dtype, tuple(shape), file)
    if tensor.size * DTYPE_BITS[dtype] % 8:
        raise InputError(where, f"{tensor.size} elements of {dtype} do not fill whole bytes")
    return tensor


def check_offsets(
    header: dict[str, Any], tensors: list[StoredTensor], data_bytes: int, where: str
) -> None:
    """The data offsets must match each tensor's size and tile the data region exactly."""
    spans = []
    for tensor in tensors:
        offsets = header[tensor.name]["data_offsets"]
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(map(is_count, offsets))
            and offsets[0] <= offsets[1]
        ):
            raise InputError(
                where,
                f"tensor {tensor.name!r}: data_offsets must be [begin, end] "
                f"with 0 <= begin <= end, got {describe(offsets)}",
            )
        if offsets[1] - offsets[0] != tensor.nbytes:
            raise InputError(
                where,
                f"tensor {tensor.name!r}: data_offsets {offsets} hold "
                f"{offsets[1] - offsets[0]} bytes, its {tensor.dtype} shape "
                f"{list(tensor.shape)} needs {tensor.nbytes}",
            )
        spans.append((offsets[0], offsets[1], tensor.name))
    end = 0
    for begin, stop, name in sorted(spans):
        if begin != end:
            raise InputError(
                where,
                f"tensor {name!r}: data starts at {begin}, expected {end} "
                "(tensors overlap or leave a hole)",
            )
        end = stop
    if end != data_bytes:
        raise InputError(
            where, f"tensors cover {end:,} bytes of data, the file holds {data_bytes:,}"
        )


def is_count(value: Any) -> bool:
    """A non-negative JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
