"""`make plan`: `steward plan` on the demo fleet in a local fake AWS, then the sweeps for real.

Prints the plan as an operator sees it, runs RetentionFunction and FinalSnapshotFunction live on the
same fleet and clock, and checks that they did what the plan said, item for item.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from steward.machinery import plan_cli

from sandbox.demo import RETENTION_ENV, sample_event, seed_retention_fleet
from sandbox.demo_final_snapshot import CONTEXT, seed_clusters
from sandbox.fleet import Fleet
from sandbox.lambda_runtime import invoke
from sandbox.server import local_aws
from sandbox.stack import stack_resources

REGION = "us-east-1"
# The demo's settings, as flags (the deployed functions get them as parameters).
FLAGS = ["--region", REGION, "--retention-days-default", "30", "--min-keep", "1", "--quiet"]
# Rows only a plan shows: the sweep records guarded clusters in its inventory, not as decisions.
PLAN_ONLY = {"guarded"}
DONE = {"would-delete": "deleted"}

Item = tuple[str, str, str, str, str]


def items(decisions: Iterable[Mapping[str, Any]], planned: bool = False) -> set[Item]:
    """(service, region, resource, action, reason) of every decision, would-delete read as deleted."""
    return {
        (d["service"], d["region"], d["resource_id"], DONE.get(d["action"], d["action"]), d["reason"])
        for d in decisions
        if not (planned and d["reason"] in PLAN_ONLY)
    }


def plan_json(at: str) -> tuple[int, dict[str, Any]]:
    """`steward plan --format json` in this process; its exit code and its output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = plan_cli.main([*FLAGS, "--at", at, "--format", "json"])
    return code, json.loads(out.getvalue())


class SweepFailed(Exception):
    """A sweep of the demo failed as Lambda would report it: the plan cannot be compared with it."""


def sweep_live(event: dict[str, Any]) -> list[dict[str, Any]]:
    """RetentionFunction and FinalSnapshotFunction on `event` with the stack's resources, as make demo
    runs them, DRY_RUN=false; their decisions."""
    stack = {**stack_resources(REGION), "DRY_RUN": "false"}
    retention = invoke("retention", event, {**stack, **RETENTION_ENV, "DRY_RUN": "false"})
    final = invoke("final_snapshot", event, stack, CONTEXT)
    for function, invocation in (("RetentionFunction", retention), ("FinalSnapshotFunction", final)):
        if invocation.error is not None:
            raise SweepFailed(f"{function} failed: {type(invocation.error).__name__}: {invocation.error}")
    return retention.decisions() + final.decisions()


def main() -> int:
    event = sample_event("retention-schedule.json")
    with local_aws():
        fleet = Fleet(region=REGION, now=datetime.fromisoformat(event["time"]))
        seed_retention_fleet(fleet)
        seed_clusters(fleet)
        print(f"$ bin/steward plan {' '.join(FLAGS)} --at {event['time']}\n")
        shown = plan_cli.main([*FLAGS, "--at", event["time"]])
        print(f"exit code {shown} (0 nothing would be deleted, 3 something would, 1 a failure)")
        _, planned = plan_json(event["time"])
        try:
            done = sweep_live(event)
        except SweepFailed as error:
            print(f"\nThe sweeps did not run: {error}", file=sys.stderr)
            return 1
    expected, actual = items(planned["decisions"], planned=True), items(done)
    print(f"\nThen the sweeps ran for real (DRY_RUN=false, same fleet, clock {event['time']}):")
    if expected == actual:
        deleted = sum(1 for item in actual if item[3] == "deleted")
        print(f"they did what the plan said, item for item: {len(actual)} items, {deleted} deleted.")
        return 0
    for item in sorted(expected - actual):
        print(f"  planned, not done: {item}")
    for item in sorted(actual - expected):
        print(f"  done, not planned: {item}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
