"""pydantic's ValidationError read as problems a person can act on: the field, the value seen and
what is accepted. Settings, events and the command line each word these for their reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

# pydantic's own framing around what it accepts; what is left reads after "expected".
_PREFIXES: Final = ("Value error, ", "expected ", "Input should be ", "Value should be ")


def _count(n: object, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


# pydantic's error types in the reader's words, each read after "expected"; its own phrasing
# ("String should have at least 1 character", "Extra inputs are not permitted") never leaks out.
# Types not listed are worded by stripping pydantic's framing (`_PREFIXES`).
_WORDS: Final[Mapping[str, Callable[[Mapping[str, Any]], str]]] = {
    "string_too_short": lambda ctx: f"text of at least {_count(ctx['min_length'], 'character')}",
    "string_too_long": lambda ctx: f"text of at most {_count(ctx['max_length'], 'character')}",
    "string_type": lambda ctx: "text",
    "string_pattern_mismatch": lambda ctx: f"text matching {ctx['pattern']}",
    "too_short": lambda ctx: f"at least {_count(ctx['min_length'], 'item')}",
    "too_long": lambda ctx: f"at most {_count(ctx['max_length'], 'item')}",
    "extra_forbidden": lambda ctx: "no field of this name (it is not one this input has)",
    "int_type": lambda ctx: "a whole number",
    "int_parsing": lambda ctx: "a whole number",
    "int_from_float": lambda ctx: "a whole number",
    "bool_type": lambda ctx: "a JSON boolean, true or false",
    "bool_parsing": lambda ctx: "a JSON boolean, true or false",
    "greater_than_equal": lambda ctx: f"a number no less than {ctx['ge']}",
    "greater_than": lambda ctx: f"a number greater than {ctx['gt']}",
    "less_than_equal": lambda ctx: f"a number no greater than {ctx['le']}",
    "less_than": lambda ctx: f"a number less than {ctx['lt']}",
    "dict_type": lambda ctx: "a JSON object",
    "model_type": lambda ctx: "a JSON object",
    "model_attributes_type": lambda ctx: "a JSON object",
    "list_type": lambda ctx: "a list",
    "datetime_type": lambda ctx: "an ISO-8601 date and time",
    "datetime_parsing": lambda ctx: "an ISO-8601 date and time",
    "datetime_from_date_parsing": lambda ctx: "an ISO-8601 date and time",
    "timezone_aware": lambda ctx: "a date and time with a time zone",
}


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


# The value "seen" for a field that is not there at all.
ABSENT: Final = _Absent()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    # The dotted path of the field ("detail.clusterId"); "" when the input as a whole is wrong.
    field: str
    seen: object
    accepted: str

    @property
    def missing(self) -> bool:
        return self.seen is ABSENT


def problems(error: ValidationError, *, within: str = "") -> list[Problem]:
    """Every problem pydantic found, in its order; `within` prefixes the path (a nested document)."""
    found = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        field = ".".join(part for part in (within, path) if part)
        if item["type"] == "missing":
            found.append(Problem(field, ABSENT, "the field to be present"))
            continue
        found.append(Problem(field, item.get("input"), _accepted(item["type"], item["msg"], item.get("ctx"))))
    return found


def _accepted(kind: str, message: str, ctx: Mapping[str, Any] | None) -> str:
    words = _WORDS.get(kind)
    if words is not None:
        return words(ctx or {})
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return message
