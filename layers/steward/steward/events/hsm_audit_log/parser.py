"""A subscription delivery read into one outcome per audit-log event: key removals, or why not."""

from __future__ import annotations

from collections.abc import Mapping

from steward.events.hsm_audit_log.audit_log import (
    AuditLogFormatError,
    NotAKeyRemoval,
    as_key_removal,
    cluster_id_from_log_group,
    describe_removal,
    parse_audit_message,
)
from steward.events.hsm_audit_log.models import HsmAuditLogEvent
from steward.events.key_removal import KeyEventOutcome, KeyRemoval
from steward.events.outcomes import InvalidField, NotApplicable, read_model


def read_audit_log(event: Mapping[str, object], local_region: str | None) -> list[KeyEventOutcome]:
    parsed = read_model(HsmAuditLogEvent, event)
    payload = parsed.awslogs.decoded_data
    if payload.messageType != "DATA_MESSAGE":
        return [
            NotApplicable(
                reason="control-message",
                detail=f"CloudWatch Logs {payload.messageType} (sent to check the destination "
                "is reachable) carries no audit events",
            )
        ]
    cluster_id = cluster_id_from_log_group(payload.logGroup)
    if cluster_id is None:
        raise InvalidField(
            "awslogs.data.logGroup",
            payload.logGroup,
            "a CloudHSM audit log group, /aws/cloudhsm/<cluster id>",
        )
    if local_region is None:
        # Not the event's fault: the handler must say where it runs.
        raise ValueError("parse_key_event needs local_region for CloudWatch Logs deliveries")
    outcomes: list[KeyEventOutcome] = []
    for log_event in payload.logEvents:
        where = f"log event {log_event.id} in {payload.logGroup} {payload.logStream}"
        try:
            entry = parse_audit_message(str(log_event.message))
        except AuditLogFormatError as error:
            outcomes.append(NotApplicable(reason="malformed-log-line", detail=f"{where}: {error}"))
            continue
        removal = as_key_removal(entry)
        if isinstance(removal, NotAKeyRemoval):
            outcomes.append(NotApplicable(reason=removal.reason, detail=f"{where}: {removal.detail}"))
            continue
        outcomes.append(
            KeyRemoval(
                cluster_id=cluster_id,
                key_arn=None,
                key_id=None,
                removed_at=removal.time,
                reason=describe_removal(removal, payload.logStream),
                trigger="hsm-audit-log",
                region=local_region,
                account=payload.owner,
                source_event_id=log_event.id,
                key_handle=removal.key_handle,
                log_group=payload.logGroup,
                log_stream=payload.logStream,
                opcode=removal.opcode,
            )
        )
    return outcomes
