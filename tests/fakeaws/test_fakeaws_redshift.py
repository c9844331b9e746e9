"""fakeaws.redshift through real boto3 calls against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION

from fakeaws import redshift as fr

OTHER = "210987654321"


def cluster(rs: Any, cluster_id: str = "dw") -> str:
    rs.create_cluster(
        ClusterIdentifier=cluster_id,
        NodeType="ra3.large",
        MasterUsername="admin",
        MasterUserPassword="Password1!",
        ClusterType="single-node",
    )
    return cluster_id


def ids(rs: Any, **kwargs: Any) -> list[str]:
    return sorted(
        s["SnapshotIdentifier"] for s in rs.describe_cluster_snapshots(**kwargs)["Snapshots"]
    )


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_manual_snapshot_carries_retention_owner_and_tags(rs: Any) -> None:
    cluster(rs)
    snap = rs.create_cluster_snapshot(
        SnapshotIdentifier="m1", ClusterIdentifier="dw", Tags=[{"Key": "k", "Value": "v"}]
    )["Snapshot"]
    assert snap["ManualSnapshotRetentionPeriod"] == -1
    assert snap["ManualSnapshotRemainingDays"] == -1
    assert snap["OwnerAccount"] == ACCOUNT
    assert snap["Tags"] == [{"Key": "k", "Value": "v"}]
    assert "AccountsWithRestoreAccess" not in snap


def test_remaining_days_count_down_from_retention_start(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(
        SnapshotIdentifier="m1", ClusterIdentifier="dw", ManualSnapshotRetentionPeriod=10
    )
    fr.set_snapshot_created(ACCOUNT, REGION, "m1", datetime.now(UTC) - timedelta(days=3, hours=1))
    [snap] = rs.describe_cluster_snapshots(SnapshotIdentifier="m1")["Snapshots"]
    assert snap["ManualSnapshotRetentionPeriod"] == 10
    assert snap["ManualSnapshotRemainingDays"] == 7


@pytest.mark.parametrize("period", [0, -2, 3654])
def test_create_snapshot_rejects_invalid_retention(rs: Any, period: int) -> None:
    cluster(rs)
    with pytest.raises(ClientError) as exc:
        rs.create_cluster_snapshot(
            SnapshotIdentifier="m1", ClusterIdentifier="dw", ManualSnapshotRetentionPeriod=period
        )
    assert code(exc) == "InvalidRetentionPeriodFault"


def test_describe_pages_with_marker(rs: Any) -> None:
    cluster(rs)
    for i in range(44):
        rs.create_cluster_snapshot(SnapshotIdentifier=f"m{i:02d}", ClusterIdentifier="dw")
    first = rs.describe_cluster_snapshots(MaxRecords=20, SnapshotType="manual")
    second = rs.describe_cluster_snapshots(
        MaxRecords=20, SnapshotType="manual", Marker=first["Marker"]
    )
    third = rs.describe_cluster_snapshots(
        MaxRecords=20, SnapshotType="manual", Marker=second["Marker"]
    )
    assert [len(p["Snapshots"]) for p in (first, second, third)] == [20, 20, 4]
    assert "Marker" not in third


@pytest.mark.parametrize("max_records", [19, 101])
def test_describe_rejects_max_records_out_of_range(rs: Any, max_records: int) -> None:
    with pytest.raises(ClientError) as exc:
        rs.describe_cluster_snapshots(MaxRecords=max_records)
    assert code(exc) == "InvalidParameterValue"


def test_snapshot_type_filter_always_applies(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    assert ids(rs, SnapshotType="manual") == ["m1"]
    assert all(i.startswith("rs:") for i in ids(rs, SnapshotType="automated"))


def test_cluster_filter_without_snapshots_returns_none(rs: Any) -> None:
    cluster(rs, "dw")
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    assert ids(rs, ClusterIdentifier="ghost") == []


def test_owner_account_filter(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    assert "m1" in ids(rs, OwnerAccount=ACCOUNT)
    assert ids(rs, OwnerAccount=OTHER) == []


def test_authorize_and_revoke_snapshot_access(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    shared = rs.authorize_snapshot_access(SnapshotIdentifier="m1", AccountWithRestoreAccess=OTHER)
    assert shared["Snapshot"]["AccountsWithRestoreAccess"] == [{"AccountId": OTHER}]
    revoked = rs.revoke_snapshot_access(
        SnapshotIdentifier="m1", SnapshotClusterIdentifier="dw", AccountWithRestoreAccess=OTHER
    )
    assert "AccountsWithRestoreAccess" not in revoked["Snapshot"]


def test_revoke_of_unauthorised_account_is_not_found(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    with pytest.raises(rs.exceptions.AuthorizationNotFoundFault) as exc:
        rs.revoke_snapshot_access(SnapshotIdentifier="m1", AccountWithRestoreAccess=OTHER)
    assert code(exc) == "AuthorizationNotFound"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_authorize_unknown_snapshot_is_not_found(rs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        rs.authorize_snapshot_access(SnapshotIdentifier="nope", AccountWithRestoreAccess=OTHER)
    assert code(exc) == "ClusterSnapshotNotFound"


def test_delete_manual_snapshot_returns_deleted(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    assert rs.delete_cluster_snapshot(SnapshotIdentifier="m1")["Snapshot"]["Status"] == "deleted"
    assert ids(rs, SnapshotType="manual") == []


def test_delete_shared_snapshot_is_invalid_state(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    rs.authorize_snapshot_access(SnapshotIdentifier="m1", AccountWithRestoreAccess=OTHER)
    with pytest.raises(rs.exceptions.InvalidClusterSnapshotStateFault) as exc:
        rs.delete_cluster_snapshot(SnapshotIdentifier="m1")
    assert code(exc) == "InvalidClusterSnapshotState"


def test_delete_creating_snapshot_is_invalid_state(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    fr.set_snapshot_status(ACCOUNT, REGION, "m1", "creating")
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster_snapshot(SnapshotIdentifier="m1")
    assert code(exc) == "InvalidClusterSnapshotState"


def test_delete_automated_snapshot_is_invalid_state(rs: Any) -> None:
    cluster(rs)
    auto = fr.add_automated_snapshot(
        ACCOUNT, REGION, "dw", datetime(2024, 5, 1, 3, 4, 5, tzinfo=UTC)
    )
    assert auto == "rs:dw-2024-05-01-03-04-05"
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster_snapshot(SnapshotIdentifier=auto)
    assert code(exc) == "InvalidClusterSnapshotState"


def test_delete_unknown_snapshot_is_not_found(rs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster_snapshot(SnapshotIdentifier="nope")
    assert code(exc) == "ClusterSnapshotNotFound"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_batch_delete_reports_per_item_errors(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="ok", ClusterIdentifier="dw")
    rs.create_cluster_snapshot(SnapshotIdentifier="shared", ClusterIdentifier="dw")
    rs.authorize_snapshot_access(SnapshotIdentifier="shared", AccountWithRestoreAccess=OTHER)
    resp = rs.batch_delete_cluster_snapshots(
        Identifiers=[
            {"SnapshotIdentifier": "ok", "SnapshotClusterIdentifier": "dw"},
            {"SnapshotIdentifier": "shared"},
            {"SnapshotIdentifier": "nope", "SnapshotClusterIdentifier": "dw"},
        ]
    )
    assert resp["Resources"] == ["ok"]
    assert [(e["SnapshotIdentifier"], e["FailureCode"]) for e in resp["Errors"]] == [
        ("shared", "InvalidClusterSnapshotState"),
        ("nope", "ClusterSnapshotNotFound"),
    ]
    assert resp["Errors"][1]["SnapshotClusterIdentifier"] == "dw"
    assert ids(rs, SnapshotType="manual") == ["shared"]


def test_batch_delete_over_100_identifiers_is_rejected(rs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        rs.batch_delete_cluster_snapshots(
            Identifiers=[{"SnapshotIdentifier": f"s{i}"} for i in range(101)]
        )
    assert code(exc) == "BatchDeleteRequestSizeExceeded"


def test_copy_automated_snapshot_makes_manual_copy(rs: Any) -> None:
    cluster(rs)
    auto = fr.add_automated_snapshot(ACCOUNT, REGION, "dw", datetime(2024, 5, 1, tzinfo=UTC))
    copy = rs.copy_cluster_snapshot(
        SourceSnapshotIdentifier=auto,
        TargetSnapshotIdentifier="keep",
        ManualSnapshotRetentionPeriod=30,
    )["Snapshot"]
    assert copy["SnapshotType"] == "manual"
    assert copy["ManualSnapshotRetentionPeriod"] == 30
    assert copy["ClusterIdentifier"] == "dw"
    assert "keep" in ids(rs, SnapshotType="manual")


def test_copy_manual_snapshot_is_invalid_state(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    with pytest.raises(ClientError) as exc:
        rs.copy_cluster_snapshot(SourceSnapshotIdentifier="m1", TargetSnapshotIdentifier="m2")
    assert code(exc) == "InvalidClusterSnapshotState"


def test_copy_to_existing_identifier_fails(rs: Any) -> None:
    cluster(rs)
    auto = fr.add_automated_snapshot(ACCOUNT, REGION, "dw", datetime(2024, 5, 1, tzinfo=UTC))
    rs.create_cluster_snapshot(SnapshotIdentifier="m1", ClusterIdentifier="dw")
    with pytest.raises(ClientError) as exc:
        rs.copy_cluster_snapshot(SourceSnapshotIdentifier=auto, TargetSnapshotIdentifier="m1")
    assert code(exc) == "ClusterSnapshotAlreadyExists"


def test_copy_unknown_snapshot_is_not_found(rs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        rs.copy_cluster_snapshot(SourceSnapshotIdentifier="nope", TargetSnapshotIdentifier="m1")
    assert code(exc) == "ClusterSnapshotNotFound"


def test_delete_cluster_final_snapshot_honours_retention(rs: Any) -> None:
    cluster(rs)
    resp = rs.delete_cluster(
        ClusterIdentifier="dw",
        FinalClusterSnapshotIdentifier="final",
        FinalClusterSnapshotRetentionPeriod=7,
    )
    assert resp["Cluster"]["ClusterStatus"] == "deleting"
    [final] = rs.describe_cluster_snapshots(SnapshotIdentifier="final")["Snapshots"]
    assert final["SnapshotType"] == "manual"
    assert final["ManualSnapshotRetentionPeriod"] == 7
    assert ids(rs, SnapshotType="automated") == []


def test_delete_cluster_with_taken_final_name_deletes_nothing(rs: Any) -> None:
    cluster(rs)
    rs.create_cluster_snapshot(SnapshotIdentifier="final", ClusterIdentifier="dw")
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster(ClusterIdentifier="dw", FinalClusterSnapshotIdentifier="final")
    assert code(exc) == "ClusterSnapshotAlreadyExists"
    assert len(rs.describe_clusters()["Clusters"]) == 1


def test_delete_cluster_rejects_invalid_final_retention(rs: Any) -> None:
    cluster(rs)
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster(
            ClusterIdentifier="dw",
            FinalClusterSnapshotIdentifier="f",
            FinalClusterSnapshotRetentionPeriod=0,
        )
    assert code(exc) == "InvalidRetentionPeriodFault"


def test_delete_cluster_without_final_identifier_needs_skip(rs: Any) -> None:
    cluster(rs)
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster(ClusterIdentifier="dw")
    assert code(exc) == "InvalidParameterCombination"
    assert len(rs.describe_clusters()["Clusters"]) == 1


@pytest.mark.parametrize("bad", ["1st", "final-", "final--1", "final_1", "f" * 256])
def test_copy_and_final_snapshot_identifiers_follow_the_documented_rules(rs: Any, bad: str) -> None:
    auto = fr.add_automated_snapshot(ACCOUNT, REGION, cluster(rs), datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(ClientError) as exc:
        rs.copy_cluster_snapshot(SourceSnapshotIdentifier=auto, TargetSnapshotIdentifier=bad)
    assert code(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        rs.delete_cluster(ClusterIdentifier="dw", FinalClusterSnapshotIdentifier=bad)
    assert code(exc) == "InvalidParameterValue"
    assert ids(rs, SnapshotType="manual") == []
    good = "f" * 254 + "1"
    rs.copy_cluster_snapshot(SourceSnapshotIdentifier=auto, TargetSnapshotIdentifier=good)
    rs.delete_cluster(ClusterIdentifier="dw", FinalClusterSnapshotIdentifier="Final-1-a")
    assert ids(rs, SnapshotType="manual") == sorted(["Final-1-a", good])
