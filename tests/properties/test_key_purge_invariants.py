"""Safety invariants of the key-purge policy, for any fleet, removal and clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from steward.policy.key_purge import Go, PurgeRules, PurgeTarget, Step, plan_key_purge
from steward.vocabulary.hsm import HsmBackup

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CLUSTERS = ["cluster-aaaaaaaaaaa", "cluster-bbbbbbbbbbb"]
TARGET_CLUSTER = CLUSTERS[0]
REGIONS = ["us-east-1", "us-west-2"]
STATES = ["READY", "CREATE_IN_PROGRESS", "PENDING_DELETION", "DELETED"]
hours = st.integers(min_value=0, max_value=24 * 60).map(lambda h: EPOCH + timedelta(hours=h))
# A backup's TagList, or its cluster's: held by any steward:hold value but "false".
hold_tags = st.sampled_from(
    [{}, {}, {"steward:hold": ""}, {"steward:hold": "LEGAL-7"}, {"steward:hold": "false"}]
)


@st.composite
def fleets(draw: st.DrawFn) -> list[HsmBackup]:
    backups: list[HsmBackup] = []
    for index in range(draw(st.integers(min_value=0, max_value=12))):
        created = draw(st.none() | hours)  # DescribeBackups may omit CreateTimestamp
        if backups and draw(st.booleans()):  # a copy of an earlier backup, same CreateTimestamp
            source = draw(st.sampled_from(backups))
            backups.append(
                HsmBackup(
                    id=f"backup-{index}",
                    region="us-west-2",
                    cluster_id=None,
                    created=source.created,
                    state=draw(st.sampled_from(STATES)),
                    source_backup=source.id,
                    source_cluster=source.cluster_id or source.source_cluster,
                    source_region=source.region,
                    tags=draw(hold_tags),
                    cluster_tags=source.cluster_tags,
                )
            )
            continue
        backups.append(
            HsmBackup(
                id=f"backup-{index}",
                region="us-east-1",
                cluster_id=draw(st.sampled_from(CLUSTERS)),
                created=created,
                state=draw(st.sampled_from(STATES)),
                never_expires=draw(st.booleans()),
                tags=draw(hold_tags),
                cluster_tags=draw(hold_tags),
            )
        )
    return backups


targets = st.builds(
    lambda removed, created, immediate: PurgeTarget(
        TARGET_CLUSTER, "us-east-1", removed, min(created, removed) if created else None, immediate
    ),
    hours,
    st.none() | hours,
    st.booleans(),
)
clocks = st.integers(min_value=0, max_value=24 * 90).map(lambda h: EPOCH + timedelta(hours=h))
rules = st.integers(min_value=0, max_value=24 * 7).map(lambda h: PurgeRules(max_wait=timedelta(hours=h)))


def origin_cluster(backup: HsmBackup) -> str | None:
    return backup.cluster_id or backup.source_cluster


def is_held(tags: Mapping[str, str]) -> bool:
    return "steward:hold" in tags and tags["steward:hold"].strip().lower() != "false"


def may_hold_the_key(backup: HsmBackup, target: PurgeTarget) -> bool:
    """Restated from the README, not from the policy: a backup of the cluster (or a copy of one)
    taken at or before the removal and not before the key existed; unknown times count."""
    if origin_cluster(backup) != target.cluster_id:
        return False
    if backup.created is None:
        return True
    if backup.created > target.removed_at:
        return False
    return target.key_created_at is None or backup.created >= target.key_created_at


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_never_deletes_a_backup_taken_after_the_removal(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    assert all(v.backup.created is not None and v.backup.created <= target.removed_at for v in plan.to_delete)


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_never_deletes_a_backup_of_another_cluster(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    assert all(origin_cluster(v.backup) == TARGET_CLUSTER for v in plan.to_delete)


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_never_deletes_a_backup_taken_before_the_key_was_created(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    if target.key_created_at is not None:
        assert all(v.backup.created and v.backup.created >= target.key_created_at for v in plan.to_delete)


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_never_deletes_before_a_clean_restore_point_unless_immediate_or_max_wait(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    clean = any(
        b.cluster_id == TARGET_CLUSTER and b.state == "READY" and b.created and b.created > target.removed_at
        for b in backups
    )
    if plan.to_delete and not clean:
        assert target.immediate or clock >= target.removed_at + rule.max_wait
        assert plan.go in (Go.IMMEDIATE, Go.MAX_WAIT_ELAPSED)


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_only_ready_backups_with_a_known_creation_time_are_deleted(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    assert all(v.backup.state == "READY" and v.backup.created is not None for v in plan.to_delete)


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_never_deletes_a_held_backup(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    assert not [
        v for v in plan.to_delete if is_held(v.backup.tags) or is_held(v.backup.cluster_tags)
    ]


@settings(max_examples=300)
@given(fleets(), targets, clocks, rules)
def test_every_backup_that_may_hold_the_key_is_deleted_waited_for_held_or_already_gone(
    backups: list[HsmBackup], target: PurgeTarget, clock: datetime, rule: PurgeRules
) -> None:
    plan = plan_key_purge(target, backups, [], clock, rule)
    step_of = {v.backup.id: v.step for v in plan.verdicts}
    for backup in backups:
        if not may_hold_the_key(backup, target):
            continue
        held = is_held(backup.tags) or is_held(backup.cluster_tags)
        expected = {Step.HOLD, Step.DONE} if held else {Step.DELETE, Step.WAIT, Step.DONE}
        assert step_of[backup.id] in expected, (backup, step_of[backup.id])
