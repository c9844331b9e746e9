"""ElastiCache Serverless manual snapshots: listed, dated and deleted through their own calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from steward.services.clients import client
from steward.services.deletes import delete_each
from steward.services.elasticache import read_tags, tag_pages
from steward.services.listing import Listing, Pages, never
from steward.vocabulary.backups import SERVERLESS_SNAPSHOT, Backup, DeleteOutcome
from steward.vocabulary.service import Service, canonical_id

if TYPE_CHECKING:
    from mypy_boto3_elasticache.type_defs import ServerlessCacheSnapshotTypeDef

# The snapshots' and their caches' tags in one paged GetResources, as for node-based snapshots.
TAGGED_TYPES = ["elasticache:serverlesscachesnapshot", "elasticache:serverlesscache"]
GONE = {"ServerlessCacheSnapshotNotFoundFault"}
# DescribeServerlessCacheSnapshots MaxResults: "The Validation Constraints are a maximum of 50".
PAGE_SIZE = 50


class ServerlessSnapshots:
    """Reported under ElastiCache, with kind `serverless-snapshot`."""

    service = Service.ELASTICACHE
    kind = SERVERLESS_SNAPSHOT
    batch_size = 1

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._elasticache = client("elasticache", region)
        self._tagging = client("resourcegroupstaggingapi", region)
        self._live: dict[str, dict[str, str]] = {}

    def live_clusters(self) -> dict[str, dict[str, str]]:
        """The serverless caches the last listing found (lower-case name -> tags)."""
        return self._live

    def list_backups(self, stop: Callable[[], bool] = never) -> Listing[Backup]:
        """Every manual serverless snapshot, page by page until `stop()`; none until every tag and
        cache is read, since a snapshot's hold may be on its cache."""
        tags = tag_pages(self._tagging, TAGGED_TYPES, stop=stop)
        caches = Pages(
            self._elasticache.get_paginator("describe_serverless_caches").paginate(
                PaginationConfig={"PageSize": PAGE_SIZE}
            ),
            stop,
        )
        paginator = self._elasticache.get_paginator("describe_serverless_cache_snapshots")
        # Automatic ("automated") snapshots expire with the cache's SnapshotRetentionLimit.
        pages = Pages(
            paginator.paginate(SnapshotType="manual", PaginationConfig={"PageSize": PAGE_SIZE}), stop
        )

        def backups() -> Iterator[Backup]:
            by_arn = read_tags(tags)
            if not tags.complete:
                return
            live = {
                canonical_id(self.service, cache["ServerlessCacheName"]): by_arn.get(cache.get("ARN", ""), {})
                for page in caches
                for cache in page.get("ServerlessCaches", [])
            }
            if not caches.complete:
                return
            self._live = live
            for page in pages:
                yield from (self._backup(s, by_arn) for s in page.get("ServerlessCacheSnapshots", []))

        return Listing(backups, tags, caches, pages)

    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]:
        def delete_snapshot(backup: Backup) -> str:
            self._elasticache.delete_serverless_cache_snapshot(ServerlessCacheSnapshotName=backup.id)
            return ""

        return delete_each(backups, delete_snapshot, GONE)

    def _backup(self, snapshot: ServerlessCacheSnapshotTypeDef, tags: dict[str, dict[str, str]]) -> Backup:
        arn = snapshot.get("ARN", "")
        cache = snapshot.get("ServerlessCacheConfiguration", {}).get("ServerlessCacheName")
        prefix = arn.rsplit(":serverlesscachesnapshot:", 1)[0]
        status = snapshot.get("Status", "unknown")
        return Backup(
            service=self.service,
            region=self.region,
            id=snapshot["ServerlessCacheSnapshotName"],
            source_cluster=cache,
            created=snapshot.get("CreateTime"),
            ready=status == "available",
            state=status,
            manual=snapshot.get("SnapshotType") == "manual",
            tags=tags.get(arn, {}),
            source_tags=tags.get(f"{prefix}:serverlesscache:{cache}", {}) if cache else {},
            source_ids=(canonical_id(self.service, cache),) if cache else (),
            arn=arn,
            kind=self.kind,
        )
