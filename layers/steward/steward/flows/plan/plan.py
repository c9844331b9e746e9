"""List every backup and every tagged cluster of the regions, and decide each as the sweeps would."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.stores import STORES as CLUSTER_STORES
from steward.flows.final_snapshot.sweep import decide_cluster, list_tagged
from steward.flows.plan.ports import PlannedAlerts, StackInventory, StackMemory
from steward.flows.plan.settings import PlanSettings
from steward.flows.retention.sweep import STORES as BACKUP_STORES
from steward.flows.retention.sweep import sweep_store
from steward.machinery.report import Action, RunResult
from steward.policy.rescue import is_guarded

# Called once a region's service is decided: (region, service, decisions so far).
Progress = Callable[[str, str, int], None]


@dataclass
class Plan:
    """Every decision, and the alerts the sweeps would send with them."""

    result: RunResult
    alerts: PlannedAlerts = field(default_factory=PlannedAlerts)


def listed_services(settings: PlanSettings, services: Sequence[str] | None = None) -> list[str]:
    """What a plan lists: the backups of the retention SERVICES setting's services and the clusters
    of every service the decommission sweep watches, narrowed to `services` if given."""
    watched = [service.value for service in CLUSTER_STORES]
    every = [
        *settings.retention.SERVICES,
        *(name for name in watched if name not in settings.retention.SERVICES),
    ]
    return [name for name in every if services is None or name in services]


def plan(
    regions: Sequence[str],
    settings: PlanSettings,
    clock: datetime,
    account: str,
    services: Sequence[str] | None = None,
    progress: Progress | None = None,
    state_table: str | None = None,
) -> Plan:
    """Every decision the retention and decommission sweeps would make at `clock`, nothing done.
    `services` narrows both sweeps (default: the retention SERVICES setting, every cluster service);
    `state_table` is the deployed stack's, where the tag events recorded who set a tag."""
    planned = Plan(RunResult(dry_run=True, clock=clock, trigger="plan"))
    result = planned.result
    listed = listed_services(settings, services)
    for region in regions:
        for name in settings.retention.SERVICES:
            if name not in listed:
                continue
            memory = StackMemory(state_table, region)
            for make_backups in BACKUP_STORES[name]:
                # A plan is not a Lambda invocation: it never runs out of time.
                backups = make_backups(region, account)
                result.decisions += sweep_store(
                    backups, settings.retention, clock, lambda: False, memory, result.problems
                )
            if progress is not None:
                progress(region, name, len(result.decisions))
        run = FinalSnapshotRun(
            settings=settings.final_snapshot,
            clock=clock,
            now=lambda: clock,
            out_of_time=lambda: False,
            state=StackInventory(state_table, region),
            alerts=planned.alerts,
            result=result,
        )
        for service, make in CLUSTER_STORES.items():
            if service.value not in listed:
                continue
            clusters = make(region, account)
            for cluster in list_tagged(run, clusters) or []:
                decided = len(result.decisions)
                decide_cluster(run, clusters, cluster)
                if len(result.decisions) == decided and is_guarded(cluster.tags):
                    # The sweep only records these; a plan shows them, so every tagged cluster is listed.
                    run.decide(
                        cluster.service,
                        cluster.region,
                        cluster.id,
                        Action.KEPT,
                        "guarded",
                        "steward:final-snapshot=required: a delete without a final snapshot is rescued",
                        cluster.kind,
                    )
            if progress is not None:
                progress(region, f"{service.value} clusters", len(result.decisions))
    return planned
