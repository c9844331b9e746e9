"""The request parameters of each cluster call Steward reads, and `EVENTS`, the table of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pydantic import AliasChoices, Field

from steward.events.cloudtrail import CloudTrailModel
from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.service import Service


class RedshiftDeleteClusterParameters(CloudTrailModel):
    cluster_identifier: str = Field(alias="clusterIdentifier", min_length=1)
    skip_final_cluster_snapshot: bool = Field(False, alias="skipFinalClusterSnapshot")
    final_cluster_snapshot_identifier: str | None = Field(None, alias="finalClusterSnapshotIdentifier")
    final_cluster_snapshot_retention_period: int | None = Field(
        None, alias="finalClusterSnapshotRetentionPeriod"
    )


class DeleteCacheClusterParameters(CloudTrailModel):
    cache_cluster_id: str = Field(alias="cacheClusterId", min_length=1)
    final_snapshot_identifier: str | None = Field(None, alias="finalSnapshotIdentifier")


class DeleteReplicationGroupParameters(CloudTrailModel):
    replication_group_id: str = Field(alias="replicationGroupId", min_length=1)
    retain_primary_cluster: bool = Field(False, alias="retainPrimaryCluster")
    final_snapshot_identifier: str | None = Field(None, alias="finalSnapshotIdentifier")


class DeleteServerlessCacheParameters(CloudTrailModel):
    serverless_cache_name: str = Field(alias="serverlessCacheName", min_length=1)
    final_snapshot_name: str | None = Field(None, alias="finalSnapshotName")


class TagParameter(CloudTrailModel):
    # CloudTrail has been seen writing both key/value and Key/Value; accept either.
    key: str = Field(validation_alias=AliasChoices("key", "Key"))
    value: str | None = Field(None, validation_alias=AliasChoices("value", "Value"))


class TagResourceParameters(CloudTrailModel):
    resource_name: str = Field(alias="resourceName", min_length=1)
    tags: list[TagParameter]


# --- The table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """A delete call: where the resource id and the final snapshot name are in its parameters."""

    service: Service
    kind: ResourceKind
    parameters: type[CloudTrailModel]
    resource_id: str
    final_snapshot: str
    skip_final_snapshot: str | None = None
    retention_days: str | None = None
    retain_primary: str | None = None


@dataclass(frozen=True)
class Tagging:
    """A tag call: the resource is an ARN in `resource_name`, the tags a list in `tags`."""

    service: Service
    parameters: type[CloudTrailModel] = TagResourceParameters
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

ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>\d{12}):(?P<type>[a-z-]+):(?P<id>.+)"
)
