"""Every sample in events/ (published AWS records where one exists: events/README.md) through its
function's handler, in an account that holds nothing: each is read, routed and decided."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

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
    "elasticache-addtags-serverless-delete-after.json": {"not-supported"},
    "elasticache-deletecachecluster-no-final.json": {"not-required"},
    "elasticache-deletereplicationgroup-no-final.json": {"not-required"},
    "elasticache-deleteserverlesscache-no-final.json": {"not-supported"},
    "elasticache-deleteserverlesscache-with-final.json": {"has-final-snapshot"},
    # The user guide's key-pair lifecycle: two CN_DESTROY_OBJECT key deletions, of a cluster
    # this account does not have.
    "hsm-audit-destroy-key.json": {"not-a-key-deletion", "unknown-cluster"},
    "hsm-audit-other.json": {"not-a-key-deletion"},
    "hsm-audit-tombstone-key.json": {"unknown-cluster"},
    "kms-cancelkeydeletion.json": {"key-forgotten"},
    "kms-cmk-deletion.json": {"key-cluster-unknown"},
    "kms-deletekey-cloudhsm.json": {"unknown-cluster"},
    "kms-deletekey-standard.json": {"not-in-cloudhsm-key-store"},
    # Read (dates included); DescribeKey then does not know the guide's keys.
    "kms-schedulekeydeletion-cloudhsm.json": {"unknown-key"},
    "kms-schedulekeydeletion-multi-region.json": {"unknown-key"},
    "kms-schedulekeydeletion.json": {"unknown-key"},
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
    # Given the sample and the stack's resources in the sample's region
    event = load_event(name)
    door = next(function for prefix, function in DOORS.items() if name.startswith(prefix))
    module = handler(door, **stack_resources(str(event.get("region") or "us-east-1")))

    # When its function's handler gets it
    summary = module.lambda_handler(event, context)

    # Then it decided what is expected, and nothing failed
    reasons = {decision["reason"] for decision in logged_decisions(capsys).values()}
    reasons |= {outcome["reason"] for outcome in summary["notApplicable"]}
    assert reasons == EXPECTED[name]
    assert summary["failed"] == 0
