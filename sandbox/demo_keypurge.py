"""The key-purge part of `make demo`: a removal, the wait for a clean restore point, the purge, the undo.

Called inside `sandbox.server.local_aws()`. Seeds a CloudHSM cluster with backups from before the
key existed, while it existed (one under `steward:hold`) and after it was removed, a copy in a
second region and a cluster restored from a key-bearing backup; then sends the sample events from
events/ (with the seeded ids and times substituted) through HsmPurgeFunction as Lambda would.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from typing import Any

import boto3
from steward.machinery import cli

import fakeaws
from sandbox.demo import at, run_clock, sample_event, table, utc
from sandbox.fleet import ACCOUNT, Fleet
from sandbox.lambda_runtime import Invocation, invoke
from sandbox.stack import stack_resources

HOME = "us-east-1"
COPIES = "us-west-2"
COLUMNS = [
    ("region", "REGION", 9),
    ("resource_id", "BACKUP / CLUSTER", 22),
    ("source_cluster", "OF CLUSTER", 20),
    ("action", "ACTION", 13),
    ("reason", "REASON", 32),
    ("detail", "WHY", 70),
]


def keypurge_demo() -> None:
    fleet = Fleet(region=HOME, now=run_clock())
    env = _environment()
    removed_at = (fleet.now - timedelta(hours=6)).replace(microsecond=0)
    seeded = _seed(fleet)
    print("\nSteward key-purge demo: a CloudHSM cluster whose retired signing key was removed 6 hours ago.")
    print(f"cluster {seeded['cluster']}; copies go to {COPIES}; maximum wait 48 hours.")

    # The operator's bin/steward puts the removal on the operator bus; its rule delivers it.
    inbox = _operator_rule(env["OPERATOR_BUS_NAME"])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # bin/steward prints the id EventBridge gave the event
        cli.main(
            [
                "key-removed",
                *("--cluster-id", seeded["cluster"], "--removed-at", removed_at.isoformat()),
                *("--key-created-at", (fleet.now - timedelta(days=30)).isoformat()),
                *("--reason", "retired payment signing key, change CHG-4211", "--region", HOME),
            ]
        )
    event_id = printed.getvalue().strip()
    print(f"bin/steward key-removed: removed at {utc(removed_at)}, operator event id {event_id}")
    removal = _delivered(inbox)
    waiting = invoke("hsm_purge", removal, env)
    _show(
        f"1. 'CloudHSM Key Removed' from bin/steward via {env['OPERATOR_BUS_NAME']} (sent by "
        f"{removal['detail']['requestedBy']}): no clean backup yet, so it waits",
        waiting,
    )
    again = invoke("hsm_purge", removal, env)
    print(
        f"\nThe same event again: {json.dumps(again.result['notApplicable'][0]['reason'])} "
        "(one removal, one purge)"
    )

    fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, seeded["in_flight"], "READY")
    check = at(sample_event("retention-schedule.json"), run_clock())
    purged = invoke("hsm_purge", check, env)
    _show(
        "2. The hourly check: CloudHSM's daily backup is READY, so the key-bearing backups go "
        "(except the held one: the purge stays pending and alerts)",
        purged,
    )

    purge_id = purged.result["purges"][0]["purgeId"]
    undo = sample_event("steward-purge-undo.json")
    undo.update(account=ACCOUNT, region=HOME, detail={"purgeId": purge_id})
    undone = invoke("hsm_purge", undo, env)
    _show(f"3. 'CloudHSM Purge Undo' (events/steward-purge-undo.json) for {purge_id}", undone)


def _operator_rule(bus: str) -> str:
    """The template's operator rule on the operator bus, with a queue standing in for the function."""
    sqs = boto3.client("sqs", region_name=HOME)
    queue = sqs.create_queue(QueueName="operator-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=HOME)
    pattern = {"source": ["steward"], "detail-type": ["CloudHSM Key Removed", "CloudHSM Purge Undo"]}
    events.put_rule(Name="steward-operator-events", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="steward-operator-events", EventBusName=bus, Targets=[{"Id": "fn", "Arn": arn}])
    return str(queue)


def _delivered(queue: str) -> dict[str, Any]:
    """The event as EventBridge delivered it to the rule's target."""
    sqs = boto3.client("sqs", region_name=HOME)
    (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    event = dict(json.loads(message["Body"]))
    # moto 5.2 leaves out `account`; EventBridge sets it to the sender's account.
    event.setdefault("account", ACCOUNT)
    return event


def _environment() -> dict[str, str]:
    return {**stack_resources(HOME), "DRY_RUN": "false", "COPY_REGIONS": COPIES, "MAX_WAIT_HOURS": "48"}


def _seed(fleet: Fleet) -> dict[str, str]:
    cluster = fleet.hsm_cluster(tags={"Name": "payments-hsm"})
    # CreateCluster's own backup stands in for today's daily backup, still being taken.
    (in_flight,) = fleet.hsm_backups_of(cluster)
    fakeaws.cloudhsm.set_backup_state(ACCOUNT, HOME, in_flight, "CREATE_IN_PROGRESS")
    fleet.hsm_backup(cluster, age_days=45)  # before the key existed
    key_bearing = [fleet.hsm_backup(cluster, age_days=age) for age in (20, 10, 3)]
    fleet.hsm_backup(cluster, age_days=6, never_expires=True)
    fleet.hsm_backup(cluster, age_days=8, tags={"steward:hold": "LEGAL-7"})  # never deleted
    fleet.cloudhsm.copy_backup_to_region(DestinationRegion=COPIES, BackupId=key_bearing[0])
    fakeaws.cloudhsm.create_cluster_from_backup(ACCOUNT, HOME, key_bearing[1])
    return {"cluster": cluster, "in_flight": in_flight}


def _show(title: str, invocation: Invocation) -> None:
    print(f"\n== {title} ==")
    if invocation.error is not None:
        print(f"invocation failed: {invocation.error}")
    rows: list[dict[str, Any]] = sorted(
        invocation.decisions(), key=lambda d: (d["action"], d["region"], d["resource_id"])
    )
    print(table(rows, COLUMNS))
    for purge in (invocation.result or {}).get("purges", []):
        waiting = purge["status"] == "pending" and not purge["proceeded"]
        print(
            f"purge {purge['purgeId']}: {purge['status']}"
            + (f", went ahead because: {purge['proceeded']}" if purge["proceeded"] else "")
            + (f", waits until {utc(purge['waitUntil'])} at most" if waiting else "")
        )
        for region, backups in purge["purgedBackups"].items():
            for backup in backups:
                # After an undo the same backups are READY again: the summary says so, not "purged".
                if purge["status"] == "undone":
                    print(f"  restored {region} {backup['backupId']}: READY again")
                else:
                    until = utc(backup["restorableUntil"])
                    print(f"  purged {region} {backup['backupId']}, restorable until {until}")
        for held in purge["heldBackups"]:
            print(f"  held {held['region']} {held['backupId']}: steward:hold, so the key is still in it")
        for flagged in purge["flaggedClusters"]:
            print(f"  flagged {flagged['cluster_id']}: restored from key-bearing {flagged['from_backup']}")


if __name__ == "__main__":
    from sandbox.server import local_aws

    with local_aws():
        keypurge_demo()
