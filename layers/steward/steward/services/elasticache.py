"""ElastiCache (Valkey / Redis OSS) manual snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from steward.services.clients import client
from steward.services.cluster_calls import created_from_nodes
from steward.services.deletes import delete_each
from steward.vocabulary.backups import Backup, DeleteOutcome
from steward.vocabulary.service import Service
from steward.vocabulary.tags import tags_from_list

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

    def list_backups(self) -> list[Backup]:
        tags_by_arn = self._tags_by_arn()
        paginator = self._elasticache.get_paginator("describe_snapshots")
        # "user" asks for manual snapshots (the output calls them "manual"); automatic ones
        # follow the cluster's own retention limit and are never Steward's to delete.
        pages = paginator.paginate(SnapshotSource="user", PaginationConfig={"PageSize": 50})
        return [self._backup(s, tags_by_arn) for page in pages for s in page.get("Snapshots", [])]

    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]:
        def delete_snapshot(backup: Backup) -> str:
            self._elasticache.delete_snapshot(SnapshotName=backup.id)
            return ""

        return delete_each(backups, delete_snapshot, GONE)

    def _tags_by_arn(self) -> dict[str, dict[str, str]]:
        return tags_by_arn(self._tagging, TAGGED_TYPES)

    def _backup(self, snapshot: SnapshotTypeDef, tags_by_arn: dict[str, dict[str, str]]) -> Backup:
        arn = snapshot.get("ARN", "")
        prefix = arn.rsplit(":snapshot:", 1)[0]
        group, cluster = snapshot.get("ReplicationGroupId"), snapshot.get("CacheClusterId")
        source_tags = {
            **tags_by_arn.get(f"{prefix}:cluster:{cluster}", {}),
            **tags_by_arn.get(f"{prefix}:replicationgroup:{group}", {}),
        }
        created = created_from_nodes(n.get("SnapshotCreateTime") for n in snapshot.get("NodeSnapshots", []))
        status = snapshot.get("SnapshotStatus", "unknown")
        return Backup(
            service=self.service,
            region=self.region,
            id=snapshot["SnapshotName"],
            source_cluster=group or cluster,
            created=created,
            ready=status == "available",
            state=status,
            manual=snapshot.get("SnapshotSource") == "manual",
            tags=tags_by_arn.get(arn, {}),
            source_tags=source_tags,
            arn=arn,
        )


def tags_by_arn(
    tagging: ResourceGroupsTaggingAPIClient, resource_types: list[str], tag_key: str | None = None
) -> dict[str, dict[str, str]]:
    """Every ElastiCache resource of `resource_types` (carrying `tag_key`, if given) -> its tags."""
    paginator = tagging.get_paginator("get_resources")
    pages = paginator.paginate(
        ResourceTypeFilters=resource_types,
        TagFilters=[{"Key": tag_key}] if tag_key else [],
        PaginationConfig={"PageSize": 100},
    )
    return {
        item["ResourceARN"]: tags_from_list(item.get("Tags"))
        for page in pages
        for item in page.get("ResourceTagMappingList", [])
    }
