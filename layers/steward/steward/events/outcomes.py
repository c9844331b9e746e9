"""What every event parser returns or raises, whichever trigger it reads.

* `NotApplicable`: a well-formed event Steward must not act on, with the reason.
* `InvalidEvent` / `InvalidField`: a malformed or unexpected event; nothing was changed. The
  message names the field, the value seen and what is accepted, worded alike for every trigger.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from steward.machinery.validation import ABSENT, problems

__all__ = ["ABSENT", "InvalidEvent", "InvalidField", "NotApplicable", "read_model"]


class InvalidEvent(ValueError):
    """The event is malformed or not one this function accepts; nothing was changed."""


class InvalidField(InvalidEvent):
    """One field of the event is wrong: names the field, the value seen and what is accepted."""

    def __init__(self, field: str, seen: object, accepted: str) -> None:
        super().__init__(f"{field}: got {seen!r}; expected {accepted}")
        self.field = field
        self.seen = seen
        self.accepted = accepted


class NotApplicable(BaseModel):
    """A well-formed event Steward must not act on: `reason` is a short code, `detail` says why.

    Cluster events also say which call and which CloudTrail record it was.
    """

    model_config = ConfigDict(frozen=True)

    reason: str
    detail: str
    event_name: str | None = None
    event_id: str | None = None


def read_model[M: BaseModel](model: type[M], data: object, where: str = "") -> M:
    """`data` as `model`, or InvalidField for the first problem, fully named (fixing it reveals the next).

    `where` is the path of `data` inside the event, when `data` is a part of it.
    """
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = problems(error, within=where)[0]
        raise InvalidField(first.field or "event", first.seen, first.accepted) from None
