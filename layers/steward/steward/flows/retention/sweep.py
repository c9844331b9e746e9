"""The scheduled retention sweep: list, plan, delete what expired, report every decision."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from steward.events.schedule.models import ScheduledEvent
from steward.flows.retention.last_known import ClusterMemory, with_last_known
from steward.machinery.report import Action, Decision, RunResult, SweepFailed, publish
from steward.machinery.settings import RetentionSettings
from steward.policy.origin import Foreign, foreign_origin
from steward.policy.retention import Verdict, plan_retention
from steward.services.clients import AwsError, error_code
from steward.services.cloudhsm import CloudHsmBackups
from steward.services.elasticache import ElastiCacheSnapshots
from steward.services.elasticache_serverless import ServerlessSnapshots
from steward.services.last_known import LastKnownClusterTags
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

    def list_backups(self) -> list[Backup]: ...
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
    """
    # The event's own time is the clock, so a replayed event decides as it did the first time.
    clock = min(event.time.astimezone(UTC), datetime.now(UTC))
    foreign = foreign_origin(event.account, event.region, home)
    if foreign is not None:
        return _refused(foreign, settings, clock)
    if stores is None:
        stores = [make(home.region, home.account) for name in settings.SERVICES for make in STORES[name]]
    if memory is None:
        memory = LastKnownClusterTags(settings.STATE_TABLE, home.region)
    result = RunResult(dry_run=settings.DRY_RUN, clock=clock, trigger="sweep")

    def out_of_time() -> bool:
        return seconds_left() < settings.SAFETY_MARGIN_SECONDS

    for store in stores:
        result.decisions.extend(sweep_store(store, settings, clock, out_of_time, memory, result.problems))

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
    """One service's decisions (what `steward plan` shows, with DRY_RUN on)."""
    if out_of_time():
        return [_service_level(store, "deferred", "out of time before listing; next run")]
    try:
        backups = store.list_backups()
    except AwsError as error:
        return [_service_level(store, f"failed:{error_code(error)}", "listing failed")]
    # Each kind of store remembers its own clusters (node-based and serverless caches apart).
    scope = store.service.value if store.kind is None else f"{store.service}:{store.kind}"
    backups, trouble = with_last_known(scope, store.region, backups, store.live_clusters(), memory, clock)
    problems.extend(trouble)

    verdicts = plan_retention(backups, settings.rules, clock)
    decisions = [_decide(v, Action.KEPT) for v in verdicts if not v.expired]
    expired = sorted((v for v in verdicts if v.expired), key=lambda v: v.backup.created or clock)
    if settings.DRY_RUN:
        return decisions + [_decide(v, Action.WOULD_DELETE) for v in expired]

    for start in range(0, len(expired), store.batch_size):
        batch = expired[start : start + store.batch_size]
        if out_of_time():
            decisions += [
                _decide(v, Action.KEPT, "deferred", "out of time; the next run picks it up")
                for v in expired[start:]
            ]
            break
        by_id = {v.backup.id: v for v in batch}
        for outcome in store.delete([v.backup for v in batch]):
            verdict = by_id[outcome.backup.id]
            if outcome.deleted:
                detail = "; ".join(part for part in (verdict.detail, outcome.detail) if part)
                decisions.append(_decide(verdict, Action.DELETED, detail=detail))
            else:
                decisions.append(
                    _decide(verdict, Action.KEPT, f"failed:{outcome.error_code}", verdict.detail)
                )
    return decisions


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
