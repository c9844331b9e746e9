"""The EventBridge envelope every trigger arrives in, read strictly enough to act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from steward.events.dates import UtcDatetime
from steward.events.outcomes import InvalidField


class EventEnvelope(EventBridgeModel):
    """EventBridge's envelope, with a `time` that says its zone (Powertools accepts one without)."""

    time: UtcDatetime


def event_object(event: object) -> Mapping[str, Any]:
    """The event as a JSON object; InvalidField for a list, null, string or number."""
    if not isinstance(event, Mapping):
        raise InvalidField("event", event, f"a JSON object (an EventBridge event), not {_json_kind(event)}")
    return event


def _json_kind(value: object) -> str:
    kinds = {type(None): "null", list: "a list", str: "a string", bool: "a boolean"}
    return kinds.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)
