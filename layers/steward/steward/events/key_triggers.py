"""The one door for the key-removal triggers: which trigger an event is, and who reads it.

`parse_key_event` looks the event up in `ROUTES` by (source, detail-type, eventName) and returns a
list of outcomes (`events.key_removal`), always a list, because one CloudWatch Logs delivery can
carry several audit-log events. A malformed or unexpected event raises `InvalidField`, naming the
field, the value seen and what is accepted. Pure: no AWS calls, no clock, no environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from steward.events.envelope import event_object
from steward.events.hsm_audit_log.parser import read_audit_log
from steward.events.key_removal import KeyEventOutcome
from steward.events.kms_calls.parser import read_delete_key, read_key_deletion_call
from steward.events.kms_cmk_deletion.parser import read_cmk_deletion
from steward.events.operator.models import KEY_REMOVED, OPERATOR_SOURCE, PURGE_UNDO
from steward.events.operator.parser import read_key_removed, read_purge_undo
from steward.events.outcomes import ABSENT, InvalidField

Reader = Callable[[Mapping[str, object], str | None], list[KeyEventOutcome]]
RouteKey = tuple[str, str, str | None]


def parse_key_event(event: object, *, local_region: str | None = None) -> list[KeyEventOutcome]:
    """Read any key-removal trigger into outcomes: one per event, one per log event for audit logs.

    `local_region` is the region this function runs in. Only CloudWatch Logs deliveries need it:
    they do not name their region, and a subscription delivers within its own region.
    """
    event = event_object(event)
    key = _route_key(event)
    read = ROUTES.get(key) or ROUTES.get((key[0], key[1], None))
    if read is None:
        raise _unrouted(event, key)
    return read(event, local_region)


def _unrouted(event: Mapping[str, object], key: RouteKey) -> InvalidField:
    # Names the first field that picks no route: source, then detail-type, then detail.eventName.
    missing = [name for name in ("source", "detail-type") if name not in event]
    if missing:
        accepted = "one of " + "; ".join(_route_words(route) for route in ROUTES)
        return InvalidField(" and ".join(missing), ABSENT, f"the field to be present, {accepted}")
    source, detail_type, event_name = key
    routes = [route for route in ROUTES if route[0] == source]
    if not routes:
        return InvalidField(
            "source", event.get("source"), "one of " + ", ".join(sorted({r[0] for r in ROUTES}))
        )
    routes = [route for route in routes if route[1] == detail_type] or routes
    if routes[0][1] != detail_type:
        accepted = (
            "for source "
            + repr(source)
            + ", one of "
            + ", ".join(repr(t) for t in dict.fromkeys(r[1] for r in routes))
        )
        return InvalidField("detail-type", event.get("detail-type"), accepted)
    names = ", ".join(str(route[2]) for route in routes)
    return InvalidField("detail.eventName", ABSENT if event_name is None else event_name, f"one of {names}")


def _route_words(route: RouteKey) -> str:
    source, detail_type, event_name = route
    if source == "aws.logs":
        return "a CloudWatch Logs subscription delivery (awslogs)"
    return f"{source} {detail_type!r}" + (f" for {event_name}" if event_name else "")


def _route_key(event: Mapping[str, object]) -> RouteKey:
    if "awslogs" in event:
        return ("aws.logs", "CloudWatch Logs subscription", None)
    detail = event.get("detail")
    event_name = detail.get("eventName") if isinstance(detail, Mapping) else None
    return (
        str(event.get("source")),
        str(event.get("detail-type")),
        event_name if isinstance(event_name, str) else None,
    )


# One table, like Cloud Custodian's c7n/cwe.py: which trigger each event is, and who reads it.
ROUTES: dict[RouteKey, Reader] = {
    ("aws.kms", "AWS Service Event via CloudTrail", "DeleteKey"): read_delete_key,
    ("aws.kms", "KMS CMK Deletion", None): read_cmk_deletion,
    ("aws.kms", "AWS API Call via CloudTrail", "ScheduleKeyDeletion"): read_key_deletion_call,
    ("aws.kms", "AWS API Call via CloudTrail", "CancelKeyDeletion"): read_key_deletion_call,
    (OPERATOR_SOURCE, KEY_REMOVED, None): read_key_removed,
    (OPERATOR_SOURCE, PURGE_UNDO, None): read_purge_undo,
    ("aws.logs", "CloudWatch Logs subscription", None): read_audit_log,
}
