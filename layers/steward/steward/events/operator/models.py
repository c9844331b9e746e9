"""What an operator (or `bin/steward`) puts on the operator bus, and the checks the CLI runs too."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
)

from steward.events.envelope import EventEnvelope
from steward.vocabulary.hsm import CLUSTER_ID_PATTERN

OPERATOR_SOURCE = "steward"
KEY_REMOVED = "CloudHSM Key Removed"
PURGE_UNDO = "CloudHSM Purge Undo"

_ACCEPTED_CLUSTER_ID = (
    "a CloudHSM cluster id, 'cluster-' then 11 to 16 letters or digits 2-7 (cluster-likphkxygsn)"
)
_ACCEPTED_INSTANT = "an ISO-8601 date and time with a time zone, e.g. 2026-11-02T09:30:00Z"
_ACCEPTED_PRINCIPAL = "an IAM or STS ARN, as STS GetCallerIdentity returns it"
# How far the clock of whoever reports a removal may run ahead of the function's; anything later
# is a typo or a forgery, not a removal.
CLOCK_SKEW = timedelta(minutes=5)


def removed_by(removed_at: datetime, now: datetime) -> None:
    """ValueError unless `removed_at` is no later than `now` plus the allowed clock skew.

    `now` is the reader's own clock, never the event's `time`, which its sender chooses. A future
    removal would make every backup of the cluster "older than the removal": with `immediate`
    a mistyped year deletes every restore point.
    """
    latest = now + CLOCK_SKEW
    if removed_at > latest:
        raise ValueError(
            f"a time no later than {latest.astimezone(UTC).isoformat()} (now, plus "
            f"{int(CLOCK_SKEW.total_seconds() // 60)} minutes of clock skew): a removal "
            "cannot be in the future"
        )


def _cluster_id(value: str) -> str:
    if not CLUSTER_ID_PATTERN.fullmatch(value):
        raise ValueError(f"expected {_ACCEPTED_CLUSTER_ID}")
    return value


def _instant_with_zone(value: object) -> object:
    # Operators type these by hand; a date without a zone would be read in an unknown one.
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            if str(error).startswith("Invalid isoformat string"):
                raise ValueError(f"expected {_ACCEPTED_INSTANT}") from None
            # The form is right but the calendar says no: "2026-02-30", "2026-11-02T25:00Z".
            raise ValueError(
                f"expected a date that exists ({value} does not: {error}), as {_ACCEPTED_INSTANT}"
            ) from None
        if parsed.tzinfo is None:
            raise ValueError(f"expected {_ACCEPTED_INSTANT} (this one has no time zone)")
        return parsed.astimezone(UTC)
    if isinstance(value, datetime):
        return value
    raise ValueError(f"expected {_ACCEPTED_INSTANT}")


def _principal_arn(value: str) -> str:
    if not PRINCIPAL_ARN.fullmatch(value):
        raise ValueError(f"expected {_ACCEPTED_PRINCIPAL}")
    return value


PRINCIPAL_ARN = re.compile(r"arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/:-]+")
ClusterId = Annotated[str, AfterValidator(_cluster_id)]
# Who sent the event, as `bin/steward` reads it from STS; trusted because only operators may put
# events on the operator bus (its resource policy), not because of what it says.
RequestedBy = Annotated[str, AfterValidator(_principal_arn)]
OperatorInstant = Annotated[datetime, BeforeValidator(_instant_with_zone)]


class KeyRemovedDetail(BaseModel):
    """What an operator puts on the operator bus after removing key material by hand."""

    model_config = ConfigDict(extra="forbid")

    clusterId: ClusterId
    removedAt: OperatorInstant
    keyCreatedAt: OperatorInstant | None = None
    immediate: StrictBool = False
    reason: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    requestedBy: RequestedBy | None = None

    @field_validator("keyCreatedAt")
    @classmethod
    def _created_before_removed(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        removed_at = info.data.get("removedAt")
        if value is not None and removed_at is not None and value > removed_at:
            raise ValueError(f"expected a time at or before removedAt ({removed_at.isoformat()})")
        return value


class OperatorKeyRemovedEvent(EventEnvelope):
    """source "steward", detail-type "CloudHSM Key Removed"."""

    detail: KeyRemovedDetail


class PurgeUndoDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purgeId: Annotated[str, Field(min_length=1, max_length=256)]
    requestedBy: RequestedBy | None = None


class OperatorPurgeUndoEvent(EventEnvelope):
    """source "steward", detail-type "CloudHSM Purge Undo"."""

    detail: PurgeUndoDetail
