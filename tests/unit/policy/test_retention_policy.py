"""The retention policy as a specification: which backups expire, and why every other one is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from steward.policy.retention import RetentionRules, plan_retention
from steward.vocabulary.backups import SERVERLESS_SNAPSHOT, Backup
from steward.vocabulary.service import Service
from steward.vocabulary.tags import read_retention_days

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
RULES = RetentionRules(default_retention_days=30, min_keep=0, revoke_shares=False)


def backup(age_days: float, **fields: object) -> Backup:
    defaults: dict[str, object] = {
        "service": Service.REDSHIFT,
        "region": "us-east-1",
        "id": f"snap-{age_days}",
        "source_cluster": "dw",
        "created": NOW - timedelta(days=age_days),
        "ready": True,
        "state": "available",
    }
    defaults.update(fields)
    return Backup(**defaults)  # type: ignore[arg-type]


def verdict_for(item: Backup, rules: RetentionRules = RULES):
    return plan_retention([item], rules, NOW)[0]


def test_a_backup_older_than_its_retention_expires() -> None:
    verdict = verdict_for(backup(31))
    assert (verdict.expired, verdict.reason, verdict.age_days) == (True, "expired", 31)


def test_a_backup_exactly_at_its_retention_is_still_kept() -> None:
    assert verdict_for(backup(30)).reason == "within-retention"


def test_the_backup_tag_wins_over_the_cluster_tag_and_the_default() -> None:
    item = backup(10, tags={"steward:retention-days": "7"}, source_tags={"steward:retention-days": "90"})
    verdict = verdict_for(item)
    assert (verdict.expired, verdict.retention_days) == (True, 7)


def test_the_cluster_tag_wins_over_the_default() -> None:
    verdict = verdict_for(backup(45, source_tags={"steward:retention-days": "60"}))
    assert (verdict.reason, verdict.retention_days) == ("within-retention", 60)


@pytest.mark.parametrize("value", ["abc", "-5", "99999", "0", "7.5", "", " ", "٣", "-1.0", "--1"])
def test_an_unreadable_retention_tag_never_means_delete(value: str) -> None:
    verdict = verdict_for(backup(4000, tags={"steward:retention-days": value}))
    assert (verdict.expired, verdict.reason) == (False, "invalid-tag")
    assert repr(value) in verdict.detail


def test_an_invalid_backup_tag_does_not_fall_back_to_the_cluster_tag() -> None:
    item = backup(400, tags={"steward:retention-days": "abc"}, source_tags={"steward:retention-days": "1"})
    assert verdict_for(item).reason == "invalid-tag"


@pytest.mark.parametrize("value", ["true", "yes", "", "legal-2026-17", "FALSE "])
def test_a_hold_with_any_value_but_false_keeps_the_backup(value: str) -> None:
    verdict = verdict_for(backup(400, tags={"steward:hold": value}))
    expected = "expired" if value.strip().lower() == "false" else "hold"
    assert verdict.reason == expected


def test_a_hold_on_the_cluster_keeps_all_its_backups() -> None:
    assert verdict_for(backup(400, source_tags={"steward:hold": "case-42"})).reason == "hold"


def test_default_zero_leaves_untagged_backups_alone() -> None:
    rules = replace(RULES, default_retention_days=0)
    assert verdict_for(backup(4000), rules).reason == "unmanaged"
    assert verdict_for(backup(40, tags={"steward:retention-days": "30"}), rules).expired


def test_min_keep_protects_the_newest_expired_backups_of_each_cluster() -> None:
    rules = replace(RULES, min_keep=2)
    fleet = [backup(age, id=f"dw-{age}") for age in (100, 200, 300)] + [
        backup(500, id="other-500", source_cluster="other")
    ]
    reasons = {v.backup.id: v.reason for v in plan_retention(fleet, rules, NOW)}
    assert reasons == {
        "dw-100": "min-keep",
        "dw-200": "min-keep",
        "dw-300": "expired",
        "other-500": "min-keep",
    }


def test_a_serverless_cache_and_a_cluster_of_the_same_name_each_keep_their_newest() -> None:
    # ElastiCache names serverless caches and their snapshots apart from node-based ones.
    rules = replace(RULES, min_keep=1)
    elasticache = {"service": Service.ELASTICACHE, "source_cluster": "sessions"}
    fleet = [
        backup(100, id="node-100", **elasticache),
        backup(200, id="node-200", **elasticache),
        backup(300, id="node-100", kind=SERVERLESS_SNAPSHOT, **elasticache),
        backup(400, id="serverless-400", kind=SERVERLESS_SNAPSHOT, **elasticache),
    ]
    verdicts = [(v.backup.id, v.backup.kind, v.reason) for v in plan_retention(fleet, rules, NOW)]
    assert verdicts == [
        ("node-100", None, "min-keep"),
        ("node-200", None, "expired"),
        ("node-100", SERVERLESS_SNAPSHOT, "min-keep"),
        ("serverless-400", SERVERLESS_SNAPSHOT, "expired"),
    ]


def test_min_keep_counts_only_ready_backups() -> None:
    rules = replace(RULES, min_keep=1)
    fleet = [backup(40, id="new-but-failed", ready=False, state="failed"), backup(100, id="old")]
    reasons = {v.backup.id: v.reason for v in plan_retention(fleet, rules, NOW)}
    assert reasons == {"new-but-failed": "not-ready", "old": "min-keep"}


def test_a_cluster_s_newest_ready_hsm_backup_is_kept_even_with_min_keep_zero() -> None:
    fleet = [backup(age, id=f"b-{age}", service=Service.CLOUDHSM, state="READY") for age in (50, 60)]
    reasons = {v.backup.id: v.reason for v in plan_retention(fleet, RULES, NOW)}
    assert reasons == {"b-50": "min-keep", "b-60": "expired"}


def test_never_expires_hsm_backups_are_held() -> None:
    item = backup(400, service=Service.CLOUDHSM, never_expires=True)
    assert verdict_for(item).reason == "never-expires"


def test_not_ready_backups_are_kept_whatever_their_age() -> None:
    assert verdict_for(backup(400, ready=False, state="creating")).reason == "not-ready"


def test_a_backup_without_a_creation_time_is_kept() -> None:
    assert verdict_for(backup(400, created=None)).reason == "not-ready"


def test_a_shared_snapshot_is_kept_unless_revoking_is_enabled() -> None:
    item = backup(400, shared_with=("210987654321",))
    kept = verdict_for(item)
    assert (kept.reason, "210987654321" in kept.detail) == ("shared", True)
    revoked = verdict_for(item, replace(RULES, revoke_shares=True))
    assert (revoked.expired, revoked.needs_revoke) == (True, True)


def test_a_snapshot_with_its_own_service_retention_is_left_to_the_service() -> None:
    assert verdict_for(backup(400, service_retention_days=3653)).reason == "service-retention"
    assert verdict_for(backup(400, service_retention_days=-1)).reason == "expired"


def test_automated_and_not_owned_backups_are_never_deleted() -> None:
    assert verdict_for(backup(400, manual=False)).reason == "automated"
    assert verdict_for(backup(400, owned=False)).reason == "not-owned"


@pytest.mark.parametrize(
    ("value", "days"), [("1", 1), (" 30 ", 30), ("3653", 3653), ("-1", -1), ("0", None), ("3654", None)]
)
def test_retention_days_are_minus_one_or_whole_days_between_1_and_3653(value: str, days: int | None) -> None:
    assert read_retention_days(value) == days


def test_minus_one_keeps_a_backup_forever_as_for_final_snapshots() -> None:
    verdict = verdict_for(backup(4000, source_tags={"steward:retention-days": "-1"}))
    assert (verdict.expired, verdict.reason) == (False, "keep-forever")


# --- Steward's final and rescue snapshots: a tag never shortens the operator's minimum -----------


@pytest.mark.parametrize("name", ["dw-final-20261101t000000z", "dw-rescue-20261101t000000z-2"])
def test_a_final_or_rescue_snapshot_is_kept_the_minimum_whatever_its_tag(name: str) -> None:
    tags = {"steward:retention-days": "1"}
    kept = verdict_for(backup(5, id=name, tags=tags))
    assert (kept.expired, kept.reason, kept.retention_days) == (False, "within-retention", 7)
    assert "a final snapshot is kept at least 7d" in kept.detail or "a rescue snapshot" in kept.detail
    assert verdict_for(backup(8, id=name, tags=tags)).expired


def test_another_snapshot_with_the_same_tag_expires_after_its_day() -> None:
    assert verdict_for(backup(2, id="dw-nightly", tags={"steward:retention-days": "1"})).expired


def test_the_operator_may_lower_the_minimum_for_final_snapshots() -> None:
    rules = replace(RULES, min_final_snapshot_days=1)
    assert verdict_for(
        backup(2, id="dw-final-20261101t000000z", tags={"steward:retention-days": "1"}), rules
    ).expired


def test_a_backup_whose_tags_could_not_be_read_is_kept_whatever_its_age() -> None:
    item = backup(4000, tags_unreadable="listed without an ARN, and no account to build one from")
    verdict = verdict_for(item)
    assert (verdict.expired, verdict.reason) == (False, "tags-unreadable")
    assert "without an ARN" in verdict.detail


def test_a_gone_clusters_last_known_tags_are_named_in_the_reason() -> None:
    item = backup(
        400,
        source_tags={"steward:retention-days": "-1"},
        source_tags_from="cluster (gone; its tags as last seen 2026-11-20)",
    )
    verdict = verdict_for(item)
    assert (verdict.expired, verdict.reason) == (False, "keep-forever")
    assert "cluster (gone; its tags as last seen 2026-11-20) tag" in verdict.detail
