"""ElastiCache (Valkey / Redis OSS) manual snapshots."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from steward.services.clients import client
from steward.services.cluster_calls import created_from_nodes
from steward.services.deletes import delete_each
from steward.services.listing import Listing, Pages, never
from steward.vocabulary.backups import Backup, DeleteOutcome
from steward.vocabulary.naming import partition
from steward.vocabulary.service import Service, canonical_id
from steward.vocabulary.tags import merge_protecting, tags_from_list

if TYPE_CHECKING:
    from mypy_boto3_elasticache.type_defs import SnapshotTypeDef
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient

# The Resource Groups Tagging API returns the tags of every snapshot and cluster in pages of
# 100, where ListTagsForResource would cost one call per snapshot.
TAGGED_TYPES = ["elasticache:snapshot", "elasticache:cluster", "elasticache:replicationgroup"]
GONE = {"SnapshotNotFoundFault"}


class ElastiCacheSnapshots:
    service = Service.ELASTICACHE
    batch_size = 1
    kind = None

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._elasticache = client("elasticache", region)
        self._tagging = client("resourcegroupstaggingapi", region)
        self._arn_prefix = f"arn:{partition(region)}:elasticache:{region}:{account}"
        self._live: dict[str, dict[str, str]] = {}
        self._members: dict[str, list[str]] = {}

    def live_clusters(self) -> dict[str, dict[str, str]]:
        """The clusters and replication groups the last listing found (lower-case id -> tags)."""
        return self._live

    def list_backups(self, stop: Callable[[], bool] = never) -> Listing[Backup]:
        """Every manual snapshot, page by page until `stop()`; none until every tag is read,
        since a snapshot's hold may be on its cluster."""
        tags = tag_pages(self._tagging, TAGGED_TYPES, stop=stop)
        paginator = self._elasticache.get_paginator("describe_snapshots")
        # "user" asks for manual snapshots (the output calls them "manual"); automatic ones
        # follow the cluster's own retention limit and are never Steward's to delete.
        pages = Pages(paginator.paginate(SnapshotSource="user", PaginationConfig={"PageSize": 50}), stop)

        def backups() -> Iterator[Backup]:
            by_arn = read_tags(tags)
            if not tags.complete:
                return
            self._live = self._list_live(by_arn)
            for page in pages:
                yield from (self._backup(s, by_arn) for s in page.get("Snapshots", []))

        return Listing(backups, tags, pages)

    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]:
        def delete_snapshot(backup: Backup) -> str:
            self._elasticache.delete_snapshot(SnapshotName=backup.id)
            return ""

        return delete_each(backups, delete_snapshot, GONE)

    def _list_live(self, tags_by_arn: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        live: dict[str, dict[str, str]] = {}
        self._members = {}
        groups = self._elasticache.get_paginator("describe_replication_groups")
        for groups_page in groups.paginate(PaginationConfig={"PageSize": 100}):
            for group in groups_page.get("ReplicationGroups", []):
                name = canonical_id(self.service, group["ReplicationGroupId"])
                arn = group.get("ARN") or f"{self._arn_prefix}:replicationgroup:{name}"
                live[name] = tags_by_arn.get(arn, {})
                self._members[name] = [canonical_id(self.service, m) for m in group.get("MemberClusters", [])]
        clusters = self._elasticache.get_paginator("describe_cache_clusters")
        for clusters_page in clusters.paginate(PaginationConfig={"PageSize": 100}):
            for cluster in clusters_page.get("CacheClusters", []):
                name = cluster["CacheClusterId"]
                arn = cluster.get("ARN") or f"{self._arn_prefix}:cluster:{name}"
                live[canonical_id(self.service, name)] = tags_by_arn.get(arn, {})
        return live

    def _backup(self, snapshot: SnapshotTypeDef, tags_by_arn: dict[str, dict[str, str]]) -> Backup:
        name = snapshot["SnapshotName"]
        # Older DescribeSnapshots responses carry no ARN: build it as Cloud Custodian does.
        arn = snapshot.get("ARN") or f"{self._arn_prefix}:snapshot:{name}"
        prefix = arn.rsplit(":snapshot:", 1)[0]
        group, cluster = snapshot.get("ReplicationGroupId"), snapshot.get("CacheClusterId")
        members = self._members.get(canonical_id(self.service, group), []) if group else []
        sources = list(dict.fromkeys(canonical_id(self.service, i) for i in (cluster, group, *members) if i))
        # A hold on the group or on any of its clusters holds: neither overrides the other.
        source_tags = merge_protecting(
            *(tags_by_arn.get(f"{prefix}:cluster:{i}", {}) for i in (cluster, *members) if i),
            tags_by_arn.get(f"{prefix}:replicationgroup:{group}", {}),
        )
        created = created_from_nodes(n.get("SnapshotCreateTime") for n in snapshot.get("NodeSnapshots", []))
        status = snapshot.get("SnapshotStatus", "unknown")
        return Backup(
            service=self.service,
            region=self.region,
            id=name,
            source_cluster=group or cluster,
            created=created,
            ready=status == "available",
            state=status,
            manual=snapshot.get("SnapshotSource") == "manual",
            tags=tags_by_arn.get(arn, {}),
            tags_unreadable=""
            if snapshot.get("ARN") or self.account
            else "listed without an ARN, and no account to build one from",
            source_tags=source_tags,
            source_ids=tuple(sources),
            arn=arn,
        )


def tags_by_arn(
    tagging: ResourceGroupsTaggingAPIClient, resource_types: list[str], tag_key: str | None = None
) -> dict[str, dict[str, str]]:
    """Every ElastiCache resource of `resource_types` (carrying `tag_key`, if given) -> its tags."""
    return read_tags(tag_pages(tagging, resource_types, tag_key))


def tag_pages(
    tagging: ResourceGroupsTaggingAPIClient,
    resource_types: list[str],
    tag_key: str | None = None,
    stop: Callable[[], bool] = never,
) -> Pages:
    paginator = tagging.get_paginator("get_resources")
    pages = paginator.paginate(
        ResourceTypeFilters=resource_types,
        TagFilters=[{"Key": tag_key}] if tag_key else [],
        PaginationConfig={"PageSize": 100},
    )
    return Pages(pages, stop)


def read_tags(pages: Iterable[Any]) -> dict[str, dict[str, str]]:
    return {
        item["ResourceARN"]: tags_from_list(item.get("Tags"))
        for page in pages
        for item in page.get("ResourceTagMappingList", [])
    }
