"""The cluster adapters and alerts a final-snapshot run uses, and picking a free snapshot name."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from typing import Final, Protocol

from steward.services.elasticache_clusters import ElastiCacheClusters
from steward.services.redshift_clusters import RedshiftClusters
from steward.vocabulary.clusters import (
    AutomaticSnapshot,
    Cluster,
    ClusterProblem,
    SnapshotNames,
    SnapshotNameTaken,
)
from steward.vocabulary.naming import (
    ResourceKind,
)
from steward.vocabulary.service import Service

NAME_ATTEMPTS: Final = 3


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
