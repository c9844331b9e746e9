"""What each key event asks for: open a purge for a removal, record or forget a key's cluster, undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from steward.events.envelope import event_object
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
from steward.flows.key_purge.admission import audit_line_refusal, future_removal, origin_refusal, refuse
from steward.flows.key_purge.advance import advance
from steward.flows.key_purge.pending import PendingCheck, check_pending
from steward.flows.key_purge.ports import ItemFailure, KeyPurgeRun, Ports, PurgeFailed, nothing_done
from steward.flows.key_purge.undo import undo
from steward.machinery.observability import count
from steward.machinery.report import Decision, RunResult, publish
from steward.machinery.settings import KeyPurgeSettings
from steward.services.clients import AwsError, error_code
from steward.services.purge_state import (
    PurgeRecord,
)
from steward.vocabulary.home import Home
from steward.vocabulary.hsm import HsmCluster

KeyPurgeRequest = PendingCheck | list[KeyEventOutcome]


def read_event(event: object, *, local_region: str) -> KeyPurgeRequest:
    """The schedule, or whatever the key-removal triggers say; InvalidEvent for anything else."""
    event = event_object(event)
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        schedule = parse_schedule(dict(event))
        return PendingCheck(time=schedule.time, source_event_id=schedule.id)
    return parse_key_event(event, local_region=local_region)


def run(
    request: KeyPurgeRequest,
    settings: KeyPurgeSettings,
    home: Home,
    *,
    seconds_left: Callable[[], float] = lambda: 900.0,
    clock: datetime | None = None,
    ports: Ports | None = None,
) -> RunResult:
    """Handle one event; raise PurgeFailed at the end if any item failed (it stays pending)."""
    now = clock or datetime.now(UTC)
    ports = ports or Ports.for_settings(settings)
    trigger = "pending-check" if isinstance(request, PendingCheck) else "event"
    result = RunResult(dry_run=settings.DRY_RUN, clock=now, trigger=trigger)
    purge = KeyPurgeRun(settings, ports, now, result, seconds_left)
    handlers: dict[type[KeyEventOutcome], Callable[[Any], None]] = {
        KeyRemoval: lambda removal: _removal(purge, removal),
        KeyDeletionScheduled: lambda scheduled: key_scheduled(purge, scheduled),
        KeyDeletionCancelled: lambda cancelled: key_cancelled(purge, cancelled),
        PurgeUndo: lambda asked: undo(purge, asked),
        NotApplicable: lambda outcome: not_applicable(purge, outcome),
    }

    if isinstance(request, PendingCheck):
        check_pending(purge)
    else:
        for outcome in request:
            # One outcome's AWS failure is that outcome's: the rest still run, the log still goes.
            # Only this account and region may make the purge act (operators: any account the bus admits).
            foreign = None if isinstance(outcome, NotApplicable) else origin_refusal(outcome, home)
            if foreign is not None and not isinstance(outcome, NotApplicable):
                refuse(purge, outcome, foreign)
                continue
            try:
                handlers[type(outcome)](outcome)
            except ItemFailure as error:
                purge.failed(*_subject(outcome, settings.AWS_REGION), error)

    publish("key purge run", result, metric="KeyPurgeBackups", error=PurgeFailed)
    return result


def purge_id_for(removal: KeyRemoval, cluster_id: str) -> str:
    """The same id for every delivery of one removal (see KeyRemoval.removal_id)."""
    if removal.key_arn is not None or removal.key_id is not None:
        return f"purge-{cluster_id}-key-{removal.removal_id.rsplit('/', 1)[-1]}"
    # Each HSM of the cluster logs the same deletion a few microseconds apart: whole seconds.
    purge_id = f"purge-{cluster_id}-{removal.removed_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return purge_id if removal.key_handle is None else f"{purge_id}-handle-{removal.key_handle}"


def not_applicable(run: KeyPurgeRun, outcome: NotApplicable) -> None:
    run.result.decisions.append(nothing_done(run.settings.AWS_REGION, outcome.reason, outcome.detail))
    count("KeyPurgeEvents", 1, outcome="not-applicable", reason=outcome.reason)


def key_scheduled(run: KeyPurgeRun, scheduled: KeyDeletionScheduled) -> None:
    _key_outcome(run, run.keys.scheduled(scheduled))


def key_cancelled(run: KeyPurgeRun, cancelled: KeyDeletionCancelled) -> None:
    _key_outcome(run, run.keys.cancelled(cancelled))


def _key_outcome(run: KeyPurgeRun, outcome: Decision | NotApplicable) -> None:
    if isinstance(outcome, NotApplicable):
        return not_applicable(run, outcome)
    run.result.decisions.append(outcome)
    count("KeyPurgeEvents", 1, outcome=outcome.reason)
    return None


def _removal(run: KeyPurgeRun, removal: KeyRemoval) -> None:
    future = future_removal(removal, run.clock)
    if future is not None:
        return refuse(run, removal, future)
    if removal.opcode is not None and removal.opcode not in run.settings.PURGE_OPCODES:
        return not_applicable(
            run,
            NotApplicable(
                reason="opcode-not-purged",
                detail=f"{removal.reason}: {removal.opcode} deletes a key, but PURGE_OPCODES is "
                f"{','.join(run.settings.PURGE_OPCODES)}, so it starts no purge",
            ),
        )
    resolved = run.keys.resolve(removal)
    if isinstance(resolved, NotApplicable):
        return not_applicable(run, resolved)
    cluster_id, key_created_at = resolved
    purge_id = purge_id_for(removal, cluster_id)
    state = run.ports.state
    dry_run = run.settings.DRY_RUN

    existing = state.get(purge_id, dry_run=dry_run)
    if existing is not None:
        return _duplicate(run, existing, removal)
    try:
        cluster, known = _cluster_known(run, cluster_id, removal.region)
    except AwsError as error:
        run.result.problems.append(f"{cluster_id} listing failed: {error_code(error)}")
        return None
    if removal.trigger == "hsm-audit-log":
        forged = audit_line_refusal(removal, cluster, run.settings.AUDIT_LOG_GROUPS, run.clock)
        if forged is not None:
            return refuse(run, removal, forged)
    if not known:
        return not_applicable(
            run,
            NotApplicable(
                reason="unknown-cluster",
                detail=f"{cluster_id} has no cluster and no backups in {removal.region}: nothing "
                f"to purge (removal {removal.removal_id}, trigger {removal.trigger})",
            ),
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
        opcode=removal.opcode,
        dry_run=dry_run,
        status="dry-run" if dry_run else "pending",
        opened_at=run.clock,
        updated_at=run.clock,
        source_event_id=removal.source_event_id,
        requested_by=removal.requested_by,
        wait_until=removal.removed_at + run.rules.max_wait,
    )
    if not state.open(record):  # another delivery opened it between our read and write
        raced = state.get(purge_id, dry_run=dry_run)
        return _duplicate(run, raced, removal) if raced is not None else None
    if not dry_run:
        # Written before acting: if this invocation dies, the schedule still finds the purge.
        state.mark_pending(purge_id)
    count("KeyPurgeEvents", 1, outcome="purge-opened", trigger=removal.trigger)
    advance(run, record, opened=True)
    return None


def _cluster_known(run: KeyPurgeRun, cluster_id: str, region: str) -> tuple[HsmCluster | None, bool]:
    """The cluster as listed (None if gone), and whether it or any of its backups is known here."""
    hsm = run.ports.hsm(region)
    cluster = next((c for c in hsm.clusters() if c.id == cluster_id), None)
    return cluster, cluster is not None or bool(hsm.backups_of(cluster_id))


def _duplicate(run: KeyPurgeRun, existing: PurgeRecord, removal: KeyRemoval) -> None:
    run.ports.state.count_delivery(existing.purge_id, dry_run=existing.dry_run)
    if existing.status == "pending":
        run.ports.state.mark_pending(existing.purge_id)  # repairs a run that died after opening
    run.result.decisions.append(
        nothing_done(
            existing.region,
            "duplicate",
            f"{removal.trigger} event {removal.source_event_id} reports removal {removal.removal_id}, "
            f"already purge {existing.purge_id} ({existing.status}): one removal, one purge",
        )
    )
    run.result.purges.append(existing.model_copy(update={"deliveries": existing.deliveries + 1}))
    count("KeyPurgeEvents", 1, outcome="duplicate", trigger=removal.trigger)


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
