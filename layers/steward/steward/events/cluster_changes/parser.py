"""A cluster's CloudTrail delete or tag call read into what Steward acts on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from steward.events.cloudtrail import CloudTrailApiCallEvent, CloudTrailDetail, CloudTrailModel
from steward.events.cluster_changes.models import ARN, ARN_KINDS, EVENTS, Deletion, Tagging
from steward.events.outcomes import ABSENT, InvalidField, NotApplicable, read_model
from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.service import Service, canonical_id


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
    # userIdentity.arn of the caller (None when CloudTrail names none), and the role behind a session.
    actor_arn: str | None = None
    actor_role_arn: str | None = None


def parse_cluster_event(event: Mapping[str, Any]) -> ClusterDeleted | ClusterTagged | NotApplicable:
    """Read one EventBridge event into what Steward acts on; raise InvalidField if unreadable."""
    envelope = read_model(CloudTrailApiCallEvent, event)
    detail = envelope.detail
    route = EVENTS.get((detail.event_source, detail.event_name))
    if route is None:
        accepted = ", ".join(f"{source} {name}" for source, name in EVENTS)
        raise InvalidField(
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
        # Lower-cased where the service ignores case: the inventory is keyed that way.
        resource_id=canonical_id(route.service, parameters[route.resource_id]),
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
    match = ARN.fullmatch(arn)
    if match is None or match["service"] != route.service.value:
        raise InvalidField(
            f"detail.requestParameters.{route.resource_name}",
            arn,
            f"the ARN of a {route.service.value} resource, "
            f"arn:aws:{route.service.value}:<region>:<account>:<type>:<id>",
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
        resource_id=canonical_id(route.service, match["id"]),
        resource_arn=arn,
        region=match["region"] or detail.aws_region,
        account=match["account"],
        tags=tags,
        tagged_at=detail.event_time,
        actor=detail.user_identity.readable,
        event_id=detail.event_id,
        actor_arn=detail.user_identity.arn,
        actor_role_arn=detail.user_identity.role_arn,
    )


def _parameters(model: type[CloudTrailModel], detail: CloudTrailDetail) -> dict[str, Any]:
    # Validated against the call's model, then read by CloudTrail key as EVENTS names them.
    if detail.request_parameters is None:
        raise InvalidField(
            "detail.requestParameters",
            None if "request_parameters" in detail.model_fields_set else ABSENT,
            f"an object with {_required(model)} for {detail.event_name}",
        )
    validated = read_model(model, detail.request_parameters, "detail.requestParameters")
    dumped: dict[str, Any] = validated.model_dump(by_alias=True)
    return dumped


def _required(model: type[BaseModel]) -> str:
    return ", ".join(field.alias or name for name, field in model.model_fields.items() if field.is_required())
