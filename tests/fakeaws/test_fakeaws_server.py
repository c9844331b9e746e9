"""The extension also works over HTTP in moto's ThreadedMotoServer (as the demo runs it)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION
from moto.server import ThreadedMotoServer

import fakeaws


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def endpoint() -> Iterator[str]:
    fakeaws.install()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def test_cloudhsm_delete_backup_over_http(endpoint: str) -> None:
    hsm = client("cloudhsmv2", endpoint)
    cluster_id = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=["subnet-0a1b2c3d"])[
        "Cluster"
    ]["ClusterId"]
    backup_id = fakeaws.cloudhsm.add_backup(
        ACCOUNT, REGION, cluster_id, datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert hsm.delete_backup(BackupId=backup_id)["Backup"]["BackupState"] == "PENDING_DELETION"


def test_elasticache_describe_snapshots_pages_over_http(endpoint: str) -> None:
    ec = client("elasticache", endpoint)
    ec.create_cache_cluster(
        CacheClusterId="redis-http",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheNodes=1,
    )
    for i in range(25):
        ec.create_snapshot(CacheClusterId="redis-http", SnapshotName=f"http-{i:02d}")
    pages = list(ec.get_paginator("describe_snapshots").paginate(PaginationConfig={"PageSize": 20}))
    assert [len(p["Snapshots"]) for p in pages] == [20, 5]


def test_elasticache_serverless_final_snapshot_over_http(endpoint: str) -> None:
    ec = client("elasticache", endpoint)
    ec.create_serverless_cache(ServerlessCacheName="sessions-http", Engine="valkey")
    ec.delete_serverless_cache(ServerlessCacheName="sessions-http", FinalSnapshotName="final-http")
    [final] = ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="final-http")[
        "ServerlessCacheSnapshots"
    ]
    assert final["SnapshotType"] == "manual"
    [cache] = ec.describe_serverless_caches(ServerlessCacheName="sessions-http")["ServerlessCaches"]
    assert cache["Status"] == "deleting"


def test_the_model_check_refuses_over_http(endpoint: str) -> None:
    hsm = client("cloudhsmv2", endpoint)
    with pytest.raises(ClientError) as exc:
        hsm.describe_clusters(MaxResults=50)
    assert exc.value.response["Error"]["Code"] == "CloudHsmInvalidRequestException"
    assert hsm.describe_clusters(MaxResults=25)["ResponseMetadata"]["HTTPStatusCode"] == 200
