"""RetentionFunction end to end: the sample schedule event through the handler, real boto3 calls on moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from steward.events.outcomes import InvalidEvent
from steward.machinery.report import SweepFailed
from steward.machinery.settings import SettingsError

import fakeaws
from sandbox.fleet import OTHER_ACCOUNT, Fleet
from sandbox.stack import stack_resources
from tests.conftest import FakeContext, load_event, logged_decisions
from tests.e2e.caches import Caches

LIVE = {"DRY_RUN": "false", "DEFAULT_RETENTION_DAYS": "30", "MIN_KEEP": "1"}


def schedule_now() -> dict[str, Any]:
    event = load_event("retention-schedule.json")
    event["time"] = datetime.now(UTC).isoformat()
    return event


def redshift_names(fleet: Fleet) -> set[str]:
    snapshots = fleet.redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]
    return {s["SnapshotIdentifier"] for s in snapshots}


def hsm_states(fleet: Fleet) -> dict[str, str]:
    return {b["BackupId"]: b["BackupState"] for b in fleet.cloudhsm.describe_backups()["Backups"]}


def one_expired_one_recent(caches: Caches) -> None:
    """cache-a with cache-old (100 days, expired under a 30-day default) and cache-new (1 day)."""
    cache = caches.cache("cache-a")
    caches.snapshot(cache, "cache-old", age_days=100)
    caches.snapshot(cache, "cache-new", age_days=1)


@pytest.fixture
def retention(handler: Callable[..., ModuleType], aws: None) -> Callable[..., ModuleType]:
    # The StateTable, where the sweep remembers each cluster's last steward:* tags.
    table = stack_resources("us-east-1")["STATE_TABLE"]
    return lambda **env: handler("retention", **{**LIVE, "STATE_TABLE": table, **env})


def test_dry_run_reports_what_would_be_deleted_and_deletes_nothing(
    fleet: Fleet,
    caches: Caches,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given an expired snapshot in each service, each behind a newer one
    cluster = caches.cache("cache-a")
    caches.snapshot(cluster, "cache-a-old", age_days=90)
    caches.snapshot(cluster, "cache-a-new", age_days=1)
    fleet.redshift_cluster("dw")
    fleet.redshift_snapshot("dw", "dw-old", age_days=90)
    fleet.redshift_snapshot("dw", "dw-new", age_days=1)
    hsm = fleet.hsm_cluster()
    old_backup = fleet.hsm_backup(hsm, age_days=90)
    before = (caches.snapshot_names(), redshift_names(fleet), hsm_states(fleet))

    # When the sweep runs in dry-run mode
    summary = retention(DRY_RUN="true").lambda_handler(schedule_now(), context)

    # Then it reports each as would-delete and nothing changed
    assert summary["dryRun"] is True
    assert summary["counts"] == {
        "cloudhsm": {"kept": 1, "would-delete": 1},
        "elasticache": {"kept": 1, "would-delete": 1},
        "redshift": {"kept": 1, "would-delete": 1},
    }
    records = logged_decisions(capsys)
    assert {k: records[k]["action"] for k in ("cache-a-old", "dw-old", old_backup)} == dict.fromkeys(
        ("cache-a-old", "dw-old", old_backup), "would-delete"
    )
    assert records["cache-a-old"]["kind"] == caches.kind
    assert (caches.snapshot_names(), redshift_names(fleet), hsm_states(fleet)) == before


def test_a_sweep_deletes_what_expired_and_keeps_everything_else_with_its_reason(
    fleet: Fleet,
    caches: Caches,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a fleet with expired, recent, held, badly tagged, unfinished and automatic snapshots,
    # and a cache whose own tag shortens its snapshots' retention
    cache = caches.cache("cache-a")
    caches.snapshot(cache, "cache-expired", age_days=45)
    caches.snapshot(cache, "cache-held", age_days=400, tags={"steward:hold": "case-17"})
    caches.snapshot(cache, "cache-bad-tag", age_days=400, tags={"steward:retention-days": "abc"})
    caches.snapshot(cache, "cache-creating", age_days=400, status="creating")
    caches.snapshot(cache, "cache-recent", age_days=2)
    automatic = caches.automatic_snapshot(cache, age_days=34)  # would be expired if it were manual
    weekly = caches.cache("cache-b", tags={"steward:retention-days": "7"})
    caches.snapshot(weekly, "weekly-expired", age_days=10)
    caches.snapshot(weekly, "weekly-newest", age_days=8)
    fleet.redshift_cluster("dw", tags={"steward:retention-days": "7"})
    fleet.redshift_snapshot("dw", "dw-expired-1", age_days=20)
    fleet.redshift_snapshot("dw", "dw-expired-2", age_days=10)
    fleet.redshift_snapshot("dw", "dw-shared", age_days=60, shared_with=[OTHER_ACCOUNT])
    fleet.redshift_snapshot("dw", "dw-newest", age_days=8)

    # When the sweep runs for real
    summary = retention().lambda_handler(schedule_now(), context)

    # Then only the expired ones are gone, and every kept one says why
    assert caches.snapshot_names() == {
        "cache-held",
        "cache-bad-tag",
        "cache-creating",
        "cache-recent",
        automatic,
        "weekly-newest",
    }
    assert redshift_names(fleet) == {"dw-shared", "dw-newest"}
    records = logged_decisions(capsys)
    assert {k: (v["action"], v["reason"]) for k, v in records.items()} == {
        "cache-expired": ("deleted", "expired"),
        "cache-held": ("kept", "hold"),
        "cache-bad-tag": ("kept", "invalid-tag"),
        "cache-creating": ("kept", "not-ready"),
        "cache-recent": ("kept", "within-retention"),
        "weekly-expired": ("deleted", "expired"),
        "weekly-newest": ("kept", "min-keep"),
        "dw-expired-1": ("deleted", "expired"),
        "dw-expired-2": ("deleted", "expired"),
        "dw-shared": ("kept", "shared"),
        "dw-newest": ("kept", "min-keep"),
    }
    assert "'abc'" in records["cache-bad-tag"]["detail"]
    assert records["weekly-expired"]["detail"] == "age 10d > retention 7d (cluster tag)"
    assert {records[name]["kind"] for name in ("cache-expired", "weekly-newest")} == {caches.kind}
    assert records["dw-expired-1"]["age_days"] == 20
    assert summary["failed"] == 0


def test_shares_are_revoked_before_an_expired_shared_snapshot_is_deleted_when_enabled(
    fleet: Fleet, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    fleet.redshift_cluster("dw")
    fleet.redshift_snapshot("dw", "dw-shared", age_days=60, shared_with=[OTHER_ACCOUNT, "333333333333"])
    fleet.redshift_snapshot("dw", "dw-newest", age_days=1)

    retention(REVOKE_SHARED_SNAPSHOTS="true").lambda_handler(schedule_now(), context)

    assert redshift_names(fleet) == {"dw-newest"}


def test_a_cluster_keeps_its_newest_ready_hsm_backup_and_never_expires_backups(
    fleet: Fleet,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hsm = fleet.hsm_cluster(tags={"steward:retention-days": "30"})
    for backup_id in fleet.hsm_backups_of(hsm):  # the backup CloudHSM took at activation
        fakeaws.cloudhsm.set_backup_state(fleet.account, fleet.region, backup_id, "PENDING_DELETION")
    oldest = fleet.hsm_backup(hsm, age_days=200)
    pinned = fleet.hsm_backup(hsm, age_days=150, never_expires=True)
    newest = fleet.hsm_backup(hsm, age_days=100)
    in_progress = fleet.hsm_backup(hsm, age_days=0.1, state="CREATE_IN_PROGRESS")

    retention(MIN_KEEP="0").lambda_handler(schedule_now(), context)

    states = hsm_states(fleet)
    assert (states[oldest], states[pinned], states[newest], states[in_progress]) == (
        "PENDING_DELETION",
        "READY",
        "READY",
        "CREATE_IN_PROGRESS",
    )
    records = logged_decisions(capsys)
    assert (records[newest]["reason"], records[pinned]["reason"], records[in_progress]["reason"]) == (
        "min-keep",
        "never-expires",
        "not-ready",
    )
    deleted = fleet.cloudhsm.describe_backups(Filters={"backupIds": [oldest]})["Backups"][0]
    assert records[oldest]["detail"].endswith(
        f"restorable until {deleted['DeleteTimestamp']:%Y-%m-%d %H:%M} UTC"
    )


def test_replaying_the_same_event_deletes_nothing_more_and_decides_the_same(
    caches: Caches,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = caches.cache("cache-a")
    for age in (100, 80, 60, 10):
        caches.snapshot(cache, f"cache-{age}", age_days=age)
    event = schedule_now()
    function = retention()

    first = function.lambda_handler(event, context)
    first_records = logged_decisions(capsys)
    second = function.lambda_handler(event, context)
    second_records = logged_decisions(capsys)

    assert first["counts"] == {"elasticache": {"deleted": 3, "kept": 1}}
    assert second["counts"] == {"elasticache": {"kept": 1}}
    assert second_records == {"cache-10": first_records["cache-10"]}


def test_an_old_replayed_event_judges_by_its_own_time(
    fleet: Fleet, caches: Caches, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given a snapshot 45 days old today, which was 15 days old when the sample event was sent
    cache = caches.cache("cache-a")
    caches.snapshot(cache, "cache-new", age_days=1)
    event = schedule_now()
    caches.snapshot(cache, "cache-45", age_days=45)
    event["time"] = fleet.ago(30).isoformat()

    summary = retention().lambda_handler(event, context)

    assert "cache-45" in caches.snapshot_names()
    assert summary["counts"]["elasticache"] == {"kept": 2}


def test_a_failing_item_does_not_stop_the_sweep_and_fails_the_invocation_after_it(
    caches: Caches,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = caches.cache("cache-a")
    for age in (300, 200, 100, 1):
        caches.snapshot(cache, f"cache-{age}", age_days=age)
    calls = caches.calls
    fakeaws.faults.inject(
        "elasticache",
        calls.delete_snapshot,
        calls.snapshot_busy,
        match={calls.snapshot_name_field: "cache-200"},
    )

    with pytest.raises(SweepFailed, match=f"cache-200 failed:{calls.snapshot_busy}"):
        retention().lambda_handler(schedule_now(), context)

    assert caches.snapshot_names() == {"cache-200", "cache-1"}
    records = logged_decisions(capsys)
    assert (records["cache-200"]["action"], records["cache-200"]["reason"]) == (
        "kept",
        f"failed:{calls.snapshot_busy}",
    )


def test_a_rerun_after_a_partial_failure_converges(
    fleet: Fleet, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    fleet.redshift_cluster("dw")
    for age in (300, 200, 1):
        fleet.redshift_snapshot("dw", f"dw-{age}", age_days=age)
    fakeaws.faults.inject("redshift", "BatchDeleteClusterSnapshots", "AccessDenied", times=1)
    function = retention()
    with pytest.raises(SweepFailed):
        function.lambda_handler(schedule_now(), context)
    assert redshift_names(fleet) == {"dw-300", "dw-200", "dw-1"}

    summary = function.lambda_handler(schedule_now(), context)

    assert redshift_names(fleet) == {"dw-1"}
    assert summary["failed"] == 0


def test_throttling_is_absorbed_by_the_retry_mode(
    caches: Caches, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    one_expired_one_recent(caches)
    fakeaws.faults.inject("elasticache", caches.calls.delete_snapshot, "Throttling", times=2)

    summary = retention().lambda_handler(schedule_now(), context)

    assert caches.snapshot_names() == {"cache-new"}
    assert summary["failed"] == 0


def test_the_sweep_stops_before_the_timeout_and_reports_what_is_left(
    caches: Caches, retention: Callable[..., ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    cache = caches.cache("cache-a")
    for age in (300, 200, 1):
        caches.snapshot(cache, f"cache-{age}", age_days=age)

    summary = retention(SAFETY_MARGIN_SECONDS="60").lambda_handler(
        schedule_now(), FakeContext(seconds_left=59)
    )

    assert summary["deferred"] >= 1
    assert caches.snapshot_names() == {"cache-300", "cache-200", "cache-1"}
    assert all(r["reason"] in ("deferred", "min-keep") for r in logged_decisions(capsys).values())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.update({"detail-type": "Object Created"}), "detail-type: got 'Object Created'"),
        (lambda e: e.pop("time"), "time: got <absent>"),
        (lambda e: e.update({"source": "aws.s3"}), "source: got 'aws.s3'"),
        (lambda e: e.update({"time": "2026-11-21T03:00:00"}), "time: got '2026-11-21T03:00:00'"),
    ],
)
def test_an_unexpected_event_is_refused_with_a_clear_error_and_changes_nothing(
    fleet: Fleet,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    mutate: Callable[[dict[str, Any]], object],
    message: str,
) -> None:
    one_expired_one_recent(Caches(fleet, serverless=False))
    event = schedule_now()
    mutate(event)

    with pytest.raises(InvalidEvent, match=message):
        retention().lambda_handler(event, context)

    assert Caches(fleet, serverless=False).snapshot_names() == {"cache-old", "cache-new"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DRY_RUN": "yes"}, "DRY_RUN='yes' is not accepted: accepted values: true, false"),
        ({"DEFAULT_RETENTION_DAYS": "-1"}, "DEFAULT_RETENTION_DAYS='-1'"),
        ({"MIN_KEEP": "many"}, "MIN_KEEP='many' is not accepted: a whole number from 0 to 1000"),
        ({"SERVICES": "elasticache,s3"}, "SERVICES='s3'"),
    ],
)
def test_a_bad_setting_fails_the_cold_start_naming_the_variable(
    aws: None, retention: Callable[..., ModuleType], env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        retention(**env)


def test_metrics_per_service_and_action_go_out_as_emf(
    caches: Caches,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    one_expired_one_recent(caches)

    retention().lambda_handler(schedule_now(), context)

    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    counted = {(m["service"], m["action"]): m["Backups"] for m in emf if "Backups" in m}
    assert counted == {("elasticache", "deleted"): [1.0], ("elasticache", "kept"): [1.0]}


# --- only this account and region (issue 8, finding 4) -------------------------------------------


def test_a_schedule_naming_another_region_is_refused_and_sweeps_nowhere(
    fleet: Fleet, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given an expired snapshot here, and one in eu-west-1
    one_expired_one_recent(Caches(fleet, serverless=False))
    abroad = Fleet(region="eu-west-1")
    cache = abroad.redis_cluster("cache-eu")
    abroad.elasticache_snapshot(cache, "cache-eu-old", age_days=100)
    abroad.elasticache_snapshot(cache, "cache-eu-new", age_days=1)
    event = schedule_now()
    event["region"] = "eu-west-1"

    # When a schedule naming eu-west-1 is invoked directly
    summary = retention().lambda_handler(event, context)

    # Then it is refused with a reason naming both regions, and nothing is deleted anywhere
    assert summary["trigger"] == "refused:other-region"
    assert {r["reason"] for r in summary["notApplicable"]} == {"other-region"}
    assert "eu-west-1" in summary["notApplicable"][0]["detail"]
    assert Caches(fleet, serverless=False).snapshot_names() == {"cache-old", "cache-new"}
    assert Caches(abroad, serverless=False).snapshot_names() == {"cache-eu-old", "cache-eu-new"}


def test_a_schedule_from_another_account_is_refused_and_changes_nothing(
    fleet: Fleet, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given an expired Redshift snapshot of this account
    fleet.redshift_cluster("dw")
    fleet.redshift_snapshot("dw", "dw-old", age_days=90)
    fleet.redshift_snapshot("dw", "dw-new", age_days=1)
    event = schedule_now()
    event["account"] = OTHER_ACCOUNT

    # When a schedule with another account is invoked
    summary = retention().lambda_handler(event, context)

    # Then it is refused, not silently narrowed: nothing is listed or deleted
    assert summary["trigger"] == "refused:other-account"
    assert redshift_names(fleet) == {"dw-old", "dw-new"}


def test_the_sweep_lists_redshift_as_the_functions_own_account(
    fleet: Fleet, retention: Callable[..., ModuleType], context: FakeContext
) -> None:
    # Given an expired Redshift snapshot, and the function's own ARN naming this account
    fleet.redshift_cluster("dw")
    fleet.redshift_snapshot("dw", "dw-old", age_days=90)
    fleet.redshift_snapshot("dw", "dw-new", age_days=1)
    assert fleet.account in context.invoked_function_arn

    # When the schedule runs, Then the listing's OwnerAccount is the function's and the old one goes
    retention().lambda_handler(schedule_now(), context)
    assert redshift_names(fleet) == {"dw-new"}


def test_the_log_holds_one_redacted_line_per_event(
    fleet: Fleet,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a schedule carrying a field Steward must not log
    event = schedule_now()
    event["detail"] = {"userIdentity": {"arn": "arn:aws:iam::123456789012:user/ops",
                                        "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
                       "sourceIPAddress": "198.51.100.7"}

    # When it runs
    retention().lambda_handler(event, context)

    # Then one summary line names the event and its principal; no key id, no source IP
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    [received] = [line for line in lines if line.get("message") == "event received"]
    assert received["event"] == {
        "id": event["id"],
        "source": "aws.events",
        "name": "Scheduled Event",
        "principal": "arn:aws:iam::123456789012:user/ops",
    }
    assert "AKIAIOSFODNN7EXAMPLE" not in out and "198.51.100.7" not in out


def test_a_kind_of_snapshot_that_cannot_be_listed_does_not_stop_the_other(
    fleet: Fleet,
    retention: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given expired snapshots of a node-based and of a serverless cache, and the serverless listing denied
    node_based, serverless = Caches(fleet, serverless=False), Caches(fleet, serverless=True)
    one_expired_one_recent(node_based)
    serverless.snapshot(serverless.cache("carts"), "carts-old", age_days=100)
    fakeaws.faults.inject("elasticache", "DescribeServerlessCacheSnapshots", "AccessDenied", times=1)

    # When the sweep runs, Then it fails at its end, naming the listing that failed
    with pytest.raises(SweepFailed, match=r"elasticache/\* failed:AccessDenied"):
        retention().lambda_handler(schedule_now(), context)

    # And the node-based snapshots were swept all the same
    assert node_based.snapshot_names() == {"cache-new"}
    assert "carts-old" in serverless.snapshot_names()
    listing = logged_decisions(capsys)["*"]
    assert (listing["kind"], listing["detail"]) == ("serverless-snapshot", "listing failed")
