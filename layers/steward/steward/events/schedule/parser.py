"""A raw event read as the schedule, or InvalidEvent naming what is wrong."""

from __future__ import annotations

from typing import Any

from steward.events.outcomes import InvalidEvent, read_model
from steward.events.schedule.models import ScheduledEvent


def parse_schedule(event: Any) -> ScheduledEvent:
    if not isinstance(event, dict):
        raise InvalidEvent(
            "event must be a JSON object (an EventBridge 'Scheduled Event' from source aws.events), "
            f"got {type(event).__name__}"
        )
    return read_model(ScheduledEvent, event)
