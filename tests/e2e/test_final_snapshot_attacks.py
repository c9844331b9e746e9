"""Issue 8, findings 3, 5 and 8, end to end through the handlers: tagging is not deleting, the
state table cannot be forged into action, and dry run withholds deletions, never protections.
Each attack is refused and changes nothing; each legitimate path still works."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from steward.machinery.settings import SettingsError

from sandbox.fleet import Fleet
from tests.conftest import FakeContext, load_event, logged_decisions
from tests.e2e import test_final_snapshot_handler as handler_tests
from tests.e2e.test_final_snapshot_handler import (
    REGION,
    elasticache_manual,
    elasticache_tags,
    redshift_arn,
    redshift_clusters,
    redshift_manual,
    schedule,
)

# The handler tests' fixtures: the StateTable, the alerts topic and the function's environment.
alerts = handler_tests.alerts
final_snapshot = handler_tests.final_snapshot

Alerts = Callable[[], list[dict[str, Any]]]
ALICE = "arn:aws:sts::123456789012:assumed-role/Admin/alice"
DECOMMISSIONER = "arn:aws:iam::123456789012:role/Decommissioner"
UNKNOWN = "seen by the sweep; who set it is unknown"


def create_tags(cluster_id: str, tags: dict[str, str], caller: str = ALICE) -> dict[str, Any]:
    """The CloudTrail CreateTags event of `caller` (an assumed-role session ARN) tagging a cluster."""
    event = load_event("redshift-createtags-delete-after.json")
    detail = event["detail"]
    detail["requestParameters"] = {
        "resourceName": redshift_arn(cluster_id),
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
    }
    role = caller.replace(":sts::", ":iam::").replace(":assumed-role/", ":role/").rsplit("/", 1)[0]
    detail["userIdentity"]["arn"] = caller
    detail["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = role
    return event


def subjects(read: Alerts) -> list[str]:
    return [message["Subject"] for message in read()]


# --- finding 3: a tag cannot shorten how long a final snapshot is kept --------------------------


@pytest.mark.parametrize(("tagged", "kept"), [("1", 7), ("30", 30), ("-1", -1)])
def test_a_retention_tag_never_keeps_a_final_snapshot_less_than_the_minimum(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext, tagged: str, kept: int
) -> None:
    # Given a cluster tagged delete-after=now and retention-days (1: the attack; 30 and -1: legitimate)
    tags = {"steward:delete-after": "now", "steward:retention-days": tagged}
    fleet.redshift_cluster("billing-dw", tags=tags)

    # When the CreateTags event arrives
    final_snapshot().lambda_handler(create_tags("billing-dw", tags), context)

    # Then the cluster is gone and its final snapshot is kept at least MIN_FINAL_SNAPSHOT_RETENTION_DAYS
    assert redshift_clusters(fleet) == {}
    [final] = redshift_manual(fleet)
    assert final["ManualSnapshotRetentionPeriod"] == kept


def test_only_the_operator_lowers_the_minimum(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given the operator set MinFinalSnapshotRetentionDays=1, and the cluster asks for 1 day
    tags = {"steward:delete-after": "now", "steward:retention-days": "1"}
    fleet.redshift_cluster("billing-dw", tags=tags)

    # When the CreateTags event arrives
    function = final_snapshot(MIN_FINAL_SNAPSHOT_RETENTION_DAYS="1")
    function.lambda_handler(create_tags("billing-dw", tags), context)

    # Then the tag's day is honoured
    [final] = redshift_manual(fleet)
    assert final["ManualSnapshotRetentionPeriod"] == 1


@pytest.mark.parametrize(("age_days", "action"), [(3, "kept"), (8, "deleted")])
def test_the_retention_sweep_keeps_a_final_snapshot_the_minimum_whatever_its_tag(
    fleet: Fleet,
    handler: Callable[..., ModuleType],
    context: FakeContext,
    alerts: Alerts,  # creates the StateTable
    capsys: pytest.CaptureFixture[str],
    age_days: int,
    action: str,
) -> None:
    # Given an ElastiCache final snapshot carrying its cluster's steward:retention-days=1, and an
    # ordinary snapshot with the same tag and age
    fleet.redis_cluster("cache-a")
    tag = {"steward:retention-days": "1"}
    final = fleet.elasticache_snapshot("cache-a", "cache-a-final-20261120t093000z", age_days, tags=tag)
    ordinary = fleet.elasticache_snapshot("cache-a", "cache-a-nightly", age_days, tags=tag)

    # When the retention sweep runs (not in dry run, no minimum count kept)
    retention = handler(
        "retention", DRY_RUN="false", MIN_KEEP="0", SERVICES="elasticache", STATE_TABLE="steward-state"
    )
    retention.lambda_handler(schedule(), context)

    # Then the final snapshot is kept for 7 days (then expires), the ordinary one expires after 1
    decisions = logged_decisions(capsys)
    assert decisions[final]["action"] == action
    assert "kept at least 7d" in decisions[final]["detail"]
    assert decisions[ordinary]["action"] == "deleted"


# --- finding 3: who set steward:delete-after -----------------------------------------------------


def test_a_delete_after_set_by_a_principal_not_allowed_is_refused_and_alerted(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    alerts: Alerts,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given only the Decommissioner role may decommission, and alice (Admin) tags delete-after=now
    fleet.redshift_cluster("billing-dw", tags={"steward:delete-after": "now"})
    function = final_snapshot(DECOMMISSION_PRINCIPALS=DECOMMISSIONER)

    # When her CreateTags event arrives
    summary = function.lambda_handler(create_tags("billing-dw", {"steward:delete-after": "now"}), context)

    # Then the cluster stays, no snapshot is taken, the decision names her, and an alert says why
    assert summary["counts"] == {"redshift": {"kept": 1}}
    assert redshift_clusters(fleet) == {"billing-dw": "available"}
    assert redshift_manual(fleet) == []
    decision = logged_decisions(capsys)["billing-dw"]
    assert decision["reason"] == "tagger-not-allowed"
    assert f"set by {ALICE}, who is not in DECOMMISSION_PRINCIPALS" in decision["detail"]
    [alert] = alerts()
    assert alert["Subject"].startswith("Steward refused to delete billing-dw")
    assert f'"deleteAfterSetBy": "{ALICE}"' in alert["Message"]

    # And the hourly sweep, which reads who set it from the inventory, refuses too without a second alert
    function.lambda_handler(schedule(), context)
    assert redshift_clusters(fleet) == {"billing-dw": "available"}
    assert logged_decisions(capsys)["billing-dw"]["reason"] == "tagger-not-allowed"
    assert alerts() == []


def test_a_delete_after_set_by_an_allowed_role_deletes_and_the_decision_names_who(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a session of the Decommissioner role tags delete-after=now
    fleet.redshift_cluster("billing-dw", tags={"steward:delete-after": "now"})
    session = "arn:aws:sts::123456789012:assumed-role/Decommissioner/ops-pipeline"
    event = create_tags("billing-dw", {"steward:delete-after": "now"}, caller=session)

    # When its CreateTags event arrives
    final_snapshot(DECOMMISSION_PRINCIPALS=DECOMMISSIONER).lambda_handler(event, context)

    # Then the cluster is deleted with a final snapshot, and the decision says who set the tag
    assert redshift_clusters(fleet) == {}
    decision = logged_decisions(capsys)["billing-dw"]
    assert decision["action"] == "deleted"
    assert f"steward:delete-after set by {session}" in decision["detail"]


def test_a_tag_event_not_visible_yet_leaves_who_set_it_for_the_sweep(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the Decommissioner's tag event arrives before the tag shows on the cluster
    fleet.redshift_cluster("billing-dw")
    session = "arn:aws:sts::123456789012:assumed-role/Decommissioner/ops-pipeline"
    function = final_snapshot(DECOMMISSION_PRINCIPALS=DECOMMISSIONER)
    event = create_tags("billing-dw", {"steward:delete-after": "now"}, caller=session)
    function.lambda_handler(event, context)
    assert redshift_clusters(fleet) == {"billing-dw": "available"}

    # When the tag shows and the sweep runs
    fleet.redshift.create_tags(
        ResourceName=redshift_arn("billing-dw"), Tags=[{"Key": "steward:delete-after", "Value": "now"}]
    )
    function.lambda_handler(schedule(), context)

    # Then the sweep deletes it, naming who set the tag, as the event recorded it
    assert redshift_clusters(fleet) == {}
    assert f"set by {session}" in logged_decisions(capsys)["billing-dw"]["detail"]


def test_a_tag_only_the_sweep_saw_is_refused_when_principals_are_named_and_said_to_be_unknown(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    alerts: Alerts,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a cluster tagged delete-after=now whose tagging event never reached Steward
    fleet.redshift_cluster("billing-dw", tags={"steward:delete-after": "now"})

    # When the sweep runs with DECOMMISSION_PRINCIPALS set, Then it refuses, once alerted
    function = final_snapshot(DECOMMISSION_PRINCIPALS=DECOMMISSIONER)
    function.lambda_handler(schedule(), context)
    assert redshift_clusters(fleet) == {"billing-dw": "available"}
    decision = logged_decisions(capsys)["billing-dw"]
    assert decision["reason"] == "tagger-not-allowed"
    assert UNKNOWN in decision["detail"]
    assert len(subjects(alerts)) == 1

    # When the sweep runs without DECOMMISSION_PRINCIPALS, Then it deletes, saying who is unknown
    final_snapshot(DECOMMISSION_PRINCIPALS="").lambda_handler(schedule(), context)
    assert redshift_clusters(fleet) == {}
    decision = logged_decisions(capsys)["billing-dw"]
    assert decision["action"] == "deleted"
    assert UNKNOWN in decision["detail"]


def test_a_removed_tag_set_again_by_someone_else_is_not_credited_to_its_first_tagger(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    alerts: Alerts,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the Decommissioner tagged a guarded cluster delete-after=now while it was on hold
    guard = {"steward:final-snapshot": "required"}
    fleet.redshift_cluster(
        "billing-dw", tags={**guard, "steward:hold": "true", "steward:delete-after": "now"}
    )
    session = "arn:aws:sts::123456789012:assumed-role/Decommissioner/ops-pipeline"
    function = final_snapshot(DECOMMISSION_PRINCIPALS=DECOMMISSIONER)
    function.lambda_handler(
        create_tags("billing-dw", {"steward:delete-after": "now"}, caller=session), context
    )
    assert redshift_clusters(fleet) == {"billing-dw": "available"}

    # And then took delete-after off again (a removal no rule sees), and a sweep saw it gone
    fleet.redshift.delete_tags(
        ResourceName=redshift_arn("billing-dw"), TagKeys=["steward:delete-after", "steward:hold"]
    )
    function.lambda_handler(schedule(), context)
    assert redshift_clusters(fleet) == {"billing-dw": "available"}

    # When someone else sets delete-after=now again and the sweep runs before their tag event arrives
    fleet.redshift.create_tags(
        ResourceName=redshift_arn("billing-dw"), Tags=[{"Key": "steward:delete-after", "Value": "now"}]
    )
    function.lambda_handler(schedule(), context)

    # Then the tag is not the Decommissioner's any more: refused as set by an unknown principal
    assert redshift_clusters(fleet) == {"billing-dw": "available"}
    decision = logged_decisions(capsys)["billing-dw"]
    assert decision["reason"] == "tagger-not-allowed"
    assert UNKNOWN in decision["detail"]


def test_a_replayed_older_tag_event_of_an_allowed_principal_does_not_outrank_a_newer_tagger(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given someone not allowed set delete-after=now, and their CreateTags event was refused
    fleet.redshift_cluster("billing-dw", tags={"steward:delete-after": "now"})
    function = final_snapshot(DECOMMISSION_PRINCIPALS=DECOMMISSIONER)
    newer = create_tags("billing-dw", {"steward:delete-after": "now"})
    newer["detail"]["eventTime"] = "2026-11-21T09:00:00Z"
    function.lambda_handler(newer, context)
    assert logged_decisions(capsys)["billing-dw"]["reason"] == "tagger-not-allowed"

    # When an older CreateTags event of the Decommissioner, setting the same value, is replayed
    session = "arn:aws:sts::123456789012:assumed-role/Decommissioner/ops-pipeline"
    older = create_tags("billing-dw", {"steward:delete-after": "now"}, caller=session)
    older["replay-name"] = "default-bus-archive-replay"
    function.lambda_handler(older, context)

    # Then the live value is still the newer tagger's: refused, the cluster stays
    assert redshift_clusters(fleet) == {"billing-dw": "available"}
    decision = logged_decisions(capsys)["billing-dw"]
    assert decision["reason"] == "tagger-not-allowed"
    assert ALICE in decision["detail"]


# --- finding 5: the state table cannot be forged into action ------------------------------------


def pending_item(snapshot: str, cluster_id: str, tags: dict[str, str]) -> None:
    """What a principal with write access to the table would put there."""
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName="steward-state",
        Item={
            "pk": {"S": f"tags-pending#elasticache#{REGION}"},
            "sk": {"S": snapshot},
            "snapshot": {"S": snapshot},
            "cluster_id": {"S": cluster_id},
            "tags": {"M": {k: {"S": v} for k, v in tags.items()}},
        },
    )


def pending_items() -> list[dict[str, Any]]:
    return list(
        boto3.client("dynamodb", region_name=REGION).query(
            TableName="steward-state",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"tags-pending#elasticache#{REGION}"}},
        )["Items"]
    )


@pytest.mark.parametrize(
    ("snapshot", "cluster_id"),
    [
        ("billing-nightly", "billing"),  # not a name Steward generates
        ("billing-final-20261120t093000z", "other-cluster"),  # Steward's name, but another cluster's
    ],
)
def test_a_forged_tags_pending_record_is_refused_and_alerted(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    alerts: Alerts,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
    snapshot: str,
    cluster_id: str,
) -> None:
    # Given someone's snapshot, and a forged record asking Steward to tag it retention-days=1
    fleet.redis_cluster("billing")
    fleet.elasticache_snapshot("billing", snapshot, age_days=2)
    pending_item(snapshot, cluster_id, {"steward:retention-days": "1"})

    # When the sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then the snapshot is not tagged, the record is gone, the decision and an alert say why
    [listed] = elasticache_manual(fleet)
    assert elasticache_tags(fleet, listed) == {}
    assert pending_items() == []
    assert logged_decisions(capsys)[snapshot]["reason"] == "not-stewards-snapshot"
    assert subjects(alerts) == [f"Steward refused a forged state record: tag {snapshot}"]


def test_a_pending_record_for_stewards_own_snapshot_is_written_without_cluster_steering_tags(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given a final snapshot Steward named for cluster billing, and a record that also asks for delete-after
    fleet.redis_cluster("billing")
    name = fleet.elasticache_snapshot("billing", "billing-final-20261120t093000z", age_days=2)
    pending_item(name, "billing", {"steward:reason": "final-snapshot", "steward:delete-after": "now"})

    # When the sweep runs
    final_snapshot().lambda_handler(schedule(), context)

    # Then the snapshot is tagged (the legitimate retry), never with steward:delete-after
    [listed] = elasticache_manual(fleet)
    assert elasticache_tags(fleet, listed) == {"steward:reason": "final-snapshot"}
    assert pending_items() == []


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every DynamoDB operation any client makes, in order."""
    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(self: BaseClient, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


def test_the_final_snapshot_function_reads_its_items_by_key_and_never_scans(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    context: FakeContext,
    dynamodb_calls: list[str],
) -> None:
    # Given a guarded cluster, a cluster due for deletion and a pending-tags record of its own
    fleet.redis_cluster("guarded", tags={"steward:final-snapshot": "required"})
    fleet.redshift_cluster("billing-dw", tags={"steward:delete-after": "now"})
    fleet.redis_cluster("billing")
    pending_item(fleet.elasticache_snapshot("billing", "billing-final-20261120t093000z", 1), "billing", {})
    function = final_snapshot()
    dynamodb_calls.clear()

    # When a sweep runs twice (the second one drops what is no longer there)
    function.lambda_handler(schedule(), context)
    function.lambda_handler(schedule(), context)

    # Then every call names a partition key (the role's dynamodb:LeadingKeys allows no Scan)
    assert "Query" in dynamodb_calls
    assert set(dynamodb_calls) <= {"Query", "GetItem", "UpdateItem", "PutItem", "DeleteItem"}
    assert all(pk.split("#")[0] in {"cluster", "inventory", "tags-pending"} for pk in table_keys())


def table_keys() -> list[str]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="steward-state")["Items"]
    return [item["pk"]["S"] for item in items]


# --- finding 8: dry run gates deletions, never protections ---------------------------------------


def test_dry_run_makes_the_rescue_copy_and_says_why(
    fleet: Fleet,
    final_snapshot: Callable[..., ModuleType],
    alerts: Alerts,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a guarded cluster with an automatic snapshot, deleted without a final snapshot
    fleet.redis_cluster("my-redis", tags={"steward:final-snapshot": "required"})
    fleet.elasticache_automatic_snapshot("my-redis", age_days=0.3)
    fleet.elasticache.delete_cache_cluster(CacheClusterId="my-redis")
    event = load_event("elasticache-deletecachecluster-no-final.json")
    event["detail"]["requestParameters"] = {"cacheClusterId": "my-redis"}
    event["time"] = event["detail"]["eventTime"] = schedule()["time"]

    # When the delete event arrives in dry run (the default)
    summary = final_snapshot(DRY_RUN="true").lambda_handler(event, context)

    # Then the copy is made, tagged and alerted, and the decision says dry run does not withhold it
    assert summary["counts"] == {"elasticache": {"copied": 1}}
    [copy] = elasticache_manual(fleet)
    assert elasticache_tags(fleet, copy)["steward:reason"] == "rescue"
    decision = logged_decisions(capsys)["my-redis"]
    assert (decision["action"], decision["reason"]) == ("copied", "rescued")
    assert "dry run withholds deletions, not protections" in decision["detail"]
    [alert] = alerts()
    assert alert["Subject"] == "my-redis deleted without a final snapshot: data rescued"


def test_dry_run_still_deletes_nothing_by_tag(
    fleet: Fleet, final_snapshot: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given a cluster due for deletion by an allowed tag, in dry run
    fleet.redshift_cluster("billing-dw", tags={"steward:delete-after": "now"})

    # When the sweep runs, Then it reports would-delete and the cluster stays
    summary = final_snapshot(DRY_RUN="true").lambda_handler(schedule(), context)
    assert summary["counts"] == {"redshift": {"would-delete": 1}}
    assert redshift_clusters(fleet) == {"billing-dw": "available"}


# --- the two settings fail the cold start when wrong ------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MIN_FINAL_SNAPSHOT_RETENTION_DAYS": "0"},
            "MIN_FINAL_SNAPSHOT_RETENTION_DAYS='0' is not accepted: a whole number from 1 to 3653",
        ),
        (
            {"MIN_FINAL_SNAPSHOT_RETENTION_DAYS": "-1"},
            "MIN_FINAL_SNAPSHOT_RETENTION_DAYS='-1' is not accepted",
        ),
        ({"DECOMMISSION_PRINCIPALS": "alice"}, "DECOMMISSION_PRINCIPALS='alice' is not accepted"),
    ],
)
def test_a_bad_setting_fails_the_cold_start_naming_the_variable(
    aws: None, final_snapshot: Callable[..., ModuleType], env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        final_snapshot(**env)
