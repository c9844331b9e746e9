"""The operator's command line: the same events as by hand, checked before they are sent."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from steward.events.key_removal import KeyRemoval
from steward.events.key_triggers import parse_key_event
from steward.flows.key_purge.triggers import purge_id_for
from steward.machinery import cli

STEWARD = Path(__file__).resolve().parents[3] / "bin" / "steward"
REMOVAL = ["key-removed", "--cluster-id", "cluster-likphkxygsn", "--removed-at", "2026-11-02T09:30:00Z"]


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
    error = capsys.readouterr().err
    assert (
        "--key-created-at '2026-12-01T00:00:00Z': expected a time at or before --removed-at (2026-11-02"
        in error
    )
    assert "removedAt" not in error  # the event's field name, which the operator never typed


PURGE_ID = "purge-cluster-likphkxygsn-20261102T093000Z"


def test_help_lists_every_command_plan_included() -> None:
    # When the operator asks bin/steward for help, Then plan is listed with the operator events
    shown = subprocess.run([STEWARD, "--help"], check=True, capture_output=True, text=True).stdout
    assert "{plan,key-removed,purge-undo}" in shown
    assert "what the deployed stack would do now" in shown
    # And `plan --help` is the plan's own
    plan_help = subprocess.run([STEWARD, "plan", "--help"], check=True, capture_output=True, text=True)
    assert plan_help.stdout.startswith("usage: steward plan")
    assert "--retention-days-default" in plan_help.stdout


def test_an_unknown_flag_is_named_before_the_missing_ones(capsys: pytest.CaptureFixture[str]) -> None:
    # When the operator mistypes a flag and leaves out the required ones
    with pytest.raises(SystemExit) as exit:
        cli.main(["key-removed", "--bogus"])

    # Then the typo is what is reported
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert "steward key-removed: error: unrecognized arguments: --bogus" in error
    assert "required" not in error


def test_an_abbreviated_flag_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["key-removed", "--clus", "cluster-likphkxygsn", "--removed-at", "2026-11-02T09:30:00Z"])
    assert "unrecognized arguments: --clus" in capsys.readouterr().err


def test_a_value_that_starts_with_a_dash_is_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*REMOVAL, "--reason=-1 restore point", "--dry-print"]) == 0
    assert json.loads(capsys.readouterr().out)["Detail"]["reason"] == "-1 restore point"


@pytest.mark.parametrize("purge_id", ["nonsense", "purge-1", "purge-cluster-likphkxygsn", f"{PURGE_ID} "])
def test_a_purge_id_steward_never_gives_is_refused_naming_the_flag(
    purge_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["purge-undo", "--purge-id", purge_id, "--dry-print"])

    assert code == 2
    error = capsys.readouterr().err
    assert (
        f"steward purge-undo: --purge-id {purge_id!r}: expected a purge id as its notification gives it"
        in error
    )
    assert PURGE_ID in error  # an example of what is accepted


@pytest.mark.parametrize(
    "removal",
    [
        {"trigger": "operator"},
        {"trigger": "hsm-audit-log", "key_handle": 262150},
        {"trigger": "kms-delete-key", "key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        {"trigger": "kms-cmk-deletion", "key_id": "mrk-1234abcd12ab34cd56ef1234567890ab"},
    ],
)
def test_every_purge_id_a_purge_is_given_is_accepted(
    removal: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the id the key purge gives a removal of each kind (flows/key_purge/triggers.py)
    purge_id = purge_id_for(
        KeyRemoval.model_validate(
            {
                "cluster_id": "cluster-likphkxygsn",
                "key_arn": None,
                "key_id": None,
                "removed_at": "2026-11-02T09:30:00.123456Z",
                "region": "us-east-1",
                "account": "123456789012",
                "source_event_id": "1",
                **removal,
            }
        ),
        "cluster-likphkxygsn",
    )

    # When the operator undoes it, Then the id is accepted as given
    assert cli.main(["purge-undo", "--purge-id", purge_id, "--dry-print"]) == 0
    assert json.loads(capsys.readouterr().out)["Detail"] == {"purgeId": purge_id}


@pytest.mark.parametrize(
    ("command", "region", "named"),
    [
        (REMOVAL, "mars-1", "--region 'mars-1': expected a region botocore "),
        (["purge-undo", "--purge-id", PURGE_ID], "mars-1", "--region 'mars-1': expected a region botocore "),
        (REMOVAL, "us-east-1 ", "--region 'us-east-1 ': expected a region botocore "),
        (REMOVAL, "ap-east-2", "--region 'ap-east-2': cloudhsmv2 is not offered there: expected a region"),
    ],
)
def test_a_region_botocore_does_not_know_for_cloudhsm_is_refused_naming_the_flag(
    command: list[str], region: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the operator sends (or only prints) an event for a region botocore has no CloudHSM in
    for dry_print in ([], ["--dry-print"]):
        code = cli.main([*command, "--region", region, *dry_print])

        # Then it is refused before anything is sent, naming the flag, the value and the regions accepted
        assert code == 2
        captured = capsys.readouterr()
        assert named in captured.err
        assert "us-west-2" in captured.err
        assert captured.out == ""


def test_the_region_is_the_aws_configs_when_not_given(
    aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given no region in the environment and us-east-1 in the AWS config file
    _, queue = operator_bus_inbox(cli.DEFAULT_OPERATOR_BUS)
    aws_config(monkeypatch, tmp_path, "[default]\nregion = us-east-1\n")

    # When the operator undoes a purge without --region, Then it lands on the bus of that region
    assert cli.main(["purge-undo", "--purge-id", PURGE_ID]) == 0
    assert len(delivered(queue)) == 1


def test_no_region_anywhere_is_refused_naming_where_one_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_config(monkeypatch, tmp_path, "[default]\n")

    code = cli.main(["purge-undo", "--purge-id", PURGE_ID])

    assert code == 2
    assert (
        "--region: none given and no region in your AWS config: expected --region" in capsys.readouterr().err
    )


def aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    """No region in the environment; `text` as the AWS config file, read by a fresh session."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text(text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


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


def test_the_bus_comes_from_the_flag_then_the_environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stack named "payments" (bus payments-operator), and OPERATOR_BUS_NAME naming it
    _, queue = operator_bus_inbox("payments-operator")
    monkeypatch.setenv("OPERATOR_BUS_NAME", "payments-operator")

    # When the operator sends an undo without --bus, Then it lands on that bus
    assert cli.main(["purge-undo", "--purge-id", PURGE_ID, "--region", "us-east-1"]) == 0
    assert len(delivered(queue)) == 1

    # And --bus wins over the environment: a bus that does not exist is an error, not the default bus
    code = cli.main(["purge-undo", "--purge-id", PURGE_ID, "--region", "us-east-1", "--bus", "nope"])
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
