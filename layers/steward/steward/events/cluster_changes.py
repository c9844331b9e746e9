"""The CloudTrail events Steward reacts to when clusters are deleted or tagged.

EventBridge delivers them as "AWS API Call via CloudTrail" with the CloudTrail record as
`detail`. `requestParameters` keys are the API member names with the first letter lower-cased,
and parameters the caller left out are absent, not false (docs: aws-api-facts.md §0.4).

`EVENTS` is the one table of what Steward accepts: for each (eventSource, eventName), which
request parameter holds the resource id, what kind of resource it is, and where the final
snapshot name is. Tag events name their resource by ARN, so their kind comes from the ARN.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from steward.events.validation import InvalidField
from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.service import Service

API_CALL: Final = "AWS API Call via CloudTrail"


# Names the field, the value seen and what is accepted; one `except` catches every event error.
InvalidEvent = InvalidField


class _Absent:
    def __repr__(self) -> str:
        return "nothing (the field is absent)"


ABSENT: Final = _Absent()


# --- The CloudTrail record -------------------------------------------------------------------


class _CloudTrailModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class SessionIssuer(_CloudTrailModel):
    type: str | None = None
    principal_id: str | None = Field(None, alias="principalId")
    arn: str | None = None
    account_id: str | None = Field(None, alias="accountId")
    user_name: str | None = Field(None, alias="userName")


class SessionContext(_CloudTrailModel):
    session_issuer: SessionIssuer | None = Field(None, alias="sessionIssuer")
    attributes: dict[str, Any] | None = None


class UserIdentity(_CloudTrailModel):
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


class CloudTrailDetail(_CloudTrailModel):
    event_version: str | None = Field(None, alias="eventVersion")
    user_identity: UserIdentity = Field(alias="userIdentity")
    event_time: datetime = Field(alias="eventTime")
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


class CloudTrailApiCallEvent(EventBridgeModel):
    """EventBridge envelope of a CloudTrail-recorded API call."""

    detail_type: Literal["AWS API Call via CloudTrail"] = Field(alias="detail-type")
    detail: CloudTrailDetail


# --- Request parameters, one model per API call ----------------------------------------------


class RedshiftDeleteClusterParameters(_CloudTrailModel):
    cluster_identifier: str = Field(alias="clusterIdentifier", min_length=1)
    skip_final_cluster_snapshot: bool = Field(False, alias="skipFinalClusterSnapshot")
    final_cluster_snapshot_identifier: str | None = Field(
        None, alias="finalClusterSnapshotIdentifier"
    )
    final_cluster_snapshot_retention_period: int | None = Field(
        None, alias="finalClusterSnapshotRetentionPeriod"
    )


class DeleteCacheClusterParameters(_CloudTrailModel):
    cache_cluster_id: str = Field(alias="cacheClusterId", min_length=1)
    final_snapshot_identifier: str | None = Field(None, alias="finalSnapshotIdentifier")


class DeleteReplicationGroupParameters(_CloudTrailModel):
    replication_group_id: str = Field(alias="replicationGroupId", min_length=1)
    retain_primary_cluster: bool = Field(False, alias="retainPrimaryCluster")
    final_snapshot_identifier: str | None = Field(None, alias="finalSnapshotIdentifier")


class DeleteServerlessCacheParameters(_CloudTrailModel):
    serverless_cache_name: str = Field(alias="serverlessCacheName", min_length=1)
    final_snapshot_name: str | None = Field(None, alias="finalSnapshotName")


class TagParameter(_CloudTrailModel):
    # CloudTrail has been seen writing both key/value and Key/Value; accept either.
    key: str = Field(validation_alias=AliasChoices("key", "Key"))
    value: str | None = Field(None, validation_alias=AliasChoices("value", "Value"))


class TagResourceParameters(_CloudTrailModel):
    resource_name: str = Field(alias="resourceName", min_length=1)
    tags: list[TagParameter]


# --- The table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """A delete call: where the resource id and the final snapshot name are in its parameters."""

    service: Service
    kind: ResourceKind
    parameters: type[_CloudTrailModel]
    resource_id: str
    final_snapshot: str
    skip_final_snapshot: str | None = None
    retention_days: str | None = None
    retain_primary: str | None = None


@dataclass(frozen=True)
class Tagging:
    """A tag call: the resource is an ARN in `resource_name`, the tags a list in `tags`."""

    service: Service
    parameters: type[_CloudTrailModel] = TagResourceParameters
    resource_name: str = "resourceName"


EVENTS: Final[Mapping[tuple[str, str], Deletion | Tagging]] = {
    ("redshift.amazonaws.com", "DeleteCluster"): Deletion(
        Service.REDSHIFT,
        "redshift-cluster",
        RedshiftDeleteClusterParameters,
        resource_id="clusterIdentifier",
        final_snapshot="finalClusterSnapshotIdentifier",
        skip_final_snapshot="skipFinalClusterSnapshot",
        retention_days="finalClusterSnapshotRetentionPeriod",
    ),
    ("elasticache.amazonaws.com", "DeleteCacheCluster"): Deletion(
        Service.ELASTICACHE,
        "elasticache-cluster",
        DeleteCacheClusterParameters,
        resource_id="cacheClusterId",
        final_snapshot="finalSnapshotIdentifier",
    ),
    ("elasticache.amazonaws.com", "DeleteReplicationGroup"): Deletion(
        Service.ELASTICACHE,
        "elasticache-replication-group",
        DeleteReplicationGroupParameters,
        resource_id="replicationGroupId",
        final_snapshot="finalSnapshotIdentifier",
        retain_primary="retainPrimaryCluster",
    ),
    ("elasticache.amazonaws.com", "DeleteServerlessCache"): Deletion(
        Service.ELASTICACHE,
        "elasticache-serverless",
        DeleteServerlessCacheParameters,
        resource_id="serverlessCacheName",
        final_snapshot="finalSnapshotName",
    ),
    ("elasticache.amazonaws.com", "AddTagsToResource"): Tagging(Service.ELASTICACHE),
    ("redshift.amazonaws.com", "CreateTags"): Tagging(Service.REDSHIFT),
}

# Resource types in ARNs (arn:<partition>:<service>:<region>:<account>:<type>:<id>) -> kind.
ARN_KINDS: Final[Mapping[tuple[str, str], ResourceKind]] = {
    ("redshift", "cluster"): "redshift-cluster",
    ("elasticache", "cluster"): "elasticache-cluster",
    ("elasticache", "replicationgroup"): "elasticache-replication-group",
    ("elasticache", "serverlesscache"): "elasticache-serverless",
}

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>\d{12}):(?P<type>[a-z-]+):(?P<id>.+)"
)


# --- What Steward reads out of an event ------------------------------------------------------


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClusterDeleted(_Result):
    """Someone (perhaps Steward) deleted a cluster; with or without a final snapshot."""

    service: Service
    kind: ResourceKind
    resource_id: str
    region: str
    account: str
    deleted_at: datetime
    actor: str
    actor_role_arn: str | None
    final_snapshot_name: str | None
    skipped_final_snapshot: bool
    event_id: str
    # Redshift only: days the final snapshot is kept (-1 = forever); None when not given.
    final_snapshot_retention_days: int | None = None
    # DeleteReplicationGroup with RetainPrimaryCluster: the primary node lives on as a cluster.
    primary_retained: bool = False


class ClusterTagged(_Result):
    """Tags were added to (or changed on) a cluster."""

    service: Service
    kind: ResourceKind
    resource_id: str
    resource_arn: str
    region: str
    account: str
    tags: dict[str, str]
    tagged_at: datetime
    actor: str
    event_id: str


class NotApplicable(_Result):
    """A well-formed event Steward has nothing to do about, and why."""

    reason: Literal["failed-call", "not-a-cluster"]
    detail: str
    event_name: str
    event_id: str


def parse_cluster_event(event: Mapping[str, Any]) -> ClusterDeleted | ClusterTagged | NotApplicable:
    """Read one EventBridge event into what Steward acts on; raise InvalidEvent if unreadable."""
    envelope = _validate(CloudTrailApiCallEvent, event, "")
    detail = envelope.detail
    route = EVENTS.get((detail.event_source, detail.event_name))
    if route is None:
        accepted = ", ".join(f"{source} {name}" for source, name in EVENTS)
        raise InvalidEvent(
            "detail.eventSource/eventName", f"{detail.event_source} {detail.event_name}", accepted
        )
    if detail.error_code is not None:
        return NotApplicable(
            reason="failed-call",
            detail=f"{detail.event_name} failed with {detail.error_code}: {detail.error_message}",
            event_name=detail.event_name,
            event_id=detail.event_id,
        )
    parameters = _parameters(route.parameters, detail)
    if isinstance(route, Deletion):
        return _deleted(route, parameters, envelope)
    return _tagged(route, parameters, envelope)


def is_stewards_own(deleted: ClusterDeleted, steward_role_arns: Collection[str]) -> bool:
    """True for a delete Steward itself made: one of its roles called, and with a final snapshot."""
    return (
        deleted.actor_role_arn is not None
        and deleted.actor_role_arn in steward_role_arns
        and deleted.final_snapshot_name is not None
    )


def _deleted(
    route: Deletion, parameters: Mapping[str, Any], envelope: CloudTrailApiCallEvent
) -> ClusterDeleted:
    detail = envelope.detail
    skipped = route.skip_final_snapshot is not None and parameters[route.skip_final_snapshot]
    final_snapshot: str | None = None if skipped else parameters[route.final_snapshot]
    retention = parameters[route.retention_days] if route.retention_days else None
    return ClusterDeleted(
        service=route.service,
        kind=route.kind,
        resource_id=parameters[route.resource_id],
        region=detail.aws_region,
        account=envelope.account,
        deleted_at=detail.event_time,
        actor=detail.user_identity.readable,
        actor_role_arn=detail.user_identity.role_arn,
        final_snapshot_name=final_snapshot or None,
        skipped_final_snapshot=not final_snapshot,
        final_snapshot_retention_days=None if skipped else retention,
        primary_retained=bool(route.retain_primary and parameters[route.retain_primary]),
        event_id=detail.event_id,
    )


def _tagged(
    route: Tagging, parameters: Mapping[str, Any], envelope: CloudTrailApiCallEvent
) -> ClusterTagged | NotApplicable:
    detail = envelope.detail
    arn: str = parameters[route.resource_name]
    match = _ARN.fullmatch(arn)
    if match is None or match["service"] != route.service.value:
        raise InvalidEvent(
            f"detail.requestParameters.{route.resource_name}",
            arn,
            f"an {route.service.value} ARN, arn:aws:{route.service.value}:<region>:<account>:"
            "<type>:<id>",
        )
    kind = ARN_KINDS.get((match["service"], match["type"]))
    if kind is None:
        return NotApplicable(
            reason="not-a-cluster",
            detail=f"{arn} is a {match['type']}, not a cluster",
            event_name=detail.event_name,
            event_id=detail.event_id,
        )
    tags = {tag["key"]: tag["value"] or "" for tag in parameters["tags"]}
    return ClusterTagged(
        service=route.service,
        kind=kind,
        resource_id=match["id"],
        resource_arn=arn,
        region=match["region"] or detail.aws_region,
        account=match["account"],
        tags=tags,
        tagged_at=detail.event_time,
        actor=detail.user_identity.readable,
        event_id=detail.event_id,
    )


def _parameters(model: type[_CloudTrailModel], detail: CloudTrailDetail) -> dict[str, Any]:
    # Validated against the call's model, then read by CloudTrail key as EVENTS names them.
    if detail.request_parameters is None:
        raise InvalidEvent(
            "detail.requestParameters",
            None,
            f"an object with {_required(model)} for {detail.event_name}",
        )
    validated = _validate(model, detail.request_parameters, "detail.requestParameters")
    dumped: dict[str, Any] = validated.model_dump(by_alias=True)
    return dumped


def _validate[M: BaseModel](model: type[M], data: object, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        field = ".".join(part for part in (where, path) if part) or "event"
        seen = ABSENT if first["type"] == "missing" else first.get("input")
        raise InvalidEvent(field, seen, _accepted(first["type"], first["msg"])) from error


def _accepted(error_type: str, message: str) -> str:
    if error_type == "missing":
        return "the field to be present"
    return message.removeprefix("Input should be ").removeprefix("Value should be ")


def _required(model: type[BaseModel]) -> str:
    return ", ".join(
        field.alias or name for name, field in model.model_fields.items() if field.is_required()
    )
