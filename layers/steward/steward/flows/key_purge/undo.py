"""Undoing a key purge: RestoreBackup for each backup the purge deleted, while that is possible.

A deleted CloudHSM backup stays PENDING_DELETION, restorable, for 7 days. The undo restores
exactly the backups the purge itself deleted or was about to delete (its record says which:
`deleted`, and `intended`, written before any DeleteBackup in case the run died before recording
the delete), found with DescribeBackups and the `states` filter; those already past their window
are reported unrecoverable. An undone
purge is finished: the scheduled check will not purge again (send a new removal for that).
"""

from __future__ import annotations

from collections import defaultdict

from steward.events.key_removal import PurgeUndo
from steward.flows.key_purge.ports import KeyPurgeRun
from steward.machinery.observability import count
from steward.machinery.report import Action, Decision, RunResult
from steward.policy.key_purge import at
from steward.services.clients import AwsError, error_code
from steward.services.cloudhsm import CloudHsmPurgeTarget
from steward.services.purge_state import PurgedBackup, PurgeRecord
from steward.vocabulary.hsm import PENDING_DELETION, READY
from steward.vocabulary.service import Service


def undo(run: KeyPurgeRun, request: PurgeUndo) -> None:
    settings, ports, clock, result = run.settings, run.ports, run.clock, run.result
    record = ports.state.get(request.purge_id)
    if record is None:
        detail = (
            f"no purge {request.purge_id} is recorded (a dry-run purge deletes nothing, so there is "
            "nothing to undo); check the id in the purge notification"
        )
        result.decisions.append(_decision(request.region, "-", None, Action.KEPT, "unknown-purge", detail))
        count("KeyPurgeEvents", 1, outcome="undo-unknown-purge")
        run.notify(
            f"Steward purge undo refused: {request.purge_id} unknown",
            {"purgeId": request.purge_id, "detail": detail},
            f"{request.purge_id} undo",
        )
        return

    undoing = _Undo(record, settings.DRY_RUN, result)
    by_region: dict[str, list[PurgedBackup]] = defaultdict(list)
    already = {b.backup_id for b in record.restored}
    # `deleted` first: it knows until when each is restorable.
    for backup in {b.backup_id: b for b in record.intended + record.deleted}.values():
        if backup.backup_id not in already:
            by_region[backup.region].append(backup)
    for region, deleted in sorted(by_region.items()):
        undoing.region(ports.hsm(region), region, deleted)
    restored, unrecoverable, failed = undoing.restored, undoing.unrecoverable, undoing.failed

    if settings.DRY_RUN:
        result.purges.append(record)
        return

    def undone(current: PurgeRecord) -> PurgeRecord:
        restored_ids = {b.backup_id for b in current.restored}
        return current.model_copy(
            update={
                "status": "undone" if not failed else current.status,
                "updated_at": clock,
                "restored": current.restored + [b for b in restored if b.backup_id not in restored_ids],
                "unrecoverable": unrecoverable,
                "pending": [] if not failed else current.pending,
            }
        )

    saved = ports.state.update(record, undone)
    if not failed:
        ports.state.clear_pending(record.purge_id)
    result.purges.append(saved)
    count("KeyPurgeEvents", 1, outcome="purge-undone" if not failed else "undo-failed")
    subject = (
        f"Steward purge undone: {record.cluster_id}, {len(restored)} restored, "
        f"{len(unrecoverable)} unrecoverable"
    )
    run.notify(
        subject,
        {**saved.summary(), "undoEventId": request.source_event_id, "undoRequestedBy": request.requested_by},
        f"{record.purge_id} undo",
    )


class _Undo:
    def __init__(self, record: PurgeRecord, dry_run: bool, result: RunResult) -> None:
        self.record = record
        self.dry_run = dry_run
        self.result = result
        self.restored: list[PurgedBackup] = []
        self.unrecoverable: list[PurgedBackup] = []
        self.failed = False

    def region(self, hsm: CloudHsmPurgeTarget, region: str, deleted: list[PurgedBackup]) -> None:
        ids = [b.backup_id for b in deleted]
        confirmed = {b.backup_id for b in self.record.deleted}
        try:
            # The states filter: only a backup still PENDING_DELETION can be restored.
            restorable = {b.id for b in hsm.backups_by_id(ids, states=[PENDING_DELETION])}
            current = {b.id: b.state for b in hsm.backups_by_id([i for i in ids if i not in restorable])}
        except AwsError as error:
            self.failed = True
            self.result.problems.append(
                f"{self.record.purge_id} undo listing in {region}: {error_code(error)}"
            )
            return
        for backup in deleted:
            if backup.backup_id in restorable:
                self._restore(hsm, backup)
            elif current.get(backup.backup_id) == READY and backup.backup_id not in confirmed:
                self._decide(backup, Action.KEPT, "never-deleted", "about to be deleted, never was")
            elif current.get(backup.backup_id) == READY:
                self._decide(backup, Action.KEPT, "already-restored")
                self.restored.append(backup)
            else:
                state = current.get(backup.backup_id, "gone")
                self._decide(
                    backup,
                    Action.KEPT,
                    "past-restore-window",
                    f"state {state}: its 7-day window ended {at(backup.restorable_until)}; unrecoverable",
                )
                self.unrecoverable.append(backup)

    def _restore(self, hsm: CloudHsmPurgeTarget, backup: PurgedBackup) -> None:
        if self.dry_run:
            self._decide(backup, Action.WOULD_RESTORE, "purge-undo")
            return
        try:
            hsm.restore(backup.backup_id)
        except AwsError as error:
            self.failed = True
            code = error_code(error)
            self._decide(
                backup, Action.PENDING, f"failed:{code}", "RestoreBackup failed; send the undo again"
            )
            return
        self._decide(
            backup,
            Action.RESTORED,
            "purge-undo",
            f"READY again (was restorable until {at(backup.restorable_until)})",
        )
        self.restored.append(backup)

    def _decide(self, backup: PurgedBackup, action: Action, reason: str, detail: str = "") -> None:
        where = f"deleted by {self.record.purge_id}"
        self.result.decisions.append(
            _decision(
                backup.region,
                backup.backup_id,
                self.record.cluster_id,
                action,
                reason,
                f"{where}; {detail}" if detail else where,
            )
        )


def _decision(
    region: str, resource_id: str, cluster: str | None, action: Action, reason: str, detail: str
) -> Decision:
    return Decision(
        service=Service.CLOUDHSM,
        region=region,
        resource_id=resource_id,
        source_cluster=cluster,
        action=action,
        reason=reason,
        detail=detail,
    )
