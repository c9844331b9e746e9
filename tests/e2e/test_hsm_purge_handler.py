"""HsmPurgeFunction end to end: the sample events through the handler, real boto3 calls on moto."""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from steward.events.outcomes import InvalidEvent
from steward.flows.key_purge import PurgeFailed
from steward.services.clients import CallLimits
from steward.services.purge_state import PurgedBackup, PurgeRecord, PurgeState

import fakeaws
from sandbox.fleet import ACCOUNT, Fleet
from tests.conftest import FakeContext, load_event, logged_decisions

HOME = "us-east-1"
COPIES = "us-west-2"
TABLE = "steward-state"


@dataclass
class PurgeWorld:
    """A fleet, the StateTable, the alerts topic (drained through a queue) and the handler."""

    fleet: Fleet
    handler: Callable[..., ModuleType]
    context: FakeContext
    topic_arn: str
    queue_url: str

    def invoke(self, event: dict[str, Any], **env: str) -> dict[str, Any]:
        module = self.handler("hsm_purge", **{**self.env, **env})
        return dict(module.lambda_handler(event, self.context))

    @property
    def env(self) -> dict[str, str]:
        return {
            "DRY_RUN": "false",
            "STATE_TABLE": TABLE,
            "NOTIFICATIONS_TOPIC_ARN": self.topic_arn,
            "COPY_REGIONS": COPIES,
            "MAX_WAIT_HOURS": "48",
            "AWS_REGION": HOME,
        }

    def states(self, region: str = HOME) -> dict[str, str]:
        hsm = boto3.client("cloudhsmv2", region_name=region)
        return {b["BackupId"]: b["BackupState"] for b in hsm.describe_backups()["Backups"]}

    def copy_to_second_region(self, backup_id: str) -> str:
        self.fleet.cloudhsm.copy_backup_to_region(DestinationRegion=COPIES, BackupId=backup_id)
        there = boto3.client("cloudhsmv2", region_name=COPIES)
        return str(there.describe_backups(Filters={"sourceBackupIds": [backup_id]})["Backups"][0]["BackupId"])

    def record(self, purge_id: str, sk: str = "purge") -> dict[str, Any]:
        item = boto3.client("dynamodb", region_name=HOME).get_item(
            TableName=TABLE, Key={"pk": {"S": f"purge#{purge_id}"}, "sk": {"S": sk}}
        )["Item"]
        return item

    def notifications(self) -> list[dict[str, Any]]:
        return [json.loads(envelope["Message"]) for envelope in self.envelopes()]

    def envelopes(self) -> list[dict[str, Any]]:
        """The SNS messages as delivered: Subject and Message."""
        sqs = boto3.client("sqs", region_name=HOME)
        messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def is_pending(self, purge_id: str) -> bool:
        """Whether the scheduled check will look at the purge again (its pending marker)."""
        item = boto3.client("dynamodb", region_name=HOME).get_item(
            TableName=TABLE, Key={"pk": {"S": "pending-purge"}, "sk": {"S": purge_id}}
        )
        return "Item" in item

    def saved(self, purge_id: str) -> PurgeRecord:
        record = PurgeState(TABLE, HOME).get(purge_id)
        assert record is not None
        return record


@pytest.fixture
def world(fleet: Fleet, handler: Callable[..., ModuleType], context: FakeContext) -> PurgeWorld:
    boto3.client("dynamodb", region_name=HOME).create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    sns = boto3.client("sns", region_name=HOME)
    topic_arn = sns.create_topic(Name="steward-alerts")["TopicArn"]
    sqs = boto3.client("sqs", region_name=HOME)
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return PurgeWorld(fleet, handler, context, topic_arn, queue_url)


def key_removed(
    cluster_id: str,
    removed_at: datetime,
    key_created_at: datetime | None = None,
    immediate: bool | None = None,
) -> dict[str, Any]:
    event = load_event("steward-key-removed.json")
    event.update(account=ACCOUNT, region=HOME, time=removed_at.isoformat())
    detail: dict[str, Any] = {"clusterId": cluster_id, "removedAt": removed_at.isoformat()}
    if key_created_at is not None:
        detail["keyCreatedAt"] = key_created_at.isoformat()
    if immediate is not None:
        detail["immediate"] = immediate
    event["detail"] = detail
    return event


def purge_id(cluster_id: str, removed_at: datetime) -> str:
    return f"purge-{cluster_id}-{removed_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def schedule() -> dict[str, Any]:
    event = load_event("retention-schedule.json")
    event["time"] = datetime.now(UTC).isoformat()
    return event


def undo_event(purge: str) -> dict[str, Any]:
    event = load_event("steward-purge-undo.json")
    event.update(account=ACCOUNT, region=HOME, detail={"purgeId": purge})
    return event


def actions(summary: dict[str, Any]) -> dict[str, int]:
    return dict(summary["counts"].get("cloudhsm", {}))


# --- the purge ------------------------------------------------------------------------------------


def test_a_removal_deletes_every_key_bearing_backup_and_its_copies_and_keeps_the_rest(
    world: PurgeWorld,
) -> None:
    # Given a cluster with backups before the key existed, while it existed, and after its removal
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    before_key = fleet.hsm_backup(hsm, age_days=40)
    holds_key = [fleet.hsm_backup(hsm, age_days=age) for age in (20, 10, 3)]
    clean = fleet.hsm_backup(hsm, age_days=1)
    copy_of_key_bearing = world.copy_to_second_region(holds_key[0])
    copy_of_clean = world.copy_to_second_region(clean)

    # When the operator reports the removal
    summary = world.invoke(key_removed(hsm, removed_at, key_created_at=fleet.ago(30)))

    # Then the key-bearing backups and their copy are pending deletion, and nothing else changed
    home = world.states()
    assert {b: home[b] for b in holds_key} == dict.fromkeys(holds_key, "PENDING_DELETION")
    assert (home[before_key], home[clean]) == ("READY", "READY")
    assert world.states(COPIES) == {copy_of_key_bearing: "PENDING_DELETION", copy_of_clean: "READY"}
    (purge,) = summary["purges"]
    assert purge["status"] == "done"
    assert purge["proceeded"] == "clean-restore-point"
    assert sorted(b["backupId"] for b in purge["purgedBackups"][HOME]) == sorted(holds_key)
    assert [b["backupId"] for b in purge["purgedBackups"][COPIES]] == [copy_of_key_bearing]
    assert all(b["restorableUntil"] for b in purge["purgedBackups"][HOME])


def test_every_purge_is_a_record_and_a_notification(world: PurgeWorld) -> None:
    # Given a cluster with one key-bearing backup and a clean one
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    old = fleet.hsm_backup(hsm, age_days=5)
    fleet.hsm_backup(hsm, age_days=1)

    # When the removal is reported
    world.invoke(key_removed(hsm, removed_at))

    # Then DynamoDB holds the purge, and the notification names cluster, trigger and backups
    record = world.record(purge_id(hsm, removed_at))
    assert record["status"]["S"] == "done"
    assert record["trigger"]["S"] == "operator"
    (message,) = world.notifications()
    assert message["purgeId"] == purge_id(hsm, removed_at)
    assert message["cluster"] == hsm
    assert message["trigger"] == "operator"
    assert [b["backupId"] for b in message["purgedBackups"][HOME]] == [old]
    assert message["pending"] == []


def test_the_same_removal_delivered_three_times_is_one_purge(world: PurgeWorld) -> None:
    # Given a key-bearing backup and a clean one
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    fleet.hsm_backup(hsm, age_days=5)
    fleet.hsm_backup(hsm, age_days=1)
    event = key_removed(hsm, removed_at)

    # When the same event arrives three times
    first = world.invoke(event)
    second = world.invoke(event)
    third = world.invoke(event)

    # Then one purge deleted one backup; the others were recorded as duplicates
    assert actions(first)["deleted"] == 1
    assert "deleted" not in actions(second)
    assert [n["reason"] for n in third["notApplicable"]] == ["duplicate"]
    assert world.record(purge_id(hsm, removed_at))["deliveries"]["N"] == "3"
    assert len(world.notifications()) == 1


def test_a_cluster_restored_from_a_key_bearing_backup_is_flagged(world: PurgeWorld) -> None:
    # Given a cluster initialised from a backup that holds the key
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    old = fleet.hsm_backup(hsm, age_days=5)
    fleet.hsm_backup(hsm, age_days=1)
    restored = fakeaws.cloudhsm.create_cluster_from_backup(ACCOUNT, HOME, old)

    # When the removal is reported
    summary = world.invoke(key_removed(hsm, removed_at))

    # Then the restored cluster is reported, not touched
    (purge,) = summary["purges"]
    assert purge["flaggedClusters"] == [{"cluster_id": restored, "region": HOME, "from_backup": old}]
    assert world.notifications()[0]["flaggedClusters"][0]["cluster_id"] == restored


def test_a_purge_waits_for_a_clean_restore_point_then_deletes_on_the_scheduled_check(
    world: PurgeWorld,
) -> None:
    # Given a removal an hour ago and no backup taken since
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(1 / 24)
    old = fleet.hsm_backup(hsm, age_days=3)
    auto = fleet.hsm_backups_of(hsm)  # CreateCluster's own backup: taken now, after the removal
    for backup_id in auto:
        if backup_id != old:
            fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, backup_id, "CREATE_IN_PROGRESS")

    # When the removal is reported
    waiting = world.invoke(key_removed(hsm, removed_at))

    # Then nothing is deleted and the purge is pending, waiting for a clean backup
    assert world.states()[old] == "READY"
    (purge,) = waiting["purges"]
    assert purge["status"] == "pending"
    assert [p["reason"] for p in purge["pending"]] == ["waiting-for-clean-backup"]

    # When CloudHSM's next backup is READY and the schedule checks again
    for backup_id in auto:
        if backup_id != old:
            fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, backup_id, "READY")
    checked = world.invoke(schedule())

    # Then the old backup is deleted and the purge is done
    assert world.states()[old] == "PENDING_DELETION"
    assert checked["purges"][0]["status"] == "done"
    assert world.invoke(schedule())["purges"] == []


def _no_clean_backup(world: PurgeWorld, hsm: str, keep: str) -> None:
    for backup_id in world.fleet.hsm_backups_of(hsm):
        if backup_id != keep:
            fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, backup_id, "CREATE_IN_PROGRESS")


def test_after_the_maximum_wait_a_purge_proceeds_and_says_so(world: PurgeWorld) -> None:
    # Given a removal 49 hours ago (maximum wait 48) and still no clean backup
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    old = fleet.hsm_backup(hsm, age_days=5)
    _no_clean_backup(world, hsm, old)

    # When the removal is reported
    summary = world.invoke(key_removed(hsm, fleet.ago(49 / 24)))

    # Then it deletes anyway, and the notification is an alert
    assert world.states()[old] == "PENDING_DELETION"
    assert summary["purges"][0]["proceeded"] == "max-wait-elapsed"
    assert world.notifications()[0]["plan"] == "max-wait-elapsed"


def test_immediate_skips_the_wait(world: PurgeWorld) -> None:
    # Given no clean backup
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    old = fleet.hsm_backup(hsm, age_days=5)
    _no_clean_backup(world, hsm, old)

    # When the operator asks for an immediate purge
    summary = world.invoke(key_removed(hsm, fleet.ago(1 / 24), immediate=True))

    # Then it deletes now
    assert world.states()[old] == "PENDING_DELETION"
    assert summary["purges"][0]["proceeded"] == "immediate"


def test_a_backup_being_created_during_the_removal_is_deleted_once_ready(world: PurgeWorld) -> None:
    # Given a backup that started before the removal and is still being created, and a clean one
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(0.5)
    in_flight = fleet.hsm_backup(hsm, age_days=0.51, state="CREATE_IN_PROGRESS")

    # When the removal is reported
    first = world.invoke(key_removed(hsm, removed_at))

    # Then it waits for that backup, and deletes it on the check after it is READY
    assert [p["reason"] for p in first["purges"][0]["pending"]] == ["create-in-progress"]
    fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, in_flight, "READY")
    checked = world.invoke(schedule())
    assert world.states()[in_flight] == "PENDING_DELETION"
    assert checked["purges"][0]["status"] == "done"


def test_never_expires_does_not_protect_a_key_bearing_backup_and_is_reported(
    world: PurgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a pinned key-bearing backup
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    pinned = fleet.hsm_backup(hsm, age_days=5, never_expires=True)

    # When the removal is reported
    world.invoke(key_removed(hsm, fleet.ago(2)))

    # Then it is deleted and its decision says it was pinned
    assert world.states()[pinned] == "PENDING_DELETION"
    assert "NeverExpires=true" in logged_decisions(capsys)[pinned]["detail"]


def test_if_delete_backup_refuses_a_pinned_backup_steward_clears_the_pin_and_retries(
    world: PurgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a pinned key-bearing backup, and a service that refuses to delete pinned backups
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    pinned = fleet.hsm_backup(hsm, age_days=5, never_expires=True)
    fakeaws.faults.inject(
        "cloudhsmv2", "DeleteBackup", "CloudHsmInvalidRequestException", times=1, match={"BackupId": pinned}
    )

    # When the removal is reported
    world.invoke(key_removed(hsm, fleet.ago(2)))

    # Then NeverExpires was cleared, the backup deleted, and the report says so
    backup = fleet.cloudhsm.describe_backups(Filters={"backupIds": [pinned]})["Backups"][0]
    assert (backup["BackupState"], backup["NeverExpires"]) == ("PENDING_DELETION", False)
    assert logged_decisions(capsys)[pinned]["reason"] == "never-expires-cleared"


def test_a_throttled_delete_fails_the_invocation_after_the_rest_and_is_retried_on_the_next_check(
    world: PurgeWorld,
) -> None:
    # Given two key-bearing backups, and DeleteBackup throttled for one of them past botocore's retries
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    throttled = fleet.hsm_backup(hsm, age_days=5)
    other = fleet.hsm_backup(hsm, age_days=4)
    attempts = CallLimits.within(30).attempts  # every attempt of one call, at the default margin
    fakeaws.faults.inject(
        "cloudhsmv2", "DeleteBackup", "ThrottlingException", times=attempts, match={"BackupId": throttled}
    )

    # When the removal is reported, the invocation fails, but only after the other backup went
    with pytest.raises(PurgeFailed, match="ThrottlingException"):
        world.invoke(key_removed(hsm, removed_at))
    assert (world.states()[throttled], world.states()[other]) == ("READY", "PENDING_DELETION")
    assert world.record(purge_id(hsm, removed_at))["status"]["S"] == "pending"

    # Then the scheduled check finishes the purge
    checked = world.invoke(schedule())
    assert world.states()[throttled] == "PENDING_DELETION"
    assert checked["purges"][0]["status"] == "done"


def test_dry_run_reports_the_plan_and_deletes_nothing(world: PurgeWorld) -> None:
    # Given a key-bearing backup
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    old = fleet.hsm_backup(hsm, age_days=5)

    # When the removal is reported in dry-run mode
    summary = world.invoke(key_removed(hsm, removed_at), DRY_RUN="true")

    # Then the plan is reported and recorded as a dry run, and nothing is deleted
    assert actions(summary)["would-delete"] == 1
    assert world.states()[old] == "READY"
    assert world.record(purge_id(hsm, removed_at), sk="dry-run")["status"]["S"] == "dry-run"
    assert world.invoke(schedule())["purges"] == []


# --- the KMS triggers -----------------------------------------------------------------------------


def _hsm_key(world: PurgeWorld, hsm: str) -> str:
    kms = boto3.client("kms", region_name=HOME)
    store = kms.create_custom_key_store(
        CustomKeyStoreName="payments",
        CloudHsmClusterId=hsm,
        TrustAnchorCertificate="-----BEGIN CERTIFICATE-----",
        KeyStorePassword="kmsuser-password",
    )["CustomKeyStoreId"]
    key_arn = str(kms.create_key(CustomKeyStoreId=store, Origin="AWS_CLOUDHSM")["KeyMetadata"]["Arn"])
    _moto_key(key_arn).creation_date = world.fleet.ago(30).timestamp()  # a key created a month ago
    return key_arn


def _moto_key(key_arn: str) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[ACCOUNT][HOME].keys[key_arn.rsplit("/", 1)[1]]


def _kms_event(name: str, key_arn: str, when: datetime) -> dict[str, Any]:
    event = json.loads(
        json.dumps(load_event(name))
        .replace("arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", key_arn)
        .replace("1234abcd-12ab-34cd-56ef-1234567890ab", key_arn.rsplit("/", 1)[1])
        .replace("111122223333", ACCOUNT)
        .replace("us-west-2", HOME)
    )
    event["time"] = when.isoformat()
    if "eventTime" in event["detail"]:
        event["detail"]["eventTime"] = when.isoformat()
    return event


def _published(name: str, key_arn: str, when: datetime) -> dict[str, Any]:
    """A published KMS record as this account would see it: its key, region, account and time."""
    event = load_event(name)
    # CloudTrail records name the key in detail.resources; KMS's own events in resources.
    published_arn = (
        event["detail"]["resources"][0]["ARN"] if "resources" in event["detail"] else event["resources"][0]
    )
    text = (
        json.dumps(event)
        .replace(published_arn, key_arn)
        .replace(published_arn.rsplit("/", 1)[1], key_arn.rsplit("/", 1)[1])
        .replace("111122223333", ACCOUNT)
    )
    event = json.loads(text)
    event.update(region=HOME, time=when.isoformat())
    if "eventTime" in event["detail"]:
        event["detail"].update(awsRegion=HOME, eventTime=when.isoformat())
    return event


def test_the_cloudhsm_key_store_schedule_key_deletion_record_leads_to_a_purge_from_the_key_creation(
    world: PurgeWorld,
) -> None:
    # Given a key created 30 days ago in a CloudHSM key store, a backup from before the key and
    # one from after
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    key_arn = _hsm_key(world, hsm)
    before_the_key = fleet.hsm_backup(hsm, age_days=40)
    holding_the_key = fleet.hsm_backup(hsm, age_days=5)

    # When the KMS guide's CloudHSM key store ScheduleKeyDeletion record arrives
    # ("deletionDate": "Nov 2, 2021, 11:25:25 PM"), then KMS CMK Deletion once KMS forgot the key
    scheduled = world.invoke(_published("kms-schedulekeydeletion-cloudhsm.json", key_arn, fleet.ago(9)))
    _forget_in_kms(key_arn)
    deleted = world.invoke(_published("kms-cmk-deletion.json", key_arn, fleet.ago(1)))

    # Then the key's cluster was recorded, and the purge spares the backup older than the key
    assert scheduled["counts"]["cloudhsm"] == {"kept": 1}
    assert deleted["purges"][0]["cluster"] == hsm
    assert deleted["purges"][0]["keyCreatedAt"] is not None
    assert world.states()[holding_the_key] == "PENDING_DELETION"
    assert world.states()[before_the_key] == "READY"


def test_a_schedule_key_deletion_without_deletion_date_does_not_break_the_later_deletion(
    world: PurgeWorld,
) -> None:
    # Given the KMS guide's multi-Region ScheduleKeyDeletion record, which has no deletionDate
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    key_arn = _hsm_key(world, hsm)
    old = fleet.hsm_backup(hsm, age_days=5)
    world.invoke(_published("kms-schedulekeydeletion-multi-region.json", key_arn, fleet.ago(9)))
    _forget_in_kms(key_arn)

    # When KMS CMK Deletion arrives
    summary = world.invoke(_published("kms-cmk-deletion.json", key_arn, fleet.ago(1)))

    # Then the stored key record is read back and the purge goes ahead
    assert summary["purges"][0]["cluster"] == hsm
    assert world.states()[old] == "PENDING_DELETION"


def test_a_kms_key_deletion_purges_its_cluster_once_whichever_triggers_deliver_it(world: PurgeWorld) -> None:
    # Given a KMS key in a CloudHSM key store whose deletion was scheduled (Steward recorded it)
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    key_arn = _hsm_key(world, hsm)
    deleted_at = fleet.ago(2)
    old = fleet.hsm_backup(hsm, age_days=5)
    world.invoke(_kms_event("kms-schedulekeydeletion.json", key_arn, fleet.ago(9)))

    # When KMS CMK Deletion arrives twice, then the CloudTrail DeleteKey
    cmk = _kms_event("kms-cmk-deletion.json", key_arn, deleted_at)
    first = world.invoke(cmk)
    world.invoke(cmk)
    delete_key = _kms_event("kms-deletekey-cloudhsm.json", key_arn, deleted_at)
    delete_key["detail"]["additionalEventData"]["clusterId"] = hsm
    last = world.invoke(delete_key)

    # Then one purge, for the recorded cluster, deleted the backup
    assert world.states()[old] == "PENDING_DELETION"
    assert first["purges"][0]["cluster"] == hsm
    assert first["purges"][0]["trigger"] == "kms-cmk-deletion"
    assert [n["reason"] for n in last["notApplicable"]] == ["duplicate"]
    assert len(world.notifications()) == 1


def test_a_cancelled_key_deletion_is_forgotten(world: PurgeWorld) -> None:
    # Given a key whose deletion was scheduled, then cancelled
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    key_arn = _hsm_key(world, hsm)
    old = fleet.hsm_backup(hsm, age_days=5)
    world.invoke(_kms_event("kms-schedulekeydeletion.json", key_arn, fleet.ago(9)))
    world.invoke(_kms_event("kms-cancelkeydeletion.json", key_arn, fleet.ago(8)))
    _forget_in_kms(key_arn)  # KMS deleted it: DescribeKey no longer knows it

    # When a stray KMS CMK Deletion arrives
    summary = world.invoke(_kms_event("kms-cmk-deletion.json", key_arn, fleet.ago(1)))

    # Then nothing is purged, and the record says why
    assert world.states()[old] == "READY"
    assert [n["reason"] for n in summary["notApplicable"]] == ["key-cluster-unknown"]


def _forget_in_kms(key_arn: str) -> None:
    from moto.kms.models import kms_backends

    kms_backends[ACCOUNT][HOME].keys.pop(key_arn.rsplit("/", 1)[1], None)


def test_delete_key_outside_a_cloudhsm_key_store_changes_nothing(world: PurgeWorld) -> None:
    # Given a cluster with backups
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    old = fleet.hsm_backup(hsm, age_days=5)

    # When KMS deletes a key that was not in a CloudHSM key store
    summary = world.invoke(load_event("kms-deletekey-standard.json"))

    # Then nothing changes, and the reason is recorded
    assert world.states()[old] == "READY"
    assert [n["reason"] for n in summary["notApplicable"]] == ["not-in-cloudhsm-key-store"]


def test_an_unknown_cluster_is_never_purged(world: PurgeWorld) -> None:
    # Given a cluster with backups, and a removal reported for another cluster
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    old = fleet.hsm_backup(hsm, age_days=5)

    # When the removal names a cluster that does not exist
    summary = world.invoke(key_removed("cluster-doesnotexist2", fleet.ago(2)))

    # Then nothing is purged, and the record says why
    assert world.states()[old] == "READY"
    assert [n["reason"] for n in summary["notApplicable"]] == ["unknown-cluster"]
    assert world.notifications() == []


def test_an_audit_log_line_that_is_not_a_key_removal_changes_nothing(world: PurgeWorld) -> None:
    # Given the sample audit-log delivery without a key deletion
    summary = world.invoke(load_event("hsm-audit-other.json"))

    # Then it is recorded as not applicable
    assert summary["purges"] == []
    assert summary["notApplicable"]


def test_an_event_with_missing_fields_fails_the_invocation_and_changes_nothing(world: PurgeWorld) -> None:
    # Given an operator event without removedAt
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    old = fleet.hsm_backup(hsm, age_days=5)
    event = key_removed(hsm, fleet.ago(2))
    del event["detail"]["removedAt"]

    # When it arrives, Then the error names the field and nothing changed
    with pytest.raises(InvalidEvent, match="removedAt"):
        world.invoke(event)
    assert world.states()[old] == "READY"


# --- undo -----------------------------------------------------------------------------------------


def _purged(world: PurgeWorld) -> tuple[str, list[str], str]:
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    old = [fleet.hsm_backup(hsm, age_days=age) for age in (6, 5)]
    copy = world.copy_to_second_region(old[0])
    world.invoke(key_removed(hsm, removed_at))
    return purge_id(hsm, removed_at), old, copy


def test_an_undo_inside_the_window_restores_every_backup_the_purge_deleted(world: PurgeWorld) -> None:
    # Given a purge that deleted two backups and a copy
    purge, old, copy = _purged(world)

    # When the operator undoes it
    summary = world.invoke(undo_event(purge))

    # Then all are READY again, and the purge is recorded as undone
    assert {b: world.states()[b] for b in old} == dict.fromkeys(old, "READY")
    assert world.states(COPIES)[copy] == "READY"
    assert actions(summary)["restored"] == 3
    assert world.record(purge)["status"]["S"] == "undone"


def test_an_undo_outside_the_window_reports_those_backups_unrecoverable(world: PurgeWorld) -> None:
    # Given a purge, one of whose backups is past its 7-day window
    purge, old, _ = _purged(world)
    fakeaws.cloudhsm.set_backup_state(
        ACCOUNT, HOME, old[0], "PENDING_DELETION", datetime.now(UTC) - timedelta(1)
    )

    # When the operator undoes it
    summary = world.invoke(undo_event(purge))

    # Then the others are restored and that one is reported unrecoverable
    assert world.states()[old[1]] == "READY"
    assert world.states()[old[0]] == "DELETED"
    assert [b["backupId"] for b in summary["purges"][0]["unrecoverable"]] == [old[0]]


def test_an_unknown_purge_id_restores_nothing_and_says_so(world: PurgeWorld) -> None:
    summary = world.invoke(undo_event("purge-cluster-nosuchcluster-20260101T000000Z"))
    assert [n["reason"] for n in summary["notApplicable"]] == ["unknown-purge"]


# --- dry run against real purges ------------------------------------------------------------------


def _waiting_purge(world: PurgeWorld) -> tuple[str, str, str]:
    """A real purge waiting for a clean restore point: (cluster, purge id, key-bearing backup)."""
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(1 / 24)
    old = fleet.hsm_backup(hsm, age_days=3)
    _no_clean_backup(world, hsm, old)
    world.invoke(key_removed(hsm, removed_at))
    return hsm, purge_id(hsm, removed_at), old


def _clean_backup_ready(world: PurgeWorld, hsm: str, old: str) -> None:
    for backup_id in world.fleet.hsm_backups_of(hsm):
        if backup_id != old:
            fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, backup_id, "READY")


def test_a_dry_run_check_reports_a_real_pending_purge_and_leaves_it_pending(world: PurgeWorld) -> None:
    # Given a real purge that can now go ahead (its clean restore point is READY)
    hsm, purge, old = _waiting_purge(world)
    _clean_backup_ready(world, hsm, old)

    # When the schedule checks in dry-run mode
    dry = world.invoke(schedule(), DRY_RUN="true")

    # Then it reports what it would delete, and the backup, the record and its marker are untouched
    assert actions(dry)["would-delete"] == 1
    assert world.states()[old] == "READY"
    assert world.record(purge)["status"]["S"] == "pending"
    assert world.is_pending(purge)

    # When the live check runs, Then it deletes the backup and finishes the purge
    live = world.invoke(schedule())
    assert world.states()[old] == "PENDING_DELETION"
    assert live["purges"][0]["status"] == "done"


# --- a save that fails or loses -------------------------------------------------------------------


def _final_save(code: str, times: int = 1) -> None:
    """Fail the save after the deletes: a new purge is opened at version 0, and the backups it is
    about to delete are saved at version 1, so the save after DeleteBackup reads version 1."""
    fakeaws.faults.inject(
        "dynamodb",
        "PutItem",
        code,
        times=times,
        match={"ExpressionAttributeValues": {":read": {"N": "1"}}},  # type: ignore[dict-item]
    )


def _purge_whose_save_fails(world: PurgeWorld) -> tuple[str, list[str]]:
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    old = [fleet.hsm_backup(hsm, age_days=age) for age in (6, 5)]
    fleet.hsm_backup(hsm, age_days=1)
    _final_save("AccessDeniedException")
    with pytest.raises(PurgeFailed, match=r"failed:AccessDeniedException \(saving the purge failed"):
        world.invoke(key_removed(hsm, removed_at))
    assert [world.states()[b] for b in old] == ["PENDING_DELETION"] * 2
    return purge_id(hsm, removed_at), old


def test_backups_deleted_by_a_run_whose_save_failed_can_still_be_undone(world: PurgeWorld) -> None:
    # Given a purge that deleted two backups, then failed to record it
    purge, old = _purge_whose_save_fails(world)

    # When the operator undoes it
    world.invoke(undo_event(purge))

    # Then both are READY again: the purge wrote what it was about to delete before deleting
    assert [world.states()[b] for b in old] == ["READY"] * 2


def test_the_check_after_a_failed_save_records_those_backups_as_purged_not_already_gone(
    world: PurgeWorld,
) -> None:
    # Given a purge that deleted two backups, then failed to record it (so it is still pending)
    purge, old = _purge_whose_save_fails(world)
    assert world.is_pending(purge)

    # When the schedule checks it again
    checked = world.invoke(schedule())

    # Then those backups are the purge's own deletions, and the purge is done
    (summary,) = checked["purges"]
    assert sorted(b["backupId"] for b in summary["purgedBackups"][HOME]) == sorted(old)
    assert summary["alreadyPendingDeletion"] == []
    assert summary["status"] == "done"


def test_a_save_lost_to_a_concurrent_writer_is_merged_and_retried_not_assumed(world: PurgeWorld) -> None:
    # Given a key-bearing backup, a clean one, and a concurrent writer winning each first save
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    old = fleet.hsm_backup(hsm, age_days=5)
    fleet.hsm_backup(hsm, age_days=1)
    for version in ("0", "1"):  # the first try of each save loses
        fakeaws.faults.inject(
            "dynamodb",
            "PutItem",
            "ConditionalCheckFailedException",
            times=1,
            match={"ExpressionAttributeValues": {":read": {"N": version}}},  # type: ignore[dict-item]
        )

    # When the removal is reported
    world.invoke(key_removed(hsm, removed_at))

    # Then the record that is saved says what was deleted, and only then is the purge finished
    saved = world.saved(purge_id(hsm, removed_at))
    assert (saved.status, [b.backup_id for b in saved.deleted]) == ("done", [old])
    assert not world.is_pending(purge_id(hsm, removed_at))


def test_an_update_that_loses_a_race_reapplies_its_change_to_the_newer_record(world: PurgeWorld) -> None:
    # Given a purge record read by this invocation, then changed by another (a second delivery)
    state = PurgeState(TABLE, HOME)
    now = datetime.now(UTC)
    state.open(
        PurgeRecord(
            purge_id="purge-race",
            removal_id="cluster/cluster-race/now",
            cluster_id="cluster-race",
            region=HOME,
            trigger="operator",
            removed_at=now,
            dry_run=False,
            status="pending",
            opened_at=now,
            updated_at=now,
            source_event_id="event-1",
        )
    )
    stale = world.saved("purge-race")
    state.count_delivery("purge-race")

    # When this invocation saves its change based on what it read
    deleted = PurgedBackup(backup_id="backup-1", region=HOME)
    saved = state.update(stale, lambda current: current.model_copy(update={"deleted": [deleted]}))

    # Then both changes are kept: nothing was written over the newer record
    assert (saved.deliveries, saved.deleted) == (2, [deleted])
    assert world.saved("purge-race") == saved


# --- operator mistakes ----------------------------------------------------------------------------


def test_a_removal_in_the_future_is_refused_and_deletes_nothing(world: PurgeWorld) -> None:
    # Given a cluster with backups, and an operator who typed next year for removedAt
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    backups = [fleet.hsm_backup(hsm, age_days=age) for age in (5, 1)]
    event = key_removed(hsm, datetime.now(UTC) + timedelta(days=365), immediate=True)
    event["time"] = datetime.now(UTC).isoformat()

    # When it arrives, Then the refusal says why and nothing is deleted
    summary = world.invoke(event)
    assert summary["notApplicable"][0]["reason"] == "future-removal"
    assert "no later than" in summary["notApplicable"][0]["detail"]
    assert {world.states()[b] for b in backups} == {"READY"}


# --- steward:hold ---------------------------------------------------------------------------------


def test_a_held_key_bearing_backup_is_kept_and_the_purge_stays_pending_with_an_alert(
    world: PurgeWorld,
) -> None:
    # Given two key-bearing backups, one under a legal hold, and a clean one
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    removed_at = fleet.ago(2)
    held = fleet.hsm_backup(hsm, age_days=5, tags={"steward:hold": "LEGAL-7"})
    other = fleet.hsm_backup(hsm, age_days=4)
    fleet.hsm_backup(hsm, age_days=1)

    # When the removal is reported
    summary = world.invoke(key_removed(hsm, removed_at))

    # Then the held backup is kept, the purge is not done, and the alert says the key remains
    assert (world.states()[held], world.states()[other]) == ("READY", "PENDING_DELETION")
    (purge,) = summary["purges"]
    assert purge["status"] == "pending"
    assert [b["backupId"] for b in purge["heldBackups"]] == [held]
    (envelope,) = world.envelopes()
    assert "held backup(s) still hold the key" in envelope["Subject"]
    assert [b["backupId"] for b in json.loads(envelope["Message"])["heldBackups"]] == [held]
    assert world.is_pending(purge_id(hsm, removed_at))


def test_a_held_backup_is_reported_as_kept_for_the_hold(
    world: PurgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a key-bearing backup under a hold with an empty value (still a hold)
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    held = fleet.hsm_backup(hsm, age_days=5, tags={"steward:hold": ""})
    fleet.hsm_backup(hsm, age_days=1)

    # When the removal is reported
    world.invoke(key_removed(hsm, fleet.ago(2)))

    # Then its decision is kept, for the hold
    decision = logged_decisions(capsys)[held]
    assert (decision["action"], decision["reason"]) == ("kept", "hold")


def test_a_hold_on_the_cluster_keeps_its_backups_and_their_copies(world: PurgeWorld) -> None:
    # Given a held cluster with a key-bearing backup copied to the second region
    fleet = world.fleet
    hsm = fleet.hsm_cluster(tags={"steward:hold": "true"})
    old = fleet.hsm_backup(hsm, age_days=5)
    fleet.hsm_backup(hsm, age_days=1)
    copy = world.copy_to_second_region(old)

    # When the removal is reported
    summary = world.invoke(key_removed(hsm, fleet.ago(2)))

    # Then neither is deleted, and the purge waits on both
    assert (world.states()[old], world.states(COPIES)[copy]) == ("READY", "READY")
    assert sorted(b["backupId"] for b in summary["purges"][0]["heldBackups"]) == sorted([old, copy])


def test_once_the_hold_is_lifted_the_next_check_finishes_the_purge(world: PurgeWorld) -> None:
    # Given a purge left pending by a held backup
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    held = fleet.hsm_backup(hsm, age_days=5, tags={"steward:hold": "LEGAL-7"})
    fleet.hsm_backup(hsm, age_days=1)
    world.invoke(key_removed(hsm, fleet.ago(2)))

    # When the hold is lifted and the schedule checks
    fleet.cloudhsm.untag_resource(ResourceId=held, TagKeyList=["steward:hold"])
    checked = world.invoke(schedule())

    # Then the backup is deleted and the purge is done
    assert world.states()[held] == "PENDING_DELETION"
    assert checked["purges"][0]["status"] == "done"


# --- AWS failures stop one item, not the run --------------------------------------------------------


def test_a_purge_whose_record_cannot_be_read_fails_alone_and_the_others_advance(
    world: PurgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two pending purges that can now go ahead, and one whose record cannot be read
    waiting = sorted([_waiting_purge(world), _waiting_purge(world)], key=lambda w: w[1])
    for hsm, _, old in waiting:
        _clean_backup_ready(world, hsm, old)
    (_, unreadable, stuck), (_, readable, purged) = waiting
    fakeaws.faults.inject(
        "dynamodb",
        "GetItem",
        "AccessDeniedException",
        match={"Key": {"pk": {"S": f"purge#{unreadable}"}, "sk": {"S": "purge"}}},  # type: ignore[dict-item]
    )

    # When the schedule checks, Then the invocation fails, but only after the other purge went ahead
    with pytest.raises(PurgeFailed, match="AccessDeniedException"):
        world.invoke(schedule())
    assert (world.states()[stuck], world.states()[purged]) == ("READY", "PENDING_DELETION")
    assert world.saved(readable).status == "done"

    # And the decision log went out, with the failure in it
    decisions = logged_decisions(capsys)
    assert decisions[unreadable]["reason"] == "failed:AccessDeniedException"
    assert decisions[purged]["action"] == "deleted"


def test_a_kms_failure_while_recording_a_key_is_that_events_failure_and_is_logged(
    world: PurgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a key in a CloudHSM key store, and DescribeKey denied
    hsm = world.fleet.hsm_cluster()
    key_arn = _hsm_key(world, hsm)
    fakeaws.faults.inject("kms", "DescribeKey", "AccessDeniedException")

    # When its deletion is scheduled, Then the invocation fails with the decision logged
    with pytest.raises(PurgeFailed, match="AccessDeniedException"):
        world.invoke(_kms_event("kms-schedulekeydeletion.json", key_arn, world.fleet.ago(1)))
    assert logged_decisions(capsys)[key_arn]["reason"] == "failed:AccessDeniedException"


def test_an_undo_whose_notification_fails_is_still_recorded_and_fails_the_invocation(
    world: PurgeWorld,
) -> None:
    # Given a purge, and SNS refusing to publish
    purge, old, _ = _purged(world)
    fakeaws.faults.inject("sns", "Publish", "AuthorizationError")

    # When the operator undoes it, Then the invocation fails after the undo was done and recorded
    with pytest.raises(PurgeFailed, match="AuthorizationError"):
        world.invoke(undo_event(purge))
    assert [world.states()[b] for b in old] == ["READY"] * 2
    assert world.record(purge)["status"]["S"] == "undone"


# --- audit log, metrics ---------------------------------------------------------------------------


def _guide_lifecycle(world: PurgeWorld) -> tuple[dict[str, Any], str, str]:
    """The user guide's key-pair lifecycle (two CN_DESTROY_OBJECT deletions), logged a day ago by
    an HSM of a month-old cluster that holds a backup from before it; (delivery, group, backup)."""
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    fakeaws.cloudhsm.set_cluster_created(ACCOUNT, HOME, cluster, fleet.ago(30))
    hsm_id = fleet.cloudhsm.create_hsm(ClusterId=cluster, AvailabilityZone="us-east-1a")["Hsm"]["HsmId"]
    old = fleet.hsm_backup(cluster, age_days=5)
    event = load_event("hsm-audit-destroy-key.json")
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    for number, line in enumerate(payload["logEvents"]):
        at = fleet.ago(1) + timedelta(milliseconds=number)
        usecs = int(at.timestamp() * 1_000_000)
        line["timestamp"] = usecs // 1000
        line["message"] = re.sub(
            r"Time: [^\n]*", f"Time: {at:%m/%d/%y %H:%M:%S.%f}, usecs:{usecs}", line["message"]
        )
    group = f"/aws/cloudhsm/{cluster}"
    payload.update(owner=ACCOUNT, logGroup=group, logStream=hsm_id)
    event["awslogs"]["data"] = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return event, group, old


def test_an_audit_log_destroy_purges_the_backups_older_than_it_and_says_its_opcode(
    world: PurgeWorld,
) -> None:
    # Given the user guide's CN_DESTROY_OBJECT deletions on a cluster with an older backup
    delivery, group, old = _guide_lifecycle(world)

    # When its audit log delivers them
    summary = world.invoke(delivery, AUDIT_LOG_GROUPS=group)

    # Then the key-bearing backup is purged, and each purge says which opcode started it
    assert world.states()[old] == "PENDING_DELETION"
    assert [purge["opcode"] for purge in summary["purges"]] == ["CN_DESTROY_OBJECT"] * 2
    assert {n["opcode"] for n in world.notifications()} == {"CN_DESTROY_OBJECT"}


def test_an_opcode_left_out_of_purge_opcodes_starts_no_purge(world: PurgeWorld) -> None:
    # Given a deployment that purges on tombstones only, and the guide's CN_DESTROY_OBJECT deletions
    delivery, group, old = _guide_lifecycle(world)

    # When the audit log delivers them
    summary = world.invoke(delivery, AUDIT_LOG_GROUPS=group, PURGE_OPCODES="CN_TOMBSTONE_OBJECT")

    # Then nothing is purged, and each deletion says why
    assert world.states()[old] == "READY"
    assert summary["purges"] == []
    assert [n["reason"] for n in summary["notApplicable"]].count("opcode-not-purged") == 2


def test_key_purge_decisions_are_counted_under_their_own_metric(
    world: PurgeWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a key-bearing backup and a clean one
    fleet = world.fleet
    hsm = fleet.hsm_cluster()
    fleet.hsm_backup(hsm, age_days=5)
    fleet.hsm_backup(hsm, age_days=1)

    # When the removal is reported
    world.invoke(key_removed(hsm, fleet.ago(2)))

    # Then the decisions are KeyPurgeBackups, not retention's Backups
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    counted = {(m["service"], m["action"]): m["KeyPurgeBackups"] for m in emf if "KeyPurgeBackups" in m}
    assert counted[("cloudhsm", "deleted")] == [1.0]
    assert not [m for m in emf if "Backups" in m]
