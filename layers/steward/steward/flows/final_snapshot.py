"""Final snapshots: delete tagged clusters only with a final snapshot; rescue the data of clusters
that someone deleted without one.

Three triggers, one flow:
* schedule sweep -> refresh the inventory of guarded clusters, write tags that failed before,
  decommission what is due;
* tag event (AddTagsToResource / CreateTags) -> the same for the one cluster, right away, once
  the cluster's live tags show the event's tags;
* delete event (DeleteCluster / DeleteCacheCluster / DeleteReplicationGroup / DeleteServerlessCache)
  without a final snapshot -> copy the newest automatic snapshot to a manual one and alert.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from steward.events.cluster_changes.parser import ClusterDeleted, ClusterTagged, parse_cluster_event
from steward.events.outcomes import InvalidEvent, NotApplicable
from steward.events.schedule.models import ScheduledEvent
from steward.events.schedule.parser import parse_schedule
from steward.flows.retention import SweepFailed
from steward.machinery.observability import logger
from steward.machinery.report import Action, Decision, failed_items, publish, summarise
from steward.machinery.settings import FinalSnapshotSettings
from steward.policy.decommission import Action as PlanAction
from steward.policy.decommission import decide_decommission
from steward.policy.rescue import (
    RescueVerdict,
    copy_retention_days,
    decide_rescue,
    final_snapshot_tag_problem,
    is_guarded,
    needs_no_rescue,
    newest_automatic,
    requires_final_snapshot,
    snapshot_tags,
)
from steward.services.clients import AwsError, error_code
from steward.services.cluster_state import ClusterState, RescueStatus, cluster_key, snapshot_key
from steward.services.elasticache_clusters import ElastiCacheClusters
from steward.services.notifications import Notifications
from steward.services.redshift_clusters import RedshiftClusters
from steward.vocabulary.clusters import (
    AutomaticSnapshot,
    Cluster,
    ClusterBusy,
    ClusterGone,
    ClusterProblem,
    NoSnapshotSupport,
    SnapshotNames,
    SnapshotNameTaken,
    SnapshotQuotaReached,
)
from steward.vocabulary.naming import (
    SNAPSHOT_SERVICE,
    ResourceKind,
    final_snapshot_name,
    rescue_snapshot_name,
)
from steward.vocabulary.service import Service
from steward.vocabulary.tags import DELETE_AFTER, FINAL_SNAPSHOT

Trigger = ScheduledEvent | ClusterTagged | ClusterDeleted | NotApplicable
NAME_ATTEMPTS: Final = 3
# The tags a tag event acts on; the others it carries are no business of this flow.
STEERING_TAGS: Final = (DELETE_AFTER, FINAL_SNAPSHOT)


class ClusterStore(Protocol):
    service: Service
    region: str

    def list_tagged(self) -> list[Cluster]: ...
    def get(self, kind: ResourceKind, cluster_id: str) -> Cluster | None: ...
    def live_tags(self, kind: ResourceKind, cluster_id: str) -> dict[str, str] | None: ...
    def snapshot_names(self) -> SnapshotNames: ...
    def delete_with_final_snapshot(self, cluster: Cluster, name: str, retention_days: int | None) -> None: ...
    def tag_snapshot(self, cluster_id: str, name: str, tags: Mapping[str, str]) -> None: ...
    def automatic_snapshots(self, kind: ResourceKind, cluster_id: str) -> list[AutomaticSnapshot]: ...
    def copy_snapshot(self, source: AutomaticSnapshot, target: str, retention_days: int | None) -> None: ...


class Alerts(Protocol):
    def notify(self, subject: str, message: Mapping[str, object]) -> str: ...


STORES: dict[Service, Callable[[str, str], ClusterStore]] = {
    Service.REDSHIFT: RedshiftClusters,
    Service.ELASTICACHE: ElastiCacheClusters,
}


class NamesTaken(ClusterProblem):
    """AWS said every name Steward tried was taken (a race it lost NAME_ATTEMPTS times)."""

    def __init__(self, tried: Sequence[str]) -> None:
        super().__init__("snapshot-name-taken", f"names tried: {sorted(tried)}")


def act_under_free_name(
    name_for: Callable[[Container[str]], str], taken: SnapshotNames, act: Callable[[str], None]
) -> str:
    """Call `act` with the first free name, and with a new one when AWS says it is taken (a race
    with the uniqueness check); the name used. NamesTaken after NAME_ATTEMPTS names."""
    tried: set[str] = set()
    for _ in range(NAME_ATTEMPTS):
        name = name_for(taken.plus(tried))
        try:
            act(name)
        except SnapshotNameTaken:
            tried.add(name)
            continue
        return name
    raise NamesTaken(sorted(tried))


@dataclass
class FinalSnapshotResult:
    dry_run: bool
    clock: datetime
    trigger: str
    decisions: list[Decision] = field(default_factory=list)
    # Failures that are not a decision of their own (tagging a snapshot, state, alerts).
    problems: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return failed_items(self.decisions) + self.problems

    def summary(self) -> dict[str, object]:
        return {
            "dryRun": self.dry_run,
            "clock": self.clock.isoformat(),
            "trigger": self.trigger,
            "counts": summarise(self.decisions),
            "failed": len(self.failures),
        }


def parse_trigger(event: Any) -> Trigger:
    """A schedule, or a CloudTrail tag/delete event; InvalidEvent for anything else."""
    if not isinstance(event, Mapping):
        raise InvalidEvent(f"event must be a JSON object, got {type(event).__name__}")
    if event.get("detail-type") == "Scheduled Event":
        return parse_schedule(dict(event))
    return parse_cluster_event(event)


@dataclass
class _Run:
    settings: FinalSnapshotSettings
    clock: datetime
    now: Callable[[], datetime]
    out_of_time: Callable[[], bool]
    state: ClusterState
    alerts: Alerts
    result: FinalSnapshotResult

    # --- shared -------------------------------------------------------------------------------
    def decide(
        self, service: Service, region: str, resource_id: str, action: Action, reason: str, detail: str
    ) -> None:
        self.result.decisions.append(
            Decision(
                service=service,
                region=region,
                resource_id=resource_id,
                action=action,
                reason=reason,
                detail=detail,
            )
        )

    def alert(self, subject: str, message: Mapping[str, object]) -> None:
        try:
            self.alerts.notify(subject, {**message, "dryRun": self.settings.DRY_RUN})
        except AwsError as error:
            self.result.problems.append(f"alert '{subject}' not sent: {error_code(error)}")

    def tag_snapshot(self, store: ClusterStore, cluster_id: str, name: str, tags: Mapping[str, str]) -> str:
        """Tag a snapshot Steward made; if AWS refuses, record the tags for the sweep to write, and
        count a problem. Returns what the decision's detail should add ("" when tagged)."""
        try:
            store.tag_snapshot(cluster_id, name, tags)
            return ""
        except AwsError as error:
            code = error_code(error)
        try:
            key = snapshot_key(store.service.value, store.region, name)
            self.state.remember_tags(key, name, cluster_id, tags, self.clock)
            retry = "the next sweep tags it"
        except AwsError as error:
            retry = f"not recorded for a retry ({error_code(error)}): tag it by hand"
        self.result.problems.append(f"tagging snapshot {name}: {code}; {retry}")
        return f"; not tagged yet ({code}): {retry}"

    def write_pending_tags(self, store: ClusterStore) -> None:
        """The sweep's retry of snapshot tags that could not be written when the snapshot was made."""
        try:
            pending = self.state.pending_tags(f"snapshot#{store.service.value}#{store.region}#")
        except AwsError as error:
            self.result.problems.append(f"reading tags to write {store.service}: {error_code(error)}")
            return
        for item in pending:
            try:
                store.tag_snapshot(item.cluster_id, item.snapshot, item.tags)
                self.state.tags_written(item.key)
            except AwsError as error:
                self.result.problems.append(
                    f"tagging snapshot {item.snapshot}: {error_code(error)}; the next sweep tries again"
                )
                continue
            logger.info("snapshot tagged", extra={"snapshot": item.snapshot, "cluster": item.cluster_id})

    def guard_inventory(self, cluster: Cluster, event_tags: Mapping[str, str]) -> None:
        # Errs towards rescuing: the event's guard counts until a sweep reads the live tags.
        key = cluster_key(cluster.service.value, cluster.region, cluster.id)
        tags = {**event_tags, **cluster.tags}
        try:
            if is_guarded(tags):
                self.state.remember(key, tags, self.clock)
            else:
                self.state.forget(key)
        except AwsError as error:
            self.result.problems.append(f"inventory {key}: {error_code(error)}")

    # --- decommission -------------------------------------------------------------------------
    def decommission(self, store: ClusterStore, cluster: Cluster, alert_refusal: bool) -> None:
        def decide(action: Action, reason: str, detail: str) -> None:
            self.decide(cluster.service, cluster.region, cluster.id, action, reason, detail)

        if cluster.status.strip().lower() == "deleting":
            return decide(Action.KEPT, "already-gone", "being deleted (status deleting); nothing to do")
        if cluster.replication_group:
            return decide(
                Action.KEPT,
                "in-replication-group",
                f"a member of replication group {cluster.replication_group}: tag the group instead",
            )
        plan = decide_decommission(
            cluster.tags,
            cluster.status,
            cluster.engine,
            cluster.kind,
            self.clock,
            self.settings.FINAL_SNAPSHOT_RETENTION_DAYS,
        )
        if plan.action is PlanAction.NONE:
            return None
        if not plan.delete:
            if plan.reason == "no-snapshot-support" and alert_refusal:
                self.alert(
                    f"Steward will not delete {cluster.id}: no final snapshot possible",
                    {"cluster": cluster.id, "service": cluster.service.value, "detail": plan.detail},
                )
            action = Action.PENDING if plan.reason == "not-available" else Action.KEPT
            return decide(action, plan.reason, plan.detail)
        if self.out_of_time():
            return decide(Action.PENDING, "deferred", "out of time; the next sweep picks it up")

        service = SNAPSHOT_SERVICE[cluster.kind]

        def name_for(taken: Container[str]) -> str:
            return final_snapshot_name(service, cluster.id, self.now(), taken)

        retention = plan.final_snapshot_retention_days
        kept_for = (
            "" if retention is None else f", kept {'forever' if retention == -1 else f'{retention} days'}"
        )
        try:
            if self.settings.DRY_RUN:
                name = name_for(store.snapshot_names())
                return decide(
                    Action.WOULD_DELETE, plan.reason, f"final snapshot {name}{kept_for}; {plan.detail}"
                )
            name = act_under_free_name(
                name_for,
                store.snapshot_names(),
                lambda name: store.delete_with_final_snapshot(cluster, name, retention),
            )
        except ClusterGone:
            return decide(Action.KEPT, "already-gone", "the cluster no longer exists; nothing to delete")
        except ClusterBusy as busy:
            return decide(Action.PENDING, "not-available", f"{busy.code}; retried on the next sweep")
        except NoSnapshotSupport as refused:
            return decide(Action.KEPT, "no-snapshot-support", f"{refused.code}; not deleted")
        except SnapshotQuotaReached as quota:
            self.alert(
                f"Steward did not delete {cluster.id}: snapshot quota reached",
                {
                    "cluster": cluster.id,
                    "service": cluster.service.value,
                    "region": cluster.region,
                    "error": quota.code,
                    "action": "raise the snapshot quota or delete old snapshots; the next sweep retries",
                },
            )
            return decide(Action.KEPT, "snapshot-quota", f"{quota.code}: not deleted, alert sent")
        except ClusterProblem as problem:
            return decide(Action.KEPT, f"failed:{problem.code}", f"{problem}; not deleted")
        except AwsError as error:
            return decide(Action.KEPT, f"failed:{error_code(error)}", "delete with final snapshot failed")

        tags = snapshot_tags(cluster.tags, cluster.id, "final-snapshot")
        untagged = self.tag_snapshot(store, cluster.id, name, tags)
        return decide(
            Action.DELETED, plan.reason, f"final snapshot {name}{kept_for}; {plan.detail}{untagged}"
        )

    # --- rescue -------------------------------------------------------------------------------
    def rescue(self, store: ClusterStore, deleted: ClusterDeleted) -> None:
        def decide(action: Action, reason: str, detail: str) -> None:
            self.decide(deleted.service, deleted.region, deleted.resource_id, action, reason, detail)

        who = f"deleted by {deleted.actor} at {deleted.deleted_at.isoformat()}"
        safe = needs_no_rescue(deleted, self.settings.STEWARD_ROLE_ARNS)
        if safe is not None:
            return decide(Action.KEPT, safe.reason, safe.detail)

        key = cluster_key(deleted.service.value, deleted.region, deleted.resource_id)
        tags, source = self._tags_at_deletion(store, deleted, key)
        verdict = decide_rescue(tags, source)
        if not verdict.rescue:
            return decide(Action.KEPT, verdict.reason, f"{verdict.detail}; {who}")
        assert tags is not None  # a rescue implies the tags were read
        # A rescue made despite an unreadable guard tag says so in its decision and its alert.
        reason = "invalid-tag" if verdict.reason == "invalid-tag" else "rescued"
        note = f"; {verdict.detail}" if verdict.reason == "invalid-tag" else ""

        if not self.settings.DRY_RUN:
            try:
                claim = self.state.claim_rescue(key, deleted.event_id, self.clock)
            except AwsError as error:
                return decide(
                    Action.KEPT,
                    f"failed:{error_code(error)}",
                    f"recording the rescue failed, nothing copied; a retry of the event tries again; {who}",
                )
            if not claim.ours:
                detail = f"event {deleted.event_id} already handled: {claim.status} {claim.snapshot}".rstrip()
                return decide(Action.KEPT, "already-rescued", detail)

        service = SNAPSHOT_SERVICE[deleted.kind]

        def name_for(taken: Container[str]) -> str:
            return rescue_snapshot_name(service, deleted.resource_id, self.now(), taken)

        try:
            newest = newest_automatic(store.automatic_snapshots(deleted.kind, deleted.resource_id))
            if newest is None:
                return self._data_lost(deleted, key, who, "no automatic snapshot to copy", verdict)
            if self.settings.DRY_RUN:
                name = name_for(store.snapshot_names())
                self._alert_rescue(deleted, newest.name, name, verdict)
                return decide(Action.WOULD_COPY, reason, f"would copy {newest.name} to {name}; {who}{note}")
            retention = (
                copy_retention_days(tags, self.settings.FINAL_SNAPSHOT_RETENTION_DAYS)
                if deleted.service is Service.REDSHIFT
                else None
            )
            name = act_under_free_name(
                name_for, store.snapshot_names(), lambda name: store.copy_snapshot(newest, name, retention)
            )
        except ClusterGone:
            return self._data_lost(
                deleted, key, who, "the automatic snapshot disappeared before the copy", verdict
            )
        except SnapshotQuotaReached as quota:
            self._release(key, deleted)
            self.alert(
                f"Steward could not rescue {deleted.resource_id}: snapshot quota reached",
                {
                    "cluster": deleted.resource_id,
                    "service": deleted.service.value,
                    "deletedBy": deleted.actor,
                    "error": quota.code,
                    "action": "raise the quota now; the automatic snapshots go with the cluster",
                },
            )
            return decide(Action.KEPT, "snapshot-quota", f"{quota.code}: not copied, alert sent; {who}")
        except ClusterProblem as problem:
            self._release(key, deleted)
            return decide(Action.KEPT, f"failed:{problem.code}", f"rescue copy failed ({problem}); {who}")
        except AwsError as error:
            self._release(key, deleted)
            return decide(Action.KEPT, f"failed:{error_code(error)}", f"rescue copy failed; {who}")

        # The copy exists from here on: the claim stays, whatever happens to its tags.
        self._finish(key, deleted, "copied", name)
        untagged = self.tag_snapshot(
            store, newest.cluster_id, name, snapshot_tags(tags, deleted.resource_id, "rescue")
        )
        self._alert_rescue(deleted, newest.name, name, verdict)
        return decide(Action.COPIED, reason, f"copied {newest.name} to {name}; {who}{note}{untagged}")

    def _tags_at_deletion(
        self, store: ClusterStore, deleted: ClusterDeleted, key: str
    ) -> tuple[dict[str, str] | None, str]:
        try:
            record = self.state.recall(key)
        except AwsError as error:
            self.result.problems.append(f"inventory read {key}: {error_code(error)}")
            record = None
        if record is not None:
            return record.tags, f"inventory, seen {record.seen_at}"
        try:
            tags = store.live_tags(deleted.kind, deleted.resource_id)
        except AwsError as error:
            return None, f"not in the inventory; live tags unreadable ({error_code(error)})"
        if tags is None:
            return None, "not in the inventory; live tags unreadable (cluster not available)"
        return tags, "live tags"

    def _data_lost(
        self, deleted: ClusterDeleted, key: str, who: str, why: str, verdict: RescueVerdict
    ) -> None:
        self._finish(key, deleted, "data-lost")
        self.alert(
            f"Data lost: {deleted.resource_id} deleted without a final snapshot",
            {
                "cluster": deleted.resource_id,
                "service": deleted.service.value,
                "region": deleted.region,
                "deletedBy": deleted.actor,
                "deletedAt": deleted.deleted_at.isoformat(),
                "detail": f"no automatic snapshot to copy; {why}",
                **_tag_warning(verdict),
            },
        )
        self.decide(
            deleted.service,
            deleted.region,
            deleted.resource_id,
            Action.KEPT,
            "data-lost",
            f"no automatic snapshot left to copy; alert sent; {who}",
        )

    def _finish(self, key: str, deleted: ClusterDeleted, status: RescueStatus, snapshot: str = "") -> None:
        if not self.settings.DRY_RUN:
            try:
                self.state.finish_rescue(key, deleted.event_id, status, snapshot)
            except AwsError as error:
                self.result.problems.append(f"recording rescue {key}: {error_code(error)}")

    def _release(self, key: str, deleted: ClusterDeleted) -> None:
        if not self.settings.DRY_RUN:
            try:
                self.state.release_rescue(key, deleted.event_id)
            except AwsError as error:
                self.result.problems.append(f"releasing rescue claim {key}: {error_code(error)}")

    def _alert_rescue(
        self, deleted: ClusterDeleted, source: str, target: str, verdict: RescueVerdict
    ) -> None:
        self.alert(
            f"{deleted.resource_id} deleted without a final snapshot: "
            + ("data would be rescued (dry run)" if self.settings.DRY_RUN else "data rescued"),
            {
                "cluster": deleted.resource_id,
                "service": deleted.service.value,
                "region": deleted.region,
                "deletedBy": deleted.actor,
                "deletedAt": deleted.deleted_at.isoformat(),
                "eventId": deleted.event_id,
                "copiedFrom": source,
                "rescueSnapshot": target,
                **_tag_warning(verdict),
            },
        )

    # --- triggers -----------------------------------------------------------------------------
    def sweep(self, stores: Sequence[ClusterStore]) -> None:
        for store in stores:
            if not self.settings.DRY_RUN:
                self.write_pending_tags(store)
            try:
                clusters = store.list_tagged()
            except AwsError as error:
                self.decide(
                    store.service,
                    store.region,
                    "*",
                    Action.KEPT,
                    f"failed:{error_code(error)}",
                    "listing tagged clusters failed",
                )
                continue
            guarded = {
                cluster_key(c.service.value, c.region, c.id): dict(c.tags)
                for c in clusters
                if is_guarded(c.tags)
            }
            try:
                self.state.sync(f"cluster#{store.service.value}#{store.region}#", guarded, self.clock)
            except AwsError as error:
                self.result.problems.append(f"inventory sync {store.service}: {error_code(error)}")
            for cluster in clusters:
                if DELETE_AFTER in cluster.tags:
                    self.decommission(store, cluster, alert_refusal=False)
                elif (problem := final_snapshot_tag_problem(cluster.tags)) is not None:
                    self.decide(
                        cluster.service,
                        cluster.region,
                        cluster.id,
                        Action.KEPT,
                        "invalid-tag",
                        f"{problem}; guarded anyway: a delete without a final snapshot is rescued",
                    )

    def tagged(self, store: ClusterStore, tagged: ClusterTagged) -> None:
        def decide(action: Action, reason: str, detail: str) -> None:
            self.decide(tagged.service, tagged.region, tagged.resource_id, action, reason, detail)

        steering = {k: v for k, v in tagged.tags.items() if k in STEERING_TAGS}
        if not steering:
            logger.info(
                "not applicable", extra={"reason": "no steward:delete-after or steward:final-snapshot tag"}
            )
            return None
        if tagged.kind == "elasticache-serverless":
            return decide(
                Action.KEPT,
                "not-supported",
                "serverless caches are not supported by this version: not deleted",
            )
        try:
            cluster = store.get(tagged.kind, tagged.resource_id)
        except AwsError as error:
            return decide(Action.KEPT, f"failed:{error_code(error)}", "reading the cluster failed")
        if cluster is None:
            return decide(Action.KEPT, "already-gone", "the cluster no longer exists; nothing to do")
        if FINAL_SNAPSHOT in steering:
            self.guard_inventory(cluster, steering)
        # Decided on the live tags only: the event may be stale (a date since pushed back) or the
        # tagging API may not show it yet; either way the sweep decides on what is live then.
        unseen = {k: v for k, v in steering.items() if cluster.tags.get(k) != v}
        if unseen:
            shown = {k: cluster.tags.get(k) for k in unseen}
            return decide(
                Action.PENDING,
                "tags-not-visible-yet",
                f"the event set {_tag_values(unseen)}, the cluster's tags show {_tag_values(shown)}; "
                "the sweep decides on the live tags",
            )
        if DELETE_AFTER in cluster.tags:
            return self.decommission(store, cluster, alert_refusal=True)
        problem = final_snapshot_tag_problem(cluster.tags)
        if problem is not None:
            return decide(
                Action.KEPT,
                "invalid-tag",
                f"{problem}; guarded anyway: a delete without a final snapshot is rescued",
            )
        guarded = requires_final_snapshot(cluster.tags)
        return decide(
            Action.KEPT,
            "guarded" if guarded else "not-required",
            f"{FINAL_SNAPSHOT}={cluster.tags.get(FINAL_SNAPSHOT)!r}; inventory updated",
        )


def _tag_values(tags: Mapping[str, str | None]) -> str:
    return ", ".join(f"{k} absent" if v is None else f"{k}={v!r}" for k, v in tags.items())


def _tag_warning(verdict: RescueVerdict) -> dict[str, str]:
    return {"tagProblem": verdict.detail} if verdict.reason == "invalid-tag" else {}


def function_region() -> str:
    """The region the function runs in (Lambda sets AWS_REGION): where its StateTable is."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise RuntimeError("AWS_REGION is not set; Lambda sets it, elsewhere set it to the stack's region")
    return region


def run(
    trigger: Trigger,
    settings: FinalSnapshotSettings,
    seconds_left: Callable[[], float],
    *,
    stores: Mapping[Service, ClusterStore] | None = None,
    state: ClusterState | None = None,
    alerts: Alerts | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FinalSnapshotResult:
    """Act on one trigger; raise SweepFailed (after doing everything else) if anything failed."""
    if isinstance(trigger, NotApplicable):
        logger.info("not applicable", extra={"reason": trigger.reason, "detail": trigger.detail})
        return FinalSnapshotResult(settings.DRY_RUN, now(), f"not-applicable:{trigger.reason}")
    event_time, region, account, name = _origin(trigger)
    # The event's own time is the clock (capped at now), so a replay decides as the original did.
    clock = min(event_time.astimezone(UTC), now())
    if stores is None:
        stores = {service: make(region, account) for service, make in STORES.items()}
    flow = _Run(
        settings=settings,
        clock=clock,
        now=now,
        out_of_time=lambda: seconds_left() < settings.SAFETY_MARGIN_SECONDS,
        # The StateTable is in the stack's region, whichever region the event comes from.
        state=state or ClusterState(settings.STATE_TABLE, function_region()),
        alerts=alerts or Notifications(settings.NOTIFICATIONS_TOPIC_ARN),
        result=FinalSnapshotResult(settings.DRY_RUN, clock, name),
    )
    try:
        if isinstance(trigger, ScheduledEvent):
            flow.sweep(list(stores.values()))
        elif isinstance(trigger, ClusterTagged):
            flow.tagged(stores[trigger.service], trigger)
        else:
            flow.rescue(stores[trigger.service], trigger)
    except Exception as error:
        # Whatever stops the run, what was decided before it is still logged and counted.
        logger.exception("final-snapshot run stopped")
        flow.result.problems.append(f"run stopped by {type(error).__name__}: {error}")
    return _report(flow.result)


def _origin(trigger: ScheduledEvent | ClusterTagged | ClusterDeleted) -> tuple[datetime, str, str, str]:
    if isinstance(trigger, ScheduledEvent):
        return trigger.time, trigger.region, trigger.account, "sweep"
    if isinstance(trigger, ClusterTagged):
        return trigger.tagged_at, trigger.region, trigger.account, "tag-event"
    return trigger.deleted_at, trigger.region, trigger.account, "delete-event"


def _report(result: FinalSnapshotResult) -> FinalSnapshotResult:
    publish(
        "final-snapshot run",
        result.decisions,
        metric="Clusters",
        summary=result.summary(),
        failures=result.failures,
        error=SweepFailed,
        problems=result.problems,
    )
    return result
