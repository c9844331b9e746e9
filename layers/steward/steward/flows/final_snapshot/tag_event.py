"""A tag event: decommission or guard the one cluster right away, once its live tags show the event's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from steward.events.cluster_changes.parser import ClusterTagged
from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.decommission import decommission
from steward.flows.final_snapshot.stores import ClusterStore
from steward.machinery.observability import logger
from steward.machinery.report import Action
from steward.policy.decommission import TaggedBy
from steward.policy.rescue import (
    final_snapshot_tag_problem,
    requires_final_snapshot,
)
from steward.services.clients import AwsError, error_code
from steward.vocabulary.tags import DELETE_AFTER, FINAL_SNAPSHOT

# The tags a tag event acts on; the others it carries are no business of this flow.
STEERING_TAGS: Final = (DELETE_AFTER, FINAL_SNAPSHOT)


def tagged(run: FinalSnapshotRun, store: ClusterStore, tagged: ClusterTagged) -> None:
    def decide(action: Action, reason: str, detail: str) -> None:
        run.decide(tagged.service, tagged.region, tagged.resource_id, action, reason, detail, tagged.kind)

    steering = {k: v for k, v in tagged.tags.items() if k in STEERING_TAGS}
    if not steering:
        logger.info(
            "not applicable", extra={"reason": "no steward:delete-after or steward:final-snapshot tag"}
        )
        return None
    try:
        cluster = store.get(tagged.kind, tagged.resource_id)
    except AwsError as error:
        return decide(Action.KEPT, f"failed:{error_code(error)}", "reading the cluster failed")
    if cluster is None:
        return decide(Action.KEPT, "already-gone", "the cluster no longer exists; nothing to do")
    if FINAL_SNAPSHOT in steering:
        run.guard_inventory(cluster, steering)
    newest = DELETE_AFTER in steering and _remember_tagger(run, tagged, steering[DELETE_AFTER])
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
    if newest:
        # The live value is the one this event set, and no later tagging is recorded: the event
        # says who set it. Otherwise the inventory does (an older event, replayed or late, never).
        by = TaggedBy(tagged.actor_arn, tagged.actor_role_arn)
        return decommission(run, store, cluster, alert_refusal=True, tagged_by=by)
    if DELETE_AFTER in cluster.tags:
        return decommission(run, store, cluster, alert_refusal=True)
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


def _remember_tagger(run: FinalSnapshotRun, tagged: ClusterTagged, value: str) -> bool:
    """Whether this event is the latest tagging of the cluster, now recorded."""
    # Recorded even before the tag is visible: the sweep that acts on it later needs to know who set it.
    if tagged.actor_arn is None:
        return True
    try:
        return run.state.remember_tagger(
            tagged.service.value,
            tagged.region,
            tagged.resource_id,
            value,
            tagged.actor_arn,
            tagged.actor_role_arn,
            tagged.tagged_at,
            run.clock,
        )
    except AwsError as error:
        run.result.problems.append(f"recording who tagged {tagged.resource_id}: {error_code(error)}")
        return True


def _tag_values(tags: Mapping[str, str | None]) -> str:
    return ", ".join(f"{k} absent" if v is None else f"{k}={v!r}" for k, v in tags.items())
