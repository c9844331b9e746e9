"""The template's promises for FinalSnapshotFunction: its triggers, and the deny-direct-deletes policy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from steward.vocabulary.tags import read_retention_days

from tests.unit.test_template import template  # noqa: F401  (the module-scoped fixture)


@pytest.fixture
def function(template: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    return dict(template["Resources"]["FinalSnapshotFunction"]["Properties"])


def test_it_listens_to_successful_tag_and_delete_calls_and_a_schedule(function: dict[str, Any]) -> None:
    events = function["Events"]
    assert events["Sweep"]["Properties"]["Schedule"] == "Ref:'DecommissionSchedule'"
    tags = events["TagEvents"]["Properties"]["Pattern"]["detail"]
    deletes = events["DeleteEvents"]["Properties"]["Pattern"]["detail"]
    assert tags["eventName"] == ["AddTagsToResource", "CreateTags"]
    assert set(deletes["eventName"]) == {
        "DeleteCluster",
        "DeleteCacheCluster",
        "DeleteReplicationGroup",
        "DeleteServerlessCache",
    }
    assert tags["errorCode"] == deletes["errorCode"] == [{"exists": False}]


def test_its_defaults_are_hourly_and_keep_final_snapshots_forever(template: dict[str, Any]) -> None:  # noqa: F811
    assert template["Parameters"]["DecommissionSchedule"]["Default"] == "rate(1 hour)"
    assert template["Parameters"]["FinalSnapshotRetentionDays"]["Default"] == "-1"


def test_the_deny_policy_covers_every_direct_delete_of_a_guarded_cluster_except_stewards(
    template: dict[str, Any],  # noqa: F811
) -> None:
    statements = template["Resources"]["DenyDirectClusterDeletesPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    [statement] = [s for s in statements if s["Sid"] == "DeleteGuardedClustersOnlyThroughSteward"]
    assert statement["Effect"] == "Deny"
    assert set(statement["Action"]) == {
        "redshift:DeleteCluster",
        "elasticache:DeleteCacheCluster",
        "elasticache:DeleteReplicationGroup",
        "elasticache:DeleteServerlessCache",
    }
    assert statement["Condition"]["Null"] == {"aws:ResourceTag/steward:final-snapshot": "false"}
    assert "FinalSnapshotFunctionRole.Arn" in statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert "DenyDirectClusterDeletesPolicyArn" in template["Outputs"]


def test_the_retention_parameter_accepts_exactly_what_the_function_accepts(
    template: dict[str, Any],  # noqa: F811
) -> None:
    # CloudFormation matches AllowedPattern against the whole value, as fullmatch does.
    pattern = re.compile(template["Parameters"]["FinalSnapshotRetentionDays"]["AllowedPattern"])
    values = [str(n) for n in range(-3, 10001)] + ["", "0", "01", "-0", "+1", "1.5", " 1", "forever"]

    accepted = {value for value in values if pattern.fullmatch(value)}

    assert accepted == {"-1"} | {str(n) for n in range(1, 3654)}
    assert all(read_retention_days(value) == int(value) for value in accepted)
