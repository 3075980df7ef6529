"""Reading architecture files safely: size limit, UTF-8, YAML's safe loader, no duplicate keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paramcalc.errors import InputError

#: Architecture files are a few kB; anything much larger is not one.
MAX_FILE_BYTES = 4 * 1024 * 1024


def read_text(path: Path) -> str:
    """Read a small UTF-8 text file, or raise an InputError that says why not."""
    where = str(path)
    if not path.exists():
        raise InputError(where, "no such file or preset")
    if path.is_dir():
        raise InputError(where, "is a directory (expected a YAML or JSON file)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(where, f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot read: {exc.strerror}") from None
    if b"\0" in data:
        raise InputError(where, "is a binary file, not YAML or JSON text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"is not UTF-8 text (byte {exc.start})") from None


def parse_json(text: str, where: str) -> Any:
    """Parse JSON, reporting the line and column of a syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(where, f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                                f"{exc.msg}") from None


def parse_yaml(text: str, where: str) -> Any:
    """Parse YAML with the safe loader, rejecting duplicate keys and Python tags."""
    import yaml

    from paramcalc.sources.yaml_loader import StrictSafeLoader

    try:
        return yaml.load(text, Loader=StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(where, f"invalid YAML{at}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(where, f"invalid YAML: {exc}") from None


def parse_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON file whose top level must be a mapping."""
    where = str(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(where, "file is empty")
    data = parse_json(text, where) if path.suffix == ".json" else parse_yaml(text, where)
    if not isinstance(data, dict):
        raise InputError(where, f"top level must be a mapping of fields, got {type(data).__name__}")
    return data
