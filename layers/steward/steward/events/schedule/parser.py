"""A raw event read as the schedule, or InvalidEvent naming what is wrong."""

from __future__ import annotations

from typing import Any

from steward.events.envelope import event_object
from steward.events.outcomes import read_model
from steward.events.schedule.models import ScheduledEvent


def parse_schedule(event: Any) -> ScheduledEvent:
    return read_model(ScheduledEvent, event_object(event))
