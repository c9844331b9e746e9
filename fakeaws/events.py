"""EventBridge delivery that moto 5.2.5 lacks: SNS targets and PutEvents to another account's bus.

Emulated:
* A rule whose target is an SNS topic publishes the event (the JSON envelope, ``time`` as ISO 8601)
  as the message, as EventBridge does; moto raises NotImplementedError for SNS targets.
* Targets without an input transformer get the whole event, ``account`` included (moto's default
  template leaves it out).
* ``Ref`` of an ``AWS::Events::EventBus`` in CloudFormation is the bus's name (moto returned the
  model object, so a rule on ``!Ref`` of a bus failed to create).
* PutEvents whose ``EventBusName`` is the ARN of a bus in another account (same region) is delivered
  to that bus's rules, and the envelope's ``account`` is the sender's, as EventBridge sets it (moto
  looks the bus name up in the sender's own account).

Simplified:
* The receiving bus's resource policy is not evaluated (moto stores it only); a sender outside the
  policy is delivered to. Tests of who may send check the policy in the template instead.
* A bus ARN in another region is left to moto (it looks the name up locally): senders call the bus's
  own region.
* Input transformers and dead-letter queues on SNS targets are not emulated.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.cloudformation import parsing
from moto.core.utils import iso_8601_datetime_without_milliseconds, unix_time, utcfromtimestamp
from moto.events.models import (  # type: ignore[attr-defined]
    _BASE_EVENT_MESSAGE,
    EventBus,
    EventMessageType,
    EventsBackend,
    Rule,
    events_backends,
)
from moto.events.utils import EventTemplateParser
from moto.moto_api._internal import mock_random
from moto.sns.models import sns_backends
from moto.utilities.arns import parse_arn

from ._common import graft, original


def _is_topic(target: dict[str, Any]) -> bool:
    return bool(parse_arn(target["Arn"]).service == "sns")


class RuleExtension(Rule):
    def send_to_targets(self, original_event: EventMessageType, transform_input: bool = True) -> None:
        topics = [t for t in self.targets if _is_topic(t)]
        if topics and self.event_pattern.matches_event(original_event):
            message = dict(original_event)
            message["time"] = iso_8601_datetime_without_milliseconds(
                utcfromtimestamp(float(message["time"]))  # type: ignore[arg-type]
            )
            for target in topics:
                arn = parse_arn(target["Arn"])
                sns_backends[arn.account][arn.region].publish(json.dumps(message), arn=target["Arn"])
        if not topics:
            original(Rule, "send_to_targets")(self, original_event, transform_input)
            return
        # moto's own delivery for the other targets; it does not know SNS.
        every_target = self.targets
        self.targets = [t for t in every_target if not _is_topic(t)]
        try:
            original(Rule, "send_to_targets")(self, original_event, transform_input)
        finally:
            self.targets = every_target


def _other_bus(sender: EventsBackend, entry: dict[str, Any]) -> tuple[EventsBackend, str] | None:
    """The owner's backend and the bus name, when an entry names another account's bus."""
    name = entry.get("EventBusName") or ""
    if not name.startswith("arn:"):
        return None
    arn = parse_arn(name)
    if arn.account == sender.account_id or arn.region != sender.region_name:
        return None
    return events_backends[arn.account][arn.region], name.split("/")[-1]


def _well_formed(entry: dict[str, Any]) -> bool:
    """Entries moto's own validation accepts (it answers the others with their error entries)."""
    if not (entry.get("Source") and entry.get("DetailType") and entry.get("Detail")):
        return False
    try:
        return isinstance(json.loads(entry["Detail"]), dict)
    except ValueError:
        return False


class EventsBackendExtension(EventsBackend):
    def put_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(events) > 10:
            return original(EventsBackend, "put_events")(self, events)  # type: ignore[no-any-return]
        entries = []
        for entry in events:
            elsewhere = _other_bus(self, entry)
            if elsewhere is None or not _well_formed(entry):
                entries += original(EventsBackend, "put_events")(self, [entry])
                continue
            owner, bus_name = elsewhere
            event_id = str(mock_random.uuid4())
            event = copy.deepcopy(_BASE_EVENT_MESSAGE)
            event.update(
                {
                    "id": event_id,
                    "detail-type": entry["DetailType"],
                    "source": entry["Source"],
                    "account": self.account_id,
                    "time": entry.get("Time", unix_time()),
                    "region": self.region_name,
                    "resources": entry.get("Resources", []),
                    "detail": json.loads(entry["Detail"]),
                    "ingestion-time": unix_time(),
                }
            )
            for rule in owner.describe_event_bus(bus_name).rules.values():
                rule.send_to_targets(event)
            entries.append({"EventId": event_id})
        return entries


class EventBusExtension(EventBus):
    @property
    def physical_resource_id(self) -> str:
        return self.name


class EventTemplateParserExtension(EventTemplateParser):
    DEFAULT_EVENT_INPUT_TEMPLATE = (
        '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
        '"account": "<account>", "time": <time>, "region": "<region>", "resources": <resources>, '
        '"detail": <detail>}'
    )


# CloudFormation keeps a generated rule name within EventBridge's 64 characters (the Name
# constraint in the model); moto's generator does not, and the model check then refuses the name.
_RULE_NAME_MAX = 64


def _generated_name(original_generate: Any) -> Any:
    def generate(resource_type: str, stack_name: str, logical_id: str) -> str:
        name: str = original_generate(resource_type, stack_name, logical_id)
        if resource_type != "AWS::Events::Rule" or len(name) <= _RULE_NAME_MAX:
            return name
        suffix = name.rsplit("-", 1)[1]
        return f"{stack_name}-{logical_id}"[: _RULE_NAME_MAX - len(suffix) - 1].rstrip("-") + "-" + suffix

    return generate


def install() -> None:
    parsing.generate_resource_name = _generated_name(parsing.generate_resource_name)
    graft(EventBus, EventBusExtension)
    graft(EventTemplateParser, EventTemplateParserExtension)
    graft(Rule, RuleExtension)
    graft(EventsBackend, EventsBackendExtension)
