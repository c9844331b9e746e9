"""Deletes without a final snapshot are asynchronous: automatic snapshots outlive the call until the
deletion completes (the window in which the CloudTrail event arrives and a rescue copy is possible)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION

from fakeaws import elasticache as fe
from fakeaws import redshift as fr

TAKEN = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def redis(ec: Any, cluster_id: str = "redis-a") -> str:
    ec.create_cache_cluster(
        CacheClusterId=cluster_id, Engine="redis", CacheNodeType="cache.t4g.small", NumCacheNodes=1
    )
    return cluster_id


def group(ec: Any, group_id: str = "rg-a") -> str:
    ec.create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="test",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
    )
    return group_id


def redshift_cluster(rs: Any, cluster_id: str = "dw") -> str:
    rs.create_cluster(
        ClusterIdentifier=cluster_id,
        NodeType="ra3.large",
        MasterUsername="admin",
        MasterUserPassword="Password1!",
        ClusterType="single-node",
    )
    return cluster_id


def automatic(ec: Any) -> list[str]:
    return [s["SnapshotName"] for s in ec.describe_snapshots(SnapshotSource="system")["Snapshots"]]


def automated(rs: Any) -> list[str]:
    snapshots = rs.describe_cluster_snapshots(SnapshotType="automated")["Snapshots"]
    return [s["SnapshotIdentifier"] for s in snapshots]


def test_cache_cluster_deleted_without_final_snapshot_stays_deleting_with_its_automatic_snapshots(
    ec: Any,
) -> None:
    redis(ec)
    name = fe.add_automatic_snapshot(ACCOUNT, REGION, cache_cluster_id="redis-a", created=TAKEN)

    response = ec.delete_cache_cluster(CacheClusterId="redis-a")

    assert response["CacheCluster"]["CacheClusterStatus"] == "deleting"
    [cluster] = ec.describe_cache_clusters(CacheClusterId="redis-a")["CacheClusters"]
    assert cluster["CacheClusterStatus"] == "deleting"
    assert automatic(ec) == [name]
    copy = ec.copy_snapshot(SourceSnapshotName=name, TargetSnapshotName="rescued")["Snapshot"]
    assert copy["SnapshotSource"] == "manual"


def test_a_second_delete_of_a_deleting_cache_cluster_is_invalid_state(ec: Any) -> None:
    redis(ec)
    ec.delete_cache_cluster(CacheClusterId="redis-a")
    with pytest.raises(ClientError) as error:
        ec.delete_cache_cluster(CacheClusterId="redis-a", FinalSnapshotIdentifier="late")
    assert error.value.response["Error"]["Code"] == "InvalidCacheClusterState"


def test_completing_deletions_removes_the_cluster_and_its_automatic_snapshots_only(ec: Any) -> None:
    redis(ec)
    redis(ec, "redis-b")
    fe.add_automatic_snapshot(ACCOUNT, REGION, cache_cluster_id="redis-a", created=TAKEN)
    kept = fe.add_automatic_snapshot(ACCOUNT, REGION, cache_cluster_id="redis-b", created=TAKEN)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="manual-a")
    ec.delete_cache_cluster(CacheClusterId="redis-a")

    assert fe.complete_deletions(ACCOUNT, REGION) == ["redis-a"]

    assert [c["CacheClusterId"] for c in ec.describe_cache_clusters()["CacheClusters"]] == ["redis-b"]
    assert automatic(ec) == [kept]
    assert "manual-a" in {s["SnapshotName"] for s in ec.describe_snapshots()["Snapshots"]}


def test_replication_group_deleted_without_final_snapshot_stays_deleting_until_completed(ec: Any) -> None:
    group(ec)
    name = fe.add_automatic_snapshot(ACCOUNT, REGION, replication_group_id="rg-a", created=TAKEN)

    assert ec.delete_replication_group(ReplicationGroupId="rg-a")["ReplicationGroup"]["Status"] == "deleting"
    [deleting] = ec.describe_replication_groups(ReplicationGroupId="rg-a")["ReplicationGroups"]
    assert deleting["Status"] == "deleting"
    assert automatic(ec) == [name]
    with pytest.raises(ClientError) as error:
        ec.delete_replication_group(ReplicationGroupId="rg-a", FinalSnapshotIdentifier="late")
    assert error.value.response["Error"]["Code"] == "InvalidReplicationGroupState"

    assert fe.complete_deletions(ACCOUNT, REGION) == ["rg-a"]
    assert ec.describe_replication_groups()["ReplicationGroups"] == []
    assert automatic(ec) == []


def test_redshift_cluster_deleted_skipping_the_final_snapshot_stays_deleting_with_automated_snapshots(
    rs: Any,
) -> None:
    redshift_cluster(rs)
    name = fr.add_automated_snapshot(ACCOUNT, REGION, "dw", TAKEN)

    response = rs.delete_cluster(ClusterIdentifier="dw", SkipFinalClusterSnapshot=True)

    assert response["Cluster"]["ClusterStatus"] == "deleting"
    [cluster] = rs.describe_clusters(ClusterIdentifier="dw")["Clusters"]
    assert cluster["ClusterStatus"] == "deleting"
    assert name in automated(rs)  # moto also takes one when the cluster is created
    copy = rs.copy_cluster_snapshot(SourceSnapshotIdentifier=name, TargetSnapshotIdentifier="rescued")
    assert copy["Snapshot"]["SnapshotType"] == "manual"


def test_a_second_delete_of_a_deleting_redshift_cluster_is_invalid_state(rs: Any) -> None:
    redshift_cluster(rs)
    rs.delete_cluster(ClusterIdentifier="dw", SkipFinalClusterSnapshot=True)
    with pytest.raises(ClientError) as error:
        rs.delete_cluster(ClusterIdentifier="dw", FinalClusterSnapshotIdentifier="late")
    assert error.value.response["Error"]["Code"] == "InvalidClusterState"


def test_completing_redshift_deletions_removes_cluster_and_automated_snapshots_not_manual_ones(
    rs: Any,
) -> None:
    redshift_cluster(rs)
    fr.add_automated_snapshot(ACCOUNT, REGION, "dw", TAKEN)
    rs.create_cluster_snapshot(ClusterIdentifier="dw", SnapshotIdentifier="manual-dw")
    rs.delete_cluster(ClusterIdentifier="dw", SkipFinalClusterSnapshot=True)

    assert fr.complete_deletions(ACCOUNT, REGION) == ["dw"]

    assert rs.describe_clusters()["Clusters"] == []
    assert automated(rs) == []
    assert [s["SnapshotIdentifier"] for s in rs.describe_cluster_snapshots()["Snapshots"]] == ["manual-dw"]
