"""ElastiCache replication groups, standalone cache clusters and serverless caches: list the tagged
ones, delete with a final snapshot, copy automatic snapshots.

Tags come from the Resource Groups Tagging API (one paged call per tag key), status and engine
from one DescribeReplicationGroups, one DescribeCacheClusters and (when a serverless cache is
tagged) one DescribeServerlessCaches listing: no per-cluster tag calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from steward.services.clients import client, error_code
from steward.services.cluster_calls import (
    Problems,
    created_from_nodes,
    raise_problem,
    snapshot_exists,
    tag_list,
)
from steward.services.elasticache import tags_by_arn
from steward.services.elasticache_serverless_caches import BUSY as SERVERLESS_BUSY
from steward.services.elasticache_serverless_caches import NOT_FOUND as SERVERLESS_NOT_FOUND
from steward.services.elasticache_serverless_caches import TAGGED_TYPE as SERVERLESS_TYPE
from steward.services.elasticache_serverless_caches import ServerlessCaches
from steward.vocabulary.clusters import (
    AutomaticSnapshot,
    Cluster,
    ClusterBusy,
    ClusterGone,
    NoSnapshotSupport,
    SnapshotNames,
    SnapshotNameTaken,
    SnapshotQuotaReached,
)
from steward.vocabulary.naming import ResourceKind, partition
from steward.vocabulary.service import Service
from steward.vocabulary.tags import DELETE_AFTER, FINAL_SNAPSHOT, tags_from_list

if TYPE_CHECKING:
    from mypy_boto3_elasticache.type_defs import (
        CacheClusterTypeDef,
        PaginatorConfigTypeDef,
        ReplicationGroupTypeDef,
    )

CLUSTER_TYPES = ["elasticache:cluster", "elasticache:replicationgroup", SERVERLESS_TYPE]
ARN_TYPES: dict[ResourceKind, str] = {
    "elasticache-cluster": "cluster",
    "elasticache-replication-group": "replicationgroup",
}
NOT_FOUND = {"CacheClusterNotFound", "ReplicationGroupNotFoundFault", SERVERLESS_NOT_FOUND}
PROBLEMS: Problems = {
    "CacheClusterNotFound": ClusterGone,
    "ReplicationGroupNotFoundFault": ClusterGone,
    "SnapshotNotFoundFault": ClusterGone,
    "InvalidCacheClusterState": ClusterBusy,
    "InvalidReplicationGroupState": ClusterBusy,
    "InvalidSnapshotState": ClusterBusy,
    "SnapshotAlreadyExistsFault": SnapshotNameTaken,
    "SnapshotQuotaExceededFault": SnapshotQuotaReached,
    "SnapshotFeatureNotSupportedFault": NoSnapshotSupport,
}


class ElastiCacheClusters:
    service = Service.ELASTICACHE

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._elasticache = client("elasticache", region)
        self._tagging = client("resourcegroupstaggingapi", region)
        self._arn_prefix = f"arn:{partition(region)}:elasticache:{region}:{account}"
        self._serverless = ServerlessCaches(self._elasticache, region)

    def list_tagged(self) -> list[Cluster]:
        tagged: dict[str, dict[str, str]] = {}
        for key in (DELETE_AFTER, FINAL_SNAPSHOT):  # TagFilters in one call are ANDed
            tagged |= tags_by_arn(self._tagging, CLUSTER_TYPES, key)
        if not tagged:
            return []
        groups = [
            self._group(g, tagged.get(g.get("ARN", ""), {}))
            for page in self._elasticache.get_paginator("describe_replication_groups").paginate()
            for g in page.get("ReplicationGroups", [])
            if g.get("ARN") in tagged
        ]
        clusters = [
            self._cache_cluster(c, tagged.get(c.get("ARN", ""), {}))
            for page in self._elasticache.get_paginator("describe_cache_clusters").paginate()
            for c in page.get("CacheClusters", [])
            if c.get("ARN") in tagged
        ]
        return groups + clusters + self._serverless.tagged(tagged)

    def get(self, kind: ResourceKind, cluster_id: str) -> Cluster | None:
        """The cluster as it is now, with the tags ListTagsForResource gives (none if unreadable)."""
        try:
            if kind == "elasticache-serverless":
                serverless = self._serverless.get(cluster_id)
                if serverless is None:
                    return None
                found = serverless
            elif kind == "elasticache-replication-group":
                [group] = self._elasticache.describe_replication_groups(ReplicationGroupId=cluster_id)[
                    "ReplicationGroups"
                ]
                found = self._group(group, {})
            else:
                [cache] = self._elasticache.describe_cache_clusters(CacheClusterId=cluster_id)[
                    "CacheClusters"
                ]
                found = self._cache_cluster(cache, {})
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise
        return Cluster(**{**found.__dict__, "tags": self.live_tags(kind, cluster_id) or {}})

    def live_tags(self, kind: ResourceKind, cluster_id: str) -> dict[str, str] | None:
        """ListTagsForResource; None when it cannot answer (a cluster that is not available)."""
        try:
            response = self._elasticache.list_tags_for_resource(ResourceName=self._arn(kind, cluster_id))
        except ClientError as error:
            busy = {"InvalidCacheClusterState", "InvalidReplicationGroupState", SERVERLESS_BUSY}
            if error_code(error) in NOT_FOUND | busy:
                return None
            raise
        return tags_from_list(response.get("TagList"))

    def snapshot_names(self) -> SnapshotNames:
        # Free in both namespaces, so that a name alone says which kind of snapshot it is.
        return SnapshotNames(lambda n: self._snapshot_exists(n) or self._serverless.snapshot_exists(n))

    def delete_with_final_snapshot(self, cluster: Cluster, name: str, retention_days: int | None) -> None:
        if cluster.kind == "elasticache-serverless":
            return self._serverless.delete_with_final_snapshot(cluster.id, name)
        try:
            if cluster.kind == "elasticache-replication-group":
                self._elasticache.delete_replication_group(
                    ReplicationGroupId=cluster.id, RetainPrimaryCluster=False, FinalSnapshotIdentifier=name
                )
            else:
                self._elasticache.delete_cache_cluster(
                    CacheClusterId=cluster.id, FinalSnapshotIdentifier=name
                )
        except ClientError as error:
            raise_problem(error, PROBLEMS)

    def tag_snapshot(self, cluster_id: str, name: str, tags: Mapping[str, str]) -> None:
        arn_type = "serverlesscachesnapshot" if self._serverless.snapshot_exists(name) else "snapshot"
        self._elasticache.add_tags_to_resource(
            ResourceName=f"{self._arn_prefix}:{arn_type}:{name}", Tags=tag_list(tags)
        )

    def automatic_snapshots(self, kind: ResourceKind, cluster_id: str) -> list[AutomaticSnapshot]:
        if kind == "elasticache-serverless":
            return self._serverless.automatic_snapshots(cluster_id)
        paginator = self._elasticache.get_paginator("describe_snapshots")
        paging: PaginatorConfigTypeDef = {"PageSize": 50}
        try:
            # Only the id that is set: an empty CacheClusterId is a filter of its own, not "any".
            if kind == "elasticache-replication-group":
                pages = list(
                    paginator.paginate(
                        ReplicationGroupId=cluster_id, SnapshotSource="system", PaginationConfig=paging
                    )
                )
            else:
                pages = list(
                    paginator.paginate(
                        CacheClusterId=cluster_id, SnapshotSource="system", PaginationConfig=paging
                    )
                )
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return []
            raise
        return [
            AutomaticSnapshot(
                name=snapshot["SnapshotName"],
                cluster_id=cluster_id,
                created=created_from_nodes(
                    n.get("SnapshotCreateTime") for n in snapshot.get("NodeSnapshots", [])
                ),
                status=snapshot.get("SnapshotStatus", "unknown"),
            )
            for page in pages
            for snapshot in page.get("Snapshots", [])
        ]

    def copy_snapshot(self, source: AutomaticSnapshot, target: str, retention_days: int | None) -> None:
        """Copy `source` to the manual snapshot `target`; tagged afterwards, like Redshift's copies.
        ElastiCache manual snapshots have no retention period; the retention sweep looks after them."""
        if source.kind == "elasticache-serverless":
            return self._serverless.copy_snapshot(source.name, target)
        try:
            self._elasticache.copy_snapshot(SourceSnapshotName=source.name, TargetSnapshotName=target)
        except ClientError as error:
            raise_problem(error, PROBLEMS)

    def _snapshot_exists(self, name: str) -> bool:
        return snapshot_exists(
            lambda: self._elasticache.describe_snapshots(SnapshotName=name), "SnapshotNotFoundFault"
        )

    def _arn(self, kind: ResourceKind, cluster_id: str) -> str:
        arn_type = ARN_TYPES.get(kind, "serverlesscache")
        return f"{self._arn_prefix}:{arn_type}:{cluster_id}"

    def _group(self, group: ReplicationGroupTypeDef, tags: dict[str, str]) -> Cluster:
        group_id = group["ReplicationGroupId"]
        return Cluster(
            service=self.service,
            kind="elasticache-replication-group",
            id=group_id,
            region=self.region,
            arn=group.get("ARN") or self._arn("elasticache-replication-group", group_id),
            status=group.get("Status", "unknown"),
            engine=group.get("Engine") or "redis",  # groups are Valkey or Redis OSS, never Memcached
            tags=tags,
        )

    def _cache_cluster(self, cache: CacheClusterTypeDef, tags: dict[str, str]) -> Cluster:
        cluster_id = cache["CacheClusterId"]
        return Cluster(
            service=self.service,
            kind="elasticache-cluster",
            id=cluster_id,
            region=self.region,
            arn=cache.get("ARN") or self._arn("elasticache-cluster", cluster_id),
            status=cache.get("CacheClusterStatus", "unknown"),
            engine=cache.get("Engine"),
            tags=tags,
            replication_group=cache.get("ReplicationGroupId"),
        )
