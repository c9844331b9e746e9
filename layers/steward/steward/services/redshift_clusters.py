"""Redshift clusters: list the tagged ones, delete with a final snapshot, copy automated snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from steward.services.clients import client, error_code
from steward.services.cluster_calls import Problems, raise_problem, snapshot_exists, tag_list
from steward.vocabulary.clusters import (
    AutomaticSnapshot,
    Cluster,
    ClusterBusy,
    ClusterGone,
    SnapshotNames,
    SnapshotNameTaken,
    SnapshotQuotaReached,
)
from steward.vocabulary.naming import ResourceKind, partition
from steward.vocabulary.service import Service
from steward.vocabulary.tags import DELETE_AFTER, FINAL_SNAPSHOT, tags_from_list

if TYPE_CHECKING:
    from mypy_boto3_redshift.type_defs import ClusterTypeDef

# Wire codes (not boto3 class names) -> what they mean for Steward.
PROBLEMS: Problems = {
    "ClusterNotFound": ClusterGone,
    "ClusterSnapshotNotFound": ClusterGone,
    "InvalidClusterState": ClusterBusy,
    "InvalidClusterSnapshotState": ClusterBusy,
    "ClusterSnapshotAlreadyExists": SnapshotNameTaken,
    "ClusterSnapshotQuotaExceeded": SnapshotQuotaReached,
}


class RedshiftClusters:
    service = Service.REDSHIFT

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._redshift = client("redshift", region)
        self._arn_prefix = f"arn:{partition(region)}:redshift:{region}:{account}"

    def list_tagged(self) -> list[Cluster]:
        """Clusters carrying steward:delete-after or steward:final-snapshot (tags come inline)."""
        pages = self._redshift.get_paginator("describe_clusters").paginate(
            TagKeys=[DELETE_AFTER, FINAL_SNAPSHOT], PaginationConfig={"PageSize": 100}
        )
        clusters = [self._cluster(c) for page in pages for c in page.get("Clusters", [])]
        return [c for c in clusters if DELETE_AFTER in c.tags or FINAL_SNAPSHOT in c.tags]

    def get(self, kind: ResourceKind, cluster_id: str) -> Cluster | None:
        try:
            [found] = self._redshift.describe_clusters(ClusterIdentifier=cluster_id)["Clusters"]
        except ClientError as error:
            if error_code(error) == "ClusterNotFound":
                return None
            raise
        return self._cluster(found)

    def live_tags(self, kind: ResourceKind, cluster_id: str) -> dict[str, str] | None:
        # A deleting Redshift cluster is still described, with its tags.
        cluster = self.get(kind, cluster_id)
        return dict(cluster.tags) if cluster is not None else None

    def snapshot_names(self) -> SnapshotNames:
        return SnapshotNames(self._snapshot_exists)

    def delete_with_final_snapshot(self, cluster: Cluster, name: str, retention_days: int | None) -> None:
        try:
            self._redshift.delete_cluster(
                ClusterIdentifier=cluster.id,
                SkipFinalClusterSnapshot=False,
                FinalClusterSnapshotIdentifier=name,
                FinalClusterSnapshotRetentionPeriod=-1 if retention_days is None else retention_days,
            )
        except ClientError as error:
            raise_problem(error, PROBLEMS)

    def tag_snapshot(self, cluster_id: str, name: str, tags: Mapping[str, str]) -> None:
        self._redshift.create_tags(
            ResourceName=self._snapshot_arn(cluster_id, name),
            Tags=tag_list(tags),
        )

    def automatic_snapshots(self, kind: ResourceKind, cluster_id: str) -> list[AutomaticSnapshot]:
        pages = self._redshift.get_paginator("describe_cluster_snapshots").paginate(
            ClusterIdentifier=cluster_id, SnapshotType="automated", PaginationConfig={"PageSize": 100}
        )
        return [
            AutomaticSnapshot(
                name=s["SnapshotIdentifier"],
                cluster_id=s.get("ClusterIdentifier", cluster_id),
                created=s.get("SnapshotCreateTime"),
                status=s.get("Status", "unknown"),
            )
            for page in pages
            for s in page.get("Snapshots", [])
        ]

    def copy_snapshot(self, source: AutomaticSnapshot, target: str, retention_days: int | None) -> None:
        """Copy `source` to the manual snapshot `target`; it takes no tags (see tag_snapshot)."""
        try:
            self._redshift.copy_cluster_snapshot(
                SourceSnapshotIdentifier=source.name,
                SourceSnapshotClusterIdentifier=source.cluster_id,
                TargetSnapshotIdentifier=target,
                ManualSnapshotRetentionPeriod=-1 if retention_days is None else retention_days,
            )
        except ClientError as error:
            raise_problem(error, PROBLEMS)

    def _snapshot_exists(self, name: str) -> bool:
        return snapshot_exists(
            lambda: self._redshift.describe_cluster_snapshots(SnapshotIdentifier=name),
            "ClusterSnapshotNotFound",
        )

    def _snapshot_arn(self, cluster_id: str, name: str) -> str:
        return f"{self._arn_prefix}:snapshot:{cluster_id}/{name}"

    def _cluster(self, cluster: ClusterTypeDef) -> Cluster:
        cluster_id = cluster["ClusterIdentifier"]
        return Cluster(
            service=self.service,
            kind="redshift-cluster",
            id=cluster_id,
            region=self.region,
            arn=f"{self._arn_prefix}:cluster:{cluster_id}",
            status=cluster.get("ClusterStatus", "unknown"),
            engine="redshift",
            tags=tags_from_list(cluster.get("Tags")),
        )
