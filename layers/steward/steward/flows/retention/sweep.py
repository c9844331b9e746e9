"""The scheduled retention sweep: list, plan, delete what expired, report every decision."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from steward.events.schedule.models import ScheduledEvent
from steward.flows.retention.budget import Share, rotated, shares
from steward.flows.retention.deleting import Batch, delete_batches
from steward.flows.retention.last_known import ClusterMemory, with_last_known
from steward.machinery.report import Action, Decision, RunResult, SweepFailed, publish
from steward.machinery.settings import RetentionSettings
from steward.policy.origin import Foreign, foreign_origin
from steward.policy.retention import Verdict, plan_retention
from steward.services import clients
from steward.services.clients import AwsError, error_code
from steward.services.cloudhsm import CloudHsmBackups
from steward.services.elasticache import ElastiCacheSnapshots
from steward.services.elasticache_serverless import ServerlessSnapshots
from steward.services.last_known import LastKnownClusterTags
from steward.services.listing import Listing
from steward.services.redshift import RedshiftSnapshots
from steward.vocabulary.backups import Backup, DeleteOutcome
from steward.vocabulary.home import Home
from steward.vocabulary.service import Service


class BackupStore(Protocol):
    service: Service
    region: str
    batch_size: int

    @property
    def kind(self) -> str | None: ...  # where a service has more than one kind of backup

    def list_backups(self, stop: Callable[[], bool]) -> Listing[Backup]: ...
    def live_clusters(self) -> dict[str, dict[str, str]]: ...
    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]: ...


# One SERVICES name, one or more stores: ElastiCache lists serverless snapshots on their own.
STORES: dict[str, tuple[Callable[[str, str], BackupStore], ...]] = {
    "elasticache": (ElastiCacheSnapshots, ServerlessSnapshots),
    "redshift": (RedshiftSnapshots,),
    "cloudhsm": (CloudHsmBackups,),
}


def run(
    event: ScheduledEvent,
    settings: RetentionSettings,
    home: Home,
    seconds_left: Callable[[], float],
    stores: Sequence[BackupStore] | None = None,
    memory: ClusterMemory | None = None,
) -> RunResult:
    """Sweep every configured service in `home`; raise SweepFailed if any item failed.

    A schedule from another account or region is refused: its fields never choose what is swept.
    Each decision is logged as it is made; the summary and metrics go out at the end, also when
    an unexpected error ends the run (then the error goes on).
    """
    # The event's own time is the clock, so a replayed event decides as it did the first time.
    clock = min(event.time.astimezone(UTC), datetime.now(UTC))
    foreign = foreign_origin(event.account, event.region, home)
    if foreign is not None:
        return _refused(foreign, settings, clock)
    clients.configure(
        safety_margin_seconds=settings.SAFETY_MARGIN_SECONDS, connections=settings.DELETE_CONCURRENCY
    )
    if stores is None:
        stores = [make(home.region, home.account) for name in settings.SERVICES for make in STORES[name]]
    if memory is None:
        memory = LastKnownClusterTags(settings.STATE_TABLE, home.region)
    result = RunResult(dry_run=settings.DRY_RUN, clock=clock, trigger="sweep")
    leftovers: list[Leftover] = []

    def out_of_time() -> bool:
        return seconds_left() < settings.SAFETY_MARGIN_SECONDS

    try:
        for store, share in shares(rotated(stores, event.id), seconds_left, settings.SAFETY_MARGIN_SECONDS):
            leftovers += _sweep(store, settings, clock, share, memory, result.problems, result.record)
        # Time a service's share left unused goes to the deletes others planned and could not make.
        while leftovers:
            leftovers.pop(0).resume(out_of_time)
    except Exception as error:
        for leftover in leftovers:  # reported, not attempted: nothing is sent once stop() holds
            leftover.resume(lambda: True)
        result.problems.append(f"the run ended early: {type(error).__name__}: {error}")
        publish("retention sweep", result, metric="Backups", error=None)
        raise
    publish("retention sweep", result, metric="Backups", error=SweepFailed)
    return result


def _refused(foreign: Foreign, settings: RetentionSettings, clock: datetime) -> RunResult:
    result = RunResult(dry_run=settings.DRY_RUN, clock=clock, trigger=f"refused:{foreign.reason}")
    result.decisions += [
        Decision(
            service=Service(name),
            region=settings.AWS_REGION,
            resource_id="-",
            action=Action.KEPT,
            reason=foreign.reason,
            detail=f"schedule refused, nothing listed or deleted: {foreign.detail}",
        )
        for name in settings.SERVICES
    ]
    publish("retention sweep", result, metric="Backups", error=SweepFailed)
    return result


def sweep_store(
    store: BackupStore,
    settings: RetentionSettings,
    clock: datetime,
    out_of_time: Callable[[], bool],
    memory: ClusterMemory,
    problems: list[str],
) -> list[Decision]:
    """One service's decisions, bounded only by `out_of_time` (what `steward plan` shows, with
    DRY_RUN on)."""
    decisions: list[Decision] = []
    for leftover in _sweep(store, settings, clock, Share(out_of_time), memory, problems, decisions.append):
        leftover.resume(out_of_time)
    return decisions


def _sweep(
    store: BackupStore,
    settings: RetentionSettings,
    clock: datetime,
    share: Share,
    memory: ClusterMemory,
    problems: list[str],
    record: Callable[[Decision], None],
) -> list[Leftover]:
    """Lists, plans and deletes within `share`; returns the planned deletes its share left over."""
    if share.out_of_time():
        record(_service_level(store, "deferred", "out of time before listing; next run"))
        return []
    try:
        listing = store.list_backups(stop=share.listing_over)
        backups = []
        for backup in listing:
            backups.append(backup)
            share.listed = True
    except AwsError as error:
        record(_service_level(store, f"failed:{error_code(error)}", "listing failed"))
        return []
    if not listing.complete:
        # What was listed is decided as usual (min-keep protects the newest of what was seen,
        # which can only be older than the newest there is): the rest waits for the next run.
        detail = f"listed {len(backups)} before this service's share of the run was spent; the rest next run"
        record(_service_level(store, "deferred", detail))
        if not backups:  # the clusters were not all read either: nothing to remember or decide
            return []
    # Each kind of store remembers its own clusters (node-based and serverless caches apart).
    scope = store.service.value if store.kind is None else f"{store.service}:{store.kind}"
    backups, trouble = with_last_known(scope, store.region, backups, store.live_clusters(), memory, clock)
    problems.extend(trouble)

    expired = []
    for verdict in plan_retention(backups, settings.rules, clock):
        if verdict.expired:
            expired.append(verdict)
        else:
            record(_decide(verdict, Action.KEPT))
    del backups  # from here on, only what is to be deleted is kept
    expired.sort(key=lambda v: v.backup.created or clock)
    if settings.DRY_RUN:
        for verdict in expired:
            record(_decide(verdict, Action.WOULD_DELETE))
        return []

    def done(batch: Batch, outcomes: list[DeleteOutcome]) -> None:
        by_id = {v.backup.id: v for v in batch}
        for outcome in outcomes:
            record(_outcome(by_id[outcome.backup.id], outcome))
        share.deleted = True

    # Redshift deletes 100 in one call: its batches go one at a time.
    workers = settings.DELETE_CONCURRENCY if store.batch_size == 1 else 1
    size = store.batch_size
    batches = [expired[start : start + size] for start in range(0, len(expired), size)]
    left: list[Batch] = []
    delete_batches(store, batches, workers, share.deleting_over, done, left.append)
    return [Leftover(store, left, workers, done, record)] if left else []


@dataclass
class Leftover:
    """Deletes a service planned but whose share ran out: made later in the run if time is left,
    or reported deferred (the next run lists and decides them again)."""

    store: BackupStore
    batches: list[Batch]
    workers: int
    done: Callable[[Batch, list[DeleteOutcome]], None]
    record: Callable[[Decision], None]

    def resume(self, out_of_time: Callable[[], bool]) -> None:
        def deferred(batch: Batch) -> None:
            for verdict in batch:
                detail = "out of time; the next run picks it up"
                self.record(_decide(verdict, Action.KEPT, "deferred", detail))

        delete_batches(self.store, self.batches, self.workers, out_of_time, self.done, deferred)


def _outcome(verdict: Verdict, outcome: DeleteOutcome) -> Decision:
    if outcome.deleted:
        detail = "; ".join(part for part in (verdict.detail, outcome.detail) if part)
        return _decide(verdict, Action.DELETED, detail=detail)
    return _decide(verdict, Action.KEPT, f"failed:{outcome.error_code}", verdict.detail)


def _decide(
    verdict: Verdict, action: Action, reason: str | None = None, detail: str | None = None
) -> Decision:
    backup = verdict.backup
    return Decision(
        service=backup.service,
        region=backup.region,
        resource_id=backup.id,
        source_cluster=backup.source_cluster,
        age_days=verdict.age_days,
        action=action,
        reason=reason or verdict.reason,
        detail=verdict.detail if detail is None else detail,
        kind=backup.kind,
    )


def _service_level(store: BackupStore, reason: str, detail: str) -> Decision:
    return Decision(
        service=store.service,
        region=store.region,
        resource_id="*",
        action=Action.KEPT,
        reason=reason,
        detail=detail,
        kind=store.kind,
    )
