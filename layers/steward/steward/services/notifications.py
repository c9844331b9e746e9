"""SNS: one message per thing people must know about (a purge, a rescue, a refusal)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from steward.services import central_bus
from steward.services.clients import client

# SNS subjects: at most 100 printable ASCII characters, no line breaks.
SUBJECT_LIMIT = 100


class Notifications:
    """Publishes to one topic (the template's AlertsTopic); the topic's region is in its ARN."""

    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn
        self._sns = client("sns", topic_arn.split(":")[3])

    def notify(self, subject: str, message: Mapping[str, object]) -> str:
        """Publish `message` as indented JSON under `subject`; returns the SNS message id.
        A copy goes to the organisation's central bus, if the stack names one, even if SNS fails."""
        try:
            response = self._sns.publish(
                TopicArn=self.topic_arn,
                Subject=_subject(subject),
                Message=json.dumps(message, indent=2, sort_keys=True, default=str),
            )
        finally:
            if (central := central_bus.configured()) is not None:
                central.send_alert(subject, message)
        return response["MessageId"]


def _subject(text: str) -> str:
    printable = "".join(c if 32 <= ord(c) < 127 else " " for c in text).strip()
    if len(printable) <= SUBJECT_LIMIT:
        return printable or "Steward"
    return printable[: SUBJECT_LIMIT - 3] + "..."
