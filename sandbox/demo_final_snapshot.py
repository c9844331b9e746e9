"""The final-snapshot part of `make demo`: decommission by tag, the sweep, and the rescue of a
guarded cluster deleted without a final snapshot. Runs inside `sandbox.server.local_aws()`."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

import boto3

import fakeaws
from sandbox.demo import DECISION_COLUMNS, at, run_clock, sample_event, table, utc
from sandbox.fleet import ACCOUNT, Fleet
from sandbox.lambda_runtime import Invocation, LambdaContext, invoke
from sandbox.stack import stack_resources

REGION = "us-east-1"
STEWARD_ROLE = "arn:aws:iam::123456789012:role/steward-FinalSnapshotFunctionRole-1A2B3C4D5E6F"
CONTEXT = LambdaContext(
    function_name="steward-FinalSnapshotFunction",
    invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:steward-FinalSnapshotFunction",
)
SNAPSHOT_COLUMNS = [
    ("name", "SNAPSHOT", 44),
    ("service", "SERVICE", 22),
    ("source", "FROM", 18),
    ("reason", "STEWARD:REASON", 15),
    ("kept", "KEPT", 8),
    ("tags", "OTHER TAGS", 40),
]


def _tags(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs]


def _environment() -> tuple[dict[str, str], Any, str]:
    """The stack's StateTable and alerts topic, and a queue subscribed to the topic that shows the alerts."""
    env = stack_resources(REGION)
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="steward-demo-final-snapshot-alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=env["NOTIFICATIONS_TOPIC_ARN"], Protocol="sqs", Endpoint=arn)
    return {**env, "STEWARD_ROLE_ARNS": STEWARD_ROLE}, sqs, queue


def seed_clusters(fleet: Fleet) -> None:
    """Clusters tagged for decommission (due, not yet due, unsupported) and guarded ones."""
    ec = fleet.elasticache
    ec.create_replication_group(
        ReplicationGroupId="redis-production",
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        Tags=_tags(("team", "web"), ("cost-center", "cc-42")),
    )
    # Dates relative to the fleet's clock: overdue by 20 days, whenever the demo runs.
    overdue = (fleet.now - timedelta(days=20)).date()
    fleet.redis_cluster("cache-legacy", tags={"steward:delete-after": overdue.isoformat(), "team": "web"})
    ec.create_cache_cluster(
        CacheClusterId="memo-sessions",
        Engine="memcached",
        CacheNodeType="cache.t4g.small",
        NumCacheNodes=1,
        Tags=_tags(("steward:delete-after", "now")),
    )
    fleet.redshift_cluster("my-dw-instance", tags={"team": "bi"})
    fleet.redshift_cluster(
        "analytics-2019",
        tags={
            "steward:delete-after": f"{overdue - timedelta(days=1)}T18:00:00Z",
            "steward:retention-days": "365",
        },
    )
    fleet.redshift_cluster("billing-dw", tags={"steward:final-snapshot": "required", "team": "finance"})
    for age in (3, 2, 1):
        fleet.redshift_automated_snapshot("billing-dw", age_days=age)
    fleet.redis_cluster("my-redis", tags={"steward:final-snapshot": "required", "team": "web"})
    fleet.elasticache_automatic_snapshot("my-redis", age_days=0.5)
    fleet.serverless_cache("sessions-cache", tags={"team": "web"})
    fleet.serverless_cache("carts-cache", tags={"steward:final-snapshot": "required", "team": "shop"})
    for days in (1.5, 0.5):
        fleet.serverless_automatic_snapshot("carts-cache", age_days=days)


def _substitute(event: dict[str, Any], parameters: dict[str, Any], now: datetime) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["detail"]["requestParameters"] = parameters
    at(changed, now)
    # The published Redshift record is from us-east-2; the demo's fleet is in REGION.
    changed["region"] = changed["detail"]["awsRegion"] = REGION
    return changed


def _tagged(event: dict[str, Any], moment: datetime, delete_after: str) -> dict[str, Any]:
    """A sample tag event sent at `moment` whose steward:delete-after is `delete_after`."""
    detail = event["detail"]
    listed = [
        *detail["requestParameters"]["tags"],
        *(detail.get("responseElements") or {}).get("tagList", []),
    ]
    for tag in listed:
        if tag["key"] == "steward:delete-after":
            tag["value"] = delete_after
    return at(event, moment)


def _show(title: str, invocation: Invocation) -> None:
    print(f"\n== {title} ==")
    print(table(invocation.decisions(), DECISION_COLUMNS))
    outcome = invocation.result if invocation.error is None else f"FAILED: {invocation.error}"
    if isinstance(outcome, dict):
        outcome = {**outcome, "clock": utc(outcome["clock"])}
    print(f"result: {json.dumps(outcome, default=str)}")


def _snapshots(fleet: Fleet) -> list[dict[str, Any]]:
    rows = []
    for s in fleet.elasticache.describe_snapshots(SnapshotSource="user")["Snapshots"]:
        tags = {
            t["Key"]: t["Value"]
            for t in fleet.elasticache.list_tags_for_resource(ResourceName=s["ARN"])["TagList"]
        }
        rows.append({"name": s["SnapshotName"], "service": "elasticache", "kept": "forever", **_split(tags)})
    serverless = fleet.elasticache.describe_serverless_cache_snapshots(SnapshotType="manual")
    for s in serverless["ServerlessCacheSnapshots"]:
        tags = {
            t["Key"]: t["Value"]
            for t in fleet.elasticache.list_tags_for_resource(ResourceName=s["ARN"])["TagList"]
        }
        rows.append(
            {
                "name": s["ServerlessCacheSnapshotName"],
                "service": "elasticache serverless",
                "kept": "forever",
                **_split(tags),
            }
        )
    for s in fleet.redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]:
        days = s.get("ManualSnapshotRetentionPeriod", -1)
        kept = "forever" if days == -1 else f"{days} d"
        tags = {t["Key"]: t["Value"] for t in s.get("Tags", [])}
        rows.append({"name": s["SnapshotIdentifier"], "service": "redshift", "kept": kept, **_split(tags)})
    return sorted((r for r in rows if r["source"]), key=lambda r: r["name"])  # the ones Steward made


def _split(tags: dict[str, str]) -> dict[str, str]:
    other = ", ".join(f"{k}={v}" for k, v in tags.items() if k not in {"steward:source", "steward:reason"})
    return {"source": tags.get("steward:source", ""), "reason": tags.get("steward:reason", ""), "tags": other}


def final_snapshot_demo() -> None:
    now = run_clock()
    fleet = Fleet(now=now)
    env, sqs, queue = _environment()
    live, dry = {**env, "DRY_RUN": "false"}, {**env, "DRY_RUN": "true"}
    seed_clusters(fleet)
    # The tag values the events carry, relative to now: one due in ten days, one due since midnight.
    later, today = (now + timedelta(days=10)).date().isoformat(), now.date().isoformat()
    print("\nSteward final-snapshot demo: clusters seeded in the local fake AWS, sample events from events/.")

    # 1. Decommission by tag, right away on the CloudTrail event.
    fleet.elasticache.add_tags_to_resource(
        ResourceName=f"arn:aws:elasticache:{REGION}:{ACCOUNT}:replicationgroup:redis-production",
        Tags=_tags(("steward:delete-after", "now")),
    )
    event = at(sample_event("elasticache-addtags-delete-after.json"), now)
    _show(
        "Tag event: events/elasticache-addtags-delete-after.json (redis-production, delete-after=now)",
        invoke("final_snapshot", event, live, CONTEXT),
    )
    fleet.redshift.create_tags(
        ResourceName=f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:my-dw-instance",
        Tags=_tags(("steward:delete-after", later)),
    )
    event = _tagged(sample_event("redshift-createtags-delete-after.json"), now, later)
    _show(
        f"Tag event: events/redshift-createtags-delete-after.json (my-dw-instance, delete-after={later})",
        invoke("final_snapshot", event, live, CONTEXT),
    )
    fleet.elasticache.add_tags_to_resource(
        ResourceName=f"arn:aws:elasticache:{REGION}:{ACCOUNT}:serverlesscache:sessions-cache",
        Tags=_tags(("steward:delete-after", today)),
    )
    day_before = now - timedelta(days=1)
    event = _tagged(sample_event("elasticache-addtags-serverless-delete-after.json"), day_before, today)
    _show(
        "Tag event: events/elasticache-addtags-serverless-delete-after.json (serverless sessions-cache, "
        f"delete-after={today}, sent the day before: the sweep deletes it once due)",
        invoke("final_snapshot", event, live, CONTEXT),
    )

    # 2. The sweep: catches past dates and refreshes the inventory of guarded clusters.
    schedule = at(sample_event("retention-schedule.json"), now)
    print(f"\n(schedule event: events/retention-schedule.json with time := {utc(now)})")
    _show("Sweep, DRY_RUN=true: nothing is deleted", invoke("final_snapshot", schedule, dry, CONTEXT))
    _show("Sweep, DRY_RUN=false", invoke("final_snapshot", schedule, live, CONTEXT))

    # 3. The guard: a direct delete without a final snapshot of guarded clusters.
    fleet.redshift.delete_cluster(ClusterIdentifier="billing-dw", SkipFinalClusterSnapshot=True)
    fleet.elasticache.delete_cache_cluster(CacheClusterId="my-redis")
    fleet.elasticache.delete_serverless_cache(ServerlessCacheName="carts-cache")
    print(
        "\nSomeone deletes billing-dw (SkipFinalClusterSnapshot=true), my-redis (no FinalSnapshotIdentifier)"
    )
    print("and the serverless carts-cache (no FinalSnapshotName): all are `deleting`, their automatic")
    print("snapshots exist for a short while.")
    redshift_delete = _substitute(
        sample_event("redshift-deletecluster-skip-final.json"),
        {"clusterIdentifier": "billing-dw", "skipFinalClusterSnapshot": True},
        now,
    )
    print("(events/redshift-deletecluster-skip-final.json with clusterIdentifier := billing-dw, time := now)")
    _show("Delete event: billing-dw", invoke("final_snapshot", redshift_delete, live, CONTEXT))
    cache_delete = _substitute(
        sample_event("elasticache-deletecachecluster-no-final.json"), {"cacheClusterId": "my-redis"}, now
    )
    print(
        "(events/elasticache-deletecachecluster-no-final.json with cacheClusterId := my-redis, time := now)"
    )
    _show("Delete event: my-redis", invoke("final_snapshot", cache_delete, live, CONTEXT))
    _show("The same delete event delivered again", invoke("final_snapshot", redshift_delete, live, CONTEXT))
    own = sample_event("redshift-deletecluster-with-final.json")
    own_parameters = {
        **own["detail"]["requestParameters"],
        "finalClusterSnapshotIdentifier": f"my-dw-instance-final-{now:%Y%m%dt%H%M%Sz}",
    }
    print("(events/redshift-deletecluster-with-final.json with its final snapshot named, and sent, now)")
    _show(
        "Steward's own delete: events/redshift-deletecluster-with-final.json",
        invoke("final_snapshot", _substitute(own, own_parameters, now), live, CONTEXT),
    )
    serverless_delete = _substitute(
        sample_event("elasticache-deleteserverlesscache-no-final.json"),
        {"serverlessCacheName": "carts-cache"},
        now,
    )
    print(
        "(events/elasticache-deleteserverlesscache-no-final.json with serverlessCacheName := carts-cache,"
        " time := now)"
    )
    _show(
        "Delete event: carts-cache (serverless)", invoke("final_snapshot", serverless_delete, live, CONTEXT)
    )

    fakeaws.redshift.complete_deletions(ACCOUNT, REGION)
    fakeaws.elasticache.complete_deletions(ACCOUNT, REGION)
    fakeaws.elasticache_serverless.complete_deletions(ACCOUNT, REGION)
    print("\n== Snapshots Steward made, after the deletions completed (automatic snapshots are gone) ==")
    print(table(_snapshots(fleet), SNAPSHOT_COLUMNS))
    print("\n== Alerts published to the alerts topic ==")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        print(f"- {json.loads(message['Body'])['Subject']}")


if __name__ == "__main__":
    from sandbox.server import local_aws

    with local_aws():
        final_snapshot_demo()
