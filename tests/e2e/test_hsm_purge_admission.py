"""Who can make the key purge act (issue 8, findings 1, 2 and 4): each attack through the handler is
refused, changes nothing and alerts; the legitimate path next to it still purges."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

import fakeaws
from sandbox.fleet import ACCOUNT, OTHER_ACCOUNT
from tests.conftest import load_event
from tests.e2e.test_hsm_purge_handler import (
    HOME,
    TABLE,
    PurgeWorld,
    _hsm_key,
    _kms_event,
    key_removed,
    world,
)

__all__ = ["world"]  # the fixture, shared with the handler's other end-to-end tests

MALLORY = "999999999999"
OPERATOR = f"arn:aws:sts::{ACCOUNT}:assumed-role/KeyCustodian/alice"


def state_items() -> list[dict[str, Any]]:
    return list(boto3.client("dynamodb", region_name=HOME).scan(TableName=TABLE)["Items"])


def audit_line(log_group: str, log_stream: str, removed_at: datetime, owner: str = ACCOUNT) -> dict[str, Any]:
    """The sample CN_TOMBSTONE_OBJECT delivery, from `log_stream` of `log_group`, at `removed_at`."""
    event = load_event("hsm-audit-tombstone-key.json")
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    usecs = int(removed_at.timestamp() * 1_000_000)
    line = payload["logEvents"][0]
    line["timestamp"] = usecs // 1000
    line["message"] = line["message"].replace(
        "Time: 12/13/17 23:09:04.813977, usecs:1513206544813977",
        f"Time: {removed_at:%m/%d/%y %H:%M:%S.%f}, usecs:{usecs}",
    )
    payload.update(owner=owner, logGroup=log_group, logStream=log_stream, logEvents=[line])
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode(), mtime=0)).decode()
    return {"awslogs": {"data": data}}


def cluster_with_an_hsm(world: PurgeWorld) -> tuple[str, str, list[str]]:
    """A month-old cluster with one HSM and two backups; (cluster id, HSM id, backup ids)."""
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    fakeaws.cloudhsm.set_cluster_created(ACCOUNT, HOME, cluster, fleet.ago(30))
    hsm_id = fleet.cloudhsm.create_hsm(ClusterId=cluster, AvailabilityZone="us-east-1a")["Hsm"]["HsmId"]
    backups = [fleet.hsm_backup(cluster, age_days=age) for age in (5, 3)]
    return cluster, str(hsm_id), backups


# --- finding 1: operator events are checked against the function's clock -------------------------


def test_a_future_removal_whose_event_time_matches_is_refused_changes_nothing_and_alerts(
    world: PurgeWorld,
) -> None:
    # Given a cluster with READY backups, and an event whose time and removedAt are both 2030-01-01
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    backups = [fleet.hsm_backup(cluster, age_days=age) for age in (5, 1)]
    event = key_removed(cluster, datetime(2030, 1, 1, tzinfo=UTC), immediate=True)
    assert event["time"] == event["detail"]["removedAt"]

    # When it arrives
    summary = world.invoke(event)

    # Then it is refused against the function's own clock: nothing deleted, no record, one alert
    [refused] = summary["notApplicable"]
    assert refused["reason"] == "future-removal"
    assert "2030-01-01" in refused["detail"] and "no later than" in refused["detail"]
    assert {world.states()[b] for b in backups} == {"READY"}
    assert state_items() == []
    [alert] = world.envelopes()
    assert "future-removal" in alert["Subject"]
    assert json.loads(alert["Message"])["cluster"] == cluster


def test_a_removal_within_the_clock_skew_still_purges(world: PurgeWorld) -> None:
    # Given an operator whose clock runs two minutes ahead
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    old = fleet.hsm_backup(cluster, age_days=5)
    event = key_removed(cluster, datetime.now(UTC) + timedelta(minutes=2), immediate=True)

    # When the removal arrives, Then the key-bearing backup is purged
    world.invoke(event)
    assert world.states()[old] == "PENDING_DELETION"


def test_the_senders_identity_is_in_the_purge_record_and_its_notification(world: PurgeWorld) -> None:
    # Given a removal sent by bin/steward, which adds the caller's STS identity
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    fleet.hsm_backup(cluster, age_days=5)
    removed_at = fleet.ago(1).replace(microsecond=0)
    event = key_removed(cluster, removed_at, immediate=True)
    event["detail"]["requestedBy"] = OPERATOR

    # When it arrives
    summary = world.invoke(event)

    # Then the record and the notification name who asked
    purge_id = summary["purges"][0]["purgeId"]
    assert world.saved(purge_id).requested_by == OPERATOR
    [notification] = world.notifications()
    assert notification["requestedBy"] == OPERATOR


def test_an_operator_in_another_account_admitted_by_the_bus_may_report_a_removal(world: PurgeWorld) -> None:
    # Given OperatorPrincipals names a role of another account: its events carry its own account
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    old = fleet.hsm_backup(cluster, age_days=5)
    event = key_removed(cluster, fleet.ago(1), immediate=True)
    event["account"] = OTHER_ACCOUNT

    # When it arrives on the operator bus, Then the purge acts here, in the function's account
    world.invoke(event)
    assert world.states()[old] == "PENDING_DELETION"


def test_an_operator_event_naming_another_region_is_refused(world: PurgeWorld) -> None:
    # Given an operator event whose region is not the function's (no bus here delivers it)
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    old = fleet.hsm_backup(cluster, age_days=5)
    event = key_removed(cluster, fleet.ago(1), immediate=True)
    event["region"] = "eu-west-1"

    # When it is invoked, Then it is refused and nothing changes
    summary = world.invoke(event)
    assert summary["notApplicable"][0]["reason"] == "other-region"
    assert world.states()[old] == "READY"
    assert state_items() == []


# --- finding 4: KMS events from another account ----------------------------------------------------


def test_a_kms_delete_key_from_another_account_naming_a_local_cluster_is_refused_and_alerts(
    world: PurgeWorld,
) -> None:
    # Given a local cluster with a key-bearing backup, and a DeleteKey event from account 999999999999
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    old = fleet.hsm_backup(cluster, age_days=5)
    key_arn = f"arn:aws:kms:{HOME}:{MALLORY}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    event = _kms_event("kms-deletekey-cloudhsm.json", key_arn, fleet.ago(1))
    event["account"] = MALLORY
    event["detail"]["additionalEventData"]["clusterId"] = cluster

    # When it is invoked
    summary = world.invoke(event)

    # Then it is refused as another account's, purges nothing, records nothing, and alerts
    [refused] = summary["notApplicable"]
    assert refused["reason"] == "other-account"
    assert MALLORY in refused["detail"] and ACCOUNT in refused["detail"]
    assert world.states()[old] == "READY"
    assert state_items() == []
    [alert] = world.envelopes()
    assert "looks forged" in alert["Subject"]
    assert json.loads(alert["Message"])["eventAccount"] == MALLORY


def test_a_local_delete_key_naming_another_accounts_key_is_refused(world: PurgeWorld) -> None:
    # Given a DeleteKey event of this account whose key ARN is another account's
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    old = fleet.hsm_backup(cluster, age_days=5)
    key_arn = f"arn:aws:kms:{HOME}:{MALLORY}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    event = _kms_event("kms-deletekey-cloudhsm.json", key_arn, fleet.ago(1))
    event["account"] = ACCOUNT
    event["detail"]["additionalEventData"]["clusterId"] = cluster

    # When it is invoked, Then it is refused and nothing changes
    summary = world.invoke(event)
    assert summary["notApplicable"][0]["reason"] == "other-account"
    assert world.states()[old] == "READY"


def test_a_local_kms_delete_key_still_purges(world: PurgeWorld) -> None:
    # Given this account's CloudHSM-backed key, deleted
    fleet = world.fleet
    cluster = fleet.hsm_cluster()
    key_arn = _hsm_key(world, cluster)
    old = fleet.hsm_backup(cluster, age_days=5)
    event = _kms_event("kms-deletekey-cloudhsm.json", key_arn, fleet.ago(1))
    event["detail"]["additionalEventData"]["clusterId"] = cluster

    # When DeleteKey arrives, Then the key-bearing backup is purged
    summary = world.invoke(event)
    assert summary["purges"][0]["cluster"] == cluster
    assert world.states()[old] == "PENDING_DELETION"


# --- finding 2: audit-log lines count only from the cluster's own HSMs -----------------------------


def test_an_audit_line_from_an_hsm_of_the_cluster_in_an_opted_in_group_starts_a_purge(
    world: PurgeWorld,
) -> None:
    # Given a month-old cluster with one HSM, its log group opted in
    cluster, hsm_id, (older, newer) = cluster_with_an_hsm(world)
    group = f"/aws/cloudhsm/{cluster}"
    event = audit_line(group, hsm_id, world.fleet.ago(4))

    # When that HSM logs a key deletion
    summary = world.invoke(event, AUDIT_LOG_GROUPS=group)

    # Then the purge is opened (the backup older than the removal is key-bearing)
    assert summary["purges"][0]["trigger"] == "hsm-audit-log"
    assert world.states()[older] == "PENDING_DELETION"
    assert world.states()[newer] == "READY"


def test_an_audit_line_under_a_stream_that_is_not_an_hsm_of_the_cluster_is_refused_and_alerts(
    world: PurgeWorld,
) -> None:
    # Given an opted-in group, and a line written under an invented stream name
    cluster, _, backups = cluster_with_an_hsm(world)
    group = f"/aws/cloudhsm/{cluster}"
    event = audit_line(group, "hsm-forgedstream1", world.fleet.ago(4))

    # When it is delivered
    summary = world.invoke(event, AUDIT_LOG_GROUPS=group)

    # Then it is refused, nothing changes, and the alert says it looks forged
    [refused] = summary["notApplicable"]
    assert refused["reason"] == "not-an-hsm-of-the-cluster"
    assert "hsm-forgedstream1" in refused["detail"]
    assert {world.states()[b] for b in backups} == {"READY"}
    assert state_items() == []
    [alert] = world.envelopes()
    assert "looks forged" in alert["Subject"]


def test_an_audit_line_from_a_log_group_that_was_not_opted_in_is_refused(world: PurgeWorld) -> None:
    # Given a real HSM's line, from a group the operator never named in AuditLogGroups
    cluster, hsm_id, backups = cluster_with_an_hsm(world)
    event = audit_line(f"/aws/cloudhsm/{cluster}", hsm_id, world.fleet.ago(4))

    # When it is delivered, Then it is refused and nothing changes
    summary = world.invoke(event, AUDIT_LOG_GROUPS="/aws/cloudhsm/cluster-otheropted1")
    assert summary["notApplicable"][0]["reason"] == "log-group-not-opted-in"
    assert {world.states()[b] for b in backups} == {"READY"}
    assert state_items() == []


def test_an_audit_line_dated_before_the_cluster_existed_or_in_the_future_is_refused(
    world: PurgeWorld,
) -> None:
    # Given a real HSM of a month-old cluster
    cluster, hsm_id, backups = cluster_with_an_hsm(world)
    group = f"/aws/cloudhsm/{cluster}"

    # When it logs a deletion dated before the cluster was created, and one a year ahead
    before = world.invoke(audit_line(group, hsm_id, world.fleet.ago(60)), AUDIT_LOG_GROUPS=group)
    ahead = audit_line(group, hsm_id, datetime.now(UTC) + timedelta(days=365))
    future = world.invoke(ahead, AUDIT_LOG_GROUPS=group)

    # Then both are refused and nothing changes
    assert before["notApplicable"][0]["reason"] == "outside-the-clusters-lifetime"
    assert future["notApplicable"][0]["reason"] == "future-removal"
    assert {world.states()[b] for b in backups} == {"READY"}
    assert state_items() == []


def test_an_audit_delivery_from_another_account_is_refused(world: PurgeWorld) -> None:
    # Given a delivery whose owner is another account
    cluster, hsm_id, backups = cluster_with_an_hsm(world)
    group = f"/aws/cloudhsm/{cluster}"
    event = audit_line(group, hsm_id, world.fleet.ago(4), owner=MALLORY)

    # When it is delivered, Then it is refused and nothing changes
    summary = world.invoke(event, AUDIT_LOG_GROUPS=group)
    assert summary["notApplicable"][0]["reason"] == "other-account"
    assert {world.states()[b] for b in backups} == {"READY"}
