"""The rescue: a guarded cluster deleted without a final snapshot gets a copy of its newest automatic one."""

from __future__ import annotations

from collections.abc import Container

from steward.events.cluster_changes.parser import ClusterDeleted
from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.deferred_tags import tag_snapshot
from steward.flows.final_snapshot.stores import ClusterStore, act_under_free_name
from steward.machinery.report import Action
from steward.policy.rescue import (
    RescueVerdict,
    copy_retention_days,
    decide_rescue,
    needs_no_rescue,
    newest_automatic,
    snapshot_tags,
)
from steward.services.clients import AwsError, error_code
from steward.services.cluster_state import RescueStatus, cluster_key
from steward.vocabulary.clusters import (
    ClusterGone,
    ClusterProblem,
    SnapshotQuotaReached,
)
from steward.vocabulary.naming import (
    SNAPSHOT_SERVICE,
    rescue_snapshot_name,
)
from steward.vocabulary.service import Service


def rescue(run: FinalSnapshotRun, store: ClusterStore, deleted: ClusterDeleted) -> None:
    def decide(action: Action, reason: str, detail: str) -> None:
        run.decide(deleted.service, deleted.region, deleted.resource_id, action, reason, detail, deleted.kind)

    who = f"deleted by {deleted.actor} at {deleted.deleted_at.isoformat()}"
    safe = needs_no_rescue(deleted, run.settings.STEWARD_ROLE_ARNS)
    if safe is not None:
        return decide(Action.KEPT, safe.reason, safe.detail)

    key = cluster_key(deleted.service.value, deleted.region, deleted.resource_id)
    tags, source = _tags_at_deletion(run, store, deleted)
    verdict = decide_rescue(tags, source)
    if not verdict.rescue:
        return decide(Action.KEPT, verdict.reason, f"{verdict.detail}; {who}")
    assert tags is not None  # a rescue implies the tags were read
    # A rescue made despite an unreadable guard tag says so in its decision and its alert.
    reason = "invalid-tag" if verdict.reason == "invalid-tag" else "rescued"
    note = f"; {verdict.detail}" if verdict.reason == "invalid-tag" else ""

    # Made in dry run too: a copy only adds data, and dry run withholds deletions, never protections.
    try:
        claim = run.state.claim_rescue(key, deleted.event_id, run.clock)
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
        return rescue_snapshot_name(service, deleted.resource_id, run.now(), taken)

    try:
        newest = newest_automatic(store.automatic_snapshots(deleted.kind, deleted.resource_id))
        if newest is None:
            return _data_lost(run, deleted, key, who, "no automatic snapshot to copy", verdict)
        retention = (
            copy_retention_days(
                tags,
                run.settings.FINAL_SNAPSHOT_RETENTION_DAYS,
                run.settings.MIN_FINAL_SNAPSHOT_RETENTION_DAYS,
            )
            if deleted.service is Service.REDSHIFT
            else None
        )
        name = act_under_free_name(
            name_for, store.snapshot_names(), lambda name: store.copy_snapshot(newest, name, retention)
        )
    except ClusterGone:
        return _data_lost(
            run, deleted, key, who, "the automatic snapshot disappeared before the copy", verdict
        )
    except SnapshotQuotaReached as quota:
        _release(run, key, deleted)
        run.alert(
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
        _release(run, key, deleted)
        return decide(Action.KEPT, f"failed:{problem.code}", f"rescue copy failed ({problem}); {who}")
    except AwsError as error:
        _release(run, key, deleted)
        return decide(Action.KEPT, f"failed:{error_code(error)}", f"rescue copy failed; {who}")

    # The copy exists from here on: the claim stays, whatever happens to its tags.
    _finish(run, key, deleted, "copied", name)
    untagged = tag_snapshot(
        run, store, newest.cluster_id, name, snapshot_tags(tags, deleted.resource_id, "rescue")
    )
    _alert_rescue(run, deleted, newest.name, name, verdict)
    dry_run = (
        "; made in dry run too: dry run withholds deletions, not protections" if run.settings.DRY_RUN else ""
    )
    return decide(Action.COPIED, reason, f"copied {newest.name} to {name}; {who}{note}{untagged}{dry_run}")


def _tags_at_deletion(
    run: FinalSnapshotRun, store: ClusterStore, deleted: ClusterDeleted
) -> tuple[dict[str, str] | None, str]:
    try:
        record = run.state.recall(deleted.service.value, deleted.region, deleted.resource_id)
    except AwsError as error:
        run.result.problems.append(
            f"inventory read {deleted.service}/{deleted.resource_id}: {error_code(error)}"
        )
        record = None
    if record is not None and record.tags is not None:
        return record.tags, f"inventory, seen {record.seen_at}"
    try:
        tags = store.live_tags(deleted.kind, deleted.resource_id)
    except AwsError as error:
        return None, f"not in the inventory; live tags unreadable ({error_code(error)})"
    if tags is None:
        return None, "not in the inventory; live tags unreadable (cluster not available)"
    return tags, "live tags"


def _data_lost(
    run: FinalSnapshotRun, deleted: ClusterDeleted, key: str, who: str, why: str, verdict: RescueVerdict
) -> None:
    _finish(run, key, deleted, "data-lost")
    run.alert(
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
    run.decide(
        deleted.service,
        deleted.region,
        deleted.resource_id,
        Action.KEPT,
        "data-lost",
        f"no automatic snapshot left to copy; alert sent; {who}",
        deleted.kind,
    )


def _finish(
    run: FinalSnapshotRun, key: str, deleted: ClusterDeleted, status: RescueStatus, snapshot: str = ""
) -> None:
    try:
        run.state.finish_rescue(key, deleted.event_id, status, snapshot)
    except AwsError as error:
        run.result.problems.append(f"recording rescue {key}: {error_code(error)}")


def _release(run: FinalSnapshotRun, key: str, deleted: ClusterDeleted) -> None:
    try:
        run.state.release_rescue(key, deleted.event_id)
    except AwsError as error:
        run.result.problems.append(f"releasing rescue claim {key}: {error_code(error)}")


def _alert_rescue(
    run: FinalSnapshotRun, deleted: ClusterDeleted, source: str, target: str, verdict: RescueVerdict
) -> None:
    run.alert(
        f"{deleted.resource_id} deleted without a final snapshot: data rescued",
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


def _tag_warning(verdict: RescueVerdict) -> dict[str, str]:
    return {"tagProblem": verdict.detail} if verdict.reason == "invalid-tag" else {}
