"""Snapshot tags AWS refused when the snapshot was made: remembered, and written by a later sweep."""

from __future__ import annotations

from collections.abc import Mapping

from steward.flows.final_snapshot.context import FinalSnapshotRun
from steward.flows.final_snapshot.stores import ClusterStore
from steward.machinery.observability import logger
from steward.services.clients import AwsError, error_code
from steward.services.cluster_state import snapshot_key


def tag_snapshot(
    run: FinalSnapshotRun, store: ClusterStore, cluster_id: str, name: str, tags: Mapping[str, str]
) -> str:
    """Tag a snapshot Steward made; if AWS refuses, record the tags for the sweep to write, and
    count a problem. Returns what the decision's detail should add ("" when tagged)."""
    try:
        store.tag_snapshot(cluster_id, name, tags)
        return ""
    except AwsError as error:
        code = error_code(error)
    try:
        key = snapshot_key(store.service.value, store.region, name)
        run.state.remember_tags(key, name, cluster_id, tags, run.clock)
        retry = "the next sweep tags it"
    except AwsError as error:
        retry = f"not recorded for a retry ({error_code(error)}): tag it by hand"
    run.result.problems.append(f"tagging snapshot {name}: {code}; {retry}")
    return f"; not tagged yet ({code}): {retry}"


def write_pending_tags(run: FinalSnapshotRun, store: ClusterStore) -> None:
    """The sweep's retry of snapshot tags that could not be written when the snapshot was made."""
    try:
        pending = run.state.pending_tags(f"snapshot#{store.service.value}#{store.region}#")
    except AwsError as error:
        run.result.problems.append(f"reading tags to write {store.service}: {error_code(error)}")
        return
    for item in pending:
        try:
            store.tag_snapshot(item.cluster_id, item.snapshot, item.tags)
            run.state.tags_written(item.key)
        except AwsError as error:
            run.result.problems.append(
                f"tagging snapshot {item.snapshot}: {error_code(error)}; the next sweep tries again"
            )
            continue
        logger.info("snapshot tagged", extra={"snapshot": item.snapshot, "cluster": item.cluster_id})
