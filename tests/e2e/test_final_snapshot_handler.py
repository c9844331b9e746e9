"""FinalSnapshotFunction end to end: sample events through the handler, real boto3 calls on moto."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from types import ModuleType
from typing import Any

import boto3
import pytest
from steward.events.outcomes import InvalidEvent
from steward.machinery.report import SweepFailed

import fakeaws
from sandbox.fleet import ACCOUNT, Fleet
from tests.conftest import FakeContext, load_event, logged_decisions
from tests.e2e.caches import Caches

REGION = "us-east-1"
STEWARD_ROLE = "arn:aws:iam::123456789012:role/steward-FinalSnapshotFunctionRole-1A2B3C4D5E6F"
NAME = re.compile(r"^(?P<cluster>[a-z0-9-]+)-(?P<marker>final|rescue)-\d{8}t\d{6}z(-\d+)?$")


# --- the world around the function ------------------------------------------------------------


@pytest.fixture
def alerts(aws: None) -> Callable[[], list[dict[str, Any]]]:
    """The StateTable and AlertsTopic; returns a reader of the alerts published so far."""
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="steward-state",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="steward-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    def read() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return read


@pytest.fixture
def final_snapshot(
    handler: Callable[..., ModuleType], alerts: Callable[[], list[dict[str, Any]]]
) -> Callable[..., ModuleType]:
    env = {
        "DRY_RUN": "false",
        "STATE_TABLE": "steward-state",
        "NOTIFICATIONS_TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT}:steward-alerts",
        "STEWARD_ROLE_ARNS": STEWARD_ROLE,
        "FINAL_SNAPSHOT_RETENTION_DAYS": "-1",
    }
    return lambda **overrides: handler("final_snapshot", **{**env, **overrides})


def replication_group(fleet: Fleet, group_id: str, tags: dict[str, str]) -> str:
    fleet.elasticache.create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return group_id


def memcached(fleet: Fleet, cluster_id: str, tags: dict[str, str]) -> str:
    fleet.elasticache.create_cache_cluster(
        CacheClusterId=cluster_id,
        Engine="memcached",
        CacheNodeType="cache.t4g.small",
        NumCacheNodes=1,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return cluster_id


def schedule() -> dict[str, Any]:
    event = load_event("retention-schedule.json")
    event["time"] = datetime.now(UTC).isoformat()
    return event


def tag_event(name: str, arn: str, value: str, key: str = "steward:delete-after") -> dict[str, Any]:
    event = load_event(name)
    event["detail"]["requestParameters"] = {"resourceName": arn, "tags": [{"key": key, "value": value}]}
    return event


def delete_event(name: str, **parameters: Any) -> dict[str, Any]:
    event = load_event(name)
    event["detail"]["requestParameters"] = parameters
    event["time"] = event["detail"]["eventTime"] = datetime.now(UTC).isoformat()
    # The published Redshift record is from us-east-2; the fleet is in REGION.
    event["region"] = event["detail"]["awsRegion"] = REGION
    return event


def guarded_redis_deleted_directly(caches: Caches) -> dict[str, Any]:
    """my-redis (steward:final-snapshot=required, one automatic snapshot) deleted without a final
    snapshot; returns the CloudTrail event of that delete."""
    caches.cache("my-redis", tags={"steward:final-snapshot": "required"})
    caches.automatic_snapshot("my-redis", age_days=0.3)
    return caches.delete_directly("my-redis")


def group_arn(group_id: str) -> str:
    return f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:{group_id}"


def redshift_arn(cluster_id: str) -> str:
    return f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:{cluster_id}"


def elasticache_manual(fleet: Fleet) -> list[dict[str, Any]]:
    return list(fleet.elasticache.describe_snapshots(SnapshotSource="user")["Snapshots"])


def elasticache_tags(fleet: Fleet, snapshot: dict[str, Any]) -> dict[str, str]:
    tags = fleet.elasticache.list_tags_for_resource(ResourceName=snapshot["ARN"])["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


def redshift_manual(fleet: Fleet) -> list[dict[str, Any]]:
    return list(fleet.redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"])


def redshift_clusters(fleet: Fleet) -> dict[str, str]:
    return {
        c["ClusterIdentifier"]: c["ClusterStatus"] for c in fleet.redshift.describe_clusters()["Clusters"]
    }


# --- decommission by tag ----------------------------------------------------------------------


def test_tagging_a_replication_group_now_deletes_it_with_a_tagged_final_snapshot(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a replication group tagged steward:delete-after=now with a team tag
    replication_group(fleet, "redis-production", {"steward:delete-after": "now", "team": "payments"})

    # When the AddTagsToResource event arrives
    summary = final_snapshot().lambda_handler(load_event("elasticache-addtags-delete-after.json"), context)

    # Then the group is gone and its final snapshot carries its tags and where it came from
    assert summary["counts"] == {"elasticache": {"deleted": 1}}
    assert fleet.elasticache.describe_replication_groups()["ReplicationGroups"] == []
    [final] = elasticache_manual(fleet)
    assert NAME.match(final["SnapshotName"])["cluster"] == "redis-production"  # type: ignore[index]
    assert final["ReplicationGroupId"] == "redis-production"
    assert elasticache_tags(fleet, final) == {
        "team": "payments",
        "steward:created-by": "steward",
        "steward:source": "redis-production",
        "steward:reason": "final-snapshot",
    }
    decision = logged_decisions(capsys)["redis-production"]
    assert (decision["action"], decision["reason"]) == ("deleted", "due")
    assert final["SnapshotName"] in decision["detail"]


def test_a_redshift_cluster_past_its_date_is_deleted_keeping_the_final_snapshot_as_tagged(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given a cluster tagged due since 2020-11-01 whose final snapshot is to be kept 30 days
    fleet.redshift_cluster(
        "my-dw-instance", tags={"steward:retention-days": "30", "steward:delete-after": "2020-11-01"}
    )
    event = tag_event("redshift-createtags-delete-after.json", redshift_arn("my-dw-instance"), "2020-11-01")

    # When the CreateTags event arrives
    final_snapshot().lambda_handler(event, context)

    # Then the cluster is deleted with a final snapshot kept 30 days, tagged with its origin
    assert redshift_clusters(fleet) == {}
    [final] = redshift_manual(fleet)
    assert NAME.match(final["SnapshotIdentifier"])
    assert final["ManualSnapshotRetentionPeriod"] == 30
    # (Redshift copies the cluster's own tags onto it too; Steward adds its own, it removes none.)
    tags = {t["Key"]: t["Value"] for t in final["Tags"]}
    assert tags["steward:reason"] == "final-snapshot"
    assert tags["steward:source"] == "my-dw-instance"


def test_a_future_date_keeps_the_cluster_until_it_is_due(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a cluster tagged to go in 2099
    fleet.redshift_cluster("my-dw-instance", tags={"steward:delete-after": "2099-01-01"})
    event = tag_event("redshift-createtags-delete-after.json", redshift_arn("my-dw-instance"), "2099-01-01")

    # When the tag event arrives
    final_snapshot().lambda_handler(event, context)

    # Then nothing is deleted and the reason is not-due
    assert redshift_clusters(fleet) == {"my-dw-instance": "available"}
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("kept", "not-due")


def test_the_sweep_deletes_what_is_due_refuses_memcached_and_waits_for_future_dates(
    fleet: Fleet,
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a due cache, a due Memcached cluster and a Redshift cluster due next year
    caches.cache("cache-old", tags={"steward:delete-after": "2026-01-01"})
    memcached(fleet, "memo", {"steward:delete-after": "now"})
    fleet.redshift_cluster("dw-next-year", tags={"steward:delete-after": "2099-01-01T00:00:00Z"})

    # When the schedule sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then only the cache is deleted (with its final snapshot); each has its reason
    clusters = {c["CacheClusterId"] for c in fleet.elasticache.describe_cache_clusters()["CacheClusters"]}
    assert "memo" in clusters
    assert "cache-old" not in caches.live_caches()
    [final] = caches.manual_snapshots()
    assert (final["source"], NAME.match(final["name"])["marker"]) == ("cache-old", "final")  # type: ignore[index]
    assert redshift_clusters(fleet) == {"dw-next-year": "available"}
    records = logged_decisions(capsys)
    assert {k: (v["action"], v["reason"]) for k, v in records.items()} == {
        "cache-old": ("deleted", "due"),
        "memo": ("kept", "no-snapshot-support"),
        "dw-next-year": ("kept", "not-due"),
    }


def test_dry_run_reports_would_delete_with_the_snapshot_name_and_changes_nothing(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a due cluster
    fleet.redshift_cluster("dw", tags={"steward:delete-after": "now"})

    # When the sweep runs in dry-run mode
    summary = final_snapshot(DRY_RUN="true").lambda_handler(schedule(), context)

    # Then it reports would-delete and the cluster is untouched
    assert summary["counts"] == {"redshift": {"would-delete": 1}}
    assert redshift_clusters(fleet) == {"dw": "available"}
    assert "final snapshot dw-final-" in logged_decisions(capsys)["dw"]["detail"]


def test_a_taken_final_snapshot_name_gets_a_new_name_not_an_error(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a due cache, and ElastiCache saying the first name is taken (a race), within one second
    caches.cache("cache-a", tags={"steward:delete-after": "now"})
    fakeaws.faults.inject("elasticache", caches.calls.delete_cache, caches.calls.name_taken, times=1)
    frozen = datetime.now(UTC)

    class OneSecond(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> OneSecond:
            return cls.fromtimestamp(frozen.timestamp(), tz)

    # The package exports the function `run`, which hides its module of the same name.
    monkeypatch.setattr(importlib.import_module("steward.flows.final_snapshot.run"), "datetime", OneSecond)

    # When the sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then the cache is deleted with a final snapshot under another name
    [final] = caches.manual_snapshots()
    assert final["name"].endswith("-2")
    assert caches.live_caches() == set()


def test_snapshot_quota_reached_means_no_delete_and_an_alert(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Callable[[], list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a due cluster in an account at its snapshot quota
    fleet.redshift_cluster("dw", tags={"steward:delete-after": "now"})
    fakeaws.faults.inject("redshift", "DeleteCluster", "ClusterSnapshotQuotaExceeded")

    # When the sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then the cluster stays, the decision says why, and people are told
    assert redshift_clusters(fleet) == {"dw": "available"}
    assert logged_decisions(capsys)["dw"]["reason"] == "snapshot-quota"
    [alert] = alerts()
    assert "snapshot quota" in alert["Subject"]


def test_a_cluster_that_is_not_available_is_left_for_the_next_sweep(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a due cache that ElastiCache says is busy
    caches.cache("cache-a", tags={"steward:delete-after": "now"})
    fakeaws.faults.inject("elasticache", caches.calls.delete_cache, caches.calls.cache_busy)

    # When the sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then it is pending, not failed, and still there
    decision = logged_decisions(capsys)["cache-a"]
    assert (decision["action"], decision["reason"]) == ("pending", "not-available")
    assert caches.live_caches() == {"cache-a"}


def test_a_replayed_tag_event_for_a_deleted_cluster_is_already_gone_and_succeeds(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the cache was deleted, with a tagged final snapshot, by the first delivery of the event
    caches.cache("sessions-cache", {"steward:delete-after": "now", "team": "web"})
    function = final_snapshot()
    event = caches.tag_event("sessions-cache", "steward:delete-after", "now")
    first = function.lambda_handler(event, context)
    assert first["counts"] == {"elasticache": {"deleted": 1}}
    [final] = caches.manual_snapshots()
    assert caches.snapshot_tags(final) == {
        "team": "web",
        "steward:created-by": "steward",
        "steward:source": "sessions-cache",
        "steward:reason": "final-snapshot",
    }

    # When the same event is delivered again
    summary = function.lambda_handler(event, context)

    # Then nothing more happens: one final snapshot, and the replay reports already-gone
    assert summary["counts"] == {"elasticache": {"kept": 1}}
    decision = logged_decisions(capsys)["sessions-cache"]
    assert (decision["reason"], decision["kind"]) == ("already-gone", caches.cache_kind)
    assert len(caches.manual_snapshots()) == 1


def test_one_failure_does_not_stop_the_sweep_but_fails_the_invocation(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given two due clusters, one of which AWS refuses to delete
    fleet.redshift_cluster("dw-denied", tags={"steward:delete-after": "now"})
    fleet.redis_cluster("cache-a", tags={"steward:delete-after": "now"})
    fakeaws.faults.inject("redshift", "DeleteCluster", "AccessDenied")

    # When the sweep runs, Then the invocation fails after the other cluster was deleted
    with pytest.raises(SweepFailed, match="dw-denied failed:AccessDenied"):
        final_snapshot().lambda_handler(schedule(), context)
    assert fleet.elasticache.describe_cache_clusters()["CacheClusters"] == []
    assert redshift_clusters(fleet) == {"dw-denied": "available"}


def test_an_unreadable_event_is_rejected_and_changes_nothing(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given a due cluster and a tag event without its resource name
    fleet.redshift_cluster("my-dw-instance", tags={"steward:delete-after": "now"})
    event = load_event("redshift-createtags-delete-after.json")
    del event["detail"]["requestParameters"]["resourceName"]

    # When it arrives, Then the handler says what is wrong and nothing changes
    with pytest.raises(InvalidEvent, match="resourceName"):
        final_snapshot().lambda_handler(event, context)
    assert redshift_clusters(fleet) == {"my-dw-instance": "available"}


# --- the guard: deletes without a final snapshot ----------------------------------------------


def test_a_guarded_redshift_cluster_deleted_without_final_snapshot_is_rescued_and_alerted(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Callable[[], list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cluster with two automated snapshots, known to the sweep's inventory
    fleet.redshift_cluster("my-dw-instance", tags={"steward:final-snapshot": "required", "team": "bi"})
    fleet.redshift_automated_snapshot("my-dw-instance", age_days=2)
    fleet.redshift_automated_snapshot("my-dw-instance", age_days=1)
    automated = fleet.redshift.describe_cluster_snapshots(SnapshotType="automated")["Snapshots"]
    newest = max(automated, key=lambda s: s["SnapshotCreateTime"])
    function = final_snapshot()
    function.lambda_handler(schedule(), context)

    # When someone deletes it skipping the final snapshot
    fleet.redshift.delete_cluster(ClusterIdentifier="my-dw-instance", SkipFinalClusterSnapshot=True)
    event = delete_event(
        "redshift-deletecluster-skip-final.json",
        clusterIdentifier="my-dw-instance",
        skipFinalClusterSnapshot=True,
    )
    function.lambda_handler(event, context)

    # Then the newest automated snapshot was copied to a tagged manual one, which outlives the cluster
    fakeaws.redshift.complete_deletions(ACCOUNT, REGION)
    [rescued] = redshift_manual(fleet)
    assert NAME.match(rescued["SnapshotIdentifier"])["marker"] == "rescue"  # type: ignore[index]
    assert rescued["SnapshotCreateTime"] == newest["SnapshotCreateTime"]
    tags = {t["Key"]: t["Value"] for t in rescued["Tags"]}
    assert tags == {
        "team": "bi",
        "steward:created-by": "steward",
        "steward:source": "my-dw-instance",
        "steward:reason": "rescue",
    }
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("copied", "rescued")
    assert newest["SnapshotIdentifier"] in decision["detail"]
    assert "arn:aws:iam::123456789012:user/Admin" in decision["detail"]
    [alert] = alerts()
    assert json.loads(alert["Message"])["deletedBy"] == "arn:aws:iam::123456789012:user/Admin"


def test_a_guarded_replication_group_is_judged_by_the_inventory_once_it_is_deleting(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a group guarded through a tag event (inventory), with an automatic snapshot
    replication_group(fleet, "redis-production", {})
    function = final_snapshot()
    function.lambda_handler(
        tag_event(
            "elasticache-addtags-delete-after.json",
            group_arn("redis-production"),
            "required",
            key="steward:final-snapshot",
        ),
        context,
    )
    fleet.elasticache.add_tags_to_resource(
        ResourceName=group_arn("redis-production"),
        Tags=[{"Key": "steward:final-snapshot", "Value": "required"}],
    )
    automatic = fakeaws.elasticache.add_automatic_snapshot(
        ACCOUNT, REGION, replication_group_id="redis-production", created=fleet.ago(0.2)
    )

    # When someone deletes the group without a final snapshot
    fleet.elasticache.delete_replication_group(ReplicationGroupId="redis-production")
    function.lambda_handler(
        delete_event(
            "elasticache-deletereplicationgroup-no-final.json", replicationGroupId="redis-production"
        ),
        context,
    )

    # Then the automatic snapshot is copied, and the decision names the inventory as its source
    [rescued] = elasticache_manual(fleet)
    assert elasticache_tags(fleet, rescued)["steward:reason"] == "rescue"
    records = logged_decisions(capsys)
    assert records["redis-production"]["action"] == "copied"
    assert automatic in records["redis-production"]["detail"]


def test_a_replayed_delete_event_does_not_copy_twice(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
    alerts: Callable[[], list[dict[str, Any]]],
) -> None:
    # Given a guarded cache rescued (copied and alerted) for this event
    event = guarded_redis_deleted_directly(caches)
    function = final_snapshot()
    function.lambda_handler(event, context)
    [rescued] = caches.manual_snapshots()
    assert NAME.match(rescued["name"])["marker"] == "rescue"  # type: ignore[index]
    assert caches.snapshot_tags(rescued)["steward:reason"] == "rescue"
    [alert] = alerts()
    assert json.loads(alert["Message"])["rescueSnapshot"] == rescued["name"]

    # When the event is delivered again
    function.lambda_handler(event, context)

    # Then there is still one copy, and the replay says it was already handled
    assert len(caches.manual_snapshots()) == 1
    assert logged_decisions(capsys)["my-redis"]["reason"] == "already-rescued"


def test_no_automatic_snapshot_left_means_an_alert_that_the_data_is_lost(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Callable[[], list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cache without automatic snapshots, deleted without a final snapshot
    caches.cache("my-redis", tags={"steward:final-snapshot": "required"})
    event = caches.delete_directly("my-redis")

    # When the delete event arrives
    final_snapshot().lambda_handler(event, context)

    # Then nothing could be copied, and people are told the data is lost
    assert caches.manual_snapshots() == []
    decision = logged_decisions(capsys)["my-redis"]
    assert (decision["reason"], decision["kind"]) == ("data-lost", caches.cache_kind)
    [alert] = alerts()
    assert alert["Subject"].startswith("Data lost: my-redis")


def test_a_cluster_without_the_guard_tag_is_not_rescued(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given an unguarded cache with an automatic snapshot, deleted without a final snapshot
    caches.cache("my-redis", tags={"team": "web"})
    caches.automatic_snapshot("my-redis", age_days=0.3)
    event = caches.delete_directly("my-redis")

    # When the delete event arrives
    final_snapshot().lambda_handler(event, context)

    # Then nothing is copied, and the decision says which tags it read
    assert caches.manual_snapshots() == []
    decision = logged_decisions(capsys)["my-redis"]
    assert (decision["action"], decision["reason"]) == ("kept", "not-required")
    assert decision["detail"].startswith("no steward:final-snapshot=required (from live tags); deleted by ")


def test_stewards_own_delete_is_recognised_and_not_treated_as_unsafe(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # When the CloudTrail record of Steward's own DeleteCluster arrives
    summary = final_snapshot().lambda_handler(load_event("redshift-deletecluster-with-final.json"), context)

    # Then it is recognised as Steward's (not merely as a delete with a final snapshot), nothing is done
    assert summary["counts"] == {"redshift": {"kept": 1}}
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"], decision["detail"]) == (
        "kept",
        "stewards-own-delete",
        "final snapshot my-dw-instance-final-20261121t093000z",
    )
    assert redshift_manual(fleet) == []


# --- tag events decide on the live tags ---------------------------------------------------------


def test_a_stale_tag_event_does_not_delete_a_cluster_whose_date_was_pushed_back_since(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a cluster tagged delete-after=now, then pushed back to 2027-01-01
    fleet.redshift_cluster("my-dw-instance", tags={"steward:delete-after": "2027-01-01"})
    event = tag_event("redshift-createtags-delete-after.json", redshift_arn("my-dw-instance"), "now")

    # When the (late) event of the first tag arrives
    final_snapshot().lambda_handler(event, context)

    # Then the cluster stays, and the sweep is left to decide on the live tags
    assert redshift_clusters(fleet) == {"my-dw-instance": "available"}
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("pending", "tags-not-visible-yet")
    assert decision["detail"] == (
        "the event set steward:delete-after='now', the cluster's tags show "
        "steward:delete-after='2027-01-01'; the sweep decides on the live tags"
    )


def test_a_tag_the_tagging_api_does_not_show_yet_is_left_to_the_sweep(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a tag event for a tag the cluster's live tags do not show yet
    fleet.redshift_cluster("my-dw-instance")
    function = final_snapshot()
    function.lambda_handler(
        tag_event("redshift-createtags-delete-after.json", redshift_arn("my-dw-instance"), "now"), context
    )
    assert redshift_clusters(fleet) == {"my-dw-instance": "available"}
    assert logged_decisions(capsys)["my-dw-instance"]["reason"] == "tags-not-visible-yet"

    # When the tag shows and the sweep runs
    fleet.redshift.create_tags(
        ResourceName=redshift_arn("my-dw-instance"), Tags=[{"Key": "steward:delete-after", "Value": "now"}]
    )
    function.lambda_handler(schedule(), context)

    # Then the sweep deletes it with a final snapshot
    assert redshift_clusters(fleet) == {}
    assert (logged_decisions(capsys)["my-dw-instance"]["action"], len(redshift_manual(fleet))) == (
        "deleted",
        1,
    )


# --- snapshots Steward made are tagged, or tagged later -----------------------------------------


def guarded_redshift_deleted(fleet: Fleet, function: ModuleType, context: FakeContext) -> dict[str, Any]:
    """A guarded Redshift cluster with an automated snapshot, in the inventory, deleted directly."""
    fleet.redshift_cluster("my-dw-instance", tags={"steward:final-snapshot": "required", "team": "bi"})
    fleet.redshift_automated_snapshot("my-dw-instance", age_days=1)
    function.lambda_handler(schedule(), context)
    fleet.redshift.delete_cluster(ClusterIdentifier="my-dw-instance", SkipFinalClusterSnapshot=True)
    return delete_event(
        "redshift-deletecluster-skip-final.json",
        clusterIdentifier="my-dw-instance",
        skipFinalClusterSnapshot=True,
    )


def test_a_rescue_copy_that_cannot_be_tagged_is_copied_once_and_tagged_by_the_sweep(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cluster deleted directly, and Redshift refusing to tag the copy once
    function = final_snapshot()
    event = guarded_redshift_deleted(fleet, function, context)
    fakeaws.faults.inject("redshift", "CreateTags", "AccessDenied", times=1)

    # When the delete event arrives, Then the copy is made and reported copied, and the run fails
    with pytest.raises(SweepFailed, match=r"tagging snapshot my-dw-instance-rescue-.*AccessDenied"):
        function.lambda_handler(event, context)
    [rescued] = redshift_manual(fleet)
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("copied", "rescued")
    assert decision["detail"].endswith("not tagged yet (AccessDenied): the next sweep tags it")

    # When Lambda retries the event, Then it is not copied again
    function.lambda_handler(event, context)
    assert len(redshift_manual(fleet)) == 1
    assert logged_decisions(capsys)["my-dw-instance"]["reason"] == "already-rescued"

    # When the sweep runs, Then the copy gets its tags
    function.lambda_handler(schedule(), context)
    [rescued] = redshift_manual(fleet)
    assert {t["Key"]: t["Value"] for t in rescued["Tags"]}["steward:reason"] == "rescue"


def test_an_elasticache_rescue_copy_that_cannot_be_tagged_stays_copied(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cache deleted directly, and ElastiCache refusing to tag the copy once
    event = guarded_redis_deleted_directly(caches)
    fakeaws.faults.inject("elasticache", "AddTagsToResource", "InvalidARN", times=1)
    function = final_snapshot()

    # When the event arrives, and is retried after the run failed
    with pytest.raises(SweepFailed, match="tagging snapshot my-redis-rescue-"):
        function.lambda_handler(event, context)
    assert logged_decisions(capsys)["my-redis"]["action"] == "copied"
    function.lambda_handler(event, context)

    # Then there is one copy, and the sweep tags it
    assert logged_decisions(capsys)["my-redis"]["reason"] == "already-rescued"
    function.lambda_handler(schedule(), context)
    [rescued] = caches.manual_snapshots()
    assert caches.snapshot_tags(rescued)["steward:source"] == "my-redis"


def test_a_final_snapshot_that_cannot_be_tagged_yet_is_tagged_by_the_next_sweep(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a group tagged delete-after=now, and ElastiCache not finding its final snapshot at first
    replication_group(fleet, "redis-production", {"steward:delete-after": "now", "team": "payments"})
    fakeaws.faults.inject("elasticache", "AddTagsToResource", "SnapshotNotFoundFault", times=1)
    function = final_snapshot()

    # When the tag event arrives, Then the group is deleted and the untagged snapshot fails the run
    with pytest.raises(SweepFailed, match=r"tagging snapshot redis-production-final-.*SnapshotNotFoundFault"):
        function.lambda_handler(load_event("elasticache-addtags-delete-after.json"), context)
    [final] = elasticache_manual(fleet)
    assert elasticache_tags(fleet, final) == {}
    assert logged_decisions(capsys)["redis-production"]["action"] == "deleted"

    # When the next sweep runs, Then the final snapshot carries its tags, and the sweep succeeds
    summary = function.lambda_handler(schedule(), context)
    assert summary["failed"] == 0
    assert elasticache_tags(fleet, final) == {
        "team": "payments",
        "steward:created-by": "steward",
        "steward:source": "redis-production",
        "steward:reason": "final-snapshot",
    }


# --- what stops a rescue is a decision, not a crash ---------------------------------------------


def test_a_rescue_record_that_cannot_be_written_is_a_failed_decision_and_nothing_is_copied(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cluster deleted directly, and the StateTable refusing the rescue record
    function = final_snapshot()
    event = guarded_redshift_deleted(fleet, function, context)
    fakeaws.faults.inject("dynamodb", "PutItem", "AccessDeniedException")

    # When the delete event arrives, Then the run fails after logging its decision
    with pytest.raises(SweepFailed, match="my-dw-instance failed:AccessDeniedException"):
        function.lambda_handler(event, context)
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("kept", "failed:AccessDeniedException")
    assert redshift_manual(fleet) == []


def test_an_automatic_snapshot_that_cannot_be_copied_releases_the_claim_for_a_retry(
    caches: Caches,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cache deleted directly, and ElastiCache refusing the copy
    event = guarded_redis_deleted_directly(caches)
    refused = caches.calls.copy_refused
    fakeaws.faults.inject("elasticache", caches.calls.copy_snapshot, refused, times=1)
    function = final_snapshot()

    # When the event arrives, Then the refusal is a failed decision, logged, and the run fails
    with pytest.raises(SweepFailed, match=f"my-redis failed:{refused}"):
        function.lambda_handler(event, context)
    assert logged_decisions(capsys)["my-redis"]["action"] == "kept"

    # When Lambda retries the event, Then the claim was released and the copy is made
    function.lambda_handler(event, context)
    assert logged_decisions(capsys)["my-redis"]["action"] == "copied"
    assert len(caches.manual_snapshots()) == 1


def test_a_replication_group_rescue_asks_for_the_groups_snapshots_only(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded group deleted directly, and ElastiCache refusing an empty CacheClusterId
    replication_group(fleet, "redis-production", {"steward:final-snapshot": "required"})
    fakeaws.elasticache.add_automatic_snapshot(
        ACCOUNT, REGION, replication_group_id="redis-production", created=fleet.ago(0.2)
    )
    function = final_snapshot()
    function.lambda_handler(schedule(), context)
    fleet.elasticache.delete_replication_group(ReplicationGroupId="redis-production")
    fakeaws.faults.inject(
        "elasticache", "DescribeSnapshots", "InvalidParameterValue", match={"CacheClusterId": ""}
    )

    # When the delete event arrives
    function.lambda_handler(
        delete_event(
            "elasticache-deletereplicationgroup-no-final.json", replicationGroupId="redis-production"
        ),
        context,
    )

    # Then the group's automatic snapshot is found and copied
    assert logged_decisions(capsys)["redis-production"]["action"] == "copied"
    assert len(elasticache_manual(fleet)) == 1


# --- steward:final-snapshot values other than required ------------------------------------------


def test_the_sweep_reports_a_guard_tag_it_does_not_understand(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a cluster tagged steward:final-snapshot=yes
    fleet.redshift_cluster("my-dw-instance", tags={"steward:final-snapshot": "yes"})

    # When the sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then the value is reported, with what is accepted
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("kept", "invalid-tag")
    assert decision["detail"] == (
        "steward:final-snapshot='yes' is not understood; accepted: required; "
        "guarded anyway: a delete without a final snapshot is rescued"
    )


def test_a_cluster_with_an_unreadable_guard_tag_is_rescued_and_the_alert_names_the_value(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Callable[[], list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a cluster tagged steward:final-snapshot=true (which the deny policy guards), swept
    fleet.redshift_cluster("my-dw-instance", tags={"steward:final-snapshot": "true"})
    fleet.redshift_automated_snapshot("my-dw-instance", age_days=1)
    function = final_snapshot()
    function.lambda_handler(schedule(), context)

    # When someone deletes it without a final snapshot
    fleet.redshift.delete_cluster(ClusterIdentifier="my-dw-instance", SkipFinalClusterSnapshot=True)
    function.lambda_handler(
        delete_event(
            "redshift-deletecluster-skip-final.json",
            clusterIdentifier="my-dw-instance",
            skipFinalClusterSnapshot=True,
        ),
        context,
    )

    # Then the data is rescued, and both the decision and the alert say the value is not understood
    assert len(redshift_manual(fleet)) == 1
    decision = logged_decisions(capsys)["my-dw-instance"]
    assert (decision["action"], decision["reason"]) == ("copied", "invalid-tag")
    problem = "steward:final-snapshot='true' is not understood; accepted: required"
    assert problem in decision["detail"]
    [alert] = alerts()
    assert problem in json.loads(alert["Message"])["tagProblem"]


# --- only this account and region (issue 8, finding 4) -------------------------------------------


def test_a_delete_event_from_another_account_is_refused_copies_nothing_and_alerts(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Callable[[], list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cluster of this account with an automated snapshot, known to the inventory
    fleet.redshift_cluster("billing-dw", tags={"steward:final-snapshot": "required"})
    fleet.redshift_automated_snapshot("billing-dw", age_days=1)
    function = final_snapshot()
    function.lambda_handler(schedule(), context)
    alerts()  # drained

    # When a DeleteCluster event for it arrives whose account is someone else's ("Mallory")
    event = delete_event(
        "redshift-deletecluster-skip-final.json",
        clusterIdentifier="billing-dw",
        skipFinalClusterSnapshot=True,
    )
    event["account"] = "999999999999"
    event["detail"]["userIdentity"]["arn"] = "arn:aws:iam::999999999999:user/Mallory"
    summary = function.lambda_handler(event, context)

    # Then it is refused with a reason that says so, nothing is copied, and the alert says it looks forged
    assert summary["trigger"] == "refused:other-account"
    assert summary["notApplicable"][0]["reason"] == "other-account"
    assert "999999999999" in summary["notApplicable"][0]["detail"]
    assert redshift_manual(fleet) == []
    assert fleet.redshift.describe_clusters()["Clusters"][0]["ClusterIdentifier"] == "billing-dw"
    [alert] = alerts()
    assert "looks forged" in alert["Subject"]
    message = json.loads(alert["Message"])
    assert (message["refused"], message["eventAccount"]) == ("other-account", "999999999999")
    assert "billing-dw" not in logged_decisions(capsys)


def test_an_event_from_another_region_is_refused_and_writes_nothing(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Callable[[], list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the function in us-east-1 and a cluster in eu-west-1 tagged steward:final-snapshot=required
    monkeypatch.setenv("AWS_REGION", REGION)
    boto3.client("redshift", region_name="eu-west-1").create_cluster(
        ClusterIdentifier="dw-eu",
        NodeType="ra3.large",
        MasterUsername="admin",
        MasterUserPassword="Password1",
        Tags=[{"Key": "steward:final-snapshot", "Value": "required"}],
    )
    event = tag_event(
        "redshift-createtags-delete-after.json",
        f"arn:aws:redshift:eu-west-1:{ACCOUNT}:cluster:dw-eu",
        "required",
        key="steward:final-snapshot",
    )
    event["region"] = "eu-west-1"

    # When its tag event arrives
    summary = final_snapshot().lambda_handler(event, context)

    # Then it is refused: no inventory item anywhere, and an alert names the region
    assert summary["trigger"] == "refused:other-region"
    assert boto3.client("dynamodb", region_name=REGION).scan(TableName="steward-state")["Items"] == []
    [alert] = alerts()
    assert json.loads(alert["Message"])["eventRegion"] == "eu-west-1"


def test_a_schedule_naming_another_region_sweeps_nothing(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
) -> None:
    # Given a cluster due for decommission in this region
    fleet.redshift_cluster("old-dw", tags={"steward:delete-after": "2020-01-01"})
    event = schedule()
    event["region"] = "eu-west-1"

    # When a schedule naming eu-west-1 is invoked directly
    summary = final_snapshot().lambda_handler(event, context)

    # Then nothing is swept anywhere
    assert summary["trigger"] == "refused:other-region"
    assert [c["ClusterIdentifier"] for c in fleet.redshift.describe_clusters()["Clusters"]] == ["old-dw"]


# --- identifiers compared the way each service compares them (issue 9, finding 9) --------------


@pytest.mark.parametrize("typed", ["Redis-Production", "REDIS-PRODUCTION"])
def test_a_delete_typed_in_another_case_finds_the_inventory_and_rescues(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
    typed: str,
) -> None:
    # Given a guarded cache cluster the sweep inventoried (ElastiCache stores ids lower-case)
    fleet.redis_cluster("redis-production", tags={"steward:final-snapshot": "required"})
    fleet.elasticache_automatic_snapshot("redis-production", age_days=0.3)
    function = final_snapshot()
    function.lambda_handler(schedule(), context)

    # When someone deletes it without a final snapshot, typing the id in another case
    fleet.elasticache.delete_cache_cluster(CacheClusterId="redis-production")
    event = delete_event("elasticache-deletecachecluster-no-final.json", cacheClusterId=typed)
    function.lambda_handler(event, context)

    # Then the inventory is found under the id ElastiCache compares, and the data is rescued
    decision = logged_decisions(capsys)["redis-production"]
    assert (decision["action"], decision["reason"]) == ("copied", "rescued")
    [rescued] = elasticache_manual(fleet)
    assert NAME.match(rescued["SnapshotName"])["cluster"] == "redis-production"  # type: ignore[index]
