"""What one listing page costs in the fake, at two fleet sizes (not a test: run it by hand).

    .venv/bin/python tests/fakeaws/page_cost.py 1000 100000

Seeds N items per service straight into moto's backends, then times the first 20 pages of each
listing through boto3 (the full request path: model check, moto, serialisation). Prints the
median milliseconds per page.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")

import boto3
from moto import mock_aws
from moto.elasticache.models import elasticache_backends
from moto.redshift.models import redshift_backends

import fakeaws
from fakeaws import cloudhsm

ACCOUNT, REGION, PAGES = "123456789012", "us-east-1", 20
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def seed(n: int) -> None:
    for i in range(n):
        cloudhsm.add_backup(ACCOUNT, REGION, "cluster-abcdefghijk", BASE + timedelta(seconds=i))
    ec = boto3.client("elasticache", region_name=REGION)
    ec.create_cache_cluster(
        CacheClusterId="redis", Engine="redis", CacheNodeType="cache.t4g.small", NumCacheNodes=1
    )
    ec.create_snapshot(CacheClusterId="redis", SnapshotName="seed")
    ec_backend = elasticache_backends[ACCOUNT][REGION]
    for i in range(n - 1):
        ec_backend.copy_snapshot(source_snapshot_name="seed", target_snapshot_name=f"s-{i:06d}")
    rs = boto3.client("redshift", region_name=REGION)
    rs.create_cluster(
        ClusterIdentifier="warehouse",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Password1",
    )
    rs_backend = redshift_backends[ACCOUNT][REGION]
    for i in range(n):
        rs_backend.create_cluster_snapshot("warehouse", f"s-{i:06d}", REGION, None)


def pages(call: Callable[[str | None], str | None], start: str | None) -> float:
    """Median ms of PAGES consecutive pages, starting at marker `start`."""
    times: list[float] = []
    token = start
    for _ in range(PAGES):
        began = time.perf_counter()
        token = call(token)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def listings() -> dict[str, Callable[[str | None], str | None]]:
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    ec = boto3.client("elasticache", region_name=REGION)
    rs = boto3.client("redshift", region_name=REGION)

    def hsm_page(token: str | None) -> str | None:
        kwargs: dict[str, Any] = {"NextToken": token} if token else {}
        return hsm.describe_backups(MaxResults=50, **kwargs).get("NextToken")

    def ec_page(marker: str | None) -> str | None:
        kwargs: dict[str, Any] = {"Marker": marker} if marker else {}
        return ec.describe_snapshots(SnapshotSource="user", MaxRecords=50, **kwargs).get("Marker")

    def rs_page(marker: str | None) -> str | None:
        kwargs: dict[str, Any] = {"Marker": marker} if marker else {}
        return rs.describe_cluster_snapshots(MaxRecords=100, **kwargs).get("Marker")

    return {
        "cloudhsm DescribeBackups": hsm_page,
        "elasticache DescribeSnapshots": ec_page,
        "redshift DescribeClusterSnapshots": rs_page,
    }


def main(sizes: list[int]) -> None:
    fakeaws.install()
    for n in sizes:
        with mock_aws():
            seed(n)
            for name, call in listings().items():
                print(f"{n:>7} items  {name:<34} {pages(call, None):6.2f} ms per page")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 100000])
