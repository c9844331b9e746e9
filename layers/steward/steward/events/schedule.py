"""The EventBridge schedule that starts a retention sweep."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, Field

from steward.events.validation import parse_event


class ScheduledEvent(EventBridgeModel):
    """An EventBridge rule's `Scheduled Event` (source aws.events)."""

    source: Literal["aws.events"]
    # The sweep's clock: a time without a zone would be read as some zone's local time.
    time: AwareDatetime
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    detail: dict[str, Any]


def parse_schedule(event: Any) -> ScheduledEvent:
    return parse_event(ScheduledEvent, event, "an EventBridge 'Scheduled Event' from source aws.events")
