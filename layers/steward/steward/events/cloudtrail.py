"""The CloudTrail record as EventBridge delivers it, shared by the KMS and the cluster triggers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from steward.events.dates import UtcDatetime
from steward.events.envelope import EventEnvelope


class CloudTrailResource(BaseModel):
    account_id: str | None = Field(None, alias="accountId")
    type: str | None = None
    arn: str = Field(alias="ARN")


class CloudTrailModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class SessionIssuer(CloudTrailModel):
    type: str | None = None
    principal_id: str | None = Field(None, alias="principalId")
    arn: str | None = None
    account_id: str | None = Field(None, alias="accountId")
    user_name: str | None = Field(None, alias="userName")


class SessionContext(CloudTrailModel):
    session_issuer: SessionIssuer | None = Field(None, alias="sessionIssuer")
    attributes: dict[str, Any] | None = None


class UserIdentity(CloudTrailModel):
    type: str | None = None
    principal_id: str | None = Field(None, alias="principalId")
    arn: str | None = None
    account_id: str | None = Field(None, alias="accountId")
    user_name: str | None = Field(None, alias="userName")
    invoked_by: str | None = Field(None, alias="invokedBy")
    session_context: SessionContext | None = Field(None, alias="sessionContext")

    @property
    def readable(self) -> str:
        """Who made the call, as a person would look for it: ARN, else principal, else service."""
        return self.arn or self.principal_id or self.invoked_by or "unknown caller"

    @property
    def role_arn(self) -> str | None:
        """For an assumed role, the ARN of the IAM role behind the session."""
        if self.type != "AssumedRole" or self.session_context is None:
            return None
        issuer = self.session_context.session_issuer
        return issuer.arn if issuer is not None else None


class CloudTrailDetail(CloudTrailModel):
    event_version: str | None = Field(None, alias="eventVersion")
    user_identity: UserIdentity = Field(alias="userIdentity")
    event_time: UtcDatetime = Field(alias="eventTime")
    event_source: str = Field(alias="eventSource")
    event_name: str = Field(alias="eventName")
    aws_region: str = Field(alias="awsRegion")
    source_ip_address: str | None = Field(None, alias="sourceIPAddress")
    user_agent: str | None = Field(None, alias="userAgent")
    request_parameters: dict[str, Any] | None = Field(None, alias="requestParameters")
    response_elements: dict[str, Any] | None = Field(None, alias="responseElements")
    request_id: str | None = Field(None, alias="requestID")
    event_id: str = Field(alias="eventID")
    event_type: str | None = Field(None, alias="eventType")
    read_only: bool | None = Field(None, alias="readOnly")
    recipient_account_id: str | None = Field(None, alias="recipientAccountId")
    error_code: str | None = Field(None, alias="errorCode")
    error_message: str | None = Field(None, alias="errorMessage")


class CloudTrailApiCallEvent(EventEnvelope):
    """EventBridge envelope of a CloudTrail-recorded API call."""

    detail_type: Literal["AWS API Call via CloudTrail"] = Field(alias="detail-type")
    detail: CloudTrailDetail
