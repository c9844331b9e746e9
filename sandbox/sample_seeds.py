"""What `make invoke ... ARGS=--seed` puts in the fake AWS before a sample: what the sample needs
for its handler to reach a real decision, in the sample's account and region, dated from the
sample's `time` (the clock the handler judges by), not the machine's."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.demo import seed_retention_fleet
from sandbox.fleet import Fleet
from sandbox.lambda_runtime import Invocation, LambdaContext

EVENTS = Path(__file__).resolve().parent.parent / "events"
# Runs another handler first (a sweep's inventory, an earlier removal): invoke() bound to the stack.
Run = Callable[[str, dict[str, Any]], Invocation]


def seed_sample(function: str, event: dict[str, Any], fleet: Fleet, run: Run) -> None:
    """Seed what `event` needs under `function`; a sample this does not know gets the retention fleet."""
    name = event.get("detail-type")
    if function == "final_snapshot" and _redshift_cluster_deleted(event):
        _guarded_redshift_cluster(event, fleet, run)
    elif function == "hsm_purge" and name == "CloudHSM Key Removed":
        _key_bearing_backups(event["detail"], fleet)
    elif function == "hsm_purge" and name == "CloudHSM Purge Undo":
        _purge_to_undo(event, fleet, run)
    else:
        seed_retention_fleet(fleet)


def sample_settings(event: dict[str, Any]) -> dict[str, str]:
    """The stack's settings the sample needs: an audit log delivery's log group opted in."""
    log_group = audit_delivery(event).get("logGroup")
    return {"AUDIT_LOG_GROUPS": str(log_group)} if log_group else {}


def audit_delivery(event: dict[str, Any]) -> dict[str, Any]:
    """The decoded CloudWatch Logs payload of an audit log delivery ({} for any other event)."""
    try:
        payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    except (KeyError, TypeError, ValueError, OSError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _redshift_cluster_deleted(event: dict[str, Any]) -> bool:
    detail = event.get("detail") or {}
    return bool(detail.get("eventName") == "DeleteCluster" and (detail.get("requestParameters") or {}))


def _guarded_redshift_cluster(event: dict[str, Any], fleet: Fleet, run: Run) -> None:
    # The cluster the record deletes, required to leave a final snapshot and known to the
    # inventory from the sweep an hour before; then deleted as the record says.
    cluster = event["detail"]["requestParameters"]["clusterIdentifier"]
    fleet.redshift_cluster(cluster, tags={"steward:final-snapshot": "required"})
    fleet.redshift_automated_snapshot(cluster, age_days=1)
    sweep = {**_schedule(event), "time": (fleet.now - timedelta(hours=1)).isoformat()}
    run("final_snapshot", sweep)
    fleet.redshift.delete_cluster(ClusterIdentifier=cluster, SkipFinalClusterSnapshot=True)


def _key_bearing_backups(detail: dict[str, Any], fleet: Fleet) -> None:
    # Backups of the named cluster from before the key existed, while it existed, and after
    # it was removed: only the middle ones hold it. The cluster itself is gone (its backups stay).
    cluster = detail["clusterId"]
    created, removed = (_instant(detail[field]) for field in ("keyCreatedAt", "removedAt"))
    for taken in (created - timedelta(days=30), created + timedelta(days=60), removed - timedelta(days=3)):
        fleet.hsm_backup(cluster, age_days=(fleet.now - taken).total_seconds() / 86400)
    fleet.hsm_backup(cluster, age_days=(fleet.now - removed).total_seconds() / 86400 / 2)


def _purge_to_undo(event: dict[str, Any], fleet: Fleet, run: Run) -> None:
    # The removal the purge id names (purge-<cluster>-<removedAt>), sent a minute after it: with
    # --live its purge is recorded and the undo restores its backups; a dry run records nothing.
    cluster, _, stamp = event["detail"]["purgeId"].removeprefix("purge-").rpartition("-")
    removed = datetime.strptime(stamp, "%Y%m%dT%H%M%S%z")
    key_created = removed - timedelta(days=365)
    detail = {"clusterId": cluster, "removedAt": removed.isoformat(), "keyCreatedAt": key_created.isoformat()}
    _key_bearing_backups(detail, fleet)
    reason = {"reason": "seeded for the undo"}
    removal = {**event, "detail-type": "CloudHSM Key Removed", "detail": {**detail, **reason}}
    run("hsm_purge", {**removal, "time": (removed + timedelta(minutes=1)).isoformat()})


def _schedule(event: dict[str, Any]) -> dict[str, Any]:
    # The stack's schedule (the retention sample), fired in the sample's account and region.
    schedule = json.loads((EVENTS / "retention-schedule.json").read_text())
    return {**schedule, "account": event.get("account"), "region": event.get("region")}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def deployed(function: str, account: str, region: str) -> LambdaContext:
    """The Lambda context of steward's `function` deployed in `account` and `region`."""
    name = f"steward-{function}"
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return LambdaContext(function_name=name, invoked_function_arn=arn)
