"""Finding 1: operator events (source steward) come only through the operator bus, from operators."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.template.cfn import ACCOUNT, Stack

EVENTS = Path(__file__).resolve().parents[2] / "events"
OPERATOR = f"arn:aws:iam::{ACCOUNT}:role/steward-operators"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/break-glass"


def bus_statements(stack: Stack) -> list[dict[str, object]]:
    [bus] = stack.of_type("AWS::Events::EventBus").values()
    return list(bus["Properties"]["Policy"]["Statement"])


def test_named_operators_are_the_only_principals_who_may_put_events(deploy: Callable[..., Stack]) -> None:
    stack = deploy(OperatorPrincipals=f"{OPERATOR},{BREAK_GLASS}")
    [allow] = [s for s in bus_statements(stack) if s["Effect"] == "Allow"]
    [deny] = [s for s in bus_statements(stack) if s["Effect"] == "Deny"]
    assert allow["Principal"] == {"AWS": [OPERATOR, BREAK_GLASS]}
    assert allow["Action"] == "events:PutEvents"
    # Same-account identity policies would otherwise also admit anyone allowed events:PutEvents.
    assert deny["Principal"] == "*"
    assert deny["Action"] == "events:PutEvents"
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [OPERATOR, BREAK_GLASS]}}


def test_without_named_operators_only_this_accounts_iam_decides(stack: Stack) -> None:
    [statement] = bus_statements(stack)
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert statement["Action"] == "events:PutEvents"


def test_the_operator_rule_is_on_the_operator_bus(stack: Stack) -> None:
    rules = stack.of_type("AWS::Events::Rule")
    operator_rules = [
        r for r in rules.values() if "steward" in r["Properties"].get("EventPattern", {}).get("source", [])
    ]
    assert operator_rules
    for rule in operator_rules:
        assert rule["Properties"]["EventBusName"] == "<OperatorBus>"


def test_no_default_bus_rule_can_match_an_event_anyone_can_put(stack: Stack) -> None:
    for name, rule in stack.of_type("AWS::Events::Rule").items():
        properties = rule["Properties"]
        if properties.get("EventBusName", "default") != "default" or "EventPattern" not in properties:
            continue
        # Only aws.* sources cannot be forged through PutEvents; a pattern without one matches anything.
        sources = properties["EventPattern"].get("source", [])
        assert sources, name
        assert all(isinstance(s, str) and s.startswith("aws.") for s in sources), (name, sources)


@pytest.mark.parametrize("sample", sorted(EVENTS.glob("steward-*.json")), ids=lambda p: p.name)
def test_the_operator_rule_matches_the_operator_events_bin_steward_sends(stack: Stack, sample: Path) -> None:
    event = json.loads(sample.read_text())
    [pattern] = [
        r["Properties"]["EventPattern"]
        for r in stack.of_type("AWS::Events::Rule").values()
        if r["Properties"].get("EventBusName") == "<OperatorBus>"
    ]
    assert event["source"] in pattern["source"]
    assert event["detail-type"] in pattern["detail-type"]


def test_the_bus_is_an_output_and_reaches_the_functions(stack: Stack) -> None:
    assert stack.outputs["OperatorBusName"]["Value"] == {"Ref": "OperatorBus"}
    assert stack.outputs["OperatorBusArn"]["Value"] == {"Fn::GetAtt": ["OperatorBus", "Arn"]}
    for name, function in stack.of_type("AWS::Lambda::Function").items():
        assert function["Properties"]["Environment"]["Variables"]["OPERATOR_BUS_NAME"] == "<OperatorBus>", (
            name
        )
