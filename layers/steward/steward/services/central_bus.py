"""The organisation's central event bus (docs/organisation.md): a copy of every alert and of every
destructive action's record, sent when the stack names one (CENTRAL_EVENT_BUS_ARN).

A copy that cannot be sent is logged and never stops the run: the member's own alerts topic and
log lines are the record of truth; the central bus is where an organisation looks across accounts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from steward.machinery.observability import logger
from steward.services.clients import AwsError, client, error_code

SOURCE: Final = "steward.member"
ALERT: Final = "Steward Alert"
ACTION_RECORD: Final = "Steward Action Record"
VERSION: Final = 1
# PutEvents takes at most 10 entries a call.
BATCH: Final = 10


@dataclass(frozen=True)
class CentralBus:
    arn: str
    # Who is sending: the template sets STACK_NAME; Lambda sets the function name and region.
    stack: str
    function: str
    region: str
    # The stack's DryRun, for alerts; a run's records carry the run's own.
    dry_run: bool

    def send_alert(self, subject: str, message: Mapping[str, object]) -> None:
        self._put(ALERT, [{"subject": subject, "message": dict(message)}], self.dry_run)

    def send_records(self, decisions: Sequence[Mapping[str, object]], dry_run: bool) -> None:
        self._put(ACTION_RECORD, [{"decision": dict(d)} for d in decisions], dry_run)

    def _put(self, detail_type: str, bodies: Sequence[dict[str, object]], dry_run: bool) -> None:
        sender = {
            "version": VERSION,
            "stack": self.stack,
            "function": self.function,
            "region": self.region,
            "dry_run": dry_run,
        }
        entries: list[dict[str, Any]] = [
            {
                "EventBusName": self.arn,
                "Source": SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps({**sender, **body}, sort_keys=True, default=str),
            }
            for body in bodies
        ]
        events = client("events", self.arn.split(":")[3])
        for start in range(0, len(entries), BATCH):
            batch = entries[start : start + BATCH]
            try:
                failed = events.put_events(Entries=batch).get("FailedEntryCount", 0)
            except AwsError as error:
                failed, code = len(batch), error_code(error)
            else:
                code = "FailedEntry"
            if failed:
                logger.warning(
                    "central bus: not sent",
                    extra={"bus": self.arn, "detailType": detail_type, "failed": failed, "error": code},
                )


def configured() -> CentralBus | None:
    """The stack's central bus, or None when CENTRAL_EVENT_BUS_ARN is empty (validated at cold start)."""
    arn = os.environ.get("CENTRAL_EVENT_BUS_ARN", "")
    if not arn:
        return None
    return CentralBus(
        arn=arn,
        stack=os.environ.get("STACK_NAME", ""),
        function=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        region=os.environ.get("AWS_REGION", ""),
        # StewardSettings accepts only true/false and defaults to true.
        dry_run=os.environ.get("DRY_RUN", "true").strip().lower() != "false",
    )
