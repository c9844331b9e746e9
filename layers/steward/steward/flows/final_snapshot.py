"""Final snapshots: delete tagged clusters only with a final snapshot; rescue the data of clusters
that someone deleted without one.

Three triggers, one flow:
* schedule sweep -> refresh the inventory of guarded clusters, decommission what is due;
* tag event (AddTagsToResource / CreateTags) -> the same for the one cluster, right away;
* delete event (DeleteCluster / DeleteCacheCluster / DeleteReplicationGroup / DeleteServerlessCache)
  without a final snapshot -> copy the newest automatic snapshot to a manual one and alert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from steward.clusters import (
    AutomaticSnapshot,
    Cluster,
    ClusterBusy,
    ClusterGone,
    NoSnapshotSupport,
    SnapshotNames,
    SnapshotNameTaken,
    SnapshotQuotaReached,
)
from steward.events.cluster_changes import (
    ClusterDeleted,
    ClusterTagged,
    NotApplicable,
    parse_cluster_event,
)
from steward.events.schedule import ScheduledEvent, parse_schedule
from steward.events.validation import InvalidEvent
from steward.flows.retention import SweepFailed
from steward.naming import SNAPSHOT_SERVICE, ResourceKind, final_snapshot_name, rescue_snapshot_name
from steward.observability import logger
from steward.policy.decommission import Action as PlanAction
from steward.policy.decommission import decide_decommission
from steward.policy.rescue import (
    copy_retention_days,
    decide_rescue,
    needs_no_rescue,
    newest_automatic,
    requires_final_snapshot,
    snapshot_tags,
)
from steward.report import Action, Decision, Service, failed_items, publish, summarise
from steward.services.clients import AwsError, error_code
from steward.services.cluster_state import ClusterState, RescueStatus, cluster_key
from steward.services.elasticache_clusters import ElastiCacheClusters
from steward.services.notifications import Notifications
from steward.services.redshift_clusters import RedshiftClusters
from steward.settings import FinalSnapshotSettings
from steward.tags import DELETE_AFTER, FINAL_SNAPSHOT

Trigger = ScheduledEvent | ClusterTagged | ClusterDeleted | NotApplicable
NAME_ATTEMPTS = 3


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
    def copy_snapshot(
        self, source: AutomaticSnapshot, target: str, tags: Mapping[str, str], retention_days: int | None
    ) -> None: ...


class Alerts(Protocol):
    def notify(self, subject: str, message: Mapping[str, object]) -> str: ...


STORES: dict[Service, Callable[[str, str], ClusterStore]] = {
    Service.REDSHIFT: RedshiftClusters,
    Service.ELASTICACHE: ElastiCacheClusters,
}


@dataclass
class FinalSnapshotResult:
    dry_run: bool
    clock: datetime
    trigger: str
    decisions: list[Decision] = field(default_factory=list)
    # Failures that are not a decision of their own (tagging a final snapshot, state, alerts).
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
                source_cluster=None,
                age_days=None,
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

    def guard_inventory(self, cluster: Cluster) -> None:
        key = cluster_key(cluster.service.value, cluster.region, cluster.id)
        try:
            if requires_final_snapshot(cluster.tags):
                self.state.remember(key, dict(cluster.tags), self.clock)
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
        try:
            taken = store.snapshot_names()
            name = final_snapshot_name(service, cluster.id, self.now(), taken)
        except AwsError as error:
            return decide(Action.KEPT, f"failed:{error_code(error)}", "checking snapshot names failed")
        retention = plan.final_snapshot_retention_days
        kept_for = (
            "" if retention is None else f", kept {'forever' if retention == -1 else f'{retention} days'}"
        )
        if self.settings.DRY_RUN:
            return decide(Action.WOULD_DELETE, plan.reason, f"final snapshot {name}{kept_for}; {plan.detail}")

        tried: set[str] = set()
        for _ in range(NAME_ATTEMPTS):
            try:
                store.delete_with_final_snapshot(cluster, name, retention)
                break
            except SnapshotNameTaken:
                tried.add(name)
                name = final_snapshot_name(service, cluster.id, self.now(), taken.plus(tried))
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
            except AwsError as error:
                return decide(Action.KEPT, f"failed:{error_code(error)}", "delete with final snapshot failed")
        else:
            return decide(Action.KEPT, "failed:snapshot-name-taken", f"names tried: {sorted(tried)}")

        try:
            store.tag_snapshot(cluster.id, name, snapshot_tags(cluster.tags, cluster.id, "final-snapshot"))
        except AwsError as error:
            self.result.problems.append(f"tagging final snapshot {name}: {error_code(error)}")
        return decide(Action.DELETED, plan.reason, f"final snapshot {name}{kept_for}; {plan.detail}")

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
        assert tags is not None  # required implies the tags were read

        if not self.settings.DRY_RUN:
            claim = self.state.claim_rescue(key, deleted.event_id, self.clock)
            if not claim.ours:
                detail = f"event {deleted.event_id} already handled: {claim.status} {claim.snapshot}".rstrip()
                return decide(Action.KEPT, "already-rescued", detail)
        try:
            snapshots = store.automatic_snapshots(deleted.kind, deleted.resource_id)
            newest = newest_automatic(snapshots)
            if newest is None:
                return self._data_lost(deleted, key, who, verdict.detail)
            service = SNAPSHOT_SERVICE[deleted.kind]
            taken = store.snapshot_names()
            name = rescue_snapshot_name(service, deleted.resource_id, self.now(), taken)
            if self.settings.DRY_RUN:
                self._alert_rescue(deleted, newest.name, name)
                return decide(Action.WOULD_COPY, "rescued", f"would copy {newest.name} to {name}; {who}")
            tried: set[str] = set()
            retention = (
                copy_retention_days(tags, self.settings.FINAL_SNAPSHOT_RETENTION_DAYS)
                if deleted.service is Service.REDSHIFT
                else None
            )
            copy_tags = snapshot_tags(tags, deleted.resource_id, "rescue")
            for _ in range(NAME_ATTEMPTS):
                try:
                    store.copy_snapshot(newest, name, copy_tags, retention)
                    break
                except SnapshotNameTaken:
                    tried.add(name)
                    name = rescue_snapshot_name(service, deleted.resource_id, self.now(), taken.plus(tried))
            else:
                self.state.release_rescue(key, deleted.event_id)
                return decide(Action.KEPT, "failed:snapshot-name-taken", f"names tried: {sorted(tried)}")
        except ClusterGone:
            return self._data_lost(deleted, key, who, "the automatic snapshot disappeared before the copy")
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
        except (ClusterBusy, *AwsError) as error:
            self._release(key, deleted)
            code = error.code if isinstance(error, ClusterBusy) else error_code(error)
            return decide(Action.KEPT, f"failed:{code}", f"rescue copy failed; {who}")

        self._finish(key, deleted, "copied", name)
        self._alert_rescue(deleted, newest.name, name)
        return decide(Action.COPIED, "rescued", f"copied {newest.name} to {name}; {who}")

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

    def _data_lost(self, deleted: ClusterDeleted, key: str, who: str, why: str) -> None:
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

    def _alert_rescue(self, deleted: ClusterDeleted, source: str, target: str) -> None:
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
            },
        )

    # --- triggers -----------------------------------------------------------------------------
    def sweep(self, stores: Sequence[ClusterStore]) -> None:
        for store in stores:
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
            required = {
                cluster_key(c.service.value, c.region, c.id): dict(c.tags)
                for c in clusters
                if requires_final_snapshot(c.tags)
            }
            try:
                self.state.sync(f"cluster#{store.service.value}#{store.region}#", required, self.clock)
            except AwsError as error:
                self.result.problems.append(f"inventory sync {store.service}: {error_code(error)}")
            for cluster in clusters:
                if DELETE_AFTER in cluster.tags:
                    self.decommission(store, cluster, alert_refusal=False)

    def tagged(self, store: ClusterStore, tagged: ClusterTagged) -> None:
        if DELETE_AFTER not in tagged.tags and FINAL_SNAPSHOT not in tagged.tags:
            logger.info(
                "not applicable", extra={"reason": "no steward:delete-after or steward:final-snapshot tag"}
            )
            return
        if tagged.kind == "elasticache-serverless":
            return self.decide(
                tagged.service,
                tagged.region,
                tagged.resource_id,
                Action.KEPT,
                "not-supported",
                "serverless caches are not supported by this version: not deleted",
            )
        try:
            cluster = store.get(tagged.kind, tagged.resource_id)
        except AwsError as error:
            return self.decide(
                tagged.service,
                tagged.region,
                tagged.resource_id,
                Action.KEPT,
                f"failed:{error_code(error)}",
                "reading the cluster failed",
            )
        if cluster is None:
            return self.decide(
                tagged.service,
                tagged.region,
                tagged.resource_id,
                Action.KEPT,
                "already-gone",
                "the cluster no longer exists; nothing to do",
            )
        # The event's tags are the newest; the tagging API may not show them yet.
        cluster = replace(cluster, tags={**cluster.tags, **tagged.tags})
        if FINAL_SNAPSHOT in tagged.tags:
            self.guard_inventory(cluster)
        if DELETE_AFTER in cluster.tags:
            return self.decommission(store, cluster, alert_refusal=True)
        guarded = requires_final_snapshot(cluster.tags)
        return self.decide(
            cluster.service,
            cluster.region,
            cluster.id,
            Action.KEPT,
            "guarded" if guarded else "not-required",
            f"{FINAL_SNAPSHOT}={cluster.tags.get(FINAL_SNAPSHOT)!r}; inventory updated",
        )


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
        state=state or ClusterState(settings.STATE_TABLE, region),
        alerts=alerts or Notifications(settings.NOTIFICATIONS_TOPIC_ARN),
        result=FinalSnapshotResult(settings.DRY_RUN, clock, name),
    )
    if isinstance(trigger, ScheduledEvent):
        flow.sweep(list(stores.values()))
    elif isinstance(trigger, ClusterTagged):
        flow.tagged(stores[trigger.service], trigger)
    else:
        flow.rescue(stores[trigger.service], trigger)
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
