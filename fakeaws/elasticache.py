"""ElastiCache snapshot behaviour missing from moto 5.2.5.

Emulated (API 2015-02-02):
* ``NodeSnapshots`` on every snapshot (one per node; ``SnapshotCreateTime`` is per node, there is
  no top-level snapshot timestamp in the real API).
* DescribeSnapshots: ``MaxRecords`` 20..50 (default 50, else ``InvalidParameterValue``), opaque
  ``Marker`` (absent on the last page), ``SnapshotSource`` ``user``/``system`` (moto's
  ``manual``/``automated`` spellings are still accepted), CacheClusterId / ReplicationGroupId /
  SnapshotName filters.
* DeleteSnapshot: ``InvalidSnapshotState`` unless ``available``; returns status ``deleting``.
* CopySnapshot (manual copy, also of automatic snapshots, with Tags / KmsKeyId).
* DeleteCacheCluster / DeleteReplicationGroup: ``FinalSnapshotIdentifier`` creates the final manual
  snapshot first (``SnapshotAlreadyExistsFault`` -> nothing deleted; Memcached / cache.t1.* ->
  ``SnapshotFeatureNotSupportedFault``), automatic snapshots of the deleted cluster/group go too,
  ``InvalidCacheClusterState`` for replication-group members and non-available clusters,
  ``InvalidReplicationGroupState`` for non-available groups.
* A delete *without* a final snapshot is asynchronous, as in AWS: the cluster / group stays
  ``deleting`` (a second delete is ``InvalidCacheClusterState`` / ``InvalidReplicationGroupState``)
  and its automatic snapshots stay listable and copyable until :func:`complete_deletions` finishes
  the deletion (removes the cluster / group and its automatic snapshots). That window is when a
  CloudTrail event about the delete arrives.
* Resource Groups Tagging API resource types ``elasticache:cluster|snapshot|replicationgroup|
  subnetgroup|user`` (moto's own names such as ``elasticache:snapshots`` keep working as filters).
  GetResources paging (``ResourcesPerPage`` 1..100, ``PaginationToken``) is moto's own.

Simplified:
* Snapshots (created, copied, final) are ``available`` at once; AWS shows ``creating`` first
  (use :func:`set_snapshot_status` to model in-flight snapshots).
* Clusters/groups deleted *with* a final snapshot disappear immediately (the response still says
  ``deleting``); ``RetainPrimaryCluster=true`` keeps moto's immediate handling too.
* ``TargetBucket`` (export to S3) is not emulated -> ``InvalidParameterValue``.
* ``RetainPrimaryCluster`` keeps moto's handling; snapshot names are not lower-cased.
* DescribeSnapshots(CacheClusterId=X) raises ``CacheClusterNotFound`` only when neither a live
  cluster nor any snapshot refers to X (AWS behaviour for deleted clusters unverified).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import moto.resourcegroupstaggingapi.models as rgt_models
from moto.core.exceptions import ServiceException
from moto.core.resource_tagging import TaggedResource
from moto.core.responses import ActionResult
from moto.elasticache.exceptions import (
    CacheClusterNotFound,
    InvalidParameterValueException,
    ReplicationGroupNotFound,
    SnapshotAlreadyExists,
    SnapshotNotFound,
)
from moto.elasticache.models import (
    CacheCluster,
    ElastiCacheBackend,
    ReplicationGroup,
    Snapshot,
    elasticache_backends,
)
from moto.elasticache.responses import ElastiCacheResponse
from moto.utilities.utils import get_partition
from sortedcontainers import SortedKeyList

from ._common import (
    OrderedStore,
    decode_token,
    graft,
    keep_in_order,
    naive_utc,
    now,
    original,
    page,
)

SOURCE_FILTER = {
    "user": "manual",
    "system": "automated",
    "manual": "manual",
    "automated": "automated",
}
# moto's resource-type names -> the names AWS uses in ResourceTypeFilters
RESOURCE_TYPES = {
    "elasticache:cache_clusters": "elasticache:cluster",
    "elasticache:snapshots": "elasticache:snapshot",
    "elasticache:replication-group": "elasticache:replicationgroup",
    "elasticache:cache_subnet_groups": "elasticache:subnetgroup",
    "elasticache:users": "elasticache:user",
}
DEFAULT_CACHE_SIZE = "5 MB"


class InvalidSnapshotState(ServiceException):
    code = "InvalidSnapshotState"


class InvalidCacheClusterState(ServiceException):
    code = "InvalidCacheClusterState"


class InvalidReplicationGroupState(ServiceException):
    code = "InvalidReplicationGroupState"


class SnapshotFeatureNotSupported(ServiceException):
    code = "SnapshotFeatureNotSupportedFault"


def _backend(account_id: str, region: str) -> ElastiCacheBackend:
    return elasticache_backends[account_id][region]


def _snapshot_arn(backend: ElastiCacheBackend, name: str) -> str:
    region = backend.region_name
    return f"arn:{get_partition(region)}:elasticache:{region}:{backend.account_id}:snapshot:{name}"


def _node_snapshots(
    backend: ElastiCacheBackend, snapshot: Snapshot, created: datetime
) -> list[dict[str, Any]]:
    """One NodeSnapshot per node of the source cluster, or per shard of the source group."""
    if snapshot.replication_group_id in backend.replication_groups:
        group = backend.replication_groups[snapshot.replication_group_id]
        return [
            {
                "CacheClusterId": ng["node_group_members"][0]["cache_cluster_id"],
                "NodeGroupId": ng["node_group_id"],
                "CacheNodeId": "0001",
                "CacheSize": DEFAULT_CACHE_SIZE,
                "CacheNodeCreateTime": group.replication_group_create_time,
                "SnapshotCreateTime": created,
            }
            for ng in group.node_groups
        ]
    cluster = backend.cache_clusters[snapshot.cache_cluster_id]
    return [
        {
            "CacheClusterId": cluster.cache_cluster_id,
            "CacheNodeId": f"{i:04d}",
            "CacheSize": DEFAULT_CACHE_SIZE,
            "CacheNodeCreateTime": cluster.cache_cluster_create_time,
            "SnapshotCreateTime": created,
        }
        for i in range(1, (getattr(cluster, "num_cache_nodes", None) or 1) + 1)
    ]


def _check_snapshottable_cluster(cluster: CacheCluster) -> None:
    if cluster.engine == "memcached" or str(cluster.cache_node_type).startswith("cache.t1."):
        raise SnapshotFeatureNotSupported(
            f"Snapshots are not supported for cluster {cluster.cache_cluster_id} "
            f"({cluster.engine}, {cluster.cache_node_type})."
        )
    if cluster.cache_cluster_status != "available":
        raise InvalidCacheClusterState(
            f"Cache cluster {cluster.cache_cluster_id} is not in the available state."
        )


def _check_group_available(group: ReplicationGroup) -> None:
    if group.status != "available":
        raise InvalidReplicationGroupState(
            f"Replication group {group.replication_group_id} is not in the available state."
        )


def _order_key(snapshot: Snapshot) -> str:
    """DescribeSnapshots pages are ordered by snapshot name."""
    return str(snapshot.snapshot_name)


def _get_snapshot(backend: ElastiCacheBackend, name: str) -> Snapshot:
    if name not in backend.snapshots:
        raise SnapshotNotFound(name)
    return backend.snapshots[name]


def _require_available(snapshot: Snapshot) -> None:
    if snapshot.snapshot_status != "available":
        raise InvalidSnapshotState(
            f"Snapshot {snapshot.snapshot_name} is in state {snapshot.snapshot_status}; "
            "it must be available."
        )


def _drop_automatic_snapshots(backend: ElastiCacheBackend, cluster_ids: set[str]) -> None:
    """AWS deletes a cluster's / group's automatic snapshots together with it."""
    for name, snap in list(backend.snapshots.items()):
        if snap.snapshot_source != "automated":
            continue
        owners = {snap.cache_cluster_id, snap.replication_group_id}
        owners |= {n["CacheClusterId"] for n in getattr(snap, "node_snapshots", [])}
        if owners & cluster_ids:
            del backend.snapshots[name]


# --------------------------------------------------------------------------- backend


class ElastiCacheBackendExtension(ElastiCacheBackend):
    """Backend methods grafted onto moto's ElastiCacheBackend."""

    def create_snapshot(
        self,
        *,
        snapshot_name: str,
        replication_group_id: str | None,
        cache_cluster_id: str | None,
        kms_key_id: str | None,
        tags: list[dict[str, str]] | None,
    ) -> Snapshot:
        if snapshot_name not in self.snapshots and not (replication_group_id and cache_cluster_id):
            if replication_group_id in self.replication_groups:
                _check_group_available(self.replication_groups[replication_group_id])
            elif not replication_group_id and cache_cluster_id in self.cache_clusters:
                _check_snapshottable_cluster(self.cache_clusters[cache_cluster_id])
        snapshot: Snapshot = original(ElastiCacheBackend, "create_snapshot")(
            self,
            snapshot_name=snapshot_name,
            replication_group_id=replication_group_id,
            cache_cluster_id=cache_cluster_id,
            kms_key_id=kms_key_id,
            tags=tags,
        )
        snapshot.node_snapshots = _node_snapshots(self, snapshot, now())
        return snapshot

    def describe_snapshots(  # type: ignore[override]
        self,
        *,
        replication_group_id: str | None = None,
        cache_cluster_id: str | None = None,
        snapshot_name: str | None = None,
        snapshot_source: str | None = None,
        marker: str | None = None,
        max_records: int | None = None,
    ) -> tuple[list[Snapshot], str | None]:
        limit = 50 if max_records is None else int(max_records)
        if not 20 <= limit <= 50:
            raise InvalidParameterValueException("MaxRecords must be between 20 and 50.")
        if snapshot_source and snapshot_source.lower() not in SOURCE_FILTER:
            raise InvalidParameterValueException(
                f"Invalid SnapshotSource {snapshot_source}: valid values are user, system."
            )
        if marker and decode_token(marker) is None:
            raise InvalidParameterValueException(f"Invalid marker: {marker}")
        store: OrderedStore[str, Snapshot] = self.snapshots  # type: ignore[assignment]
        ordered = store.ordered
        if snapshot_name:
            ordered = SortedKeyList([_get_snapshot(self, snapshot_name)], key=_order_key)
        checks: list[Callable[[Snapshot], bool]] = []
        if replication_group_id:
            if replication_group_id not in self.replication_groups and not any(
                s.replication_group_id == replication_group_id for s in ordered
            ):
                raise ReplicationGroupNotFound(replication_group_id)
            checks.append(lambda s: s.replication_group_id == replication_group_id)
        if cache_cluster_id:
            if cache_cluster_id not in self.cache_clusters and not any(
                s.cache_cluster_id == cache_cluster_id for s in ordered
            ):
                raise CacheClusterNotFound(cache_cluster_id)
            checks.append(lambda s: s.cache_cluster_id == cache_cluster_id)
        if snapshot_source:
            wanted = SOURCE_FILTER[snapshot_source.lower()]
            checks.append(lambda s: s.snapshot_source == wanted)
        return page(
            ordered,
            token=marker,
            limit=limit,
            invalid_token=lambda: InvalidParameterValueException(f"Invalid marker: {marker}"),
            keep=lambda s: all(check(s) for check in checks),
        )

    def delete_snapshot(self, snapshot_name: str) -> Snapshot:
        _require_available(_get_snapshot(self, snapshot_name))
        deleted: Snapshot = original(ElastiCacheBackend, "delete_snapshot")(self, snapshot_name)
        return deleted

    def copy_snapshot(
        self,
        *,
        source_snapshot_name: str,
        target_snapshot_name: str,
        target_bucket: str | None = None,
        kms_key_id: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> Snapshot:
        if target_bucket:
            raise InvalidParameterValueException(
                "TargetBucket (export to Amazon S3) is not supported by this emulator."
            )
        source = _get_snapshot(self, source_snapshot_name)
        if target_snapshot_name in self.snapshots:
            raise SnapshotAlreadyExists(target_snapshot_name)
        _require_available(source)
        target = copy.copy(source)
        target.snapshot_name = target_snapshot_name
        target.arn = _snapshot_arn(self, target_snapshot_name)
        target.snapshot_source = "manual"
        target.snapshot_status = "available"
        target.kms_key_id = kms_key_id or source.kms_key_id
        target.node_snapshots = copy.deepcopy(source.node_snapshots)
        target.tags = list(tags or [])
        if tags:
            self.tagging_service.tag_resource(target.arn, tags)
        self.snapshots[target_snapshot_name] = target
        return target

    def delete_cache_cluster(
        self, cache_cluster_id: str, final_snapshot_identifier: str | None = None
    ) -> CacheCluster:
        if any(cache_cluster_id in g.member_clusters for g in self.replication_groups.values()):
            raise InvalidCacheClusterState(
                f"Cannot delete the cache cluster {cache_cluster_id} because it is a member of a "
                "replication group. Delete the replication group instead."
            )
        if cache_cluster_id not in self.cache_clusters:
            raise CacheClusterNotFound(cache_cluster_id)
        cluster = self.cache_clusters[cache_cluster_id]
        group_id = getattr(cluster, "replication_group_id", None)
        if group_id:
            raise InvalidCacheClusterState(
                f"Cannot delete the cache cluster {cache_cluster_id} because it is a member of "
                f"replication group {group_id}."
            )
        if cluster.cache_cluster_status != "available":
            raise InvalidCacheClusterState(
                f"Cache cluster {cache_cluster_id} is not in the available state."
            )
        if not final_snapshot_identifier:
            # Asynchronous in AWS: automatic snapshots outlive the call until the deletion ends.
            cluster.cache_cluster_status = "deleting"
            return cluster
        _check_snapshottable_cluster(cluster)
        self.create_snapshot(
            snapshot_name=final_snapshot_identifier,
            replication_group_id=None,
            cache_cluster_id=cache_cluster_id,
            kms_key_id=None,
            tags=None,
        )
        _drop_automatic_snapshots(self, {cache_cluster_id})
        del self.cache_clusters[cache_cluster_id]
        cluster.cache_cluster_status = "deleting"
        return cluster

    def delete_replication_group(
        self,
        replication_group_id: str,
        retain_primary_cluster: bool | None,
        final_snapshot_identifier: str | None = None,
    ) -> ReplicationGroup:
        if replication_group_id not in self.replication_groups:
            raise ReplicationGroupNotFound(replication_group_id)
        group = self.replication_groups[replication_group_id]
        _check_group_available(group)
        if not final_snapshot_identifier and not retain_primary_cluster:
            group.status = "deleting"  # finished by complete_deletions(), see the module docstring
            return group
        if final_snapshot_identifier:
            self.create_snapshot(
                snapshot_name=final_snapshot_identifier,
                replication_group_id=replication_group_id,
                cache_cluster_id=None,
                kms_key_id=None,
                tags=None,
            )
        _drop_automatic_snapshots(self, {replication_group_id, *group.member_clusters})
        original(ElastiCacheBackend, "delete_replication_group")(
            self, replication_group_id, retain_primary_cluster
        )
        del self.replication_groups[replication_group_id]
        return group

    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        for resource in original(ElastiCacheBackend, "iter_tagged_resources")(self):
            resource.resource_type = RESOURCE_TYPES.get(
                resource.resource_type, resource.resource_type
            )
            yield resource


def _match_resource_type(resource_type: str, filters: list[str] | None) -> bool:
    """moto's matcher, also accepting moto's own ElastiCache type names as filters."""
    expanded = [RESOURCE_TYPES.get(f, f) for f in filters] if filters else filters
    return bool(_MOTO_MATCH_RESOURCE_TYPE(resource_type, expanded))


_MOTO_MATCH_RESOURCE_TYPE = rgt_models.match_resource_type


# --------------------------------------------------------------------------- responses


class ElastiCacheResponseExtension(ElastiCacheResponse):
    """Response handlers grafted onto moto's ElastiCacheResponse."""

    def describe_snapshots(self) -> ActionResult:
        snapshots, marker = self.elasticache_backend.describe_snapshots(
            replication_group_id=self._get_param("ReplicationGroupId"),
            cache_cluster_id=self._get_param("CacheClusterId"),
            snapshot_name=self._get_param("SnapshotName"),
            snapshot_source=self._get_param("SnapshotSource"),
            marker=self._get_param("Marker"),
            max_records=self._get_int_param("MaxRecords"),
        )
        result: dict[str, Any] = {"Snapshots": snapshots}
        if marker:
            result["Marker"] = marker
        return ActionResult(result)

    def copy_snapshot(self) -> ActionResult:
        snapshot = self.elasticache_backend.copy_snapshot(
            source_snapshot_name=self._get_param("SourceSnapshotName"),
            target_snapshot_name=self._get_param("TargetSnapshotName"),
            target_bucket=self._get_param("TargetBucket"),
            kms_key_id=self._get_param("KmsKeyId"),
            tags=self._get_param("Tags", []),
        )
        return ActionResult({"Snapshot": snapshot})

    def delete_cache_cluster(self) -> ActionResult:
        cluster = self.elasticache_backend.delete_cache_cluster(
            self._get_param("CacheClusterId"), self._get_param("FinalSnapshotIdentifier")
        )
        return ActionResult({"CacheCluster": cluster})

    def delete_replication_group(self) -> ActionResult:
        group = self.elasticache_backend.delete_replication_group(
            self._get_param("ReplicationGroupId"),
            self._get_bool_param("RetainPrimaryCluster"),
            self._get_param("FinalSnapshotIdentifier"),
        )
        return ActionResult({"ReplicationGroup": group})


def install() -> None:
    Snapshot.node_snapshots = []  # class default, only read, for snapshots made before install
    graft(ElastiCacheBackend, ElastiCacheBackendExtension)
    keep_in_order(ElastiCacheBackend, "snapshots", _order_key)
    graft(ElastiCacheResponse, ElastiCacheResponseExtension)
    rgt_models.match_resource_type = _match_resource_type


# --------------------------------------------------------------------------- seeding helpers


def add_automatic_snapshot(
    account_id: str,
    region: str,
    *,
    cache_cluster_id: str | None = None,
    replication_group_id: str | None = None,
    created: datetime,
) -> str:
    """Create a ``SnapshotSource=automated`` snapshot named ``automatic.<id>-YYYY-MM-DD-HH-MM``."""
    backend = _backend(account_id, region)
    owner = replication_group_id or cache_cluster_id
    name = f"automatic.{owner}-{naive_utc(created):%Y-%m-%d-%H-%M}"
    snapshot = backend.create_snapshot(
        snapshot_name=name,
        replication_group_id=replication_group_id,
        cache_cluster_id=cache_cluster_id,
        kms_key_id=None,
        tags=None,
    )
    snapshot.snapshot_source = "automated"
    set_snapshot_created(account_id, region, name, created)
    return name


def complete_deletions(account_id: str, region: str) -> list[str]:
    """Finish every pending deletion: remove ``deleting`` clusters and groups with their automatic
    snapshots, as AWS does when a deletion ends. Returns the ids removed."""
    backend = _backend(account_id, region)
    removed: list[str] = []
    for group_id, group in list(backend.replication_groups.items()):
        if group.status == "deleting":
            _drop_automatic_snapshots(backend, {group_id, *group.member_clusters})
            original(ElastiCacheBackend, "delete_replication_group")(backend, group_id, False)
            del backend.replication_groups[group_id]
            removed.append(group_id)
    for cluster_id, cluster in list(backend.cache_clusters.items()):
        if cluster.cache_cluster_status == "deleting":
            _drop_automatic_snapshots(backend, {cluster_id})
            del backend.cache_clusters[cluster_id]
            removed.append(cluster_id)
    return removed


def set_snapshot_created(
    account_id: str, region: str, snapshot_name: str, created: datetime
) -> None:
    """Backdate every node snapshot's ``SnapshotCreateTime``."""
    snapshot = _get_snapshot(_backend(account_id, region), snapshot_name)
    for node in snapshot.node_snapshots:
        node["SnapshotCreateTime"] = naive_utc(created)


def set_snapshot_status(account_id: str, region: str, snapshot_name: str, status: str) -> None:
    """Force ``SnapshotStatus`` (e.g. ``creating``, ``copying``) to model in-flight snapshots."""
    _get_snapshot(_backend(account_id, region), snapshot_name).snapshot_status = status
