"""An EventBridge rule's `Scheduled Event`."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, Field


class ScheduledEvent(EventBridgeModel):
    """An EventBridge rule's `Scheduled Event` (source aws.events)."""

    source: Literal["aws.events"]
    # The sweep's clock: a time without a zone would be read as some zone's local time.
    time: AwareDatetime
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    detail: dict[str, Any]
