"""fakeaws.elasticache through real boto3 calls against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION

from fakeaws import elasticache as fe


def redis(ec: Any, cluster_id: str = "redis-a", engine: str = "redis") -> str:
    ec.create_cache_cluster(
        CacheClusterId=cluster_id, Engine=engine, CacheNodeType="cache.t4g.small", NumCacheNodes=1
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


def names(ec: Any, **kwargs: Any) -> list[str]:
    return sorted(s["SnapshotName"] for s in ec.describe_snapshots(**kwargs)["Snapshots"])


def test_create_snapshot_has_node_snapshots_with_create_time(ec: Any) -> None:
    redis(ec)
    before = datetime.now(UTC) - timedelta(seconds=5)
    snap = ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="s1")["Snapshot"]
    [node] = snap["NodeSnapshots"]
    assert node["CacheClusterId"] == "redis-a"
    assert node["CacheNodeId"] == "0001"
    assert node["CacheSize"]
    assert node["CacheNodeCreateTime"] <= node["SnapshotCreateTime"]
    assert node["SnapshotCreateTime"] >= before


def test_replication_group_snapshot_has_one_node_snapshot_per_shard(ec: Any) -> None:
    group(ec)
    snap = ec.create_snapshot(ReplicationGroupId="rg-a", SnapshotName="s1")["Snapshot"]
    assert [n["NodeGroupId"] for n in snap["NodeSnapshots"]] == ["0001"]
    assert snap["NodeSnapshots"][0]["CacheClusterId"] == "rg-a-001"


def test_describe_snapshots_pages_with_opaque_marker(ec: Any) -> None:
    redis(ec)
    for i in range(45):
        ec.create_snapshot(CacheClusterId="redis-a", SnapshotName=f"s{i:02d}")
    first = ec.describe_snapshots(MaxRecords=20)
    second = ec.describe_snapshots(MaxRecords=20, Marker=first["Marker"])
    third = ec.describe_snapshots(MaxRecords=20, Marker=second["Marker"])
    assert [len(p["Snapshots"]) for p in (first, second, third)] == [20, 20, 5]
    assert "Marker" not in third
    seen = [s["SnapshotName"] for p in (first, second, third) for s in p["Snapshots"]]
    assert sorted(seen) == [f"s{i:02d}" for i in range(45)]


def test_describe_snapshots_paginator_defaults_to_50(ec: Any) -> None:
    redis(ec)
    for i in range(51):
        ec.create_snapshot(CacheClusterId="redis-a", SnapshotName=f"s{i:02d}")
    pages = list(ec.get_paginator("describe_snapshots").paginate())
    assert [len(p["Snapshots"]) for p in pages] == [50, 1]


@pytest.mark.parametrize("max_records", [19, 51])
def test_describe_snapshots_rejects_max_records_out_of_range(ec: Any, max_records: int) -> None:
    with pytest.raises(ClientError) as exc:
        ec.describe_snapshots(MaxRecords=max_records)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_describe_snapshots_source_filter_uses_user_and_system(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="manual-1")
    auto = fe.add_automatic_snapshot(
        ACCOUNT, REGION, cache_cluster_id="redis-a", created=datetime(2024, 5, 1, 3, 15, tzinfo=UTC)
    )
    assert auto == "automatic.redis-a-2024-05-01-03-15"
    assert names(ec, SnapshotSource="user") == ["manual-1"]
    assert names(ec, SnapshotSource="system") == [auto]
    [snap] = ec.describe_snapshots(SnapshotSource="system")["Snapshots"]
    assert snap["SnapshotSource"] == "automated"


def test_describe_snapshots_filters_by_cluster_and_group(ec: Any) -> None:
    redis(ec, "redis-a")
    redis(ec, "redis-b")
    group(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="a1")
    ec.create_snapshot(CacheClusterId="redis-b", SnapshotName="b1")
    ec.create_snapshot(ReplicationGroupId="rg-a", SnapshotName="g1")
    assert names(ec, CacheClusterId="redis-a") == ["a1"]
    assert names(ec, ReplicationGroupId="rg-a") == ["g1"]
    assert names(ec, SnapshotName="b1") == ["b1"]


def test_set_snapshot_created_backdates_node_snapshots(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="s1")
    when = datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)
    fe.set_snapshot_created(ACCOUNT, REGION, "s1", when)
    [snap] = ec.describe_snapshots(SnapshotName="s1")["Snapshots"]
    assert snap["NodeSnapshots"][0]["SnapshotCreateTime"] == when


def test_delete_snapshot_returns_deleting_and_removes_it(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="s1")
    assert ec.delete_snapshot(SnapshotName="s1")["Snapshot"]["SnapshotStatus"] == "deleting"
    assert names(ec) == []


def test_delete_snapshot_refuses_snapshot_not_available(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="s1")
    fe.set_snapshot_status(ACCOUNT, REGION, "s1", "creating")
    with pytest.raises(ec.exceptions.InvalidSnapshotStateFault) as exc:
        ec.delete_snapshot(SnapshotName="s1")
    assert exc.value.response["Error"]["Code"] == "InvalidSnapshotState"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_delete_unknown_snapshot_is_not_found(ec: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ec.delete_snapshot(SnapshotName="nope")
    assert exc.value.response["Error"]["Code"] == "SnapshotNotFoundFault"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_copy_automatic_snapshot_creates_tagged_manual_copy(ec: Any) -> None:
    redis(ec)
    auto = fe.add_automatic_snapshot(
        ACCOUNT, REGION, cache_cluster_id="redis-a", created=datetime(2024, 5, 1, tzinfo=UTC)
    )
    copy = ec.copy_snapshot(
        SourceSnapshotName=auto, TargetSnapshotName="keep", Tags=[{"Key": "k", "Value": "v"}]
    )["Snapshot"]
    assert copy["SnapshotSource"] == "manual"
    assert copy["SnapshotStatus"] == "available"
    assert copy["CacheClusterId"] == "redis-a"
    assert copy["NodeSnapshots"][0]["SnapshotCreateTime"] == datetime(2024, 5, 1, tzinfo=UTC)
    assert copy["ARN"].endswith(":snapshot:keep")
    tags = ec.list_tags_for_resource(ResourceName=copy["ARN"])["TagList"]
    assert tags == [{"Key": "k", "Value": "v"}]


def test_copy_snapshot_to_existing_name_fails(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="a")
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="b")
    with pytest.raises(ClientError) as exc:
        ec.copy_snapshot(SourceSnapshotName="a", TargetSnapshotName="b")
    assert exc.value.response["Error"]["Code"] == "SnapshotAlreadyExistsFault"


def test_copy_unknown_snapshot_fails(ec: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ec.copy_snapshot(SourceSnapshotName="nope", TargetSnapshotName="b")
    assert exc.value.response["Error"]["Code"] == "SnapshotNotFoundFault"


def test_copy_snapshot_not_available_fails(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="a")
    fe.set_snapshot_status(ACCOUNT, REGION, "a", "creating")
    with pytest.raises(ClientError) as exc:
        ec.copy_snapshot(SourceSnapshotName="a", TargetSnapshotName="b")
    assert exc.value.response["Error"]["Code"] == "InvalidSnapshotState"


def test_copy_snapshot_export_to_bucket_is_not_emulated(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="a")
    with pytest.raises(ClientError) as exc:
        ec.copy_snapshot(SourceSnapshotName="a", TargetSnapshotName="b", TargetBucket="bucket")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_delete_cache_cluster_takes_final_snapshot_and_drops_automatic_ones(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="manual-1")
    fe.add_automatic_snapshot(
        ACCOUNT, REGION, cache_cluster_id="redis-a", created=datetime(2024, 5, 1, tzinfo=UTC)
    )
    cluster = ec.delete_cache_cluster(CacheClusterId="redis-a", FinalSnapshotIdentifier="final")
    assert cluster["CacheCluster"]["CacheClusterStatus"] == "deleting"
    assert names(ec) == ["final", "manual-1"]
    [final] = ec.describe_snapshots(SnapshotName="final")["Snapshots"]
    assert final["SnapshotSource"] == "manual"
    assert final["CacheClusterId"] == "redis-a"
    assert ec.describe_cache_clusters()["CacheClusters"] == []


def test_delete_cache_cluster_with_taken_final_name_deletes_nothing(ec: Any) -> None:
    redis(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="final")
    with pytest.raises(ClientError) as exc:
        ec.delete_cache_cluster(CacheClusterId="redis-a", FinalSnapshotIdentifier="final")
    assert exc.value.response["Error"]["Code"] == "SnapshotAlreadyExistsFault"
    [cluster] = ec.describe_cache_clusters()["CacheClusters"]
    assert cluster["CacheClusterStatus"] == "available"


def test_delete_memcached_cluster_with_final_snapshot_is_not_supported(ec: Any) -> None:
    redis(ec, "mc", engine="memcached")
    with pytest.raises(ClientError) as exc:
        ec.delete_cache_cluster(CacheClusterId="mc", FinalSnapshotIdentifier="final")
    assert exc.value.response["Error"]["Code"] == "SnapshotFeatureNotSupportedFault"


def test_delete_cache_cluster_of_replication_group_member_is_invalid_state(ec: Any) -> None:
    group(ec)
    with pytest.raises(ec.exceptions.InvalidCacheClusterStateFault) as exc:
        ec.delete_cache_cluster(CacheClusterId="rg-a-001")
    assert exc.value.response["Error"]["Code"] == "InvalidCacheClusterState"


def test_delete_replication_group_takes_final_snapshot_from_group(ec: Any) -> None:
    group(ec)
    fe.add_automatic_snapshot(
        ACCOUNT, REGION, replication_group_id="rg-a", created=datetime(2024, 5, 1, tzinfo=UTC)
    )
    resp = ec.delete_replication_group(ReplicationGroupId="rg-a", FinalSnapshotIdentifier="final")
    assert resp["ReplicationGroup"]["Status"] == "deleting"
    [final] = ec.describe_snapshots()["Snapshots"]
    assert final["SnapshotName"] == "final"
    assert final["ReplicationGroupId"] == "rg-a"
    assert final["NodeSnapshots"][0]["CacheClusterId"] == "rg-a-001"
    assert ec.describe_replication_groups()["ReplicationGroups"] == []


def test_delete_replication_group_with_taken_final_name_deletes_nothing(ec: Any) -> None:
    group(ec)
    ec.create_snapshot(ReplicationGroupId="rg-a", SnapshotName="final")
    with pytest.raises(ClientError) as exc:
        ec.delete_replication_group(ReplicationGroupId="rg-a", FinalSnapshotIdentifier="final")
    assert exc.value.response["Error"]["Code"] == "SnapshotAlreadyExistsFault"
    assert len(ec.describe_replication_groups()["ReplicationGroups"]) == 1


def test_tagging_api_filters_by_real_elasticache_resource_types(ec: Any) -> None:
    redis(ec)
    group(ec)
    ec.create_snapshot(CacheClusterId="redis-a", SnapshotName="s1")
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    def arns(*types: str) -> list[str]:
        pages = tagging.get_paginator("get_resources").paginate(ResourceTypeFilters=list(types))
        return [r["ResourceARN"] for p in pages for r in p["ResourceTagMappingList"]]

    assert [a.split(":")[-2] for a in arns("elasticache:snapshot")] == ["snapshot"]
    assert [a.split(":")[-2] for a in arns("elasticache:cluster")] == ["cluster"]
    assert [a.split(":")[-1] for a in arns("elasticache:replicationgroup")] == ["rg-a"]
    assert arns("elasticache:snapshots") == arns("elasticache:snapshot")


def test_tagging_api_pages_elasticache_snapshots(ec: Any) -> None:
    redis(ec)
    for i in range(5):
        ec.create_snapshot(CacheClusterId="redis-a", SnapshotName=f"s{i}")
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    pages = tagging.get_paginator("get_resources").paginate(
        ResourceTypeFilters=["elasticache:snapshot"], ResourcesPerPage=2
    )
    assert [len(p["ResourceTagMappingList"]) for p in pages] == [2, 2, 1]
