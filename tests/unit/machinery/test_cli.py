"""The operator's command line: the same events as by hand, checked before they are sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from steward.events.key_removal import KeyRemoval
from steward.events.key_triggers import parse_key_event
from steward.machinery import cli


def test_key_removed_dry_print_shows_an_event_the_function_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # When an operator prints the event for a removal
    code = cli.main(
        [
            "key-removed",
            "--cluster-id",
            "cluster-likphkxygsn",
            "--removed-at",
            "2026-11-02T09:30:00Z",
            "--key-created-at",
            "2025-03-14T08:00:00Z",
            "--immediate",
            "--reason",
            "CHG-4211",
            "--dry-print",
        ]
    )

    # Then it is the operator event, and the function's parser reads it as that removal
    assert code == 0
    entry = json.loads(capsys.readouterr().out)
    event = {
        "version": "0",
        "id": "1",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "123456789012",
        "time": "2026-11-02T09:31:00Z",
        "region": "us-west-2",
        "resources": [],
        "detail": entry["Detail"],
    }
    (removal,) = parse_key_event(event)
    assert isinstance(removal, KeyRemoval)
    assert (removal.cluster_id, removal.immediate, removal.reason) == (
        "cluster-likphkxygsn",
        True,
        "CHG-4211",
    )


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--cluster-id", "my-cluster"), ("--removed-at", "2026-11-02 09:30"), ("--removed-at", "yesterday")],
)
def test_a_bad_value_is_refused_naming_the_flag_and_value(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--cluster-id": "cluster-likphkxygsn", "--removed-at": "2026-11-02T09:30:00Z", flag: value}
    code = cli.main(["key-removed", *[part for pair in args.items() for part in pair], "--dry-print"])
    assert code == 2
    error = capsys.readouterr().err
    assert flag in error
    assert repr(value) in error


def test_key_created_after_removal_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        [
            "key-removed",
            "--cluster-id",
            "cluster-likphkxygsn",
            "--removed-at",
            "2026-11-02T09:30:00Z",
            "--key-created-at",
            "2026-12-01T00:00:00Z",
            "--dry-print",
        ]
    )
    assert code == 2
    assert "--key-created-at" in capsys.readouterr().err


def operator_bus_inbox(bus: str) -> tuple[str, str]:
    """The operator bus and a rule on it that forwards Steward's events to a queue; the queue URL."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = boto3.client("events", region_name="us-east-1")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="steward", EventBusName=bus, EventPattern=json.dumps({"source": ["steward"]}))
    events.put_targets(Rule="steward", EventBusName=bus, Targets=[{"Id": "inbox", "Arn": queue_arn}])
    return bus, queue


def delivered(queue: str) -> list[dict[str, object]]:
    messages = boto3.client("sqs", region_name="us-east-1").receive_message(QueueUrl=queue)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_purge_undo_puts_the_event_on_the_operator_bus_with_the_callers_identity(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the stack's operator bus, named as the template names it, with a rule to a queue
    _, queue = operator_bus_inbox(cli.DEFAULT_OPERATOR_BUS)

    # When the operator undoes a purge (no --bus, no OPERATOR_BUS_NAME)
    code = cli.main(
        ["purge-undo", "--purge-id", "purge-cluster-likphkxygsn-20261102T093000Z", "--region", "us-east-1"]
    )

    # Then the event id is printed and the undo event is on the operator bus, naming who sent it
    assert code == 0
    assert capsys.readouterr().out.strip()
    caller = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Arn"]
    (event,) = delivered(queue)
    assert (event["detail-type"], event["detail"]) == (
        "CloudHSM Purge Undo",
        {"purgeId": "purge-cluster-likphkxygsn-20261102T093000Z", "requestedBy": caller},
    )


def test_the_bus_comes_from_the_flag_then_the_environment(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack named "payments" (bus payments-operator), and OPERATOR_BUS_NAME naming it
    _, queue = operator_bus_inbox("payments-operator")
    monkeypatch.setenv("OPERATOR_BUS_NAME", "payments-operator")

    # When the operator sends an undo without --bus, Then it lands on that bus
    assert cli.main(["purge-undo", "--purge-id", "purge-1", "--region", "us-east-1"]) == 0
    assert len(delivered(queue)) == 1

    # And --bus wins over the environment: a bus that does not exist is an error, not the default bus
    code = cli.main(["purge-undo", "--purge-id", "purge-1", "--region", "us-east-1", "--bus", "nope"])
    assert code == 1
    assert delivered(queue) == []


def test_a_removal_in_the_future_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a removal time a year ahead (a typo in the year)
    next_year = (datetime.now(UTC) + timedelta(days=365)).isoformat()

    # When the operator sends it, Then it is refused before anything is sent, naming the flag
    code = cli.main(
        ["key-removed", "--cluster-id", "cluster-likphkxygsn", "--removed-at", next_year, "--dry-print"]
    )
    assert code == 2
    error = capsys.readouterr().err
    assert f"--removed-at {next_year!r}" in error
    assert "no later than" in error


def test_a_removal_a_minute_ahead_is_clock_skew_and_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()

    code = cli.main(
        ["key-removed", "--cluster-id", "cluster-likphkxygsn", "--removed-at", soon, "--dry-print"]
    )

    assert code == 0
