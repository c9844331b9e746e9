"""The CloudTrail records of KMS's DeleteKey, ScheduleKeyDeletion and CancelKeyDeletion."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator

from steward.events.cloudtrail import CloudTrailResource
from steward.events.dates import CloudTrailDate, UtcDatetime
from steward.events.envelope import EventEnvelope
from steward.events.key_removal import AwsClusterId, KeyArn


def _json_list(value: object) -> object:
    # additionalEventData.backingKeys* arrive as JSON text inside the JSON record.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("expected a JSON-encoded list") from None
    return value


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


class KmsDeleteKeyEvent(EventEnvelope):
    """detail-type "AWS Service Event via CloudTrail", eventName DeleteKey."""

    detail: DeleteKeyRecord


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


class KmsKeyDeletionCallEvent(EventEnvelope):
    """detail-type "AWS API Call via CloudTrail", eventName Schedule- or CancelKeyDeletion."""

    detail: KeyDeletionCall
