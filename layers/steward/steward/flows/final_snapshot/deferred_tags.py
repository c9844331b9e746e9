"""Snapshot tags AWS refused when the snapshot was made: remembered, and written by a later sweep."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.stores import ClusterStore
from steward.machinery.observability import logger
from steward.machinery.report import Action
from steward.policy.rescue import CLUSTER_ONLY_TAGS
from steward.services.clients import AwsError, error_code
from steward.vocabulary.naming import SnapshotService, is_stewards_snapshot_name
from steward.vocabulary.service import Service

NAMING: Final[dict[Service, SnapshotService]] = {
    Service.REDSHIFT: "redshift",
    Service.ELASTICACHE: "elasticache",
}


def tag_snapshot(
    run: FinalSnapshotRun, store: ClusterStore, cluster_id: str, name: str, tags: Mapping[str, str]
) -> str:
    """Tag a snapshot Steward made; if AWS refuses, record the tags for the sweep to write, and
    count a problem. Returns what the decision's detail should add ("" when tagged)."""
    tags = snapshot_safe(tags)
    try:
        store.tag_snapshot(cluster_id, name, tags)
        return ""
    except AwsError as error:
        code = error_code(error)
    try:
        run.state.remember_tags(store.service.value, store.region, name, cluster_id, tags, run.clock)
        retry = "the next sweep tags it"
    except AwsError as error:
        retry = f"not recorded for a retry ({error_code(error)}): tag it by hand"
    run.result.problems.append(f"tagging snapshot {name}: {code}; {retry}")
    return f"; not tagged yet ({code}): {retry}"


def write_pending_tags(run: FinalSnapshotRun, store: ClusterStore) -> None:
    """The sweep's retry of snapshot tags that could not be written when the snapshot was made."""
    try:
        pending = run.state.pending_tags(store.service.value, store.region)
    except AwsError as error:
        run.result.problems.append(f"reading tags to write {store.service}: {error_code(error)}")
        return
    for item in pending:
        if not is_stewards_snapshot_name(NAMING[store.service], item.cluster_id, item.snapshot):
            _refuse(run, store, item.snapshot, item.cluster_id, item.tags)
            continue
        try:
            store.tag_snapshot(item.cluster_id, item.snapshot, snapshot_safe(item.tags))
            run.state.tags_written(store.service.value, store.region, item.snapshot)
        except AwsError as error:
            run.result.problems.append(
                f"tagging snapshot {item.snapshot}: {error_code(error)}; the next sweep tries again"
            )
            continue
        logger.info("snapshot tagged", extra={"snapshot": item.snapshot, "cluster": item.cluster_id})


def snapshot_safe(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags without those that steer what Steward does to a cluster: Steward never writes
    steward:delete-after (or steward:final-snapshot), whatever a record asks."""
    return {k: v for k, v in tags.items() if k not in CLUSTER_ONLY_TAGS}


def _refuse(
    run: FinalSnapshotRun, store: ClusterStore, snapshot: str, cluster_id: str, tags: Mapping[str, str]
) -> None:
    # Steward writes these records only for names it generated: anything else was forged.
    detail = (
        f"a tags-pending record asked to tag {snapshot!r}, which is not a name Steward generates "
        f"for cluster {cluster_id!r}: not tagged, record removed, alert sent"
    )
    run.decide(store.service, store.region, snapshot, Action.KEPT, "not-stewards-snapshot", detail)
    run.alert(
        f"Steward refused a forged state record: tag {snapshot}",
        {
            "snapshot": snapshot,
            "cluster": cluster_id,
            "service": store.service.value,
            "region": store.region,
            "tags": dict(tags),
            "detail": detail,
            "action": "find who wrote to the state table (CloudTrail data events for DynamoDB)",
        },
    )
    try:
        run.state.tags_written(store.service.value, store.region, snapshot)
    except AwsError as error:
        run.result.problems.append(f"removing the forged record for {snapshot}: {error_code(error)}")
