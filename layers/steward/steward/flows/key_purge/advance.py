"""A purge, one step further: plan on what AWS lists now, delete (or wait), record it, notify."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from steward.flows.key_purge.ports import ItemFailure, KeyPurgeRun, failure_code, purge_level
from steward.machinery.observability import count
from steward.machinery.report import Action, Decision
from steward.policy.key_purge import (
    BackupVerdict,
    Go,
    PurgePlan,
    PurgeTarget,
    Step,
    at,
    plan_key_purge,
)
from steward.services.clients import AwsError, error_code
from steward.services.cloudhsm import BackupGone
from steward.services.purge_state import (
    FlaggedClusterRecord,
    PendingBackup,
    PurgedBackup,
    PurgeRecord,
)
from steward.vocabulary.hsm import HELD, HsmBackup, HsmCluster
from steward.vocabulary.service import Service

# How long a finished purge's record stays after its last backup stops being restorable.
RECORD_KEPT = timedelta(days=90)


def advance(run: KeyPurgeRun, record: PurgeRecord, *, opened: bool) -> None:
    plan = _plan(run, record)
    if plan is None:
        return
    if run.settings.DRY_RUN and not record.dry_run:
        # A dry run only reports what it would do to a real purge: its record, its pending
        # marker and its backups stay exactly as they are for the live run.
        run.result.decisions.extend(_act(run, plan, record)[1])
        run.result.purges.append(record)
        return
    state = run.ports.state
    if plan.to_delete and not run.settings.DRY_RUN:
        try:
            record = state.update(record, lambda current: _intending(current, plan, run.clock))
        except ItemFailure as error:
            return _failed_save(run, record, error, "recording the backups about to be deleted")
    deleted, decisions, failed = _act(run, plan, record)
    run.result.decisions.extend(decisions)

    try:
        saved = state.update(record, lambda current: _updated(run, current, plan, deleted, decisions))
    except ItemFailure as error:
        # What was deleted is in `intended`: the next check re-reads AWS and records it.
        return _failed_save(run, record, error, "saving the purge")
    if saved.status == "done":
        state.clear_pending(saved.purge_id)
        count("KeyPurgeEvents", 1, outcome="purge-done")
    run.result.purges.append(saved)
    if opened or deleted or failed or saved.status != record.status:
        _notify_purge(run, saved, plan)
    return None


def _failed_save(run: KeyPurgeRun, record: PurgeRecord, error: BaseException, doing: str) -> None:
    code = failure_code(error)
    run.result.decisions.append(
        purge_level(
            record,
            Action.PENDING,
            f"failed:{code}",
            f"{doing} failed; the purge stays pending and the next check carries on",
        )
    )


def _plan(run: KeyPurgeRun, record: PurgeRecord) -> PurgePlan | None:
    target = PurgeTarget(
        cluster_id=record.cluster_id,
        region=record.region,
        removed_at=record.removed_at,
        key_created_at=record.key_created_at,
        immediate=record.immediate,
    )
    try:
        backups, clusters = _inventory(run, record)
    except AwsError as error:
        code = error_code(error)
        run.result.decisions.append(
            purge_level(
                record,
                Action.PENDING,
                f"failed:{code}",
                "listing backups failed; retried on the next check",
            )
        )
        return None
    return plan_key_purge(target, backups, clusters, run.clock, run.rules)


def _inventory(run: KeyPurgeRun, record: PurgeRecord) -> tuple[list[HsmBackup], list[HsmCluster]]:
    home = run.ports.hsm(record.region)
    backups = home.backups_of(record.cluster_id)
    clusters = home.clusters()
    for region in run.settings.COPY_REGIONS:
        if region == record.region:
            continue
        there = run.ports.hsm(region)
        backups += there.copies()
        clusters += there.clusters()
    # A backup is held by its own tag or its cluster's; a copy's cluster is in another region.
    tags_of = {cluster.id: cluster.tags for cluster in clusters}
    held_by_cluster = [
        replace(b, cluster_tags=tags_of.get((b.source_cluster if b.is_copy else b.cluster_id) or "", {}))
        for b in backups
    ]
    return held_by_cluster, clusters


def _act(
    run: KeyPurgeRun, plan: PurgePlan, record: PurgeRecord
) -> tuple[list[PurgedBackup], list[Decision], list[str]]:
    deleted: list[PurgedBackup] = []
    decisions: list[Decision] = []
    failed: list[str] = []
    for verdict in plan.verdicts:
        if verdict.step is not Step.DELETE:
            decisions.append(_decide(verdict, _ACTION_OF[verdict.step]))
            continue
        if run.settings.DRY_RUN:
            decisions.append(_decide(verdict, Action.WOULD_DELETE))
            continue
        if run.seconds_left() < run.settings.SAFETY_MARGIN_SECONDS:
            decisions.append(
                _decide(verdict, Action.PENDING, "deferred", "out of time; the next check deletes it")
            )
            continue
        backup = verdict.backup
        try:
            outcome = run.ports.hsm(backup.region).delete(backup)
        except BackupGone:
            decisions.append(_decide(verdict, Action.KEPT, "already-deleted", "the backup no longer exists"))
            continue
        except AwsError as error:
            code = error_code(error)
            failed.append(f"{backup.region}/{backup.id} DeleteBackup {code}")
            decisions.append(
                _decide(
                    verdict,
                    Action.PENDING,
                    f"failed:{code}",
                    "DeleteBackup failed; retried on the next check",
                )
            )
            continue
        until = f"restorable until {at(outcome.restorable_until)}"
        if outcome.already:
            decisions.append(_decide(verdict, Action.KEPT, "already-pending-deletion", until))
            continue
        reason = "never-expires-cleared" if outcome.never_expires_cleared else verdict.reason
        decisions.append(_decide(verdict, Action.DELETED, reason, f"{verdict.detail}; {until}"))
        deleted.append(
            PurgedBackup(
                backup_id=backup.id,
                region=backup.region,
                restorable_until=outcome.restorable_until,
                never_expires_cleared=outcome.never_expires_cleared,
            )
        )
    for flagged in plan.flagged:
        decisions.append(
            Decision(
                service=Service.CLOUDHSM,
                region=flagged.cluster.region,
                resource_id=flagged.cluster.id,
                source_cluster=record.cluster_id,
                action=Action.KEPT,
                reason="restored-from-key-bearing-backup",
                detail=f"cluster initialised from {flagged.from_backup}, which holds the removed key: "
                "it may hold the key too; remove it there (Steward does not touch clusters)",
            )
        )
    return deleted, decisions, failed


def _updated(
    run: KeyPurgeRun,
    record: PurgeRecord,
    plan: PurgePlan,
    deleted_now: list[PurgedBackup],
    decisions: list[Decision],
) -> PurgeRecord:
    """`record` (as last read) with this step's outcome; a pure function of its inputs, so it
    can be re-applied to a fresh read when a concurrent save got there first."""
    intended = {b.backup_id for b in record.intended}
    # One this purge meant to delete and now finds pending deletion is one it deleted, even if
    # the run that deleted it never got to record that.
    deleted_earlier = [
        PurgedBackup(backup_id=v.backup.id, region=v.backup.region, restorable_until=v.backup.delete_at)
        for v in plan.verdicts
        if v.step is Step.DONE and v.backup.id in intended
    ]
    deleted = (
        {b.backup_id: b for b in deleted_earlier}
        | {b.backup_id: b for b in record.deleted}
        | {b.backup_id: b for b in deleted_now}
    )
    already_gone = [
        PurgedBackup(backup_id=v.backup.id, region=v.backup.region, restorable_until=v.backup.delete_at)
        for v in plan.verdicts
        if v.step is Step.DONE and v.backup.id not in deleted
    ]
    pending = [
        PendingBackup(backup_id=d.resource_id, region=d.region, reason=d.reason, detail=d.detail)
        for d in decisions
        if d.action is Action.PENDING
    ] + [
        # Kept, but still holding the key: the purge is not done while it exists.
        PendingBackup(backup_id=v.backup.id, region=v.backup.region, reason=HELD, detail=v.detail)
        for v in plan.held
    ]
    status = (
        record.status  # an undo finished this purge while we worked; it stays finished
        if record.status == "undone"
        else "dry-run"
        if record.dry_run
        else "pending"
        if pending
        else "done"
    )
    last_restorable = max(
        (b.restorable_until for b in deleted.values() if b.restorable_until), default=run.clock
    )
    return record.model_copy(
        update={
            "status": status,
            "updated_at": run.clock,
            "proceeded": plan.go.value if plan.proceeds else None,
            "deleted": list(deleted.values()),
            "already_gone": already_gone,
            "pending": pending,
            "flagged": [
                FlaggedClusterRecord(
                    cluster_id=f.cluster.id, region=f.cluster.region, from_backup=f.from_backup
                )
                for f in plan.flagged
            ],
            "expires_at": (
                int((last_restorable + RECORD_KEPT).timestamp()) if status in ("done", "dry-run") else None
            ),
        }
    )


def _notify_purge(run: KeyPurgeRun, record: PurgeRecord, plan: PurgePlan) -> None:
    body = {**record.summary(), "plan": plan.go.value, "planDetail": plan.detail}
    mode = "dry run" if record.dry_run else record.status
    alerts = ["max wait elapsed"] if plan.go is Go.MAX_WAIT_ELAPSED else []
    if plan.held:
        alerts.append(f"{len(plan.held)} held backup(s) still hold the key")
    alert = f" ALERT {'; '.join(alerts)}" if alerts else ""
    subject = (
        f"Steward key purge {mode}{alert}: {record.cluster_id}, {len(record.deleted)} deleted, "
        f"{len(record.pending)} pending"
    )
    run.notify(subject, body, record.purge_id)


_ACTION_OF = {
    Step.KEEP: Action.KEPT,
    Step.WAIT: Action.PENDING,
    Step.DONE: Action.KEPT,
    Step.HOLD: Action.KEPT,
}


def _decide(
    verdict: BackupVerdict, action: Action, reason: str | None = None, detail: str | None = None
) -> Decision:
    backup = verdict.backup
    return Decision(
        service=Service.CLOUDHSM,
        region=backup.region,
        resource_id=backup.id,
        source_cluster=backup.cluster_id or backup.source_cluster,
        action=action,
        reason=reason or verdict.reason,
        detail=verdict.detail if detail is None else detail,
    )


def _intending(record: PurgeRecord, plan: PurgePlan, clock: datetime) -> PurgeRecord:
    """`record` naming the backups about to be deleted, saved before the first DeleteBackup."""
    intended = {b.backup_id: b for b in record.intended} | {
        v.backup.id: PurgedBackup(backup_id=v.backup.id, region=v.backup.region) for v in plan.to_delete
    }
    return record.model_copy(update={"intended": list(intended.values()), "updated_at": clock})
