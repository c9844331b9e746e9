"""Finding 3 (template side): tagging rights are not deletion rights."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.template.cfn import Stack, actions, resources, role_statements

TAGGING = {
    "elasticache:AddTagsToResource",
    "elasticache:RemoveTagsFromResource",
    "redshift:CreateTags",
    "redshift:DeleteTags",
    "cloudhsm:TagResource",
    "cloudhsm:UntagResource",
}
ADDING = {"elasticache:AddTagsToResource", "redshift:CreateTags", "cloudhsm:TagResource"}
ROLES = ["RetentionFunctionRole", "FinalSnapshotFunctionRole", "HsmPurgeFunctionRole"]


def test_the_shipped_policy_denies_setting_or_removing_any_steward_tag(stack: Stack) -> None:
    policy = stack.resources["DenyStewardTagChangesPolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert actions(statement) == TAGGING
    assert statement["Resource"] == "*"
    assert statement["Condition"] == {"ForAnyValue:StringLike": {"aws:TagKeys": ["steward:*"]}}
    assert stack.outputs["DenyStewardTagChangesPolicyArn"]["Value"] == {"Ref": "DenyStewardTagChangesPolicy"}


def test_the_deny_direct_deletes_policy_keeps_the_guard_tag_on(stack: Stack) -> None:
    statements = stack.resources["DenyDirectClusterDeletesPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    [keep] = [s for s in statements if actions(s) & TAGGING]
    assert keep["Effect"] == "Deny"
    assert actions(keep) == {"redshift:DeleteTags", "elasticache:RemoveTagsFromResource"}
    assert keep["Condition"] == {"ForAnyValue:StringEquals": {"aws:TagKeys": ["steward:final-snapshot"]}}


@pytest.mark.parametrize("role", ROLES)
def test_stewards_own_roles_cannot_add_delete_after(stack: Stack, role: str) -> None:
    denies = [
        s
        for s in role_statements(stack, role)
        if s["Effect"] == "Deny"
        and "steward:delete-after"
        in s.get("Condition", {}).get("ForAnyValue:StringEquals", {}).get("aws:TagKeys", [])
    ]
    assert denies, role
    assert set().union(*(actions(s) for s in denies)) >= ADDING
    assert all(s["Resource"] == "*" for s in denies)


def test_steward_tags_only_snapshots_it_named(stack: Stack) -> None:
    tagging = [
        s
        for role in ROLES
        for s in role_statements(stack, role)
        if s["Effect"] == "Allow" and actions(s) & TAGGING
    ]
    assert tagging
    for statement in tagging:
        for arn in resources(statement):
            assert ":snapshot:" in arn or ":serverlesscachesnapshot:" in arn, arn
            assert arn.endswith(("-final-*", "-rescue-*")), arn


def test_the_tagging_parameters_reach_the_final_snapshot_function(deploy: Callable[..., Stack]) -> None:
    stack = deploy(
        MinFinalSnapshotRetentionDays="14",
        DecommissionPrincipals="arn:aws:iam::111122223333:role/decommissioners",
    )
    variables = stack.resources["FinalSnapshotFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["MIN_FINAL_SNAPSHOT_RETENTION_DAYS"] == "14"
    assert variables["DECOMMISSION_PRINCIPALS"] == "arn:aws:iam::111122223333:role/decommissioners"
    assert stack.parameters["MinFinalSnapshotRetentionDays"]["Default"] == 7
    assert stack.parameters["DecommissionPrincipals"]["Default"] == ""
