"""The one line an event leaves in the log: what it is and who sent it, nothing private.

Whole events carry session names, access key ids, source IPs and request bodies; none of them
helps an operator find out what Steward did and why, so none is logged.
"""

from __future__ import annotations

from collections.abc import Mapping


def event_summary(event: object) -> dict[str, str | None]:
    """Event id, source, name (detail-type or CloudTrail eventName) and principal ARN."""
    if not isinstance(event, Mapping):
        return {"id": None, "source": None, "name": f"not a JSON object ({type(event).__name__})"}
    if "awslogs" in event:
        # The delivery is compressed; its log group and lines are read (and reported) by the flow.
        return {"id": None, "source": "aws.logs", "name": "CloudWatch Logs subscription", "principal": None}
    detail = event.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    identity = detail.get("userIdentity")
    principal = identity.get("arn") if isinstance(identity, Mapping) else detail.get("requestedBy")
    name = detail.get("eventName") or event.get("detail-type")
    return {
        "id": _text(event.get("id")),
        "source": _text(event.get("source")),
        "name": _text(name),
        "principal": _text(principal),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
