"""The hourly sweep: write deferred tags, refresh the cluster inventory, decommission what is due."""

from __future__ import annotations

from collections.abc import Sequence

from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.decommission import decommission
from steward.flows.final_snapshot.deferred_tags import write_pending_tags
from steward.flows.final_snapshot.stores import ClusterStore
from steward.machinery.report import Action
from steward.policy.rescue import final_snapshot_tag_problem, is_inventoried
from steward.services.clients import AwsError, error_code
from steward.vocabulary.clusters import Cluster
from steward.vocabulary.tags import DELETE_AFTER


def sweep(run: FinalSnapshotRun, stores: Sequence[ClusterStore]) -> None:
    for store in stores:
        # Also in dry run: tagging a snapshot Steward made deletes nothing.
        write_pending_tags(run, store)
        clusters = list_tagged(run, store)
        if clusters is None:
            continue
        inventory = {c.id: dict(c.tags) for c in clusters if is_inventoried(c.tags)}
        try:
            run.state.sync(store.service.value, store.region, inventory, run.clock)
        except AwsError as error:
            run.result.problems.append(f"inventory sync {store.service}: {error_code(error)}")
        for cluster in clusters:
            decide_cluster(run, store, cluster)


def list_tagged(run: FinalSnapshotRun, store: ClusterStore) -> list[Cluster] | None:
    """The store's tagged clusters, or None once a failed listing is decided."""
    try:
        return store.list_tagged()
    except AwsError as error:
        run.decide(
            store.service,
            store.region,
            "*",
            Action.KEPT,
            f"failed:{error_code(error)}",
            "listing tagged clusters failed",
        )
        return None


def decide_cluster(run: FinalSnapshotRun, store: ClusterStore, cluster: Cluster) -> None:
    """What the sweep does with one tagged cluster (what `steward plan` shows, with DRY_RUN on)."""
    if DELETE_AFTER in cluster.tags:
        decommission(run, store, cluster, alert_refusal=False)
    elif (problem := final_snapshot_tag_problem(cluster.tags)) is not None:
        run.decide(
            cluster.service,
            cluster.region,
            cluster.id,
            Action.KEPT,
            "invalid-tag",
            f"{problem}; guarded anyway: a delete without a final snapshot is rescued",
            cluster.kind,
        )
