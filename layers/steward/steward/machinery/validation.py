"""pydantic's ValidationError read as problems a person can act on: the field, the value seen and
what is accepted. Settings, events and the command line each word these for their reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

# pydantic's own framing around what it accepts; what is left reads after "expected".
_PREFIXES: Final = ("Value error, ", "expected ", "Input should be ", "Value should be ")


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
        accepted = item["msg"]
        for prefix in _PREFIXES:
            accepted = accepted.removeprefix(prefix)
        found.append(Problem(field, item.get("input"), accepted))
    return found
