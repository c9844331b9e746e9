"""Clusters Steward decommissions or guards, their automatic snapshots, and what can go wrong.

The cluster adapters (`services/*_clusters.py`) return these models and raise these errors; the
final-snapshot flow never sees an AWS error code it has to interpret itself, except to report it.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.service import Service


@dataclass(frozen=True)
class Cluster:
    """A Redshift cluster, an ElastiCache replication group or a standalone ElastiCache cluster."""

    service: Service
    kind: ResourceKind
    id: str
    region: str
    arn: str
    status: str
    engine: str | None
    tags: Mapping[str, str] = field(default_factory=dict)
    # A cache cluster that belongs to a replication group is deleted with its group, never alone.
    replication_group: str | None = None


@dataclass(frozen=True)
class AutomaticSnapshot:
    """An automatic (ElastiCache) / automated (Redshift) snapshot: deleted with its cluster."""

    name: str
    cluster_id: str
    created: datetime | None
    status: str
    # The kind of cluster it came from, where a service keeps kinds apart (ElastiCache Serverless).
    kind: ResourceKind | None = None


class ClusterProblem(Exception):
    """AWS refused an action on a cluster for a reason Steward handles; `code` is the wire code."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class ClusterGone(ClusterProblem):
    """The cluster (or the snapshot to copy) no longer exists."""


class ClusterBusy(ClusterProblem):
    """The cluster is not `available` (modifying, snapshotting, deleting): try again later."""


class SnapshotNameTaken(ClusterProblem):
    """A snapshot with that name exists (a race with the uniqueness check): pick another name."""


class SnapshotQuotaReached(ClusterProblem):
    """The account's manual snapshot quota is reached: no final snapshot, so no delete."""


class NoSnapshotSupport(ClusterProblem):
    """The engine or node type cannot be snapshotted (Memcached, cache.t1.*)."""


class SnapshotNames(Container[str]):
    """Snapshot names that exist, asked one candidate name at a time (no listing of all names)."""

    def __init__(self, exists: Callable[[str], bool], also: Container[str] = frozenset()) -> None:
        self._exists = exists
        self._also = also

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._also or self._exists(name))

    def plus(self, names: Container[str]) -> SnapshotNames:
        """These names and `names` (names tried in this run that AWS said were taken)."""
        return SnapshotNames(self._exists, names)
