"""Turning a raw event into a typed model, or into an error that says what was wrong."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


class InvalidEvent(ValueError):
    """The event is malformed or not one this function accepts; nothing was changed."""


class InvalidField(InvalidEvent):
    """One field of the event is wrong: names the field, the value seen and what is accepted."""

    def __init__(self, field: str, seen: object, accepted: str) -> None:
        super().__init__(f"{field}: got {seen!r}; expected {accepted}")
        self.field = field
        self.seen = seen
        self.accepted = accepted


def parse_event[M: BaseModel](model: type[M], event: Any, accepted: str) -> M:
    """Validate `event` as `model`; on failure name each field, the value seen and what is accepted."""
    if not isinstance(event, dict):
        raise InvalidEvent(f"event must be a JSON object ({accepted}), got {type(event).__name__}")
    try:
        return model.model_validate(event)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "event"
            seen = "missing" if item["type"] == "missing" else repr(item.get("input"))
            problems.append(f"{field}: {seen} ({item['msg']})")
        raise InvalidEvent(f"not {accepted}: " + "; ".join(problems)) from None
