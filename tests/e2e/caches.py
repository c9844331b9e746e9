"""The two kinds of ElastiCache cache every cache test runs against: a node-based cache cluster and
a serverless cache. Each says, in the same words, how to build it, list its snapshots, delete it
directly and name the wire calls and error codes that mean the same thing for it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.fleet import Fleet

EVENTS = Path(__file__).resolve().parent.parent.parent / "events"


@dataclass(frozen=True)
class Calls:
    """The wire operation and error codes one kind of cache uses for the same step."""

    delete_snapshot: str
    snapshot_name_field: str
    delete_cache: str
    copy_snapshot: str
    cache_busy: str
    snapshot_busy: str
    name_taken: str
    copy_refused: str
    delete_event: str
    cache_field: str
    tag_event: str


NODE_BASED = Calls(
    delete_snapshot="DeleteSnapshot",
    snapshot_name_field="SnapshotName",
    delete_cache="DeleteCacheCluster",
    copy_snapshot="CopySnapshot",
    cache_busy="InvalidCacheClusterState",
    snapshot_busy="InvalidSnapshotState",
    name_taken="SnapshotAlreadyExistsFault",
    copy_refused="SnapshotFeatureNotSupportedFault",
    delete_event="elasticache-deletecachecluster-no-final.json",
    cache_field="cacheClusterId",
    tag_event="elasticache-addtags-delete-after.json",
)
SERVERLESS = Calls(
    delete_snapshot="DeleteServerlessCacheSnapshot",
    snapshot_name_field="ServerlessCacheSnapshotName",
    delete_cache="DeleteServerlessCache",
    copy_snapshot="CopyServerlessCacheSnapshot",
    cache_busy="InvalidServerlessCacheStateFault",
    snapshot_busy="InvalidServerlessCacheSnapshotStateFault",
    name_taken="ServerlessCacheSnapshotAlreadyExistsFault",
    copy_refused="InvalidServerlessCacheSnapshotStateFault",
    delete_event="elasticache-deleteserverlesscache-no-final.json",
    cache_field="serverlessCacheName",
    tag_event="elasticache-addtags-serverless-delete-after.json",
)


@dataclass(frozen=True)
class Caches:
    fleet: Fleet
    serverless: bool

    @property
    def calls(self) -> Calls:
        return SERVERLESS if self.serverless else NODE_BASED

    @property
    def kind(self) -> str | None:
        """The `kind` its snapshots' decisions carry."""
        return "serverless-snapshot" if self.serverless else None

    @property
    def cache_kind(self) -> str:
        """The `kind` its caches' final-snapshot decisions carry."""
        return "elasticache-serverless" if self.serverless else "elasticache-cluster"

    def cache(self, name: str, tags: dict[str, str] | None = None) -> str:
        if self.serverless:
            return self.fleet.serverless_cache(name, tags)
        return self.fleet.redis_cluster(name, tags)

    def snapshot(
        self,
        cache: str,
        name: str,
        age_days: float,
        tags: dict[str, str] | None = None,
        status: str | None = None,
    ) -> str:
        if self.serverless:
            return self.fleet.serverless_snapshot(cache, name, age_days, tags, status)
        return self.fleet.elasticache_snapshot(cache, name, age_days, tags, status)

    def automatic_snapshot(self, cache: str, age_days: float) -> str:
        if self.serverless:
            return self.fleet.serverless_automatic_snapshot(cache, age_days)
        return self.fleet.elasticache_automatic_snapshot(cache, age_days)

    def snapshot_names(self) -> set[str]:
        """Every snapshot of this kind, manual and automatic."""
        return {s["name"] for s in self._snapshots()}

    def manual_snapshots(self) -> list[dict[str, Any]]:
        """name, source (the cache) and arn of each manual snapshot of this kind."""
        return [s for s in self._snapshots() if s["manual"]]

    def snapshot_tags(self, snapshot: dict[str, Any]) -> dict[str, str]:
        tags = self.fleet.elasticache.list_tags_for_resource(ResourceName=snapshot["arn"])["TagList"]
        return {t["Key"]: t["Value"] for t in tags}

    def live_caches(self) -> set[str]:
        """Caches of this kind that exist and are not being deleted."""
        if self.serverless:
            caches = self.fleet.elasticache.describe_serverless_caches()["ServerlessCaches"]
            return {c["ServerlessCacheName"] for c in caches if c["Status"] != "deleting"}
        clusters = self.fleet.elasticache.describe_cache_clusters()["CacheClusters"]
        return {c["CacheClusterId"] for c in clusters if c["CacheClusterStatus"] != "deleting"}

    def arn(self, cache: str) -> str:
        kind = "serverlesscache" if self.serverless else "cluster"
        return f"arn:aws:elasticache:{self.fleet.region}:{self.fleet.account}:{kind}:{cache}"

    def delete_directly(self, cache: str) -> dict[str, Any]:
        """Delete `cache` without a final snapshot, as a person might; its CloudTrail event."""
        if self.serverless:
            self.fleet.elasticache.delete_serverless_cache(ServerlessCacheName=cache)
        else:
            self.fleet.elasticache.delete_cache_cluster(CacheClusterId=cache)
        event: dict[str, Any] = json.loads((EVENTS / self.calls.delete_event).read_text())
        event["detail"]["requestParameters"] = {self.calls.cache_field: cache}
        event["time"] = event["detail"]["eventTime"] = datetime.now(UTC).isoformat()
        return event

    def tag_event(self, cache: str, key: str, value: str) -> dict[str, Any]:
        """The CloudTrail AddTagsToResource event of tagging `cache` with `key`=`value`."""
        event: dict[str, Any] = json.loads((EVENTS / self.calls.tag_event).read_text())
        event["detail"]["requestParameters"] = {
            "resourceName": self.arn(cache),
            "tags": [{"key": key, "value": value}],
        }
        return event

    def _snapshots(self) -> list[dict[str, Any]]:
        if self.serverless:
            listed = self.fleet.elasticache.describe_serverless_cache_snapshots()
            return [
                {
                    "name": s["ServerlessCacheSnapshotName"],
                    "source": s["ServerlessCacheConfiguration"]["ServerlessCacheName"],
                    "arn": s["ARN"],
                    "manual": s["SnapshotType"] == "manual",
                }
                for s in listed["ServerlessCacheSnapshots"]
            ]
        return [
            {
                "name": s["SnapshotName"],
                "source": s.get("ReplicationGroupId") or s.get("CacheClusterId"),
                "arn": s["ARN"],
                "manual": s["SnapshotSource"] == "manual",
            }
            for s in self.fleet.elasticache.describe_snapshots()["Snapshots"]
        ]
