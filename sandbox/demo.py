"""`make demo`: Steward against a local fake AWS, with the sample events, as Lambda would run it.

Seeds a realistic fleet, runs the retention sweep in dry-run and then for real, and prints
what was deleted and kept, and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from steward.events.dates import read_cloudtrail_date

from sandbox.fleet import OTHER_ACCOUNT, Fleet
from sandbox.lambda_runtime import invoke
from sandbox.server import local_aws
from sandbox.stack import stack_resources

EVENTS = Path(__file__).resolve().parent.parent / "events"
RETENTION_ENV = {
    "POWERTOOLS_SERVICE_NAME": "steward",
    "POWERTOOLS_METRICS_NAMESPACE": "Steward",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "DEFAULT_RETENTION_DAYS": "30",
    "MIN_KEEP": "1",
    "REVOKE_SHARED_SNAPSHOTS": "false",
}


def utc(moment: datetime | str) -> str:
    """Every time the demo prints, one way: "2026-12-08 23:07 UTC", as Steward's reasons write it."""
    when = read_cloudtrail_date(moment, zone_required=True) if isinstance(moment, str) else moment
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def run_clock() -> datetime:
    """The demo's clock: now. AWS stamps deletions and Steward names snapshots by it, so events say it too."""
    return datetime.now(UTC).replace(microsecond=0)


def at(event: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """`event` sent at `moment` (its EventBridge time and, for CloudTrail, its eventTime)."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["time"] = stamp
    if "eventTime" in event.get("detail", {}):
        event["detail"]["eventTime"] = stamp
    return event


def sample_event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def seed_retention_fleet(fleet: Fleet) -> None:
    """Clusters, a serverless cache and snapshots of several ages, held and tagged ones, a shared
    snapshot, HSM backups."""
    sessions = fleet.redis_cluster("sessions-prod", tags={"steward:retention-days": "14"})
    for age in (3, 10, 20, 40):
        fleet.elasticache_snapshot(sessions, f"sessions-prod-day-{age}", age_days=age)
    fleet.elasticache_snapshot(
        sessions, "sessions-prod-incident-2026-07", 130, tags={"steward:hold": "INC-4411"}
    )
    fleet.elasticache_snapshot(
        sessions, "sessions-prod-typo", 90, tags={"steward:retention-days": "two weeks"}
    )
    fleet.elasticache_automatic_snapshot(sessions, age_days=1)
    staging = fleet.redis_cluster("cache-staging")
    for age in (5, 45, 60):
        fleet.elasticache_snapshot(staging, f"cache-staging-{age}d", age_days=age)
    fleet.elasticache_snapshot(staging, "cache-staging-in-flight", 0.01, status="creating")
    carts = fleet.serverless_cache("carts-serverless", tags={"steward:retention-days": "7"})
    for age in (2, 9, 16):
        fleet.serverless_snapshot(carts, f"carts-serverless-day-{age}", age_days=age)
    fleet.serverless_snapshot(carts, "carts-serverless-before-migration", 60, tags={"steward:hold": "MIG-12"})
    fleet.serverless_automatic_snapshot(carts, age_days=20)

    fleet.redshift_cluster("analytics", tags={"steward:retention-days": "30"})
    for age in (7, 35, 70):
        fleet.redshift_snapshot("analytics", f"analytics-{age}d", age_days=age)
    fleet.redshift_snapshot("analytics", "analytics-shared-with-partner", 120, shared_with=[OTHER_ACCOUNT])
    fleet.redshift_snapshot("analytics", "analytics-yearend-2025", 330, retention_days=3653)
    fleet.redshift_cluster("reporting")
    fleet.redshift_snapshot("reporting", "reporting-2d", age_days=2)
    fleet.redshift_snapshot("reporting", "reporting-audit-2024", 500, tags={"steward:hold": "true"})
    fleet.redshift_snapshot("reporting", "reporting-release-7", 31, tags={"steward:retention-days": "180"})

    hsm = fleet.hsm_cluster(tags={"steward:retention-days": "90", "Name": "payments-hsm"})
    for age in (30, 100, 300):
        fleet.hsm_backup(hsm, age_days=age)
    fleet.hsm_backup(hsm, age_days=200, never_expires=True)


def table(rows: Iterable[Mapping[str, Any]], columns: list[tuple[str, str, int]]) -> str:
    lines = ["  ".join(title.ljust(width) for _, title, width in columns).rstrip()]
    lines.append("  ".join("-" * width for _, _, width in columns))
    for row in rows:
        cells = []
        for index, (key, _, width) in enumerate(columns):
            text = "" if row.get(key) is None else str(row[key])
            last = index == len(columns) - 1  # the last column (the why) is never cut short
            cells.append(text if last or len(text) <= width else text[: width - 1] + "…")
        lines.append(
            "  ".join(cell.ljust(width) for cell, (_, _, width) in zip(cells, columns, strict=True)).rstrip()
        )
    return "\n".join(lines)


DECISION_COLUMNS = [
    ("service", "SERVICE", 11),
    ("kind", "KIND", 29),
    ("resource_id", "RESOURCE", 34),
    ("source_cluster", "CLUSTER", 20),
    ("age_days", "AGE", 4),
    ("action", "ACTION", 12),
    ("reason", "REASON", 26),
    ("detail", "WHY", 40),
]


def show_sweep(title: str, decisions: list[dict[str, Any]], summary: Any) -> None:
    print(f"\n== {title} ==")
    order = {"deleted": 0, "would-delete": 0, "kept": 1}
    rows = sorted(decisions, key=lambda d: (d["service"], order[d["action"]], d["resource_id"]))
    print(table(rows, DECISION_COLUMNS))
    print(f"summary: {json.dumps({**summary, 'clock': utc(summary['clock'])})}")


def retention_demo() -> None:
    clock = run_clock()
    event = at(sample_event("retention-schedule.json"), clock)
    fleet = Fleet(now=clock)
    seed_retention_fleet(fleet)
    print("Steward retention demo: a fleet seeded in a local fake AWS (moto), sample event")
    print("events/retention-schedule.json (time := now), DEFAULT_RETENTION_DAYS=30, MIN_KEEP=1,")
    print(f"clock {utc(clock)}.")

    env = {**stack_resources(event["region"]), **RETENTION_ENV}
    dry = invoke("retention", event, {**env, "DRY_RUN": "true"})
    show_sweep("RetentionFunction, DRY_RUN=true: nothing is deleted", dry.decisions(), dry.result)
    live = invoke("retention", event, {**env, "DRY_RUN": "false"})
    show_sweep("RetentionFunction, DRY_RUN=false", live.decisions(), live.result)
    replay = invoke("retention", event, {**env, "DRY_RUN": "false"})
    print(f"\nReplaying the same event: {json.dumps(replay.result['counts'])} (nothing more deleted)")


def main() -> None:
    from sandbox.demo_final_snapshot import final_snapshot_demo
    from sandbox.demo_keypurge import keypurge_demo

    with local_aws():
        retention_demo()
        keypurge_demo()
        final_snapshot_demo()
    print("\nNext: `make plan` shows what a deployed stack would do in an account before it does anything")
    print("(bin/steward plan, read-only, with your own credentials), and checks it against the sweeps here.")


if __name__ == "__main__":
    main()
