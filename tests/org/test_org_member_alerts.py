"""The member side of central alerts: Steward's own sending code, in a member account, reaches the
central bus's targets (org/central-bus.yaml deployed in moto); a bus that refuses never stops a run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from steward.events.schedule.parser import parse_schedule
from steward.flows import retention
from steward.machinery.settings import RetentionSettings
from steward.services import central_bus, clients
from steward.services.notifications import Notifications
from steward.vocabulary.home import Home

import fakeaws
from sandbox.fleet import Fleet
from sandbox.stack import STATE_TABLE, stack_resources
from tests.conftest import load_event, logged_decisions
from tests.org.conftest import Organisation, alerts_received

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")

SUBJECT = "Steward did not delete analytics-2019: snapshot quota reached"
MESSAGE = {"cluster": "analytics-2019", "service": "redshift", "error": "ClusterSnapshotQuotaExceeded"}


@pytest.fixture
def member(
    organisation: Organisation, central: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Steward's clients run in the first member account, with the stack's central bus configured."""
    account = organisation.member_accounts[0]
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", organisation.session(account))
    clients.reset()
    monkeypatch.setenv("CENTRAL_EVENT_BUS_ARN", central["CentralEventBusArn"])
    monkeypatch.setenv("STACK_NAME", "StackSet-steward-1a2b3c")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "StackSet-steward-1a2b3c-RetentionFunction-x1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("DRY_RUN", "false")
    yield account
    clients.reset()


def member_topic() -> str:
    return str(clients.client("sns", "us-east-1").create_topic(Name="steward-AlertsTopic")["TopicArn"])


def records_kept(organisation: Organisation, central: dict[str, str]) -> list[dict[str, Any]]:
    logs = organisation.session(organisation.central_account).client("logs")
    events = logs.filter_log_events(logGroupName=central["RecordsLogGroupName"])["events"]
    return [json.loads(e["message"]) for e in events]


def test_a_member_alert_reaches_the_central_topic(
    organisation: Organisation, central: dict[str, str], member: str
) -> None:
    Notifications(member_topic()).notify(SUBJECT, MESSAGE)

    (alert,) = alerts_received(organisation, central["QueueUrl"])
    assert alert["account"] == member
    assert (alert["source"], alert["detail-type"]) == (central_bus.SOURCE, central_bus.ALERT)
    assert alert["detail"] == {
        "version": 1,
        "stack": "StackSet-steward-1a2b3c",
        "function": "StackSet-steward-1a2b3c-RetentionFunction-x1",
        "region": "us-east-1",
        "dry_run": False,
        "subject": SUBJECT,
        "message": MESSAGE,
    }


def test_every_destructive_decision_is_recorded_centrally_and_pages_nobody(
    organisation: Organisation, central: dict[str, str], member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("retention-schedule.json")
    fleet = Fleet(account=member, now=datetime.fromisoformat(event["time"]))
    fleet.redshift_cluster("analytics")
    for age in (10, 40, 70):
        fleet.redshift_snapshot("analytics", f"analytics-{age}d", age_days=age)
    event["account"] = member
    stack_resources("us-east-1")  # the member's StateTable, where the sweep remembers cluster tags
    settings = RetentionSettings.model_validate(
        {"DRY_RUN": False, "DEFAULT_RETENTION_DAYS": 30, "SERVICES": "redshift", "STATE_TABLE": STATE_TABLE}
    )
    schedule = parse_schedule(event)

    result = retention.run(schedule, settings, Home(member, "us-east-1"), seconds_left=lambda: 900.0)

    # The sweep logs its decisions as it makes them, and keeps only their counts.
    assert result.summary()["counts"] == {"redshift": {"deleted": 2, "kept": 1}}
    deleted = {k for k, d in logged_decisions(capsys).items() if d["action"] == "deleted"}
    assert deleted == {"analytics-40d", "analytics-70d"}
    kept = records_kept(organisation, central)
    assert {r["account"] for r in kept} == {member}
    assert {r["detail"]["decision"]["resource_id"] for r in kept} == deleted  # kept ones are not sent
    assert all(r["detail-type"] == central_bus.ACTION_RECORD for r in kept)
    assert alerts_received(organisation, central["QueueUrl"]) == []


def test_a_bus_that_refuses_never_stops_the_alert_or_the_run(
    organisation: Organisation, central: dict[str, str], member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fakeaws.faults.inject("events", "PutEvents", "AccessDeniedException")

    message_id = Notifications(member_topic()).notify(SUBJECT, MESSAGE)

    assert message_id  # the member's own topic still got it
    warnings = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "central bus" in line]
    assert [(w["message"], w["error"]) for w in warnings] == [
        ("central bus: not sent", "AccessDeniedException")
    ]


def test_without_a_central_bus_nothing_is_sent(
    organisation: Organisation, central: dict[str, str], member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRAL_EVENT_BUS_ARN", "")

    Notifications(member_topic()).notify(SUBJECT, MESSAGE)

    assert central_bus.configured() is None
    assert alerts_received(organisation, central["QueueUrl"]) == []
