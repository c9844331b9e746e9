"""The events that tell Steward key material left a CloudHSM cluster, read into one record.

Every older backup of a cluster still holds a key that was removed from it, so each of these
events can start a purge. `parse_key_event` is the one door: it looks the event up in
`_ROUTES` by (source, detail-type, eventName) and returns a list of outcomes, always a list,
because one CloudWatch Logs delivery can carry several audit-log events:

* `KeyRemoval`: key material is gone; purge the backups that may hold it.
* `KeyDeletionScheduled` / `KeyDeletionCancelled`: a KMS key in a CloudHSM key store is
  pending deletion, or no longer is; the flow records key → cluster while DescribeKey still works.
* `PurgeUndo`: an operator asks to restore what a purge deleted.
* `NotApplicable`: a well-formed event that must not start a purge, with the reason.

A malformed or unexpected event raises `InvalidEvent`, naming the field, the value seen and what
is accepted. Pure: no AWS calls, no clock, no environment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from aws_lambda_powertools.utilities.parser.models import CloudWatchLogsModel, EventBridgeModel
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from steward.events.hsm_audit_log.audit_log import (
    AWS_CLUSTER_ID_PATTERN,
    CLUSTER_ID_PATTERN,
    AuditLogFormatError,
    NotAKeyRemoval,
    as_key_removal,
    cluster_id_from_log_group,
    describe_removal,
    parse_audit_message,
)
from steward.events.validation import InvalidField

Trigger = Literal["kms-delete-key", "kms-cmk-deletion", "hsm-audit-log", "operator"]

OPERATOR_SOURCE = "steward"
KEY_REMOVED = "CloudHSM Key Removed"
PURGE_UNDO = "CloudHSM Purge Undo"

_ACCEPTED_CLUSTER_ID = (
    "a CloudHSM cluster id, 'cluster-' then 11 to 16 letters or digits 2-7 (cluster-likphkxygsn)"
)
_ACCEPTED_INSTANT = "an ISO-8601 date and time with a time zone, e.g. 2026-11-02T09:30:00Z"
_ACCEPTED_KEY_ARN = "a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id>"
_KEY_ARN = re.compile(
    r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/(?P<key_id>[A-Za-z0-9_-]+)"
)
# How far an operator's clock may run ahead of EventBridge's (or the terminal's) when it says
# when key material was removed; anything later is a typo, not a removal.
CLOCK_SKEW = timedelta(minutes=5)
# CloudTrail writes dates in responseElements as "Apr 12, 2021 18:58:30 PM": not ISO, and the
# hour is sometimes 24-hour despite the AM/PM marker.
_CLOUDTRAIL_DATE = re.compile(
    r"(?P<day>[A-Z][a-z]{2} \d{1,2}, \d{4}) (?P<hour>\d{1,2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?: (?P<half>AM|PM))?"
)


# Names the field, the value seen and what is accepted; one `except` catches every event error.
InvalidEvent = InvalidField


def removed_by(removed_at: datetime, sent_at: datetime) -> None:
    """ValueError unless `removed_at` is no later than `sent_at` plus the allowed clock skew.

    A future removedAt would make every backup of the cluster "older than the removal": with
    `immediate` a mistyped year deletes every restore point.
    """
    latest = sent_at + CLOCK_SKEW
    if removed_at > latest:
        raise ValueError(
            f"a time no later than {latest.astimezone(UTC).isoformat()} (when the event was sent, "
            f"plus {int(CLOCK_SKEW.total_seconds() // 60)} minutes of clock skew): a removal "
            "cannot be in the future"
        )


def key_arn_for(region: str, account: str, key_id: str) -> str:
    """The ARN of a KMS key named only by its id, in the partition its region belongs to."""
    return f"arn:{partition_of(region)}:kms:{region}:{account}:key/{key_id}"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# --- field types ------------------------------------------------------------------------------


def _cluster_id(value: str) -> str:
    if not CLUSTER_ID_PATTERN.fullmatch(value):
        raise ValueError(f"expected {_ACCEPTED_CLUSTER_ID}")
    return value


def _aws_cluster_id(value: str) -> str:
    if not AWS_CLUSTER_ID_PATTERN.fullmatch(value):
        raise ValueError("expected a CloudHSM cluster id, 'cluster-' then letters and digits")
    return value


def _key_arn(value: str) -> str:
    if not _KEY_ARN.fullmatch(value):
        raise ValueError(f"expected {_ACCEPTED_KEY_ARN}")
    return value


def _instant_with_zone(value: object) -> object:
    # Operators type these by hand; a date without a zone would be read in an unknown one.
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected {_ACCEPTED_INSTANT}") from None
        if parsed.tzinfo is None:
            raise ValueError(f"expected {_ACCEPTED_INSTANT} (this one has no time zone)")
        return parsed.astimezone(UTC)
    if isinstance(value, datetime):
        return value
    raise ValueError(f"expected {_ACCEPTED_INSTANT}")


def _cloudtrail_date(value: object) -> object:
    if not isinstance(value, str):
        return value
    match = _CLOUDTRAIL_DATE.fullmatch(value.strip())
    if match is None:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                "expected a CloudTrail date such as 'Apr 12, 2021 18:58:30 PM', or ISO-8601"
            ) from None
    hour = int(match["hour"])
    if match["half"] == "PM" and hour < 12:
        hour += 12
    elif match["half"] == "AM" and hour == 12:
        hour = 0
    day = datetime.strptime(match["day"], "%b %d, %Y")
    return day.replace(
        hour=hour, minute=int(match["minute"]), second=int(match["second"]), tzinfo=UTC
    )


def _json_list(value: object) -> object:
    # additionalEventData.backingKeys* arrive as JSON text inside the JSON record.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("expected a JSON-encoded list") from None
    return value


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("expected a date and time with a time zone")
    return value.astimezone(UTC)


ClusterId = Annotated[str, AfterValidator(_cluster_id)]
AwsClusterId = Annotated[str, AfterValidator(_aws_cluster_id)]
KeyArn = Annotated[str, AfterValidator(_key_arn)]
OperatorInstant = Annotated[datetime, BeforeValidator(_instant_with_zone)]
CloudTrailDate = Annotated[datetime, BeforeValidator(_cloudtrail_date), AfterValidator(_utc)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


# --- the events -------------------------------------------------------------------------------


class CloudTrailResource(BaseModel):
    account_id: str | None = Field(None, alias="accountId")
    type: str | None = None
    arn: str = Field(alias="ARN")


class KeyIdElement(BaseModel):
    """`responseElements` / `serviceEventDetails` of DeleteKey: the key ARN (or, older, its id)."""

    keyId: str | None = None


class BackingKey(BaseModel):
    keyHandle: str
    backingKeyId: str


class BackingKeyDeletion(BackingKey):
    deletionStatus: str  # "SUCCESS" or "FAILURE"


class CloudHsmKeyStoreData(BaseModel):
    """`additionalEventData` of DeleteKey for a key in an AWS CloudHSM key store."""

    customKeyStoreId: str | None = None
    clusterId: AwsClusterId | None = None
    backingKeys: Annotated[list[BackingKey], BeforeValidator(_json_list)] = []
    backingKeysDeletionStatus: Annotated[list[BackingKeyDeletion], BeforeValidator(_json_list)] = []


class DeleteKeyRecord(BaseModel):
    """The CloudTrail record KMS writes when the waiting period ends and it deletes the key."""

    eventTime: UtcDatetime
    eventSource: Literal["kms.amazonaws.com"]
    eventName: Literal["DeleteKey"]
    eventID: str
    awsRegion: str
    resources: list[CloudTrailResource] = []
    responseElements: KeyIdElement | None = None
    serviceEventDetails: KeyIdElement | None = None
    additionalEventData: CloudHsmKeyStoreData | None = None
    errorCode: str | None = None


class KmsDeleteKeyEvent(EventBridgeModel):
    """detail-type "AWS Service Event via CloudTrail", eventName DeleteKey."""

    detail: DeleteKeyRecord


class CmkDeletionDetail(BaseModel):
    key_id: str = Field(alias="key-id")


class KmsCmkDeletionEvent(EventBridgeModel):
    """KMS's own "KMS CMK Deletion" event: guaranteed, possibly delivered more than once."""

    detail: CmkDeletionDetail


class KeyDeletionRequest(BaseModel):
    keyId: str
    pendingWindowInDays: int | None = None


class KeyDeletionResponse(BaseModel):
    keyId: KeyArn
    keyState: str | None = None
    deletionDate: CloudTrailDate | None = None


class KeyDeletionCall(BaseModel):
    """The CloudTrail record of a ScheduleKeyDeletion or CancelKeyDeletion call."""

    eventTime: UtcDatetime
    eventSource: Literal["kms.amazonaws.com"]
    eventName: Literal["ScheduleKeyDeletion", "CancelKeyDeletion"]
    eventID: str
    awsRegion: str
    requestParameters: KeyDeletionRequest | None = None
    responseElements: KeyDeletionResponse | None = None
    resources: list[CloudTrailResource] = []
    errorCode: str | None = None
    errorMessage: str | None = None


class KmsKeyDeletionCallEvent(EventBridgeModel):
    """detail-type "AWS API Call via CloudTrail", eventName Schedule- or CancelKeyDeletion."""

    detail: KeyDeletionCall


class KeyRemovedDetail(BaseModel):
    """What an operator puts on the default bus after removing key material by hand."""

    model_config = ConfigDict(extra="forbid")

    clusterId: ClusterId
    removedAt: OperatorInstant
    keyCreatedAt: OperatorInstant | None = None
    immediate: StrictBool = False
    reason: Annotated[str, Field(min_length=1, max_length=1000)] | None = None

    @field_validator("keyCreatedAt")
    @classmethod
    def _created_before_removed(
        cls, value: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        removed_at = info.data.get("removedAt")
        if value is not None and removed_at is not None and value > removed_at:
            raise ValueError(f"expected a time at or before removedAt ({removed_at.isoformat()})")
        return value


class OperatorKeyRemovedEvent(EventBridgeModel):
    """source "steward", detail-type "CloudHSM Key Removed"."""

    detail: KeyRemovedDetail


class PurgeUndoDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purgeId: Annotated[str, Field(min_length=1, max_length=256)]


class OperatorPurgeUndoEvent(EventBridgeModel):
    """source "steward", detail-type "CloudHSM Purge Undo"."""

    detail: PurgeUndoDetail


class HsmAuditLogEvent(CloudWatchLogsModel):
    """A CloudWatch Logs subscription delivery from a CloudHSM cluster's audit log group."""


# --- the outcomes -----------------------------------------------------------------------------


class KeyRemoval(BaseModel):
    """Key material left a cluster at `removed_at`; every backup older than that may still hold it.

    `cluster_id` is None when the trigger does not say (KMS CMK Deletion): the flow finds the
    cluster recorded for the key when its deletion was scheduled.
    """

    model_config = ConfigDict(frozen=True)

    cluster_id: str | None
    key_arn: str | None
    key_id: str | None
    removed_at: UtcDatetime
    key_created_at: UtcDatetime | None = None
    immediate: bool = False
    reason: str | None = None
    trigger: Trigger
    region: str
    account: str
    source_event_id: str
    # Audit-log removals name the HSM key handle instead of a KMS key.
    key_handle: int | None = None

    @model_validator(mode="after")
    def _names_a_key_or_a_cluster(self) -> KeyRemoval:
        if self.cluster_id is None and self.key_arn is None and self.key_id is None:
            raise ValueError("a key removal names a cluster, a key, or both")
        return self

    @property
    def removal_id(self) -> str:
        """The same for every delivery of one removal, whichever trigger delivered it.

        A KMS key is one removal however many events report it (DeleteKey, KMS CMK Deletion,
        retries): the id is the key's region, account and id. A removal reported for a cluster
        (operator, audit log) is the cluster, the instant and, from an audit log, the key handle.
        """
        if self.key_arn is not None or self.key_id is not None:
            region, account, key_id = self._key_parts()
            return f"kms-key/{region}/{account}/{key_id}"
        instant = self.removed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        removal_id = f"cluster/{self.cluster_id}/{instant}"
        if self.key_handle is not None:
            removal_id += f"/key-handle/{self.key_handle}"
        return removal_id

    def _key_parts(self) -> tuple[str, str, str]:
        # Taken from the ARN when there is one: it names the key's own region and account.
        match = _KEY_ARN.fullmatch(self.key_arn or "")
        if match is not None:
            return match["region"], match["account"], match["key_id"]
        return self.region, self.account, self.key_id or ""


class KeyDeletionScheduled(BaseModel):
    """ScheduleKeyDeletion succeeded: the key is pending deletion; record its cluster now."""

    model_config = ConfigDict(frozen=True)

    key_arn: str | None
    key_id: str
    deletion_date: UtcDatetime | None
    pending_window_days: int | None
    key_state: str | None
    requested_at: UtcDatetime
    region: str
    account: str
    source_event_id: str


class KeyDeletionCancelled(BaseModel):
    """CancelKeyDeletion succeeded: the key stays (disabled); forget any pending purge for it."""

    model_config = ConfigDict(frozen=True)

    key_arn: str | None
    key_id: str
    requested_at: UtcDatetime
    region: str
    account: str
    source_event_id: str


class PurgeUndo(BaseModel):
    """An operator asks to restore the backups one purge deleted (possible for 7 days)."""

    model_config = ConfigDict(frozen=True)

    purge_id: str
    requested_at: UtcDatetime
    region: str
    account: str
    source_event_id: str


class NotApplicable(BaseModel):
    """A well-formed event that must not start a purge: `reason` is a short code, `detail` why."""

    model_config = ConfigDict(frozen=True)

    reason: str
    detail: str


KeyEventOutcome = (
    KeyRemoval | KeyDeletionScheduled | KeyDeletionCancelled | PurgeUndo | NotApplicable
)


# --- the one door -----------------------------------------------------------------------------

Reader = Callable[[Mapping[str, object], str | None], list[KeyEventOutcome]]
RouteKey = tuple[str, str, str | None]


def parse_key_event(
    event: Mapping[str, object], *, local_region: str | None = None
) -> list[KeyEventOutcome]:
    """Read any key-removal trigger into outcomes: one per event, one per log event for audit logs.

    `local_region` is the region this function runs in. Only CloudWatch Logs deliveries need it:
    they do not name their region, and a subscription delivers within its own region.
    """
    key = _route_key(event)
    read = _ROUTES.get(key) or _ROUTES.get((key[0], key[1], None))
    if read is None:
        raise InvalidEvent(
            "(source, detail-type, detail.eventName)",
            key,
            "one of " + "; ".join(repr(route) for route in _ROUTES),
        )
    return read(event, local_region)


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


def _validate[M: BaseModel](model: type[M], event: Mapping[str, object]) -> M:
    try:
        return model.model_validate(event)
    except ValidationError as error:
        # The first problem, fully named; fixing it reveals the next.
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "event"
        if first["type"] == "missing":
            raise InvalidEvent(field, _ABSENT, "the field to be present") from None
        accepted = (
            first["msg"]
            .removeprefix("Value error, ")
            .removeprefix("expected ")
            .removeprefix("Input should be ")
        )
        raise InvalidEvent(field, first.get("input"), accepted) from None


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT = _Absent()


# --- one reader per trigger -------------------------------------------------------------------


def _delete_key(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = _validate(KmsDeleteKeyEvent, event)
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
    left = [
        status for status in store.backingKeysDeletionStatus if status.deletionStatus != "SUCCESS"
    ]
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
        "detail.responseElements.keyId": (
            record.responseElements.keyId if record.responseElements else None
        ),
        "detail.serviceEventDetails.keyId": (
            record.serviceEventDetails.keyId if record.serviceEventDetails else None
        ),
    }
    for where, value in candidates.items():
        if value:
            return _arn_and_id(value, where)
    raise InvalidEvent(
        " | ".join(candidates), _ABSENT, "the deleted key's ARN or id in at least one of them"
    )


def _arn_and_id(value: str, where: str) -> tuple[str | None, str]:
    if not value.startswith("arn:"):
        return None, value
    match = _KEY_ARN.fullmatch(value)
    if match is None:
        raise InvalidEvent(where, value, _ACCEPTED_KEY_ARN)
    return value, match["key_id"]


def _cmk_deletion(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = _validate(KmsCmkDeletionEvent, event)
    key_arn = parsed.resources[0] if parsed.resources else None
    if key_arn is not None:
        _arn_and_id(key_arn, "resources[0]")
    return [
        KeyRemoval(
            cluster_id=None,
            key_arn=key_arn,
            key_id=parsed.detail.key_id,
            removed_at=parsed.time,
            trigger="kms-cmk-deletion",
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
        )
    ]


def _key_deletion_call(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = _validate(KmsKeyDeletionCallEvent, event)
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
        return _arn_and_id(call.responseElements.keyId, "detail.responseElements.keyId")
    if call.resources:
        return _arn_and_id(call.resources[0].arn, "detail.resources[0].ARN")
    if call.requestParameters is not None:
        return _arn_and_id(call.requestParameters.keyId, "detail.requestParameters.keyId")
    raise InvalidEvent(
        "detail.responseElements.keyId | resources[0].ARN | requestParameters.keyId",
        _ABSENT,
        "the key's ARN or id in at least one of them",
    )


def _operator_key_removed(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = _validate(OperatorKeyRemovedEvent, event)
    detail = parsed.detail
    try:
        removed_by(detail.removedAt, parsed.time)
    except ValueError as error:
        raw = event.get("detail")
        seen = raw.get("removedAt") if isinstance(raw, Mapping) else detail.removedAt
        raise InvalidEvent("detail.removedAt", seen, str(error)) from None
    return [
        KeyRemoval(
            cluster_id=detail.clusterId,
            key_arn=None,
            key_id=None,
            removed_at=detail.removedAt,
            key_created_at=detail.keyCreatedAt,
            immediate=detail.immediate,
            reason=detail.reason,
            trigger="operator",
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
        )
    ]


def _operator_purge_undo(event: Mapping[str, object], _: str | None) -> list[KeyEventOutcome]:
    parsed = _validate(OperatorPurgeUndoEvent, event)
    return [
        PurgeUndo(
            purge_id=parsed.detail.purgeId,
            requested_at=parsed.time,
            region=parsed.region,
            account=parsed.account,
            source_event_id=parsed.id,
        )
    ]


def _hsm_audit_log(event: Mapping[str, object], local_region: str | None) -> list[KeyEventOutcome]:
    parsed = _validate(HsmAuditLogEvent, event)
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
        raise InvalidEvent(
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
            outcomes.append(
                NotApplicable(reason=removal.reason, detail=f"{where}: {removal.detail}")
            )
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
            )
        )
    return outcomes


# One table, like Cloud Custodian's c7n/cwe.py: which trigger each event is, and who reads it.
_ROUTES: dict[RouteKey, Reader] = {
    ("aws.kms", "AWS Service Event via CloudTrail", "DeleteKey"): _delete_key,
    ("aws.kms", "KMS CMK Deletion", None): _cmk_deletion,
    ("aws.kms", "AWS API Call via CloudTrail", "ScheduleKeyDeletion"): _key_deletion_call,
    ("aws.kms", "AWS API Call via CloudTrail", "CancelKeyDeletion"): _key_deletion_call,
    (OPERATOR_SOURCE, KEY_REMOVED, None): _operator_key_removed,
    (OPERATOR_SOURCE, PURGE_UNDO, None): _operator_purge_undo,
    ("aws.logs", "CloudWatch Logs subscription", None): _hsm_audit_log,
}
