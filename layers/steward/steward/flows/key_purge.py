"""The key purge: when key material leaves a CloudHSM cluster, delete the backups that still hold it.

One run handles what one event asks for: a key removal (open a purge and advance it), a KMS key
whose deletion was scheduled or cancelled (remember or forget its cluster: `flows.key_registry`),
an undo (`flows.purge_undo`), or the schedule (advance every pending purge). Every backup looked at is a
`Decision`; every purge is a DynamoDB record and an SNS notification. AWS's backup states are
re-read on every advance, so a replayed or duplicated event can only repeat a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.events.key_removal import (
    KeyDeletionCancelled,
    KeyDeletionScheduled,
    KeyEventOutcome,
    KeyRemoval,
    PurgeUndo,
)
from steward.events.key_triggers import parse_key_event
from steward.events.outcomes import NotApplicable
from steward.events.schedule.parser import parse_schedule
from steward.flows.key_registry import KeyRegistry
from steward.machinery.observability import count
from steward.machinery.report import Action, Decision, ItemsFailed, publish, summarise
from steward.machinery.settings import KeyPurgeSettings
from steward.policy.key_purge import (
    BackupVerdict,
    Go,
    PurgePlan,
    PurgeRules,
    PurgeTarget,
    Step,
    at,
    plan_key_purge,
)
from steward.services.clients import AwsError, error_code
from steward.services.cloudhsm import BackupGone, CloudHsmPurgeTarget
from steward.services.kms import KmsKeys
from steward.services.notifications import Notifications
from steward.services.purge_state import (
    FlaggedClusterRecord,
    PendingBackup,
    PurgedBackup,
    PurgeRecord,
    PurgeState,
    RecordConflict,
)
from steward.vocabulary.hsm import HELD, HsmBackup, HsmCluster
from steward.vocabulary.service import Service

# How long a finished purge's record stays after its last backup stops being restorable.
RECORD_KEPT = timedelta(days=90)
# What a failed listing of the pending purges is reported against.
PENDING_MARKERS = "pending-purge"


class PurgeFailed(ItemsFailed):
    """Some items failed and stay pending; everything else was processed. Lambda counts an error."""


# What one outcome or one purge may fail with without stopping the rest of the run.
ItemFailure = (*AwsError, RecordConflict)


def failure_code(error: BaseException) -> str:
    return error_code(error) if isinstance(error, AwsError) else "record-conflict"


@dataclass(frozen=True)
class PendingCheck:
    """The schedule: advance every pending purge."""

    time: datetime
    source_event_id: str


KeyPurgeRequest = PendingCheck | list[KeyEventOutcome]


def read_event(event: Mapping[str, Any], *, local_region: str) -> KeyPurgeRequest:
    """The schedule, or whatever the key-removal triggers say; InvalidEvent for anything else."""
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        schedule = parse_schedule(dict(event))
        return PendingCheck(time=schedule.time, source_event_id=schedule.id)
    return parse_key_event(event, local_region=local_region)


@dataclass
class Ports:
    """The adapters a run uses; tests and the demo may pass their own."""

    state: PurgeState
    notifications: Notifications
    hsm: Callable[[str], CloudHsmPurgeTarget] = CloudHsmPurgeTarget
    kms: Callable[[str], KmsKeys] = KmsKeys

    @classmethod
    def for_settings(cls, settings: KeyPurgeSettings) -> Ports:
        return cls(
            state=PurgeState(settings.STATE_TABLE, settings.AWS_REGION),
            notifications=Notifications(settings.NOTIFICATIONS_TOPIC_ARN),
        )


@dataclass
class PurgeRun:
    dry_run: bool
    clock: datetime
    decisions: list[Decision] = field(default_factory=list)
    purges: list[PurgeRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "dryRun": self.dry_run,
            "clock": self.clock.isoformat(),
            "counts": summarise(self.decisions),
            "purges": [p.summary() for p in self.purges],
            "notApplicable": [
                {"reason": d.reason, "detail": d.detail} for d in self.decisions if d.resource_id == "-"
            ],
            "failed": len(self.failures),
        }


def run(
    request: KeyPurgeRequest,
    settings: KeyPurgeSettings,
    *,
    seconds_left: Callable[[], float] = lambda: 900.0,
    clock: datetime | None = None,
    ports: Ports | None = None,
) -> PurgeRun:
    """Handle one event; raise PurgeFailed at the end if any item failed (it stays pending)."""
    from steward.flows import purge_undo

    now = clock or datetime.now(UTC)
    ports = ports or Ports.for_settings(settings)
    result = PurgeRun(dry_run=settings.DRY_RUN, clock=now)
    purge = _Purger(settings, ports, now, result, seconds_left)
    handlers: dict[type[KeyEventOutcome], Callable[[Any], None]] = {
        KeyRemoval: purge.removal,
        KeyDeletionScheduled: purge.key_scheduled,
        KeyDeletionCancelled: purge.key_cancelled,
        PurgeUndo: lambda undo: purge_undo.undo(undo, settings, ports, now, result),
        NotApplicable: purge.not_applicable,
    }

    if isinstance(request, PendingCheck):
        purge.check_pending()
    else:
        for outcome in request:
            # One outcome's AWS failure is that outcome's: the rest still run, the log still goes.
            try:
                handlers[type(outcome)](outcome)
            except ItemFailure as error:
                purge.failed(*_subject(outcome, settings.AWS_REGION), error)

    publish(
        "key purge run",
        result.decisions,
        metric="KeyPurgeBackups",
        summary=result.summary(),
        failures=result.failures,
        error=PurgeFailed,
    )
    return result


def purge_id_for(removal: KeyRemoval, cluster_id: str) -> str:
    """The same id for every delivery of one removal (see KeyRemoval.removal_id)."""
    if removal.key_arn is not None or removal.key_id is not None:
        return f"purge-{cluster_id}-key-{removal.removal_id.rsplit('/', 1)[-1]}"
    # Each HSM of the cluster logs the same deletion a few microseconds apart: whole seconds.
    purge_id = f"purge-{cluster_id}-{removal.removed_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return purge_id if removal.key_handle is None else f"{purge_id}-handle-{removal.key_handle}"


class _Purger:
    def __init__(
        self,
        settings: KeyPurgeSettings,
        ports: Ports,
        clock: datetime,
        result: PurgeRun,
        seconds_left: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.ports = ports
        self.clock = clock
        self.result = result
        self.seconds_left = seconds_left
        self.rules = PurgeRules(max_wait=timedelta(hours=settings.MAX_WAIT_HOURS))
        self.keys = KeyRegistry(ports.state, ports.kms, clock)

    # --- what each outcome asks for -----------------------------------------------------------------

    def failed(self, resource_id: str, region: str, error: BaseException) -> None:
        code = failure_code(error)
        self.result.failures.append(f"{resource_id} {code}")
        self.result.decisions.append(
            Decision(
                service=Service.CLOUDHSM,
                region=region,
                resource_id=resource_id,
                action=Action.PENDING,
                reason=f"failed:{code}",
                detail="an AWS call failed while handling it; the invocation fails after the rest "
                "so it is retried, and pending purges are re-checked on the schedule",
            )
        )

    def not_applicable(self, outcome: NotApplicable) -> None:
        self.result.decisions.append(_nothing_done(self.settings.AWS_REGION, outcome.reason, outcome.detail))
        count("KeyPurgeEvents", 1, outcome="not-applicable", reason=outcome.reason)

    def key_scheduled(self, scheduled: KeyDeletionScheduled) -> None:
        self._key_outcome(self.keys.scheduled(scheduled))

    def key_cancelled(self, cancelled: KeyDeletionCancelled) -> None:
        self._key_outcome(self.keys.cancelled(cancelled))

    def _key_outcome(self, outcome: Decision | NotApplicable) -> None:
        if isinstance(outcome, NotApplicable):
            return self.not_applicable(outcome)
        self.result.decisions.append(outcome)
        count("KeyPurgeEvents", 1, outcome=outcome.reason)
        return None

    def removal(self, removal: KeyRemoval) -> None:
        resolved = self.keys.resolve(removal)
        if isinstance(resolved, NotApplicable):
            return self.not_applicable(resolved)
        cluster_id, key_created_at = resolved
        purge_id = purge_id_for(removal, cluster_id)
        state = self.ports.state
        dry_run = self.settings.DRY_RUN

        existing = state.get(purge_id, dry_run=dry_run)
        if existing is not None:
            return self._duplicate(existing, removal)
        try:
            known = self._cluster_known(cluster_id, removal.region)
        except AwsError as error:
            self.result.failures.append(f"{cluster_id} listing failed: {error_code(error)}")
            return None
        if not known:
            return self.not_applicable(
                NotApplicable(
                    reason="unknown-cluster",
                    detail=f"{cluster_id} has no cluster and no backups in {removal.region}: nothing "
                    f"to purge (removal {removal.removal_id}, trigger {removal.trigger})",
                )
            )

        record = PurgeRecord(
            purge_id=purge_id,
            removal_id=removal.removal_id,
            cluster_id=cluster_id,
            region=removal.region,
            trigger=removal.trigger,
            key=_key_name(removal),
            removed_at=removal.removed_at,
            key_created_at=key_created_at,
            immediate=removal.immediate,
            reason=removal.reason,
            dry_run=dry_run,
            status="dry-run" if dry_run else "pending",
            opened_at=self.clock,
            updated_at=self.clock,
            source_event_id=removal.source_event_id,
            wait_until=removal.removed_at + self.rules.max_wait,
        )
        if not state.open(record):  # another delivery opened it between our read and write
            raced = state.get(purge_id, dry_run=dry_run)
            return self._duplicate(raced, removal) if raced is not None else None
        if not dry_run:
            # Written before acting: if this invocation dies, the schedule still finds the purge.
            state.mark_pending(purge_id)
        count("KeyPurgeEvents", 1, outcome="purge-opened", trigger=removal.trigger)
        self.advance(record, opened=True)
        return None

    def check_pending(self) -> None:
        state = self.ports.state
        try:
            pending = state.pending_ids()
        except ItemFailure as error:
            return self.failed(PENDING_MARKERS, self.settings.AWS_REGION, error)
        for purge_id in pending:
            try:
                record = state.get(purge_id)
                if record is None or record.status != "pending":
                    if not self.settings.DRY_RUN:
                        state.clear_pending(purge_id)
                    continue
                self.advance(record, opened=False)
            except ItemFailure as error:
                self.failed(purge_id, self.settings.AWS_REGION, error)
        return None

    # --- a purge, one step further ----------------------------------------------------------------

    def advance(self, record: PurgeRecord, *, opened: bool) -> None:
        plan = self._plan(record)
        if plan is None:
            return
        if self.settings.DRY_RUN and not record.dry_run:
            # A dry run only reports what it would do to a real purge: its record, its pending
            # marker and its backups stay exactly as they are for the live run.
            self.result.decisions.extend(self._act(plan, record)[1])
            self.result.purges.append(record)
            return
        state = self.ports.state
        if plan.to_delete and not self.settings.DRY_RUN:
            try:
                record = state.update(record, lambda current: _intending(current, plan, self.clock))
            except ItemFailure as error:
                return self._failed_save(record, error, "recording the backups about to be deleted")
        deleted, decisions, failed = self._act(plan, record)
        self.result.decisions.extend(decisions)
        self.result.failures.extend(failed)

        try:
            saved = state.update(
                record, lambda current: self._updated(current, plan, deleted, decisions)
            )
        except ItemFailure as error:
            # What was deleted is in `intended`: the next check re-reads AWS and records it.
            return self._failed_save(record, error, "saving the purge")
        if saved.status == "done":
            state.clear_pending(saved.purge_id)
            count("KeyPurgeEvents", 1, outcome="purge-done")
        self.result.purges.append(saved)
        if opened or deleted or failed or saved.status != record.status:
            self._notify(saved, plan)
        return None

    def _failed_save(self, record: PurgeRecord, error: BaseException, doing: str) -> None:
        code = failure_code(error)
        self.result.failures.append(f"{record.purge_id} {doing} failed: {code}")
        self.result.decisions.append(
            _purge_level(
                record,
                Action.PENDING,
                f"failed:{code}",
                f"{doing} failed; the purge stays pending and the next check carries on",
            )
        )

    def _plan(self, record: PurgeRecord) -> PurgePlan | None:
        target = PurgeTarget(
            cluster_id=record.cluster_id,
            region=record.region,
            removed_at=record.removed_at,
            key_created_at=record.key_created_at,
            immediate=record.immediate,
        )
        try:
            backups, clusters = self._inventory(record)
        except AwsError as error:
            code = error_code(error)
            self.result.failures.append(f"{record.purge_id} listing failed: {code}")
            self.result.decisions.append(
                _purge_level(
                    record,
                    Action.PENDING,
                    f"failed:{code}",
                    "listing backups failed; retried on the next check",
                )
            )
            return None
        return plan_key_purge(target, backups, clusters, self.clock, self.rules)

    def _inventory(self, record: PurgeRecord) -> tuple[list[HsmBackup], list[HsmCluster]]:
        home = self.ports.hsm(record.region)
        backups = home.backups_of(record.cluster_id)
        clusters = home.clusters()
        for region in self.settings.COPY_REGIONS:
            if region == record.region:
                continue
            there = self.ports.hsm(region)
            backups += there.copies()
            clusters += there.clusters()
        # A backup is held by its own tag or its cluster's; a copy's cluster is in another region.
        tags_of = {cluster.id: cluster.tags for cluster in clusters}
        held_by_cluster = [
            replace(b, cluster_tags=tags_of.get(b.cluster_id or b.source_cluster or "", {}))
            for b in backups
        ]
        return held_by_cluster, clusters

    def _act(
        self, plan: PurgePlan, record: PurgeRecord
    ) -> tuple[list[PurgedBackup], list[Decision], list[str]]:
        deleted: list[PurgedBackup] = []
        decisions: list[Decision] = []
        failed: list[str] = []
        for verdict in plan.verdicts:
            if verdict.step is not Step.DELETE:
                decisions.append(_decide(verdict, _ACTION_OF[verdict.step]))
                continue
            if self.settings.DRY_RUN:
                decisions.append(_decide(verdict, Action.WOULD_DELETE))
                continue
            if self.seconds_left() < self.settings.SAFETY_MARGIN_SECONDS:
                decisions.append(
                    _decide(verdict, Action.PENDING, "deferred", "out of time; the next check deletes it")
                )
                continue
            backup = verdict.backup
            try:
                outcome = self.ports.hsm(backup.region).delete(backup)
            except BackupGone:
                decisions.append(
                    _decide(verdict, Action.KEPT, "already-deleted", "the backup no longer exists")
                )
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
        self,
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
            else "dry-run" if record.dry_run else "pending" if pending else "done"
        )
        last_restorable = max(
            (b.restorable_until for b in deleted.values() if b.restorable_until), default=self.clock
        )
        return record.model_copy(
            update={
                "status": status,
                "updated_at": self.clock,
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
                    int((last_restorable + RECORD_KEPT).timestamp())
                    if status in ("done", "dry-run")
                    else None
                ),
            }
        )

    def _notify(self, record: PurgeRecord, plan: PurgePlan) -> None:
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
        try:
            self.ports.notifications.notify(subject, body)
        except AwsError as error:
            # The purge itself is recorded; a lost notification must not undo that, but it counts.
            self.result.failures.append(f"{record.purge_id} notification failed: {error_code(error)}")

    # --- helpers ------------------------------------------------------------------------------------

    def _cluster_known(self, cluster_id: str, region: str) -> bool:
        home = self.ports.hsm(region)
        return any(c.id == cluster_id for c in home.clusters()) or bool(home.backups_of(cluster_id))

    def _duplicate(self, existing: PurgeRecord, removal: KeyRemoval) -> None:
        self.ports.state.count_delivery(existing.purge_id, dry_run=existing.dry_run)
        if existing.status == "pending":
            self.ports.state.mark_pending(existing.purge_id)  # repairs a run that died after opening
        self.result.decisions.append(
            _nothing_done(
                existing.region,
                "duplicate",
                f"{removal.trigger} event {removal.source_event_id} reports removal {removal.removal_id}, "
                f"already purge {existing.purge_id} ({existing.status}): one removal, one purge",
            )
        )
        self.result.purges.append(existing.model_copy(update={"deliveries": existing.deliveries + 1}))
        count("KeyPurgeEvents", 1, outcome="duplicate", trigger=removal.trigger)


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


def _nothing_done(region: str, reason: str, detail: str) -> Decision:
    return Decision(
        service=Service.CLOUDHSM,
        region=region,
        resource_id="-",
        action=Action.KEPT,
        reason=reason,
        detail=detail,
    )


def _purge_level(record: PurgeRecord, action: Action, reason: str, detail: str) -> Decision:
    return Decision(
        service=Service.CLOUDHSM,
        region=record.region,
        resource_id=record.purge_id,
        source_cluster=record.cluster_id,
        action=action,
        reason=reason,
        detail=detail,
    )


def _intending(record: PurgeRecord, plan: PurgePlan, clock: datetime) -> PurgeRecord:
    """`record` naming the backups about to be deleted, saved before the first DeleteBackup."""
    intended = {b.backup_id: b for b in record.intended} | {
        v.backup.id: PurgedBackup(backup_id=v.backup.id, region=v.backup.region) for v in plan.to_delete
    }
    return record.model_copy(update={"intended": list(intended.values()), "updated_at": clock})


def _subject(outcome: KeyEventOutcome, local_region: str) -> tuple[str, str]:
    """What a failure of this outcome is reported against: an id a person can look up, and where."""
    if isinstance(outcome, KeyRemoval):
        return outcome.removal_id, outcome.region
    if isinstance(outcome, KeyDeletionScheduled | KeyDeletionCancelled):
        return outcome.key_arn or outcome.key_id, outcome.region
    if isinstance(outcome, PurgeUndo):
        return outcome.purge_id, outcome.region
    return "-", local_region


def _key_name(removal: KeyRemoval) -> str | None:
    if removal.key_arn or removal.key_id:
        return removal.key_arn or removal.key_id
    return None if removal.key_handle is None else f"key handle {removal.key_handle}"

