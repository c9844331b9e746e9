"""A hold anywhere holds: a gone cluster's last-known `steward:*` tags keep applying to its backups.

Every sweep remembers the `steward:*` tags of each live cluster that has some, and lends the
remembered tags of a cluster that is gone to the backups taken from it (merged protection-first
with whatever else applies). If the memory can't be read, those backups are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from steward.services.clients import AwsError, error_code
from steward.services.last_known import LastKnownTags
from steward.vocabulary.backups import Backup
from steward.vocabulary.tags import merge_protecting, steward_tags


class ClusterMemory(Protocol):
    def recall(self, service: str, region: str) -> dict[str, LastKnownTags]: ...
    def remember(
        self, service: str, region: str, cluster_id: str, tags: Mapping[str, str], now: datetime
    ) -> None: ...
    def forget(self, service: str, region: str, cluster_id: str) -> None: ...


def with_last_known(
    scope: str,
    region: str,
    backups: Sequence[Backup],
    live: Mapping[str, Mapping[str, str]],
    memory: ClusterMemory,
    clock: datetime,
) -> tuple[list[Backup], list[str]]:
    """The backups with their gone clusters' last-known tags applied; and any problem to report.
    `scope` is the kind of cluster remembered: the service, or e.g. `elasticache:serverless-snapshot`."""
    try:
        records = memory.recall(scope, region)
    except AwsError as error:
        why = f"its cluster is gone and its last-known tags could not be read ({error_code(error)})"
        kept = [replace(b, tags_unreadable=why) if _gone(b, live) else b for b in backups]
        return kept, [f"last-known tags {scope} {region}: {error_code(error)}"]
    lent = [_lend(backup, live, records) for backup in backups]
    return lent, _refresh(scope, region, backups, live, records, memory, clock)


def _gone(backup: Backup, live: Mapping[str, Mapping[str, str]]) -> list[str]:
    return [cluster for cluster in backup.sources if cluster not in live]


def _lend(
    backup: Backup, live: Mapping[str, Mapping[str, str]], records: Mapping[str, LastKnownTags]
) -> Backup:
    known = [records[cluster] for cluster in _gone(backup, live) if cluster in records]
    if not known:
        return backup
    seen = max(record.seen_at for record in known)[:10]
    return replace(
        backup,
        source_tags=merge_protecting(backup.source_tags, *(record.tags for record in known)),
        source_tags_from=f"cluster (gone; its tags as last seen {seen})",
    )


def _refresh(
    service: str,
    region: str,
    backups: Sequence[Backup],
    live: Mapping[str, Mapping[str, str]],
    records: Mapping[str, LastKnownTags],
    memory: ClusterMemory,
    clock: datetime,
) -> list[str]:
    # Dry run too: remembering only ever protects.
    tagged = {cluster: steward_tags(tags) for cluster, tags in live.items() if steward_tags(tags)}
    still_backed_up = {cluster for backup in backups for cluster in backup.sources}
    stale = [
        cluster
        for cluster in records
        if (cluster in live and cluster not in tagged)
        or (cluster not in live and cluster not in still_backed_up)
    ]
    problems: list[str] = []
    for cluster, tags in tagged.items():
        try:  # every sweep, so that "last seen" is the last sweep that saw the cluster
            memory.remember(service, region, cluster, tags, clock)
        except AwsError as error:
            problems.append(f"remembering the tags of {service} {cluster}: {error_code(error)}")
    for cluster in stale:
        try:
            memory.forget(service, region, cluster)
        except AwsError as error:
            problems.append(f"forgetting the tags of {service} {cluster}: {error_code(error)}")
    return problems
