"""Decommission by tag: delete a cluster only together with a final snapshot."""

from __future__ import annotations

from collections.abc import Container

from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.deferred_tags import tag_snapshot
from steward.flows.final_snapshot.stores import ClusterStore, act_under_free_name
from steward.machinery.report import Action
from steward.policy.decommission import TAGGER_UNKNOWN, TaggedBy, decide_decommission, tagger_refusal
from steward.policy.decommission import Action as PlanAction
from steward.policy.rescue import (
    snapshot_tags,
)
from steward.services.clients import AwsError, error_code
from steward.vocabulary.clusters import (
    Cluster,
    ClusterBusy,
    ClusterGone,
    ClusterProblem,
    NoSnapshotSupport,
    SnapshotQuotaReached,
)
from steward.vocabulary.naming import (
    SNAPSHOT_SERVICE,
    final_snapshot_name,
)
from steward.vocabulary.tags import DELETE_AFTER


def decommission(
    run: FinalSnapshotRun,
    store: ClusterStore,
    cluster: Cluster,
    alert_refusal: bool,
    tagged_by: TaggedBy | None = None,
) -> None:
    """Delete `cluster` with a final snapshot if its steward:delete-after is due and was set by a
    principal allowed to decommission; `tagged_by` None reads who set it from the inventory."""
    refusal_alerted = False
    if tagged_by is None:
        tagged_by, refusal_alerted = _recorded_tagger(run, cluster)

    def decide(action: Action, reason: str, detail: str) -> None:
        run.decide(
            cluster.service,
            cluster.region,
            cluster.id,
            action,
            reason,
            f"{detail}; {tagged_by}",
            cluster.kind,
        )

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
        run.clock,
        run.settings.FINAL_SNAPSHOT_RETENTION_DAYS,
        run.settings.MIN_FINAL_SNAPSHOT_RETENTION_DAYS,
    )
    if plan.action is PlanAction.NONE:
        return None
    who = {"deleteAfterSetBy": tagged_by.arn or TAGGER_UNKNOWN}
    if not plan.delete:
        if plan.reason == "no-snapshot-support" and alert_refusal:
            run.alert(
                f"Steward will not delete {cluster.id}: no final snapshot possible",
                {"cluster": cluster.id, "service": cluster.service.value, "detail": plan.detail, **who},
            )
        action = Action.PENDING if plan.reason == "not-available" else Action.KEPT
        return decide(action, plan.reason, plan.detail)
    refusal = tagger_refusal(tagged_by, run.settings.DECOMMISSION_PRINCIPALS)
    if refusal is not None:
        if alert_refusal or not refusal_alerted:
            _alert_tagger_refused(run, cluster, refusal, who)
        return run.decide(
            cluster.service,
            cluster.region,
            cluster.id,
            Action.KEPT,
            "tagger-not-allowed",
            f"{refusal}: not deleted, alert sent",
            cluster.kind,
        )
    if run.out_of_time():
        return decide(Action.PENDING, "deferred", "out of time; the next sweep picks it up")

    service = SNAPSHOT_SERVICE[cluster.kind]

    def name_for(taken: Container[str]) -> str:
        return final_snapshot_name(service, cluster.id, run.now(), taken)

    retention = plan.final_snapshot_retention_days
    kept_for = "" if retention is None else f", kept {'forever' if retention == -1 else f'{retention} days'}"
    try:
        if run.settings.DRY_RUN:
            name = name_for(store.snapshot_names())
            return decide(Action.WOULD_DELETE, plan.reason, f"final snapshot {name}{kept_for}; {plan.detail}")
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
        run.alert(
            f"Steward did not delete {cluster.id}: snapshot quota reached",
            {
                "cluster": cluster.id,
                "service": cluster.service.value,
                "region": cluster.region,
                "error": quota.code,
                "action": "raise the snapshot quota or delete old snapshots; the next sweep retries",
                **who,
            },
        )
        return decide(Action.KEPT, "snapshot-quota", f"{quota.code}: not deleted, alert sent")
    except ClusterProblem as problem:
        return decide(Action.KEPT, f"failed:{problem.code}", f"{problem}; not deleted")
    except AwsError as error:
        return decide(Action.KEPT, f"failed:{error_code(error)}", "delete with final snapshot failed")

    tags = snapshot_tags(cluster.tags, cluster.id, "final-snapshot")
    untagged = tag_snapshot(run, store, cluster.id, name, tags)
    return decide(Action.DELETED, plan.reason, f"final snapshot {name}{kept_for}; {plan.detail}{untagged}")


def _recorded_tagger(run: FinalSnapshotRun, cluster: Cluster) -> tuple[TaggedBy, bool]:
    """Who set the live steward:delete-after value, as the tag event recorded it in the inventory
    (unknown when no event recorded that value); and whether its refusal was alerted already."""
    value = cluster.tags[DELETE_AFTER]
    try:
        record = run.state.recall(cluster.service.value, cluster.region, cluster.id)
    except AwsError as error:
        run.result.problems.append(f"inventory read {cluster.service}/{cluster.id}: {error_code(error)}")
        return TaggedBy(), False
    if record is None:
        return TaggedBy(), False
    alerted = record.refusal_alerted == value
    if record.delete_after != value or record.set_by is None:
        return TaggedBy(), alerted
    return TaggedBy(record.set_by, record.set_by_role), alerted


def _alert_tagger_refused(run: FinalSnapshotRun, cluster: Cluster, refusal: str, who: dict[str, str]) -> None:
    run.alert(
        f"Steward refused to delete {cluster.id}: {DELETE_AFTER} not set by an allowed principal",
        {
            "cluster": cluster.id,
            "service": cluster.service.value,
            "region": cluster.region,
            "deleteAfter": cluster.tags[DELETE_AFTER],
            "detail": refusal,
            "action": "if it is wanted, have a principal in DECOMMISSION_PRINCIPALS set the tag",
            **who,
        },
    )
    try:
        run.state.refusal_alerted(
            cluster.service.value, cluster.region, cluster.id, cluster.tags[DELETE_AFTER]
        )
    except AwsError as error:
        run.result.problems.append(f"recording the alert for {cluster.id}: {error_code(error)}")
