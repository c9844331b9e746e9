"""Finding 5 (template side): the state table is protected and each function owns its items."""

from __future__ import annotations

import fnmatch

from tests.template.cfn import Stack, actions, role_statements

# Partition keys each function writes (docs: StateTable's comment in template.yaml).
KEYS = {
    "HsmPurgeFunctionRole": [
        "purge#f3c1e2b4a4d8e9f70",
        "pending-purge",
        "key#arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ],
    "FinalSnapshotFunctionRole": [
        "cluster#redshift#us-west-2#billing-dw",
        "inventory#elasticache#us-west-2",
        "tags-pending#redshift#us-west-2",
    ],
    "RetentionFunctionRole": ["last-known#elasticache#us-west-2"],
}
# Reads that would see every item, whatever its key: no LeadingKeys to check.
UNSCOPED = {"dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLSelect"}


def leading_keys(stack: Stack, role: str) -> list[str]:
    [statement] = [
        s for s in role_statements(stack, role) if any(a.startswith("dynamodb:") for a in actions(s))
    ]
    assert statement["Resource"] == "<StateTable.Arn>"
    return list(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])


def test_the_table_cannot_be_deleted_by_accident(stack: Stack) -> None:
    table = stack.resources["StateTable"]
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_each_function_reaches_its_own_items_and_not_the_others(stack: Stack) -> None:
    for role, own in KEYS.items():
        patterns = leading_keys(stack, role)
        for key in own:
            assert any(fnmatch.fnmatchcase(key, p) for p in patterns), (role, key)
        for other, keys in KEYS.items():
            if other == role:
                continue
            for key in keys:
                assert not any(fnmatch.fnmatchcase(key, p) for p in patterns), (role, key)


def test_no_role_may_scan_or_batch_past_the_key_condition(stack: Stack) -> None:
    for role in stack.of_type("AWS::IAM::Role"):
        for statement in role_statements(stack, role):
            assert not actions(statement) & UNSCOPED, role
            assert "dynamodb:*" not in actions(statement), role


def test_the_retention_sweep_only_remembers_cluster_tags(stack: Stack) -> None:
    # It reads, writes and forgets its last-known# items; it never reads or changes another's.
    assert leading_keys(stack, "RetentionFunctionRole") == ["last-known#*"]
    [statement] = [
        s for s in role_statements(stack, "RetentionFunctionRole") if "dynamodb:Query" in actions(s)
    ]
    assert actions(statement) == {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"}
