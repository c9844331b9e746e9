"""The key-purge policy: which backups hold the key, and whether the purge may go ahead now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from steward.policy.key_purge import Go, PurgeRules, PurgeTarget, Step, plan_key_purge
from steward.vocabulary.hsm import HsmBackup, HsmCluster

REMOVED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CLUSTER = "cluster-likphkxygsn"
RULES = PurgeRules(max_wait=timedelta(hours=48))


def backup(backup_id: str, hours: float, state: str = "READY", **fields: object) -> HsmBackup:
    return HsmBackup(
        id=backup_id,
        region=str(fields.pop("region", "us-east-1")),
        cluster_id=fields.pop("cluster_id", CLUSTER),  # type: ignore[arg-type]
        created=REMOVED + timedelta(hours=hours),
        state=state,
        **fields,  # type: ignore[arg-type]
    )


def target(**fields: object) -> PurgeTarget:
    return PurgeTarget(cluster_id=CLUSTER, region="us-east-1", removed_at=REMOVED, **fields)  # type: ignore[arg-type]


def steps(plan: object) -> dict[str, tuple[str, str]]:
    return {v.backup.id: (v.step.value, v.reason) for v in plan.verdicts}  # type: ignore[attr-defined]


def test_backups_at_or_before_the_removal_and_after_key_creation_are_key_bearing() -> None:
    backups = [backup("before-key", -100), backup("old", -10), backup("at", 0), backup("clean", 5)]
    plan = plan_key_purge(target(key_created_at=REMOVED - timedelta(hours=50)), backups, [], REMOVED, RULES)
    assert steps(plan) == {
        "before-key": ("keep", "before-key-created"),
        "old": ("delete", "key-bearing"),
        "at": ("delete", "key-bearing"),
        "clean": ("keep", "created-after-removal"),
    }
    assert plan.go is Go.CLEAN_RESTORE_POINT


def test_without_a_clean_restore_point_key_bearing_backups_wait() -> None:
    plan = plan_key_purge(target(), [backup("old", -10)], [], REMOVED + timedelta(hours=1), RULES)
    assert plan.go is Go.WAITING
    assert steps(plan) == {"old": ("wait", "waiting-for-clean-backup")}


def test_a_clean_backup_that_is_not_ready_is_not_a_restore_point() -> None:
    backups = [backup("old", -10), backup("new", 5, state="CREATE_IN_PROGRESS")]
    plan = plan_key_purge(target(), backups, [], REMOVED + timedelta(hours=6), RULES)
    assert plan.go is Go.WAITING


def test_immediate_and_max_wait_proceed_without_a_clean_restore_point() -> None:
    assert plan_key_purge(target(immediate=True), [backup("old", -1)], [], REMOVED, RULES).go is Go.IMMEDIATE
    late = REMOVED + timedelta(hours=48)
    assert plan_key_purge(target(), [backup("old", -1)], [], late, RULES).go is Go.MAX_WAIT_ELAPSED


def test_states_other_than_ready_are_waited_for_or_already_done() -> None:
    backups = [
        backup("creating", -1, state="CREATE_IN_PROGRESS"),
        backup("pending", -2, state="PENDING_DELETION", delete_at=REMOVED + timedelta(days=7)),
        backup("gone", -3, state="DELETED"),
        backup("clean", 1),
    ]
    assert steps(plan_key_purge(target(), backups, [], REMOVED, RULES)) == {
        "creating": ("wait", "create-in-progress"),
        "pending": ("done", "already-pending-deletion"),
        "gone": ("done", "already-deleted"),
        "clean": ("keep", "created-after-removal"),
    }


def test_copies_in_other_regions_follow_their_source_and_other_clusters_are_ignored() -> None:
    backups = [
        backup("old", -10),
        backup("clean", 1),
        backup("copy", -10, region="us-west-2", cluster_id=None, source_backup="old", source_cluster=CLUSTER),
        backup("copy-of-copy", -10, region="eu-west-1", cluster_id=None, source_backup="copy"),
        backup("other-cluster", -10, cluster_id="cluster-otherclstr22"),
    ]
    plan = plan_key_purge(target(), backups, [], REMOVED, RULES)
    assert {v.backup.id for v in plan.to_delete} == {"old", "copy", "copy-of-copy"}
    assert "other-cluster" not in steps(plan)


def test_clusters_initialised_from_a_key_bearing_backup_are_flagged() -> None:
    clusters = [
        HsmCluster("cluster-restoredfrom22", "us-east-1", "ACTIVE", source_backup_id="old"),
        HsmCluster("cluster-fromcleanbkp22", "us-east-1", "ACTIVE", source_backup_id="clean"),
    ]
    plan = plan_key_purge(target(), [backup("old", -10), backup("clean", 1)], clusters, REMOVED, RULES)
    assert [(f.cluster.id, f.from_backup) for f in plan.flagged] == [("cluster-restoredfrom22", "old")]


def test_never_expires_is_deleted_and_said() -> None:
    plan = plan_key_purge(
        target(), [backup("pinned", -1, never_expires=True), backup("c", 1)], [], REMOVED, RULES
    )
    (verdict,) = plan.to_delete
    assert "NeverExpires=true" in verdict.detail
    assert verdict.step is Step.DELETE


def test_a_held_key_bearing_backup_is_never_deleted_and_said() -> None:
    backups = [
        backup("held", -10, tags={"steward:hold": "LEGAL-7"}),
        backup("of-held-cluster", -9, cluster_tags={"steward:hold": ""}),
        backup("hold-false", -8, tags={"steward:hold": "false"}),
        backup("clean", 1),
    ]
    plan = plan_key_purge(target(), backups, [], REMOVED, RULES)
    assert steps(plan) == {
        "held": ("hold", "hold"),
        "of-held-cluster": ("hold", "hold"),
        "hold-false": ("delete", "key-bearing"),
        "clean": ("keep", "created-after-removal"),
    }
    assert [v.backup.id for v in plan.held] == ["held", "of-held-cluster"]
    assert all(v.key_bearing for v in plan.held)
    assert "steward:hold on its cluster" in plan.held[1].detail


def test_a_held_backup_that_is_already_pending_deletion_is_done() -> None:
    gone = backup("gone", -10, state="PENDING_DELETION", tags={"steward:hold": "x"})
    assert steps(plan_key_purge(target(), [gone, backup("clean", 1)], [], REMOVED, RULES)) == {
        "gone": ("done", "already-pending-deletion"),
        "clean": ("keep", "created-after-removal"),
    }


def test_a_backup_without_a_creation_time_may_hold_the_key_and_is_waited_for() -> None:
    unknown = HsmBackup(id="unknown", region="us-east-1", cluster_id=CLUSTER, created=None, state="READY")
    plan = plan_key_purge(target(immediate=True), [unknown], [], REMOVED, RULES)
    (verdict,) = plan.verdicts
    assert (verdict.step, verdict.reason, verdict.key_bearing) == (Step.WAIT, "unknown-creation-time", True)
    assert plan.to_delete == []
