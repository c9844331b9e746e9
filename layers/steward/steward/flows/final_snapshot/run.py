"""One final-snapshot run: read the trigger, pick the path, report every decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from steward.events.cluster_changes.parser import ClusterDeleted, ClusterTagged, parse_cluster_event
from steward.events.envelope import event_object
from steward.events.outcomes import NotApplicable
from steward.events.schedule.models import ScheduledEvent
from steward.events.schedule.parser import parse_schedule
from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.rescue import rescue
from steward.flows.final_snapshot.stores import STORES, Alerts, ClusterStore
from steward.flows.final_snapshot.sweep import sweep
from steward.flows.final_snapshot.tag_event import tagged
from steward.machinery.observability import logger
from steward.machinery.report import Action, RunResult, SweepFailed, publish
from steward.machinery.settings import FinalSnapshotSettings
from steward.policy.origin import Foreign, foreign_origin
from steward.services.cluster_state import ClusterState
from steward.services.notifications import Notifications
from steward.vocabulary.home import Home
from steward.vocabulary.service import Service

Trigger = ScheduledEvent | ClusterTagged | ClusterDeleted | NotApplicable


def parse_trigger(event: Any) -> Trigger:
    """A schedule, or a CloudTrail tag/delete event; InvalidEvent for anything else."""
    event = event_object(event)
    if event.get("detail-type") == "Scheduled Event":
        return parse_schedule(dict(event))
    return parse_cluster_event(event)


def run(
    trigger: Trigger,
    settings: FinalSnapshotSettings,
    home: Home,
    seconds_left: Callable[[], float],
    *,
    stores: Mapping[Service, ClusterStore] | None = None,
    state: ClusterState | None = None,
    alerts: Alerts | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RunResult:
    """Act on one trigger; raise SweepFailed (after doing everything else) if anything failed."""
    if isinstance(trigger, NotApplicable):
        logger.info("not applicable", extra={"reason": trigger.reason, "detail": trigger.detail})
        return RunResult(settings.DRY_RUN, now(), f"not-applicable:{trigger.reason}")
    event_time, region, account, name = _origin(trigger)
    # The event's own time is the clock (capped at now), so a replay decides as the original did.
    clock = min(event_time.astimezone(UTC), now())
    foreign = foreign_origin(account, region, home)
    if stores is None:
        stores = {service: make(home.region, home.account) for service, make in STORES.items()}
    flow = FinalSnapshotRun(
        settings=settings,
        clock=clock,
        now=now,
        out_of_time=lambda: seconds_left() < settings.SAFETY_MARGIN_SECONDS,
        # The StateTable is in the stack's region, whichever region the event comes from.
        state=state or ClusterState(settings.STATE_TABLE, home.region),
        alerts=alerts or Notifications(settings.NOTIFICATIONS_TOPIC_ARN),
        result=RunResult(settings.DRY_RUN, clock, name),
    )
    if foreign is not None:
        refuse(flow, trigger, foreign)
        return _report(flow.result)
    try:
        if isinstance(trigger, ScheduledEvent):
            sweep(flow, list(stores.values()))
        elif isinstance(trigger, ClusterTagged):
            tagged(flow, stores[trigger.service], trigger)
        else:
            rescue(flow, stores[trigger.service], trigger)
    except Exception as error:
        # Whatever stops the run, what was decided before it is still logged and counted.
        logger.exception("final-snapshot run stopped")
        flow.result.problems.append(f"run stopped by {type(error).__name__}: {error}")
    return _report(flow.result)


def refuse(
    flow: FinalSnapshotRun, trigger: ScheduledEvent | ClusterTagged | ClusterDeleted, foreign: Foreign
) -> None:
    """Nothing is read or changed; a cluster event from elsewhere looks forged, so it alerts."""
    flow.result.trigger = f"refused:{foreign.reason}"
    if isinstance(trigger, ScheduledEvent):
        for service in Service:
            flow.decide(
                service,
                flow.settings.AWS_REGION,
                "-",
                Action.KEPT,
                foreign.reason,
                f"schedule refused, nothing listed or deleted: {foreign.detail}",
            )
        return
    detail = f"{trigger.event_id} ({trigger.service.value} {trigger.resource_id}) refused: {foreign.detail}"
    flow.decide(trigger.service, flow.settings.AWS_REGION, "-", Action.KEPT, foreign.reason, detail)
    flow.alert(
        "Steward refused a cluster event that looks forged",
        {
            "refused": foreign.reason,
            "detail": foreign.detail,
            "eventId": trigger.event_id,
            "service": trigger.service.value,
            "cluster": trigger.resource_id,
            "eventAccount": trigger.account,
            "eventRegion": trigger.region,
            "actor": trigger.actor,
        },
    )


def _origin(trigger: ScheduledEvent | ClusterTagged | ClusterDeleted) -> tuple[datetime, str, str, str]:
    if isinstance(trigger, ScheduledEvent):
        return trigger.time, trigger.region, trigger.account, "sweep"
    if isinstance(trigger, ClusterTagged):
        return trigger.tagged_at, trigger.region, trigger.account, "tag-event"
    return trigger.deleted_at, trigger.region, trigger.account, "delete-event"


def _report(result: RunResult) -> RunResult:
    publish("final-snapshot run", result, metric="Clusters", error=SweepFailed)
    return result
