"""org/central-bus.yaml: a member's alert reaches the central topic; only the organisation may send.

The bus is created from its template in moto, in the organisation's tooling account; a member
account sends as Steward's functions will (PutEvents on CENTRAL_EVENT_BUS_ARN). moto does not evaluate
bus, topic or key policies, so who may send and who may publish is checked on the template.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.org.conftest import CENTRAL_BUS_TEMPLATE, Organisation, alerts_received, load, resources_of

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")

NOT_IN_MOTO = {"AWS::Events::EventBusPolicy", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription"}

# The events the member functions will send (docs/organisation.md, "What members send").
ALERT = {
    "Source": "steward.member",
    "DetailType": "Steward Alert",
    "Detail": json.dumps(
        {
            "version": 1,
            "stack": "StackSet-steward-1a2b3c",
            "function": "FinalSnapshotFunction",
            "region": "us-east-1",
            "dry_run": False,
            "subject": "Steward: cluster deleted without a final snapshot",
            "message": "Redshift cluster analytics was deleted with skipFinalClusterSnapshot; rescued.",
        }
    ),
}
ACTION_RECORD = {
    "Source": "steward.member",
    "DetailType": "Steward Action Record",
    "Detail": json.dumps(
        {
            "version": 1,
            "stack": "StackSet-steward-1a2b3c",
            "function": "RetentionFunction",
            "region": "us-east-1",
            "dry_run": False,
            "decision": {
                "service": "redshift",
                "resource_id": "analytics-2026-10-01",
                "action": "delete",
                "reason": "expired: 30 days retention, 61 days old",
            },
        }
    ),
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load(CENTRAL_BUS_TEMPLATE)


def send_from_member(
    organisation: Organisation, account: str, bus_arn: str, *entries: dict[str, str]
) -> None:
    events = organisation.session(account).client("events")
    response = events.put_events(Entries=[entry | {"EventBusName": bus_arn} for entry in entries])
    assert response["FailedEntryCount"] == 0, response


def test_the_bus_is_in_the_tooling_account(organisation: Organisation, central: dict[str, str]) -> None:
    assert central["CentralEventBusArn"] == (
        f"arn:aws:events:us-east-1:{organisation.central_account}:event-bus/steward-central"
    )


def test_a_members_alert_reaches_the_central_topic_saying_which_account_sent_it(
    organisation: Organisation, central: dict[str, str]
) -> None:
    member = organisation.member_accounts[0]

    send_from_member(organisation, member, central["CentralEventBusArn"], ALERT)

    (alert,) = alerts_received(organisation, central["QueueUrl"])
    assert alert["account"] == member
    assert alert["source"] == "steward.member"
    assert alert["detail-type"] == "Steward Alert"
    assert alert["detail"] == json.loads(ALERT["Detail"])


def test_action_records_are_kept_but_do_not_page_anyone(
    organisation: Organisation, central: dict[str, str]
) -> None:
    member = organisation.member_accounts[1]

    send_from_member(organisation, member, central["CentralEventBusArn"], ACTION_RECORD, ALERT)

    assert [a["detail-type"] for a in alerts_received(organisation, central["QueueUrl"])] == ["Steward Alert"]
    logs = organisation.session(organisation.central_account).client("logs")
    kept = [
        json.loads(e["message"])
        for e in logs.filter_log_events(logGroupName=central["RecordsLogGroupName"])["events"]
    ]
    assert sorted(e["detail-type"] for e in kept) == ["Steward Action Record", "Steward Alert"]
    assert {e["account"] for e in kept} == {member}


def test_other_sources_on_the_bus_reach_neither_topic_nor_records(
    organisation: Organisation, central: dict[str, str]
) -> None:
    forged = ALERT | {"Source": "steward"}

    send_from_member(organisation, organisation.member_accounts[0], central["CentralEventBusArn"], forged)

    assert alerts_received(organisation, central["QueueUrl"]) == []
    logs = organisation.session(organisation.central_account).client("logs")
    assert logs.filter_log_events(logGroupName=central["RecordsLogGroupName"])["events"] == []


def test_moto_creates_every_resource_but_the_policies_and_the_email_subscription(
    organisation: Organisation, central: dict[str, str], template: dict[str, Any]
) -> None:
    cloudformation = organisation.session(organisation.central_account).client("cloudformation")
    listed = cloudformation.list_stack_resources(StackName="steward-central")["StackResourceSummaries"]
    created = {r["LogicalResourceId"] for r in listed if r["LogicalResourceId"]}

    types = {r["Type"] for r in template["Resources"].values()}
    assert types & NOT_IN_MOTO == NOT_IN_MOTO
    assert created == {k for k, r in template["Resources"].items() if r["Type"] not in NOT_IN_MOTO}


# --- what moto does not evaluate, checked on the template ---


def test_only_the_organisations_accounts_may_send_and_only_stewards_events(template: dict[str, Any]) -> None:
    (policy,) = resources_of(template, "AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]

    assert policy["Properties"]["EventBusName"] == {"Fn::GetAtt": ["CentralBus", "Name"]}
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == {"Fn::GetAtt": ["CentralBus", "Arn"]}
    # Principal "*" is narrowed by the condition: an account outside the organisation matches nothing.
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}, "events:source": "steward.member"}
    }
    assert template["Parameters"]["OrganizationId"]["AllowedPattern"] == "^o-[a-z0-9]{10,32}$"


def test_the_rules_match_what_members_send(template: dict[str, Any]) -> None:
    rules = template["Resources"]

    assert rules["AlertsRule"]["Properties"]["EventPattern"] == {
        "source": [ALERT["Source"]],
        "detail-type": [ALERT["DetailType"]],
    }
    assert rules["RecordsRule"]["Properties"]["EventPattern"] == {"source": [ACTION_RECORD["Source"]]}
    for name in ("AlertsRule", "RecordsRule"):
        assert rules[name]["Properties"]["EventBusName"] == {"Fn::GetAtt": ["CentralBus", "Name"]}, name


def test_only_the_alerts_rule_may_publish_to_the_encrypted_topic(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    (statement,) = resources["AlertsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    key_statements = {s["Sid"]: s for s in resources["AlertsKey"]["Properties"]["KeyPolicy"]["Statement"]}

    assert resources["AlertsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlertsKey"}
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["AlertsRule", "Arn"]}}}
    assert key_statements["EventBridgePublishes"]["Principal"] == {"Service": "events.amazonaws.com"}
    assert set(key_statements["EventBridgePublishes"]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_records_are_kept_for_the_chosen_retention_and_survive_the_stack(template: dict[str, Any]) -> None:
    log_group = template["Resources"]["RecordsLogGroup"]

    assert log_group["DeletionPolicy"] == "Retain"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "RecordsRetentionDays"}
    assert template["Parameters"]["RecordsRetentionDays"]["Default"] == 400
