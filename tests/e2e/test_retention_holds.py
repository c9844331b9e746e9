"""A hold anywhere holds (issue 9, findings 5, 6 and 7): the sweep through its handler, on moto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest
from steward.policy.retention import RetentionRules, plan_retention
from steward.services import clients
from steward.services.elasticache import ElastiCacheSnapshots

import fakeaws
from sandbox.fleet import ACCOUNT, Fleet
from sandbox.stack import stack_resources
from tests.conftest import FakeContext, load_event, logged_decisions

REGION = "us-east-1"
LIVE = {"DRY_RUN": "false", "DEFAULT_RETENTION_DAYS": "30", "MIN_KEEP": "0", "AWS_REGION": REGION}


@pytest.fixture
def env(aws: None) -> dict[str, str]:
    """The stack's StateTable and AlertsTopic, and the functions' environment."""
    return {**stack_resources(REGION), **LIVE}


@pytest.fixture
def sweep(
    handler: Callable[..., ModuleType], env: dict[str, str], context: FakeContext
) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        event = load_event("retention-schedule.json")
        event["time"] = datetime.now(UTC).isoformat()
        return dict(handler("retention", **env).lambda_handler(event, context))

    return run


def redshift_names(fleet: Fleet) -> set[str]:
    snapshots = fleet.redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]
    return {s["SnapshotIdentifier"] for s in snapshots}


def elasticache_names(fleet: Fleet) -> set[str]:
    return {s["SnapshotName"] for s in fleet.elasticache.describe_snapshots()["Snapshots"]}


def remembered(service: str) -> dict[str, dict[str, str]]:
    """The last-known tags the sweep keeps for `service` in REGION (a Query, as the role allows)."""
    items = boto3.client("dynamodb", region_name=REGION).query(
        TableName="steward-StateTable",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"last-known#{service}#{REGION}"}},
    )["Items"]
    return {i["sk"]["S"]: {k: v["S"] for k, v in i["tags"]["M"].items()} for i in items}


def delete_redshift_cluster(fleet: Fleet, cluster_id: str) -> None:
    fleet.redshift.delete_cluster(ClusterIdentifier=cluster_id, SkipFinalClusterSnapshot=True)
    fakeaws.redshift.complete_deletions(ACCOUNT, REGION)


# --- finding 5: a cluster's hold outlives the cluster --------------------------------------------


def test_a_legal_hold_on_a_deleted_redshift_cluster_keeps_protecting_its_snapshots(
    fleet: Fleet, sweep: Callable[[], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a cluster under legal hold with a snapshot well past the 30-day default, seen by a sweep
    fleet.redshift_cluster("dw-legal", tags={"steward:hold": "LEGAL-7", "team": "bi"})
    fleet.redshift_snapshot("dw-legal", "dw-legal-2026-q1", age_days=200)
    fleet.redshift_cluster("dw-plain")
    fleet.redshift_snapshot("dw-plain", "dw-plain-2026-q1", age_days=200)
    sweep()
    assert remembered("redshift") == {"dw-legal": {"steward:hold": "LEGAL-7"}}

    # When both clusters are deleted, and the sweep runs again
    delete_redshift_cluster(fleet, "dw-legal")
    delete_redshift_cluster(fleet, "dw-plain")
    sweep()

    # Then the held cluster's snapshot is still kept, saying whose hold it is; the other expired
    decision = logged_decisions(capsys)["dw-legal-2026-q1"]
    assert (decision["action"], decision["reason"]) == ("kept", "hold")
    assert "steward:hold on the cluster (gone; its tags as last seen" in decision["detail"]
    assert redshift_names(fleet) == {"dw-legal-2026-q1"}
    # The memory of a gone cluster stays while a backup of it is left
    assert remembered("redshift") == {"dw-legal": {"steward:hold": "LEGAL-7"}}


def test_stewards_own_decommission_does_not_end_keep_forever_for_older_snapshots(
    fleet: Fleet,
    sweep: Callable[[], dict[str, Any]],
    handler: Callable[..., ModuleType],
    env: dict[str, str],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a keep-forever cluster with a 400-day-old snapshot, seen by the retention sweep
    fleet.redshift_cluster("dw-archive", tags={"steward:retention-days": "-1"})
    fleet.redshift_snapshot("dw-archive", "dw-archive-2025", age_days=400)
    sweep()

    # When Steward decommissions it (steward:delete-after=now, the hourly sweep)
    fleet.redshift.create_tags(
        ResourceName=f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:dw-archive",
        Tags=[{"Key": "steward:delete-after", "Value": "now"}],
    )
    schedule = load_event("retention-schedule.json")
    schedule["time"] = datetime.now(UTC).isoformat()
    handler("final_snapshot", **env).lambda_handler(schedule, context)
    fakeaws.redshift.complete_deletions(ACCOUNT, REGION)
    assert not fleet.redshift.describe_clusters()["Clusters"]

    # Then the next retention sweep still keeps the older snapshot forever
    sweep()
    decision = logged_decisions(capsys)["dw-archive-2025"]
    assert (decision["action"], decision["reason"]) == ("kept", "keep-forever")
    assert "cluster (gone; its tags as last seen" in decision["detail"]
    assert "dw-archive-2025" in redshift_names(fleet)


def test_a_hold_removed_while_the_cluster_lived_is_forgotten(
    fleet: Fleet, sweep: Callable[[], dict[str, Any]]
) -> None:
    # Given a held cluster the sweep remembered, whose hold is then lifted
    fleet.redshift_cluster("dw-lifted", tags={"steward:hold": "LEGAL-8"})
    fleet.redshift_snapshot("dw-lifted", "dw-lifted-old", age_days=200)
    sweep()
    fleet.redshift.delete_tags(
        ResourceName=f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:dw-lifted", TagKeys=["steward:hold"]
    )

    # When the sweep sees it without steward:* tags, and the cluster is then deleted
    sweep()
    assert remembered("redshift") == {}
    delete_redshift_cluster(fleet, "dw-lifted")
    sweep()

    # Then its snapshot follows the default again, and nothing is left to remember
    assert redshift_names(fleet) == set()
    assert remembered("redshift") == {}


def test_when_the_last_known_tags_cannot_be_read_a_gone_clusters_backups_are_kept(
    fleet: Fleet, sweep: Callable[[], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a deleted cluster's old snapshot, and a live cluster's, and the state table failing
    fleet.redshift_cluster("dw-gone")
    fleet.redshift_snapshot("dw-gone", "dw-gone-old", age_days=200)
    delete_redshift_cluster(fleet, "dw-gone")
    fleet.redshift_cluster("dw-live")
    fleet.redshift_snapshot("dw-live", "dw-live-old", age_days=200)
    fakeaws.faults.inject("dynamodb", "Query", "AccessDeniedException")

    # When the sweep runs, Then only the live cluster's snapshot is deleted and the run fails
    with pytest.raises(Exception, match="last-known tags redshift"):
        sweep()
    decision = logged_decisions(capsys)["dw-gone-old"]
    assert (decision["action"], decision["reason"]) == ("kept", "tags-unreadable")
    assert "AccessDeniedException" in decision["detail"]
    assert redshift_names(fleet) == {"dw-gone-old"}


# --- finding 6: a group's tags never cancel its cluster's hold -----------------------------------


def test_a_group_tagged_hold_false_does_not_cancel_a_hold_on_its_cluster(
    fleet: Fleet, sweep: Callable[[], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a replication group tagged steward:hold=false and retention-days=1, whose member
    # cluster carries a hold, and an old snapshot of the group
    fleet.elasticache.create_replication_group(
        ReplicationGroupId="sessions",
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        Tags=[{"Key": "steward:hold", "Value": "false"}, {"Key": "steward:retention-days", "Value": "1"}],
    )
    member_cluster(fleet, "sessions", {"steward:hold": "INC-4411"})
    fleet.elasticache.create_snapshot(ReplicationGroupId="sessions", SnapshotName="sessions-old")
    fakeaws.elasticache.set_snapshot_created(ACCOUNT, REGION, "sessions-old", fleet.ago(90))

    # When the sweep runs
    sweep()

    # Then the cluster's hold holds
    decision = logged_decisions(capsys)["sessions-old"]
    assert (decision["action"], decision["reason"]) == ("kept", "hold")
    assert "sessions-old" in elasticache_names(fleet)


def member_cluster(fleet: Fleet, group: str, tags: dict[str, str]) -> None:
    """The group's first member cluster, tagged. AWS lists members as cache clusters; moto only
    names them in MemberClusters, so the member is created here as AWS would show it."""
    [member, *_] = fleet.elasticache.describe_replication_groups(ReplicationGroupId=group)[
        "ReplicationGroups"
    ][0]["MemberClusters"]
    fleet.elasticache.create_cache_cluster(
        CacheClusterId=member,
        ReplicationGroupId=group,
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheNodes=1,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


@pytest.mark.parametrize(
    ("on_group", "on_cluster", "reason", "detail"),
    [
        ("365", "7", "within-retention", "retention 365d"),
        ("7", "365", "within-retention", "retention 365d"),
        ("7", "-1", "keep-forever", "steward:retention-days=-1"),
        ("7", "abc", "invalid-tag", "'abc'"),
    ],
)
def test_the_longer_retention_of_group_and_cluster_wins(
    fleet: Fleet,
    sweep: Callable[[], dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    on_group: str,
    on_cluster: str,
    reason: str,
    detail: str,
) -> None:
    # Given a group and its member cluster with different retention-days, a 90-day-old snapshot
    fleet.elasticache.create_replication_group(
        ReplicationGroupId="orders",
        ReplicationGroupDescription="orders",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=1,
        Tags=[{"Key": "steward:retention-days", "Value": on_group}],
    )
    member_cluster(fleet, "orders", {"steward:retention-days": on_cluster})
    fleet.elasticache.create_snapshot(ReplicationGroupId="orders", SnapshotName="orders-old")
    fakeaws.elasticache.set_snapshot_created(ACCOUNT, REGION, "orders-old", fleet.ago(90))

    # When the sweep runs, Then the more protective value applies (an unreadable one keeps)
    sweep()
    decision = logged_decisions(capsys)["orders-old"]
    assert (decision["action"], decision["reason"]) == ("kept", reason)
    assert detail in decision["detail"]
    assert "orders-old" in elasticache_names(fleet)


# --- finding 7: snapshots listed without an ARN ------------------------------------------------


def without_arns(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
    # Older DescribeSnapshots responses, as recorded, carry no ARN.
    for snapshot in parsed.get("Snapshots", []):
        snapshot.pop("ARN", None)


def test_a_hold_on_a_snapshot_listed_without_an_arn_is_seen(
    fleet: Fleet, sweep: Callable[[], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a held snapshot and an expired one, listed without their ARNs
    cache = fleet.redis_cluster("cache-a")
    fleet.elasticache_snapshot(cache, "cache-held", age_days=90, tags={"steward:hold": "case-17"})
    fleet.elasticache_snapshot(cache, "cache-expired", age_days=90)
    clients.client("elasticache", REGION).meta.events.register(
        "after-call.elasticache.DescribeSnapshots", without_arns
    )

    # When the sweep runs
    sweep()

    # Then the hold is read through the ARN built from the snapshot's name, and holds
    decisions = logged_decisions(capsys)
    assert (decisions["cache-held"]["action"], decisions["cache-held"]["reason"]) == ("kept", "hold")
    assert decisions["cache-expired"]["action"] == "deleted"
    assert elasticache_names(fleet) == {"cache-held"}


def test_a_snapshot_whose_tags_cannot_be_read_is_never_deleted(fleet: Fleet) -> None:
    # Given an expired snapshot listed without its ARN, and no account to build one from
    cache = fleet.redis_cluster("cache-a")
    fleet.elasticache_snapshot(cache, "cache-unknown", age_days=400)
    clients.client("elasticache", REGION).meta.events.register(
        "after-call.elasticache.DescribeSnapshots", without_arns
    )
    [listed] = ElastiCacheSnapshots(REGION, "").list_backups()

    # When the policy judges it, Then it is kept, saying why
    [verdict] = plan_retention([listed], RetentionRules(30, 0, False), datetime.now(UTC))
    assert (verdict.expired, verdict.reason) == (False, "tags-unreadable")
    assert verdict.detail == "listed without an ARN, and no account to build one from"
