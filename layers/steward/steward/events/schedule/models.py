"""An EventBridge rule's `Scheduled Event`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from steward.events.envelope import EventEnvelope


class ScheduledEvent(EventEnvelope):
    """An EventBridge rule's `Scheduled Event` (source aws.events)."""

    source: Literal["aws.events"]
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    detail: dict[str, Any]
