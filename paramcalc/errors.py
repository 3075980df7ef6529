"""The exceptions paramcalc raises; the CLI turns each into one line on stderr and exit 2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

#: Longest rendering of a bad value in a message: enough to recognise it, never a whole file.
MAX_VALUE_CHARS = 80


class ParamcalcError(Exception):
    """Base of every error paramcalc reports to a user."""


class InputError(ParamcalcError):
    """Bad input: names where (file or preset), which field, and what is wrong with the value."""

    def __init__(self, where: str, message: str, field: str | None = None) -> None:
        self.where, self.field, self.message = where, field, message
        super().__init__(printable(": ".join(p for p in (where, field, message) if p)))


class OutputError(ParamcalcError):
    """Output that cannot be written: a full disk, a folder that is not there, stdout closed."""

    def __init__(self, where: str, message: str) -> None:
        self.where, self.message = where, message
        super().__init__(printable(f"{where}: {message}"))


class FieldValueError(ValueError):
    """A cross-field rule broken by one field; pydantic keeps it, so the message can name it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def printable(text: str) -> str:
    """Escape control characters (and undecodable bytes of paths) so a message stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def describe(value: Any) -> str:
    """A short repr of a user's value: long strings, lists and integers are abbreviated."""
    import reprlib

    short = reprlib.Repr()
    short.maxstring = short.maxother = MAX_VALUE_CHARS
    short.maxlong = 40
    try:
        return short.repr(value)
    except ValueError:  # an integer too long for str(): Python's int_max_str_digits
        return f"<an integer of {value.bit_length()} bits>"


def from_validation_error(exc: ValidationError, where: str) -> InputError:
    """Turn pydantic's first complaint into an InputError naming the field and its value."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldValueError):  # a cross-field rule; its message shows the value
        return InputError(where, str(cause), cause.field)
    path = field_path(first["loc"])
    if first["type"] == "missing":
        return InputError(where, "required field is missing", path)
    if first["type"] == "extra_forbidden":
        return InputError(where, "unknown field", path)
    # A union field (int | str) gets one complaint per member: say them all at once.
    said = dict.fromkeys(
        e["msg"].removeprefix("Value error, ")
        for e in errors
        if field_path(e["loc"]) == path and e.get("input") is first.get("input")
    )
    message = join_alternatives(list(said))
    if "input" in first and path:
        message = f"{message} (got {describe(first['input'])})"
    return InputError(where, message, path)


def join_alternatives(messages: list[str]) -> str:
    """'Input should be a valid integer or a valid string' from pydantic's per-member messages."""
    prefix = "Input should be "
    if len(messages) > 1 and all(m.startswith(prefix) for m in messages):
        return prefix + " or ".join(m.removeprefix(prefix) for m in messages)
    return messages[0]


def field_path(loc: tuple[int | str, ...]) -> str | None:
    """The dotted path of a field (`layer_types.3`), without pydantic's union member tags."""
    parts = [str(p) for i, p in enumerate(loc) if i == 0 or isinstance(p, int)]
    return ".".join(parts) or None
