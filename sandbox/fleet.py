"""Building realistic fleets of clusters, snapshots and backups through real boto3 calls.

Only what the AWS API cannot express (a snapshot's age, an automatic snapshot) goes through
the moto extension's seeding helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

import fakeaws

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"


def _tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


@dataclass
class Fleet:
    region: str = "us-east-1"
    account: str = ACCOUNT
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.elasticache: Any = boto3.client("elasticache", region_name=self.region)
        self.redshift: Any = boto3.client("redshift", region_name=self.region)
        self.cloudhsm: Any = boto3.client("cloudhsmv2", region_name=self.region)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # ElastiCache -----------------------------------------------------------------------------
    def redis_cluster(self, cluster_id: str, tags: Mapping[str, str] | None = None) -> str:
        self.elasticache.create_cache_cluster(
            CacheClusterId=cluster_id,
            Engine="redis",
            CacheNodeType="cache.t4g.small",
            NumCacheNodes=1,
            Tags=_tag_list(tags),
        )
        return cluster_id

    def elasticache_snapshot(
        self,
        cluster_id: str,
        name: str,
        age_days: float,
        tags: Mapping[str, str] | None = None,
        status: str | None = None,
    ) -> str:
        self.elasticache.create_snapshot(CacheClusterId=cluster_id, SnapshotName=name, Tags=_tag_list(tags))
        fakeaws.elasticache.set_snapshot_created(self.account, self.region, name, self.ago(age_days))
        if status:
            fakeaws.elasticache.set_snapshot_status(self.account, self.region, name, status)
        return name

    def elasticache_automatic_snapshot(self, cluster_id: str, age_days: float) -> str:
        return str(
            fakeaws.elasticache.add_automatic_snapshot(
                self.account, self.region, cache_cluster_id=cluster_id, created=self.ago(age_days)
            )
        )

    # ElastiCache Serverless ------------------------------------------------------------------
    def serverless_cache(
        self, name: str, tags: Mapping[str, str] | None = None, engine: str = "valkey"
    ) -> str:
        # Automatic snapshots kept 35 days, the most ElastiCache allows.
        self.elasticache.create_serverless_cache(
            ServerlessCacheName=name, Engine=engine, SnapshotRetentionLimit=35, Tags=_tag_list(tags)
        )
        return name

    def serverless_snapshot(
        self,
        cache: str,
        name: str,
        age_days: float,
        tags: Mapping[str, str] | None = None,
        status: str | None = None,
    ) -> str:
        self.elasticache.create_serverless_cache_snapshot(
            ServerlessCacheSnapshotName=name, ServerlessCacheName=cache, Tags=_tag_list(tags)
        )
        fakeaws.elasticache_serverless.set_snapshot_created(
            self.account, self.region, name, self.ago(age_days)
        )
        if status:
            fakeaws.elasticache_serverless.set_snapshot_status(self.account, self.region, name, status)
        return name

    def serverless_automatic_snapshot(self, cache: str, age_days: float) -> str:
        return fakeaws.elasticache_serverless.take_daily_snapshot(
            self.account, self.region, cache, created=self.ago(age_days)
        )

    # Redshift --------------------------------------------------------------------------------
    def redshift_cluster(self, cluster_id: str, tags: Mapping[str, str] | None = None) -> str:
        self.redshift.create_cluster(
            ClusterIdentifier=cluster_id,
            NodeType="ra3.large",
            MasterUsername="admin",
            MasterUserPassword="Password1!",
            ClusterType="single-node",
            Tags=_tag_list(tags),
        )
        return cluster_id

    def redshift_snapshot(
        self,
        cluster_id: str,
        name: str,
        age_days: float,
        tags: Mapping[str, str] | None = None,
        shared_with: Iterable[str] = (),
        retention_days: int | None = None,
        status: str | None = None,
    ) -> str:
        extra = {} if retention_days is None else {"ManualSnapshotRetentionPeriod": retention_days}
        self.redshift.create_cluster_snapshot(
            SnapshotIdentifier=name, ClusterIdentifier=cluster_id, Tags=_tag_list(tags), **extra
        )
        fakeaws.redshift.set_snapshot_created(self.account, self.region, name, self.ago(age_days))
        for account in shared_with:
            self.redshift.authorize_snapshot_access(
                SnapshotIdentifier=name,
                SnapshotClusterIdentifier=cluster_id,
                AccountWithRestoreAccess=account,
            )
        if status:
            fakeaws.redshift.set_snapshot_status(self.account, self.region, name, status)
        return name

    def redshift_automated_snapshot(self, cluster_id: str, age_days: float) -> str:
        return str(
            fakeaws.redshift.add_automated_snapshot(self.account, self.region, cluster_id, self.ago(age_days))
        )

    # CloudHSM --------------------------------------------------------------------------------
    def hsm_cluster(self, tags: Mapping[str, str] | None = None) -> str:
        tag_list = {"TagList": _tag_list(tags)} if tags else {}  # TagList may not be empty
        cluster = self.cloudhsm.create_cluster(
            HsmType="hsm2m.medium", SubnetIds=["subnet-0a1b2c3d"], **tag_list
        )["Cluster"]
        return str(cluster["ClusterId"])

    def hsm_backup(
        self,
        cluster_id: str,
        age_days: float,
        tags: Mapping[str, str] | None = None,
        never_expires: bool = False,
        state: str = "READY",
    ) -> str:
        return str(
            fakeaws.cloudhsm.add_backup(
                self.account,
                self.region,
                cluster_id,
                self.ago(age_days),
                state=state,
                never_expires=never_expires,
                tags=dict(tags or {}),
            )
        )

    def hsm_backups_of(self, cluster_id: str) -> list[str]:
        backups = self.cloudhsm.describe_backups(Filters={"clusterIds": [cluster_id]})["Backups"]
        return [b["BackupId"] for b in backups]
