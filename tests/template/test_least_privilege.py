"""Finding 7: destructive actions only on this account's resources of their own type, in the
stack's regions, never under steward:hold; sharing revocation only when it is turned on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.template.cfn import ACCOUNT, REGION, Stack, actions, resources, role_statements

# Resource types each destructive action authorizes (Service Authorization Reference).
DESTRUCTIVE = {
    "elasticache:DeleteSnapshot": {"snapshot"},
    "elasticache:DeleteCacheCluster": {"cluster", "snapshot"},
    "elasticache:DeleteReplicationGroup": {"replicationgroup", "snapshot"},
    "elasticache:DeleteServerlessCache": {"serverlesscache", "serverlesscachesnapshot"},
    "elasticache:DeleteServerlessCacheSnapshot": {"serverlesscachesnapshot"},
    "redshift:DeleteClusterSnapshot": {"snapshot"},
    "redshift:BatchDeleteClusterSnapshots": {"snapshot"},
    "redshift:RevokeSnapshotAccess": {"snapshot"},
    "redshift:DeleteCluster": {"cluster"},
    "cloudhsm:DeleteBackup": {"backup"},
    "cloudhsm:ModifyBackupAttributes": {"backup"},
}
ROLES = ["RetentionFunctionRole", "FinalSnapshotFunctionRole", "HsmPurgeFunctionRole"]
ARN = re.compile(
    r"^arn:aws:(?P<service>[a-z0-9]+):(?P<region>[a-z0-9*-]+):(?P<account>\d{12}):(?P<type>[a-z-]+)[:/]"
)


def destructive_allows(stack: Stack, role: str) -> list[dict[str, Any]]:
    return [
        s for s in role_statements(stack, role) if s["Effect"] == "Allow" and actions(s) & set(DESTRUCTIVE)
    ]


@pytest.mark.parametrize("role", ROLES)
def test_destructive_actions_name_this_accounts_resources_of_their_own_type(stack: Stack, role: str) -> None:
    statements = destructive_allows(stack, role)
    assert statements
    for statement in statements:
        for action in actions(statement) & set(DESTRUCTIVE):
            service = action.split(":")[0]
            for arn in resources(statement):
                match = ARN.match(arn)
                assert match, (role, action, arn)
                # An ARN of another service does not apply to this action; its own must fit.
                if match["service"] != service:
                    continue
                assert match["account"] == ACCOUNT, (role, action, arn)
                assert match["type"] in DESTRUCTIVE[action], (role, action, arn)
            assert any(ARN.match(a) and ARN.match(a)["service"] == service for a in resources(statement))


@pytest.mark.parametrize("role", ROLES)
def test_destructive_actions_act_in_the_stacks_region_only(stack: Stack, role: str) -> None:
    for statement in destructive_allows(stack, role):
        assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] in (REGION, [REGION]), role
        for arn in resources(statement):
            assert ARN.match(arn)["region"] in (REGION, "*"), (role, arn)  # type: ignore[index]


def test_the_purge_also_acts_in_the_copy_regions_and_no_others(deploy: Callable[..., Stack]) -> None:
    stack = deploy(CopyRegions="eu-west-1,ap-southeast-2")
    [statement] = [s for s in destructive_allows(stack, "HsmPurgeFunctionRole")]
    assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == [
        REGION,
        "eu-west-1",
        "ap-southeast-2",
    ]
    assert resources(statement) == [f"arn:aws:cloudhsm:*:{ACCOUNT}:backup/*"]


@pytest.mark.parametrize("role", ROLES)
def test_nothing_under_hold_is_touched(deploy: Callable[..., Stack], role: str) -> None:
    # With sharing revocation on, every destructive action is granted somewhere.
    stack = deploy(RevokeSharedSnapshots="true")
    granted = {a for s in destructive_allows(stack, role) for a in actions(s) & set(DESTRUCTIVE)}
    [deny] = [s for s in role_statements(stack, role) if s.get("Sid") == "NothingUnderHold"]
    assert deny["Effect"] == "Deny"
    assert deny["Resource"] == "*"
    assert actions(deny) >= granted
    assert deny["Condition"]["Null"] == {"aws:ResourceTag/steward:hold": "false"}
    # `steward:hold=false` is no hold (steward.tags.is_held); any other value is.
    assert deny["Condition"]["StringNotEqualsIgnoreCase"] == {"aws:ResourceTag/steward:hold": "false"}


def test_clusters_are_deleted_only_when_tagged_for_it(stack: Stack) -> None:
    for action in [
        "redshift:DeleteCluster",
        "elasticache:DeleteCacheCluster",
        "elasticache:DeleteReplicationGroup",
        "elasticache:DeleteServerlessCache",
    ]:
        on_clusters = [
            s
            for s in destructive_allows(stack, "FinalSnapshotFunctionRole")
            if action in actions(s)
            and not all(re.search(":(serverlesscache)?snapshot:", arn) for arn in resources(s))
        ]
        assert on_clusters, action
        for statement in on_clusters:
            assert statement["Condition"]["Null"] == {"aws:ResourceTag/steward:delete-after": "false"}, action


@pytest.mark.parametrize("role", ROLES)
def test_no_role_allows_a_service_wide_or_any_action(stack: Stack, role: str) -> None:
    for statement in role_statements(stack, role):
        if statement["Effect"] == "Allow":
            assert not any(a == "*" or a.endswith(":*") for a in actions(statement)), (role, statement)


def revokers(stack: Stack) -> list[str]:
    return [
        role
        for role in stack.of_type("AWS::IAM::Role")
        for s in role_statements(stack, role)
        if s["Effect"] == "Allow" and "redshift:RevokeSnapshotAccess" in actions(s)
    ]


def test_sharing_is_revoked_only_when_the_operator_turned_it_on(deploy: Callable[..., Stack]) -> None:
    assert revokers(deploy(RevokeSharedSnapshots="false")) == []
    assert revokers(deploy(RevokeSharedSnapshots="true")) == ["RetentionFunctionRole"]


@pytest.mark.parametrize(
    ("role", "needed"),
    [
        (
            "RetentionFunctionRole",
            {"elasticache:DescribeServerlessCacheSnapshots", "elasticache:DeleteServerlessCacheSnapshot"},
        ),
        (
            "FinalSnapshotFunctionRole",
            {
                "elasticache:DescribeServerlessCaches",
                "elasticache:DescribeServerlessCacheSnapshots",
                "elasticache:DeleteServerlessCache",
                "elasticache:CreateServerlessCacheSnapshot",
                "elasticache:CopyServerlessCacheSnapshot",
                "elasticache:AddTagsToResource",
            },
        ),
    ],
)
def test_the_serverless_calls_steward_makes_are_granted(stack: Stack, role: str, needed: set[str]) -> None:
    granted = {a for s in role_statements(stack, role) if s["Effect"] == "Allow" for a in actions(s)}
    assert needed <= granted
