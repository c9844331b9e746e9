"""Finding 2: only the audit log groups the operator opted in may invoke the key purge."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.template.cfn import ACCOUNT, REGION, Stack

GROUPS = ["/aws/cloudhsm/cluster-likphkxygsn", "/aws/cloudhsm/cluster-abcdefghijk"]


def logs_permissions(stack: Stack) -> list[dict[str, str]]:
    return [
        p["Properties"]
        for p in stack.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "logs.amazonaws.com"
    ]


def test_each_opted_in_log_group_and_no_other_may_invoke(deploy: Callable[..., Stack]) -> None:
    permissions = logs_permissions(deploy(AuditLogGroups=",".join(GROUPS)))
    assert sorted(p["SourceArn"] for p in permissions) == sorted(
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*" for group in GROUPS
    )
    for permission in permissions:
        assert permission["SourceAccount"] == ACCOUNT
        assert permission["FunctionName"] == "<HsmPurgeFunction.Arn>"


def test_no_log_group_may_invoke_until_one_is_opted_in(stack: Stack) -> None:
    assert logs_permissions(stack) == []


def test_the_parameter_refuses_wildcards_and_other_log_groups(stack: Stack) -> None:
    pattern = stack.parameters["AuditLogGroups"]["AllowedPattern"]
    for refused in ["/aws/cloudhsm/*", "/aws/lambda/anything", ",".join(GROUPS * 3)]:
        assert not re.fullmatch(pattern, refused), refused
    assert re.fullmatch(pattern, ",".join(GROUPS))


def test_the_function_is_told_which_groups_were_opted_in(deploy: Callable[..., Stack]) -> None:
    stack = deploy(AuditLogGroups=",".join(GROUPS))
    variables = stack.resources["HsmPurgeFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["AUDIT_LOG_GROUPS"] == ",".join(GROUPS)
