"""`make bench`: the retention sweep against a fake AWS that answers at AWS's latency.

moto (with Steward's extension) runs in a process of its own (sandbox/aws_process.py) and every
request waits --latency-ms before it is answered. The RetentionFunction runs in another process,
as Lambda runs it (sandbox/lambda_process.py), killed at its timeout. The fleet is --backups
expired manual backups, 45% ElastiCache, 45% Redshift, 10% CloudHSM, --per-cluster to a cluster;
DEFAULT_RETENTION_DAYS=30 and MIN_KEEP=1, so the newest of each cluster is kept.

Scenarios (--scenarios): `sweep` one run with the function's 900 s timeout (requests against the
minimum, wall time, client CPU, peak memory, whether it fits); `budget` 3 successive runs for each
--budgets (seconds of work before the safety margin): what each run deleted and deferred, per
service; `killed` a run whose AWS stops answering after --stall-after requests, killed at its
timeout as Lambda would: what it deleted against what it logged.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.demo import RETENTION_ENV, sample_event, table
from sandbox.fleet import Fleet
from sandbox.server import aws_process
from sandbox.stack import STATE_TABLE, stack_resources

SERVICES = ("elasticache", "redshift", "cloudhsm")
SHARE = {"elasticache": 0.45, "redshift": 0.45, "cloudhsm": 0.10}
# The largest pages each API allows, which the adapters ask for.
PAGE = {"DescribeSnapshots": 50, "DescribeClusterSnapshots": 100, "DescribeBackups": 50}
SAFETY_MARGIN = 30  # the template's default SAFETY_MARGIN_SECONDS
LAMBDA_TIMEOUT = 900


def control(endpoint: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One call to sandbox.aws_process's control paths (never delayed)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{endpoint}/_bench/{path}", data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=3600) as answer:
        return json.loads(answer.read())


def seed(endpoint: str, backups: int, per_cluster: int) -> dict[str, int]:
    """Clusters through the API, their backups straight into moto's backends; returns cluster counts."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    # The StateTable, where the sweep remembers each cluster's last steward:* tags.
    stack_resources(sample_event("retention-schedule.json")["region"])
    started = time.perf_counter()
    fleet = Fleet(now=datetime.fromisoformat(sample_event("retention-schedule.json")["time"]).astimezone(UTC))
    counts = {service: round(backups * share) for service, share in SHARE.items()}
    counts["cloudhsm"] = backups - counts["elasticache"] - counts["redshift"]
    spec: dict[str, Any] = {"now": fleet.now.isoformat()}
    for service, count in counts.items():
        clusters: dict[str, int] = {}
        for c in range(math.ceil(count / per_cluster)):
            size = min(per_cluster, count - c * per_cluster)
            if service == "elasticache":
                clusters[fleet.redis_cluster(f"cache-{c:04d}")] = size
            elif service == "redshift":
                clusters[fleet.redshift_cluster(f"dw-{c:04d}", tags={"steward:retention-days": "30"})] = size
            else:
                clusters[fleet.hsm_cluster()] = size
        spec[service] = clusters
    api = time.perf_counter() - started
    seeded = control(endpoint, "seed", spec)
    print(
        f"seeded {seeded['seeded']} in {api + seeded['seconds']:.1f} s "
        f"(clusters through the API {api:.1f} s, backups in the backend {seeded['seconds']:.1f} s)"
    )
    return {service: len(spec[service]) for service in SERVICES}


@dataclass
class Run:
    """What one invocation left behind: its log lines, its own figures, and whether it was killed."""

    logs: list[dict[str, Any]] = field(default_factory=list)
    bench: dict[str, Any] = field(default_factory=dict)
    killed: bool = False
    wall: float = 0.0

    def decided(self) -> dict[str, Counter[str]]:
        """Per service: deleted, kept, deferred items, and `not listed` for a service deferred whole."""
        counts: dict[str, Counter[str]] = {service: Counter() for service in SERVICES}
        for line in self.logs:
            if "decision" in line:
                decision = line["decision"]
                action = "deferred" if decision.get("reason") == "deferred" else decision["action"]
                if decision["resource_id"] == "*":  # a decision about the whole service
                    action = "not listed" if action == "deferred" else action
                counts.setdefault(decision["service"], Counter())[action] += 1
        return counts


def deferred(counts: Counter[str]) -> str:
    return "not listed" if counts["not listed"] else str(counts["deferred"])


def invoke(timeout: float, fast_timestamps: bool) -> Run:
    """One RetentionFunction invocation in its own process (DRY_RUN=false), killed at `timeout`."""
    command = [sys.executable, "-m", "sandbox.lambda_process", "--timeout", str(timeout)]
    env = {**os.environ, **RETENTION_ENV, "STATE_TABLE": STATE_TABLE, "DRY_RUN": "false"}
    env["PYTHONUNBUFFERED"] = "1"
    function = subprocess.Popen(
        [*command, *(["--fast-timestamps"] if fast_timestamps else [])],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    run, started = Run(), threading.Event()

    def read() -> None:
        assert function.stdout is not None
        for line in function.stdout:
            if line.strip() == "started":
                started.set()
            elif line.startswith("{"):
                record = json.loads(line)
                if "bench" in record:
                    run.bench = record["bench"]
                else:
                    run.logs.append(record)
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started.wait()
    began = time.perf_counter()
    try:
        function.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        function.kill()  # Lambda stops the invocation at its timeout, with no warning
        function.wait()
        run.killed = True
    run.wall = time.perf_counter() - began
    reader.join()
    return run


def minimum(decided: dict[str, Counter[str]], clusters: dict[str, int]) -> dict[str, int]:
    """One call per list page at the largest page size, plus one delete per item (per 100 for Redshift)."""
    items = {s: decided[s]["deleted"] + decided[s]["kept"] + decided[s]["deferred"] for s in SERVICES}
    deleted = {service: decided[service]["deleted"] for service in SERVICES}
    return {
        "elasticache": math.ceil(items["elasticache"] / PAGE["DescribeSnapshots"]) + deleted["elasticache"],
        "redshift": math.ceil(items["redshift"] / PAGE["DescribeClusterSnapshots"])
        + math.ceil(clusters["redshift"] / 100)
        + math.ceil(deleted["redshift"] / 100),
        "cloudhsm": math.ceil(items["cloudhsm"] / PAGE["DescribeBackups"])
        + math.ceil(clusters["cloudhsm"] / 50)
        + deleted["cloudhsm"],
    }


def sweep(endpoint: str, args: argparse.Namespace) -> None:
    clusters = seed(endpoint, args.backups, args.per_cluster)
    run = invoke(LAMBDA_TIMEOUT, args.fast_timestamps)
    decided, figures = run.decided(), run.bench
    requests: Counter[str] = Counter()
    for operation, n in figures.get("requests", {}).items():
        requests[operation.split(":")[0]] += n
    floor = minimum(decided, clusters)
    rows: list[dict[str, Any]] = [
        {
            "service": service,
            **{action: decided[service][action] for action in ("deleted", "kept")},
            "items": sum(decided[service][a] for a in ("deleted", "kept", "deferred")),
            "deferred": deferred(decided[service]),
            "requests": requests[service],
            "minimum": floor[service],
            "ratio": f"{requests[service] / max(floor[service], 1):.3f}",
        }
        for service in SERVICES
    ]
    total, least = sum(requests[s] for s in SERVICES), sum(floor.values())
    rows.append({"service": "all", "requests": total, "minimum": least, "ratio": f"{total / least:.3f}"})
    columns = [(k, k.upper(), 11) for k in ("service", "items", "deleted", "kept", "deferred")]
    print(table(rows, [*columns, *((k, k.upper(), 9) for k in ("requests", "minimum", "ratio"))]))
    print("requests by operation: " + ", ".join(f"{op}={n}" for op, n in sorted(figures["requests"].items())))
    left = sum(decided[s]["deferred"] + decided[s]["not listed"] for s in SERVICES)
    fits = not run.killed and left == 0 and run.wall < LAMBDA_TIMEOUT - SAFETY_MARGIN
    peak, baseline = figures["rss_peak_kib"] / 1024, figures["rss_start_kib"] / 1024
    print(
        f"wall {run.wall:.1f} s, client CPU {figures['cpu']:.1f} s, "
        f"peak RSS {peak:.0f} MiB ({baseline:.0f} MiB after imports); "
        f"fits the {LAMBDA_TIMEOUT} s timeout: {'yes' if fits else 'NO'}"
        + (" (deferred: " + ", ".join(f"{s} {deferred(decided[s])}" for s in SERVICES) + ")" if left else "")
        + (" (killed at the timeout)" if run.killed else "")
        + (f"; {figures['error']}" if figures.get("error") else "")
    )


def budget(endpoint: str, args: argparse.Namespace) -> None:
    for seconds in args.budgets:
        seed(endpoint, args.backups, args.per_cluster)
        print(f"budget {seconds} s of work (timeout {seconds + SAFETY_MARGIN} s, margin {SAFETY_MARGIN} s):")
        rows = []
        before = control(endpoint, "inventory")
        for number in range(1, args.runs + 1):
            run = invoke(seconds + SAFETY_MARGIN, args.fast_timestamps)
            after = control(endpoint, "inventory")
            decided = run.decided()
            rows.append(
                {
                    "run": number,
                    **{s: f"{before[s] - after[s]} ({deferred(decided[s])})" for s in SERVICES},
                    "left": sum(after[s] for s in SERVICES),
                    "wall": f"{run.wall:.1f}" + (" killed" if run.killed else ""),
                }
            )
            before = after
        print("deleted per service (deferred items in brackets):")
        columns = [("run", "RUN", 4), *((s, s.upper(), 16) for s in SERVICES), ("left", "LEFT", 7)]
        print(table(rows, [*columns, ("wall", "WALL S", 8)]))


def killed(endpoint: str, args: argparse.Namespace) -> None:
    seed(endpoint, args.backups, args.per_cluster)
    before = control(endpoint, "inventory")
    # The window opens after the run starts, so it outlasts the kill; what is in flight then completes.
    control(endpoint, "stall", {"after": args.stall_after, "seconds": args.kill_timeout})
    print(
        f"killed run: AWS stops answering after {args.stall_after} requests; "
        f"the function's timeout is {args.kill_timeout} s"
    )
    run = invoke(args.kill_timeout, args.fast_timestamps)
    after = control(endpoint, "inventory")
    logged = {s: counts["deleted"] for s, counts in run.decided().items()}
    rows = [
        {
            "service": s,
            "deleted": before[s] - after[s],
            "logged": logged[s],
            "unlogged": before[s] - after[s] - logged[s],
        }
        for s in SERVICES
    ]
    print(table(rows, [(k, k.upper(), 11) for k in ("service", "deleted", "logged", "unlogged")]))
    print(
        f"killed: {'yes' if run.killed else 'no'} after {run.wall:.1f} s; log lines written: {len(run.logs)}"
    )


SCENARIOS = {"sweep": sweep, "budget": budget, "killed": killed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backups", type=int, default=10_000, help="fleet size (100000: allow ~30 min)")
    parser.add_argument("--per-cluster", type=int, default=100, help="backups per cluster")
    parser.add_argument("--latency-ms", type=float, default=25.0, help="added to every AWS request")
    parser.add_argument(
        "--scenarios", default="sweep,budget,killed", help=f"comma-separated: {','.join(SCENARIOS)}"
    )
    parser.add_argument("--budgets", default="10,15", type=lambda v: [int(b) for b in v.split(",")])
    parser.add_argument("--runs", type=int, default=3, help="successive runs per budget")
    parser.add_argument("--stall-after", type=int, default=300, help="killed run: requests before AWS stalls")
    parser.add_argument("--kill-timeout", type=float, default=60.0, help="killed run: the function's timeout")
    parser.add_argument(
        "--fast-timestamps", action="store_true", help="client parses timestamps with fromisoformat"
    )
    args = parser.parse_args()
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"--scenarios: {', '.join(unknown)} unknown; accepted: {', '.join(SCENARIOS)}")

    print(
        f"fleet {args.backups} backups (45% ElastiCache, 45% Redshift, 10% CloudHSM), {args.per_cluster} per "
        f"cluster; {args.latency_ms:g} ms added to every AWS request; moto in its own process"
    )
    with aws_process(args.latency_ms) as endpoint:
        for name in chosen:
            print(f"\n== {name} ==")
            SCENARIOS[name](endpoint, args)


if __name__ == "__main__":
    main()
