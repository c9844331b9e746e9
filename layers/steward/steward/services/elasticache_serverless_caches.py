"""ElastiCache Serverless caches for the final-snapshot flow: described, deleted with a final
snapshot, their automatic snapshots listed and copied. `ElastiCacheClusters` calls this for the
kind `elasticache-serverless`; its errors mean what the node-based ones do (PROBLEMS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from botocore.exceptions import ClientError

from steward.services.clients import error_code
from steward.services.cluster_calls import Problems, raise_problem, snapshot_exists
from steward.vocabulary.clusters import (
    AutomaticSnapshot,
    Cluster,
    ClusterBusy,
    ClusterGone,
    SnapshotNameTaken,
    SnapshotQuotaReached,
)
from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.service import Service

if TYPE_CHECKING:
    from mypy_boto3_elasticache import ElastiCacheClient
    from mypy_boto3_elasticache.type_defs import ServerlessCacheTypeDef

KIND: Final[ResourceKind] = "elasticache-serverless"
TAGGED_TYPE = "elasticache:serverlesscache"
NOT_FOUND = "ServerlessCacheNotFoundFault"
SNAPSHOT_NOT_FOUND = "ServerlessCacheSnapshotNotFoundFault"
BUSY = "InvalidServerlessCacheStateFault"
PROBLEMS: Problems = {
    NOT_FOUND: ClusterGone,
    SNAPSHOT_NOT_FOUND: ClusterGone,
    BUSY: ClusterBusy,
    "InvalidServerlessCacheSnapshotStateFault": ClusterBusy,
    "ServerlessCacheSnapshotAlreadyExistsFault": SnapshotNameTaken,
    "ServerlessCacheSnapshotQuotaExceededFault": SnapshotQuotaReached,
}
# DescribeServerlessCacheSnapshots: "The Validation Constraints are a maximum of 50".
PAGE_SIZE = 50


class ServerlessCaches:
    def __init__(self, elasticache: ElastiCacheClient, region: str) -> None:
        self._elasticache = elasticache
        self.region = region

    def tagged(self, tags_by_arn: dict[str, dict[str, str]]) -> list[Cluster]:
        """The caches whose ARN is in `tags_by_arn`, with those tags."""
        if not any(":serverlesscache:" in arn for arn in tags_by_arn):
            return []
        return [
            self._cluster(cache, tags_by_arn[cache.get("ARN", "")])
            for page in self._elasticache.get_paginator("describe_serverless_caches").paginate()
            for cache in page.get("ServerlessCaches", [])
            if cache.get("ARN") in tags_by_arn
        ]

    def get(self, name: str) -> Cluster | None:
        try:
            [cache] = self._elasticache.describe_serverless_caches(ServerlessCacheName=name)[
                "ServerlessCaches"
            ]
        except ClientError as error:
            if error_code(error) == NOT_FOUND:
                return None
            raise
        return self._cluster(cache, {})

    def delete_with_final_snapshot(self, name: str, snapshot: str) -> None:
        try:
            self._elasticache.delete_serverless_cache(ServerlessCacheName=name, FinalSnapshotName=snapshot)
        except ClientError as error:
            raise_problem(error, PROBLEMS)

    def automatic_snapshots(self, name: str) -> list[AutomaticSnapshot]:
        paginator = self._elasticache.get_paginator("describe_serverless_cache_snapshots")
        try:
            pages = list(
                paginator.paginate(
                    ServerlessCacheName=name,
                    SnapshotType="automated",
                    PaginationConfig={"PageSize": PAGE_SIZE},
                )
            )
        except ClientError as error:
            if error_code(error) == NOT_FOUND:
                return []
            raise
        return [
            AutomaticSnapshot(
                name=snapshot["ServerlessCacheSnapshotName"],
                cluster_id=name,
                created=snapshot.get("CreateTime"),
                status=snapshot.get("Status", "unknown"),
                kind=KIND,
            )
            for page in pages
            for snapshot in page.get("ServerlessCacheSnapshots", [])
        ]

    def copy_snapshot(self, source: str, target: str) -> None:
        try:
            self._elasticache.copy_serverless_cache_snapshot(
                SourceServerlessCacheSnapshotName=source, TargetServerlessCacheSnapshotName=target
            )
        except ClientError as error:
            raise_problem(error, PROBLEMS)

    def snapshot_exists(self, name: str) -> bool:
        return snapshot_exists(
            lambda: self._elasticache.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName=name),
            SNAPSHOT_NOT_FOUND,
        )

    def _cluster(self, cache: ServerlessCacheTypeDef, tags: dict[str, str]) -> Cluster:
        return Cluster(
            service=Service.ELASTICACHE,
            kind=KIND,
            id=cache["ServerlessCacheName"],
            region=self.region,
            arn=cache.get("ARN", ""),
            status=cache.get("Status", "unknown"),
            engine=cache.get("Engine"),
            tags=tags,
        )
