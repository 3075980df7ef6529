"""Reading architecture files safely: size limit, UTF-8, YAML's safe loader, no duplicate keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

from paramcalc.errors import InputError, describe

#: Architecture files are a few kB; anything much larger is not one. A config.json with a
#: large label table may reach a few MB; YAML, read by a pure-Python parser at about 1 MB/s,
#: is held to less.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_YAML_BYTES = 1024 * 1024


def read_text(path: Path) -> str:
    """Read a small UTF-8 text file, or raise an InputError that says why not."""
    where = str(path)
    data = read_bytes(path)
    if b"\0" in data:
        raise InputError(where, "is a binary file, not YAML or JSON text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"is not UTF-8 text (byte {exc.start})") from None


def read_bytes(path: Path) -> bytes:
    """Read at most MAX_FILE_BYTES of a regular file; refuse a larger one before reading it."""
    where = str(path)
    try:
        if path.is_dir():
            raise InputError(where, "is a directory (expected a YAML or JSON file)")
        if not path.exists():
            raise InputError(where, "no such file or preset")
        if not path.is_file():  # a device or a pipe could be endless
            raise InputError(where, "is not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                where, f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit"
            )
        with path.open("rb") as stream:  # the file may grow after stat(): read one byte more
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(where, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(where, f"file is over the {MAX_FILE_BYTES:,}-byte limit")
    return data


def read_stream(stream: BinaryIO, where: str) -> str:
    """Read at most MAX_FILE_BYTES of UTF-8 text from a stream (standard input)."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(where, f"input is over the {MAX_FILE_BYTES:,}-byte limit")
    if b"\0" in data:
        raise InputError(where, "is binary data, not YAML or JSON text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"is not UTF-8 text (byte {exc.start})") from None


class DuplicateKeyError(ValueError):
    """A JSON object names one key twice."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key that appears twice (last-wins would lose data)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise DuplicateKeyError(f"duplicate key {describe(key)}")
        data[key] = value
    return data


def parse_json(text: str, where: str) -> Any:
    """Parse JSON, reporting the line and column of a syntax error."""
    try:
        return json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(
            where, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except DuplicateKeyError as exc:
        raise InputError(where, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise InputError(where, "invalid JSON: nested too deeply") from None
    except ValueError:  # int() refuses a digit string longer than sys.get_int_max_str_digits()
        raise InputError(where, "invalid JSON: a number with too many digits") from None


def parse_yaml(text: str, where: str) -> Any:
    """Parse YAML with the safe loader, rejecting duplicate keys, Python tags and alias bombs."""
    import yaml

    from paramcalc.sources.yaml_loader import load_yaml

    try:
        return load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(where, f"invalid YAML{at}: {exc.problem or exc}") from None
    except yaml.reader.ReaderError as exc:  # its str() spans two lines
        raise InputError(
            where,
            f"invalid YAML: unacceptable character #x{exc.character:04x} "
            f"at position {exc.position}",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(where, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(where, "invalid YAML: nested too deeply") from None


def parse_mapping(path: Path, where: str | None = None) -> dict[str, Any]:
    """Read a YAML or JSON file whose top level must be a mapping; errors name `where`."""
    where = where or str(path)
    text = read_text(path)
    return parse_text_mapping(text, where, json_syntax=path.suffix == ".json")


def parse_text_mapping(text: str, where: str, json_syntax: bool) -> dict[str, Any]:
    """Parse YAML or JSON text whose top level must be a mapping."""
    if not text.strip():
        raise InputError(where, "file is empty")
    if not json_syntax and len(text) > MAX_YAML_BYTES:
        raise InputError(
            where,
            f"YAML file is over the {MAX_YAML_BYTES:,}-character limit "
            "(an architecture file is a few kB)",
        )
    data = parse_json(text, where) if json_syntax else parse_yaml(text, where)
    if data is None:
        raise InputError(where, "file holds no fields (only comments or blank lines)")
    if not isinstance(data, dict):
        raise InputError(
            where,
            f"top level must be a mapping of fields, got a "
            f"{type(data).__name__} ({describe(data)})",
        )
    return data
