"""The template's promises for FinalSnapshotFunction: its triggers, and the deny-direct-deletes policy."""

from __future__ import annotations

from typing import Any

import pytest

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
    [statement] = template["Resources"]["DenyDirectClusterDeletesPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
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
