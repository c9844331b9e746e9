"""`make bench`: API calls and wall time of one retention sweep over a large fleet.

A local moto server (with Steward's extension) holds 5,000 expired ElastiCache manual snapshots,
5,000 expired Redshift manual snapshots and 1,000 expired CloudHSM backups, spread over
clusters. The RetentionFunction handler runs once, for real (DRY_RUN=false), and every HTTP
request it sends (retries included) is counted per operation and set against the minimum
possible: one call per list page, plus one delete per item, or one per 100 where a batch API
exists.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3

from sandbox.demo import RETENTION_ENV, sample_event, table
from sandbox.fleet import Fleet
from sandbox.lambda_runtime import LambdaContext, invoke
from sandbox.server import local_aws

# The largest pages each API allows, which the adapters ask for.
PAGE = {"DescribeSnapshots": 50, "DescribeClusterSnapshots": 100, "DescribeBackups": 50}


def seed(fleet: Fleet, elasticache: int, redshift: int, hsm: int, clusters: int) -> dict[str, int]:
    """Create the fleet through the API; returns how many clusters of each kind it made."""
    for c in range(clusters):
        cache = fleet.redis_cluster(f"cache-{c:03d}")
        for i in range(elasticache // clusters):
            fleet.elasticache_snapshot(cache, f"cache-{c:03d}-{i:05d}", age_days=60 + i % 300)
        dw = fleet.redshift_cluster(f"dw-{c:03d}", tags={"steward:retention-days": "30"})
        for i in range(redshift // clusters):
            fleet.redshift_snapshot(dw, f"dw-{c:03d}-{i:05d}", age_days=60 + i % 300)
    hsm_clusters = max(clusters // 5, 1)
    for _ in range(hsm_clusters):
        cluster = fleet.hsm_cluster()
        for i in range(hsm // hsm_clusters):
            fleet.hsm_backup(cluster, age_days=60 + i % 300)
    return {"cache": clusters, "redshift": clusters, "hsm": hsm_clusters}


def count_requests(counter: Counter[str]) -> None:
    def on_send(event_name: str, **kwargs: Any) -> None:
        _, service, operation = event_name.split(".")  # before-send.<service>.<Operation>
        counter[f"{SERVICES.get(service, service)}:{operation}"] += 1

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-send", on_send)


def minimum(
    decided: dict[str, dict[str, int]], items: dict[str, int], clusters: dict[str, int]
) -> dict[str, int]:
    deleted = {service: actions.get("deleted", 0) for service, actions in decided.items()}
    return {
        "elasticache": math.ceil(items["elasticache"] / PAGE["DescribeSnapshots"]) + deleted["elasticache"],
        "redshift": math.ceil(items["redshift"] / PAGE["DescribeClusterSnapshots"])
        + math.ceil(clusters["redshift"] / 100)
        + math.ceil(deleted["redshift"] / 100),
        "cloudhsm": math.ceil(items["cloudhsm"] / PAGE["DescribeBackups"])
        + math.ceil(clusters["hsm"] / 50)
        + deleted["cloudhsm"],
    }


# botocore's service ids, as Steward reports them; the tagging API serves the ElastiCache sweep.
SERVICES = {
    "elasticache": "elasticache",
    "resource-groups-tagging-api": "elasticache",
    "redshift": "redshift",
    "cloudhsm-v2": "cloudhsm",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elasticache", type=int, default=5000)
    parser.add_argument("--redshift", type=int, default=5000)
    parser.add_argument("--hsm", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=50)
    args = parser.parse_args()

    with local_aws():
        event = sample_event("retention-schedule.json")
        fleet = Fleet(now=datetime.fromisoformat(event["time"]).astimezone(UTC))
        started = time.perf_counter()
        clusters = seed(fleet, args.elasticache, args.redshift, args.hsm, args.clusters)
        print(f"seeded in {time.perf_counter() - started:.0f} s: {clusters}")

        counter: Counter[str] = Counter()
        count_requests(counter)
        started = time.perf_counter()
        run = invoke(
            "retention", event, {**RETENTION_ENV, "DRY_RUN": "false"}, LambdaContext(seconds_left=10**6)
        )
        wall = time.perf_counter() - started
        if run.error:
            raise run.error

    decided = run.result["counts"]
    items = {s: sum(decided[s].values()) for s in decided}
    floor = minimum(decided, items, clusters)
    calls: Counter[str] = Counter()
    for operation, n in counter.items():
        calls[operation.split(":")[0]] += n
    rows = [
        {
            "service": service,
            "items": items[service],
            "deleted": decided[service].get("deleted", 0),
            "kept": decided[service].get("kept", 0),
            "calls": calls[service],
            "minimum": floor[service],
            "ratio": f"{calls[service] / floor[service]:.3f}",
        }
        for service in ("elasticache", "redshift", "cloudhsm")
    ]
    total, least = sum(calls[s] for s in floor), sum(floor.values())
    rows.append(
        {
            "service": "all",
            "items": sum(items.values()),
            "calls": total,
            "minimum": least,
            "ratio": f"{total / least:.3f}",
        }
    )
    columns = [
        (k, k.upper(), 11) for k in ("service", "items", "deleted", "kept", "calls", "minimum", "ratio")
    ]
    print(table(rows, columns))
    print("calls by operation: " + ", ".join(f"{op}={n}" for op, n in sorted(counter.items())))
    print(f"sweep wall time: {wall:.1f} s (local moto server, one process)")


if __name__ == "__main__":
    main()
