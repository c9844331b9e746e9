"""pydantic's ValidationError read as problems a person can act on: the field, the value seen and
what is accepted. Settings, events and the command line each word these for their reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

# pydantic's own framing around what it accepts; what is left reads after "expected".
_PREFIXES: Final = (
    "Value error, ",
    "Assertion failed, ",
    "expected ",
    "Input should be ",
    "Value should be ",
)

# What each pattern accepts, in words; the regex itself never reaches an operator.
_PATTERN_WORDS: dict[str, str] = {}


def worded(pattern: str, words: str) -> str:
    """`pattern`, remembered with `words`: a value that does not match reads "expected <words>"."""
    _PATTERN_WORDS[pattern] = words
    return pattern


def _pattern(ctx: Mapping[str, Any]) -> str:
    return _PATTERN_WORDS.get(str(ctx.get("pattern")), "text in the accepted format")


def _count(n: object, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


# pydantic's error types in the reader's words, each read after "expected"; its own phrasing
# ("String should have at least 1 character", "Extra inputs are not permitted") never leaks out.
# Types not listed are worded by stripping pydantic's framing (`_PREFIXES`).
_WORDS: Final[Mapping[str, Callable[[Mapping[str, Any]], str]]] = {
    "string_too_short": lambda ctx: f"text of at least {_count(ctx['min_length'], 'character')}",
    "string_too_long": lambda ctx: f"text of at most {_count(ctx['max_length'], 'character')}",
    "string_type": lambda ctx: "text",
    "string_pattern_mismatch": _pattern,
    "string_sub_type": lambda ctx: "text",
    "string_unicode": lambda ctx: "text",
    "too_short": lambda ctx: f"at least {_count(ctx['min_length'], 'item')}",
    "too_long": lambda ctx: f"at most {_count(ctx['max_length'], 'item')}",
    "extra_forbidden": lambda ctx: "no field of this name (it is not one this input has)",
    "int_type": lambda ctx: "a whole number",
    "int_parsing": lambda ctx: "a whole number",
    "int_from_float": lambda ctx: "a whole number",
    "float_type": lambda ctx: "a number",
    "float_parsing": lambda ctx: "a number",
    "bool_type": lambda ctx: "a JSON boolean, true or false",
    "bool_parsing": lambda ctx: "a JSON boolean, true or false",
    "greater_than_equal": lambda ctx: f"a number no less than {ctx['ge']}",
    "greater_than": lambda ctx: f"a number greater than {ctx['gt']}",
    "less_than_equal": lambda ctx: f"a number no greater than {ctx['le']}",
    "less_than": lambda ctx: f"a number less than {ctx['lt']}",
    "dict_type": lambda ctx: "a JSON object",
    "model_type": lambda ctx: "a JSON object",
    "model_attributes_type": lambda ctx: "a JSON object",
    "mapping_type": lambda ctx: "a JSON object",
    "list_type": lambda ctx: "a list",
    "tuple_type": lambda ctx: "a list",
    "set_type": lambda ctx: "a list",
    "none_required": lambda ctx: "no value (null)",
    "literal_error": lambda ctx: f"one of {ctx.get('expected', 'the listed values')}",
    "enum": lambda ctx: f"one of {ctx.get('expected', 'the listed values')}",
    "datetime_type": lambda ctx: "an ISO-8601 date and time",
    "datetime_parsing": lambda ctx: "an ISO-8601 date and time",
    "datetime_from_date_parsing": lambda ctx: "an ISO-8601 date and time",
    "datetime_object_invalid": lambda ctx: "an ISO-8601 date and time",
    "date_type": lambda ctx: "an ISO-8601 date such as 2026-11-02",
    "date_parsing": lambda ctx: "an ISO-8601 date such as 2026-11-02",
    "date_from_datetime_parsing": lambda ctx: "an ISO-8601 date such as 2026-11-02",
    "date_from_datetime_inexact": lambda ctx: "a date without a time of day",
    "timezone_aware": lambda ctx: "a date and time with a time zone",
    "timezone_naive": lambda ctx: "a date and time without a time zone",
    "uuid_type": lambda ctx: "a UUID such as 0c6f3c1e-2b4a-4d8e-9f70-6a5b4c3d2e1f",
    "uuid_parsing": lambda ctx: "a UUID such as 0c6f3c1e-2b4a-4d8e-9f70-6a5b4c3d2e1f",
    "json_invalid": lambda ctx: "valid JSON",
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
        field = _field(within, item["loc"])
        if item["type"] == "missing":
            found.append(Problem(field, ABSENT, "the field to be present"))
            continue
        found.append(Problem(field, item.get("input"), _accepted(item["type"], item["msg"], item.get("ctx"))))
    return found


def _field(within: str, loc: tuple[int | str, ...]) -> str:
    # pydantic marks a mapping's key with a last "[key]" step; the reader sees "detail.tags (a key)".
    parts = [str(part) for part in loc]
    key = bool(parts) and parts[-1] == "[key]"
    field = ".".join(part for part in (within, *parts[: -1 if key else None]) if part)
    return f"{field} (a key)" if key else field


def _accepted(kind: str, message: str, ctx: Mapping[str, Any] | None) -> str:
    words = _WORDS.get(kind)
    if words is not None:
        return words(ctx or {})
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    # A type not listed above: pydantic's "a valid X" reads as "X".
    return message.replace("a valid ", "a ")
