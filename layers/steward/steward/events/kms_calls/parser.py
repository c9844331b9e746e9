"""DeleteKey and Schedule/CancelKeyDeletion records read into key-removal outcomes."""

from __future__ import annotations

from collections.abc import Mapping

from steward.events.key_removal import (
    KeyDeletionCancelled,
    KeyDeletionScheduled,
    KeyEventOutcome,
    KeyRemoval,
    arn_and_id,
)
from steward.events.kms_calls.models import (
    DeleteKeyRecord,
    KeyDeletionCall,
    KmsDeleteKeyEvent,
    KmsKeyDeletionCallEvent,
)
from steward.events.outcomes import ABSENT, InvalidField, NotApplicable, read_model


def read_delete_key(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = read_model(KmsDeleteKeyEvent, event)
    record = parsed.detail
    key_arn, key_id = _deleted_key(record)
    if record.errorCode is not None:
        return [
            NotApplicable(
                reason="kms-call-failed",
                detail=f"DeleteKey of {key_arn or key_id} failed with {record.errorCode}",
            )
        ]
    store = record.additionalEventData
    if store is None or store.clusterId is None:
        return [
            NotApplicable(
                reason="not-in-cloudhsm-key-store",
                detail=f"KMS deleted {key_arn or key_id}, whose key material was not in an AWS "
                "CloudHSM key store (the record has no additionalEventData.clusterId), so no "
                "CloudHSM backup holds it",
            )
        ]
    left = [status for status in store.backingKeysDeletionStatus if status.deletionStatus != "SUCCESS"]
    if left:
        handles = ", ".join(f"{status.keyHandle} ({status.deletionStatus})" for status in left)
        return [
            NotApplicable(
                reason="key-material-left-in-cluster",
                detail=f"KMS deleted {key_arn or key_id} but could not delete its key material "
                f"from {store.clusterId} (key handles {handles}). The material is still in the "
                "cluster, so purging backups would not remove it: delete it from the cluster, "
                "then send a 'CloudHSM Key Removed' event",
            )
        ]
    return [
        KeyRemoval(
            cluster_id=store.clusterId,
            key_arn=key_arn,
            key_id=key_id,
            removed_at=record.eventTime,
            trigger="kms-delete-key",
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
        )
    ]


def _deleted_key(record: DeleteKeyRecord) -> tuple[str | None, str | None]:
    # Where the key lives in the record changed over the years; newest place first.
    candidates = {
        "detail.resources[0].ARN": record.resources[0].arn if record.resources else None,
        "detail.responseElements.keyId": (record.responseElements.keyId if record.responseElements else None),
        "detail.serviceEventDetails.keyId": (
            record.serviceEventDetails.keyId if record.serviceEventDetails else None
        ),
    }
    for where, value in candidates.items():
        if value:
            return arn_and_id(value, where)
    raise InvalidField(" | ".join(candidates), ABSENT, "the deleted key's ARN or id in at least one of them")


def read_key_deletion_call(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = read_model(KmsKeyDeletionCallEvent, event)
    call = parsed.detail
    if call.errorCode is not None:
        return [
            NotApplicable(
                reason="kms-call-failed",
                detail=f"{call.eventName} failed with {call.errorCode}: {call.errorMessage}",
            )
        ]
    key_arn, key_id = _called_key(call)
    if call.eventName == "CancelKeyDeletion":
        return [
            KeyDeletionCancelled(
                key_arn=key_arn,
                key_id=key_id,
                requested_at=call.eventTime,
                region=parsed.region,
                account=parsed.account,
                source_event_id=parsed.id,
            )
        ]
    response = call.responseElements
    return [
        KeyDeletionScheduled(
            key_arn=key_arn,
            key_id=key_id,
            deletion_date=response.deletionDate if response else None,
            pending_window_days=(
                call.requestParameters.pendingWindowInDays if call.requestParameters else None
            ),
            key_state=response.keyState if response else None,
            requested_at=call.eventTime,
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
        )
    ]


def _called_key(call: KeyDeletionCall) -> tuple[str | None, str]:
    if call.responseElements is not None:
        return arn_and_id(call.responseElements.keyId, "detail.responseElements.keyId")
    if call.resources:
        return arn_and_id(call.resources[0].arn, "detail.resources[0].ARN")
    if call.requestParameters is not None:
        return arn_and_id(call.requestParameters.keyId, "detail.requestParameters.keyId")
    raise InvalidField(
        "detail.responseElements.keyId | resources[0].ARN | requestParameters.keyId",
        ABSENT,
        "the key's ARN or id in at least one of them",
    )
