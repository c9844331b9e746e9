"""RetentionFunction under a deadline and with deletes in flight together, real boto3 calls on moto.

Every AWS call here is slowed by a fixed latency (a `before-call` hook, as `make bench` adds it
at the server), and the run's remaining time runs on the wall clock, as in Lambda.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.retries import adaptive
from steward.flows.retention.budget import rotated
from steward.machinery.report import SweepFailed
from steward.services.redshift import RedshiftSnapshots

import fakeaws
from sandbox.fleet import Fleet
from sandbox.stack import stack_resources
from tests.conftest import FakeContext, load_event

LIVE = {"DRY_RUN": "false", "DEFAULT_RETENTION_DAYS": "30", "MIN_KEEP": "1", "SAFETY_MARGIN_SECONDS": "5"}


class Killed(BaseException):
    """Lambda ending the process at its timeout: nothing after it runs, no finally, no summary."""


class SlowAws:
    """Adds `latency` to every AWS call Steward makes, and can kill the run at its n-th delete."""

    def __init__(self) -> None:
        self.latency = 0.0
        self.kill_after_deletes: int | None = None
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def on_call(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1
            deletes = self.calls["DeleteSnapshot"]
        if self.kill_after_deletes is not None and deletes > self.kill_after_deletes:
            raise Killed
        time.sleep(self.latency)


@pytest.fixture
def slow_aws(aws: None) -> Iterator[SlowAws]:
    # Clients copy the session's handlers when they are made: Steward's are made during the run.
    session = boto3._get_default_session()  # the session boto3.client() uses
    slow = SlowAws()
    session.events.register("before-call", slow.on_call, unique_id="slow-aws")
    yield slow
    session.events.unregister("before-call", unique_id="slow-aws")


class Deadline(FakeContext):
    """A Lambda context whose remaining time runs out `seconds` from now, on the wall clock."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.ends - time.monotonic()) * 1000)


def schedule(run: int = 0) -> dict[str, Any]:
    event = load_event("retention-schedule.json")
    event["time"] = datetime.now(UTC).isoformat()
    event["id"] = f"53dc4d37-cffa-4f76-80c9-{run:012d}"  # every scheduled run has its own id
    return event


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def decisions(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line["decision"] for line in lines if "decision" in line]


def backlog(fleet: Fleet) -> dict[str, int]:
    """How many manual snapshots and ready backups are left in each service."""
    elasticache = fleet.elasticache.get_paginator("describe_snapshots").paginate(SnapshotSource="user")
    redshift = fleet.redshift.get_paginator("describe_cluster_snapshots").paginate(SnapshotType="manual")
    hsm = fleet.cloudhsm.get_paginator("describe_backups").paginate(Filters={"states": ["READY"]})
    return {
        "elasticache": sum(len(p["Snapshots"]) for p in elasticache),
        "redshift": sum(len(p["Snapshots"]) for p in redshift),
        "cloudhsm": sum(len(p["Backups"]) for p in hsm),
    }


def snapshot_names(fleet: Fleet) -> set[str]:
    pages = fleet.elasticache.get_paginator("describe_snapshots").paginate(SnapshotSource="user")
    return {s["SnapshotName"] for page in pages for s in page["Snapshots"]}


def expired_fleet(fleet: Fleet, elasticache: int, redshift: int, cloudhsm: int) -> None:
    """Backups 40 to 100 days old (expired under a 30-day default), plus one recent per cluster."""
    cache = fleet.redis_cluster("cache-a")
    fleet.redshift_cluster("dw")
    hsm = fleet.hsm_cluster()
    for backup_id in fleet.hsm_backups_of(hsm):  # the backup CloudHSM took at activation
        fakeaws.cloudhsm.set_backup_state(fleet.account, fleet.region, backup_id, "PENDING_DELETION")
    for n in range(elasticache):
        fleet.elasticache_snapshot(cache, f"cache-{n:04d}", age_days=40 + n % 60)
    for n in range(redshift):
        fleet.redshift_snapshot("dw", f"dw-{n:04d}", age_days=40 + n % 60)
    for n in range(cloudhsm):
        fleet.hsm_backup(hsm, age_days=40 + n % 60)
    fleet.elasticache_snapshot(cache, "cache-recent", age_days=1)
    fleet.redshift_snapshot("dw", "dw-recent", age_days=1)
    fleet.hsm_backup(hsm, age_days=1)


@pytest.fixture
def retention(handler: Callable[..., ModuleType], aws: None) -> Callable[..., ModuleType]:
    # The StateTable, where the sweep remembers each cluster's last steward:* tags.
    table = stack_resources("us-east-1")["STATE_TABLE"]
    return lambda **env: handler("retention", **{**LIVE, "STATE_TABLE": table, **env})


def test_deletes_in_flight_together_decide_exactly_what_one_at_a_time_decides(
    fleet: Fleet, slow_aws: SlowAws, retention: Callable[..., ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the same fleet in two regions: expired, held, recent, badly tagged, one failing delete
    def build(region: str) -> None:
        here = Fleet(region=region)
        cache = here.redis_cluster("cache-a")
        held = here.redis_cluster("cache-held", tags={"steward:hold": "audit"})
        for n in range(40):
            here.elasticache_snapshot(cache, f"cache-{n:02d}", age_days=10 + 3 * n)
            here.elasticache_snapshot(held, f"held-{n:02d}", age_days=10 + 3 * n)
        here.elasticache_snapshot(cache, "bad-tag", age_days=300, tags={"steward:retention-days": "x"})
        here.redshift_cluster("dw")
        for n in range(30):
            here.redshift_snapshot("dw", f"dw-{n:02d}", age_days=10 + 3 * n)

    build("us-east-1")
    build("eu-west-1")
    fakeaws.faults.inject(
        "elasticache", "DeleteSnapshot", "InvalidSnapshotState", match={"SnapshotName": "cache-20"}
    )
    slow_aws.latency = 0.005

    # When one region is swept one delete at a time and the other with 8 in flight
    def sweep(region: str, concurrency: str) -> set[tuple[str, ...]]:
        event = {**schedule(), "region": region}
        with pytest.raises(SweepFailed, match="cache-20 failed:InvalidSnapshotState"):
            retention(
                AWS_REGION=region,
                STATE_TABLE=stack_resources(region)["STATE_TABLE"],
                DELETE_CONCURRENCY=concurrency,
                SERVICES="elasticache,redshift",
            ).lambda_handler(event, FakeContext())
        return {
            (d["service"], d["resource_id"], d["action"], d["reason"], d["detail"])
            for d in decisions(log_lines(capsys))
        }

    one_at_a_time = sweep("us-east-1", "1")
    together = sweep("eu-west-1", "8")

    # Then both decide the same for every item, and the concurrent one did delete concurrently
    assert together == one_at_a_time
    # (older than 30 days: 33 of cache-a's 40 and 23 of dw's 30; cache-20 failed)
    assert Counter(d[2] for d in together) == {"deleted": 32 + 23, "kept": 40 + 1 + 1 + 7 + 7}
    assert backlog(Fleet(region="eu-west-1"))["elasticache"] == 40 + 1 + 1 + 7


def test_threads_deleting_for_one_service_share_its_clients_rate_limiter(
    fleet: Fleet,
    slow_aws: SlowAws,
    retention: Callable[..., ModuleType],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expired_fleet(fleet, elasticache=40, redshift=0, cloudhsm=0)
    slow_aws.latency = 0.01
    seen: set[tuple[str, int]] = set()
    sending = adaptive.ClientRateLimiter.on_sending_request

    def spy(limiter: adaptive.ClientRateLimiter, request: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name.startswith("delete"):
            seen.add((threading.current_thread().name, id(limiter)))
        return sending(limiter, request, **kwargs)

    monkeypatch.setattr(adaptive.ClientRateLimiter, "on_sending_request", spy)

    retention(SERVICES="elasticache").lambda_handler(schedule(), FakeContext())

    assert len({thread for thread, _ in seen}) > 1
    assert len({limiter for _, limiter in seen}) == 1


def test_throttled_deletes_in_flight_together_slow_down_and_all_succeed(
    fleet: Fleet, retention: Callable[..., ModuleType]
) -> None:
    expired_fleet(fleet, elasticache=12, redshift=0, cloudhsm=6)
    fakeaws.faults.inject("elasticache", "DeleteSnapshot", "Throttling", times=2)
    fakeaws.faults.inject("cloudhsmv2", "DeleteBackup", "ThrottlingException", times=1)

    summary = retention().lambda_handler(schedule(), FakeContext())

    assert summary["failed"] == 0
    assert backlog(fleet) == {"elasticache": 1, "redshift": 1, "cloudhsm": 1}


def test_a_short_budget_makes_progress_on_every_service_every_run_and_the_fleet_converges(
    fleet: Fleet, slow_aws: SlowAws, retention: Callable[..., ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given more backups in each service than one short run can list and delete
    expired_fleet(fleet, elasticache=450, redshift=750, cloudhsm=180)
    slow_aws.latency = 0.04
    function = retention()
    left = backlog(fleet)
    deleted: Counter[str] = Counter()

    for run in range(1, 30):
        # When a run has 3 s beyond its safety margin (the margin being 5 s)
        summary = function.lambda_handler(schedule(run), Deadline(5 + 3))
        lines = log_lines(capsys)
        now = backlog(fleet)
        # Then each service with expired backups left has fewer of them
        for service, before in left.items():
            if before > 1:
                assert now[service] < before, f"run {run}: {service} made no progress ({summary})"
        left = now
        deleted.update(d["resource_id"] for d in decisions(lines) if d["action"] == "deleted")
        if sum(left.values()) == 3:  # the recent one in each service
            break

    # And successive runs converge, each backup deleted exactly once
    assert sum(left.values()) == 3, left
    assert run > 3  # the fleet really was larger than one run
    assert set(deleted.values()) == {1}
    assert len(deleted) == 450 + 750 + 180


def test_time_a_service_leaves_unused_goes_to_the_deletes_another_could_not_make_in_its_share(
    fleet: Fleet, slow_aws: SlowAws, retention: Callable[..., ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one service with more expired backups than its share of the run can delete, the others
    # with few, and a run whose order starts with the large one (so it gets no time left by others)
    expired_fleet(fleet, elasticache=300, redshift=5, cloudhsm=2)
    slow_aws.latency = 0.04
    run = next(r for r in range(100) if rotated(list(range(4)), schedule(r)["id"])[0] == 0)

    # When a run has 8 s beyond its safety margin: a quarter of it is too little for 300 deletes
    summary = retention().lambda_handler(schedule(run), Deadline(5 + 8))

    # Then the time the others did not use deleted the rest in the same run, each backup once
    deleted = [d["resource_id"] for d in decisions(log_lines(capsys)) if d["action"] == "deleted"]
    assert backlog(fleet) == {"elasticache": 1, "redshift": 1, "cloudhsm": 1}, summary
    assert len(deleted) == len(set(deleted)) == 300 + 5 + 2
    assert summary["deferred"] == 0


def test_a_run_killed_at_its_timeout_has_logged_every_deletion_it_made(
    fleet: Fleet, slow_aws: SlowAws, retention: Callable[..., ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    expired_fleet(fleet, elasticache=60, redshift=0, cloudhsm=0)
    before = snapshot_names(fleet)
    slow_aws.latency = 0.01
    slow_aws.kill_after_deletes = 25

    with pytest.raises(Killed):
        retention(SERVICES="elasticache").lambda_handler(schedule(), FakeContext())

    lines = log_lines(capsys)
    after = snapshot_names(fleet)
    logged = {d["resource_id"] for d in decisions(lines) if d["action"] == "deleted"}
    assert 0 < len(before - after) <= 25
    assert logged == before - after
    assert not any("summary" in line for line in lines)  # killed: no summary, the decisions are the record


def test_an_unexpected_error_mid_run_still_publishes_the_summary_and_metrics_then_goes_on(
    fleet: Fleet,
    retention: Callable[..., ModuleType],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expired_fleet(fleet, elasticache=5, redshift=5, cloudhsm=0)

    def broken(self: RedshiftSnapshots, stop: Callable[[], bool]) -> Any:
        raise KeyError("SnapshotIdentifier")

    monkeypatch.setattr(RedshiftSnapshots, "list_backups", broken)
    event = schedule()
    event["id"] = "elasticache-first-1"  # the rotation starts this run at ElastiCache

    with pytest.raises(KeyError, match="SnapshotIdentifier"):
        retention(SERVICES="elasticache,redshift").lambda_handler(event, FakeContext())

    lines = log_lines(capsys)
    finished = next(line for line in lines if line.get("message") == "retention sweep finished")
    assert finished["summary"]["counts"] == {"elasticache": {"deleted": 5, "kept": 1}}
    assert finished["problems"] == ["the run ended early: KeyError: 'SnapshotIdentifier'"]
    emf = {(m["service"], m["action"]): m["Backups"] for m in lines if "Backups" in m and "_aws" in m}
    assert emf == {("elasticache", "deleted"): [5.0], ("elasticache", "kept"): [1.0]}
