"""The exceptions paramcalc raises; the CLI turns each into one line on stderr and exit 2."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ParamcalcError(Exception):
    """Base of every error paramcalc reports to a user."""


class InputError(ParamcalcError):
    """Bad input: names where (file or preset), which field, and what is wrong with the value."""

    def __init__(self, where: str, message: str, field: str | None = None) -> None:
        self.where, self.field, self.message = where, field, message
        super().__init__(": ".join(p for p in (where, field, message) if p))


def from_validation_error(exc: ValidationError, where: str) -> InputError:
    """Turn pydantic's first complaint into an InputError naming the field and its value."""
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    if field and "input" in first and first["type"] != "missing":
        message = f"{message} (got {first['input']!r})"
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    return InputError(where, message, field)
