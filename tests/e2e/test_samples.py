"""Every sample in events/ (published AWS records where one exists: events/README.md) through its
function's handler, in an account that holds nothing: each is read, routed and decided."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest

from sandbox.stack import stack_resources
from tests.conftest import EVENTS, FakeContext, load_event, logged_decisions

# Which function each sample is for, by its name's prefix.
DOORS = {
    "kms-": "hsm_purge",
    "hsm-audit-": "hsm_purge",
    "steward-": "hsm_purge",
    "retention-": "retention",
    "elasticache-": "final_snapshot",
    "redshift-": "final_snapshot",
}
# What each handler decides about the sample in an empty account: its decisions' reasons.
EXPECTED = {
    "elasticache-addtags-delete-after.json": {"already-gone"},
    "elasticache-addtags-serverless-delete-after.json": {"already-gone"},
    "elasticache-deletecachecluster-no-final.json": {"not-required"},
    "elasticache-deletereplicationgroup-no-final.json": {"not-required"},
    "elasticache-deleteserverlesscache-no-final.json": {"not-required"},
    "elasticache-deleteserverlesscache-with-final.json": {"has-final-snapshot"},
    # The user guide's key-pair lifecycle: two CN_DESTROY_OBJECT key deletions, from a log
    # group this stack did not opt in (AuditLogGroups).
    "hsm-audit-destroy-key.json": {"not-a-key-deletion", "log-group-not-opted-in"},
    "hsm-audit-other.json": {"not-a-key-deletion"},
    "hsm-audit-tombstone-key.json": {"log-group-not-opted-in"},
    "kms-cancelkeydeletion.json": {"key-forgotten"},
    "kms-cmk-deletion.json": {"key-cluster-unknown"},
    # Published as delivered in us-east-1 for a us-west-2 key: not this function's region.
    "kms-deletekey-cloudhsm.json": {"other-region"},
    "kms-deletekey-standard.json": {"not-in-cloudhsm-key-store"},
    # Read (dates included); DescribeKey then does not know the guide's keys.
    "kms-schedulekeydeletion-cloudhsm.json": {"unknown-key"},
    "kms-schedulekeydeletion-multi-region.json": {"unknown-key"},
    "kms-schedulekeydeletion.json": {"other-region"},
    "redshift-createtags-delete-after.json": {"already-gone"},
    "redshift-deletecluster-skip-final.json": {"not-required"},
    "redshift-deletecluster-with-final.json": {"has-final-snapshot"},
    "retention-schedule.json": set(),
    "steward-key-removed.json": {"unknown-cluster"},
    "steward-purge-undo.json": {"unknown-purge"},
}


def test_every_sample_has_an_expected_outcome() -> None:
    assert sorted(path.name for path in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_sample_is_read_and_decided_by_its_handler(
    name: str,
    aws: None,
    handler: Callable[..., ModuleType],
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the sample, and the stack deployed in the sample's account and region
    event = load_event(name)
    door = next(function for prefix, function in DOORS.items() if name.startswith(prefix))
    region = str(event.get("region") or "us-east-1")
    account = str(event.get("account") or _delivery_owner(event))
    module = handler(door, **stack_resources(region))
    deployed = replace(
        context, invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:steward-{door}"
    )

    # When its function's handler gets it
    summary = module.lambda_handler(event, deployed)

    # Then it decided what is expected, and nothing failed
    reasons = {decision["reason"] for decision in logged_decisions(capsys).values()}
    reasons |= {outcome["reason"] for outcome in summary["notApplicable"]}
    assert reasons == EXPECTED[name]
    assert summary["failed"] == 0


def _delivery_owner(event: dict[str, Any]) -> str:
    # A CloudWatch Logs delivery names its account only inside the compressed payload.
    return str(json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))["owner"])
