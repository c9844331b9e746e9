"""`steward plan` end to end on moto: what it shows is what the sweeps then do, it sends only reads,
the shipped policy allows every read it sends, and its exit codes and errors are scriptable."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from steward.events.schedule.parser import parse_schedule
from steward.flows import retention
from steward.flows.plan import plan_settings
from steward.flows.plan.settings import PARAMETERS
from steward.machinery import plan_cli
from steward.machinery.report import SweepFailed
from steward.machinery.settings import RetentionSettings
from steward.services import read_only
from steward.services.clients import client
from steward.vocabulary.home import Home

import fakeaws
from sandbox import plan_demo
from sandbox.demo import sample_event, seed_retention_fleet
from sandbox.demo_final_snapshot import seed_clusters
from sandbox.fleet import Fleet

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "docs" / "plan-policy.json"
# botocore service name -> IAM action prefix (CloudHSM v2's actions are cloudhsm:*).
IAM_PREFIX = {
    "elasticache": "elasticache",
    "redshift": "redshift",
    "cloudhsmv2": "cloudhsm",
    "resourcegroupstaggingapi": "tag",
    "cloudformation": "cloudformation",
    "dynamodb": "dynamodb",
}
# STS GetCallerIdentity needs no permission ("No permissions are required", STS API reference).
NEEDS_NO_PERMISSION = {("sts", "GetCallerIdentity")}
# botocore's service ids in event names -> the service names clients are created with.
SERVICE_IDS = {"cloudhsm-v2": "cloudhsmv2", "resource-groups-tagging-api": "resourcegroupstaggingapi"}
AT = sample_event("retention-schedule.json")["time"]


@pytest.fixture
def demo_fleet(aws: None) -> Fleet:
    fleet = Fleet(now=datetime.fromisoformat(AT))
    seed_retention_fleet(fleet)
    seed_clusters(fleet)
    return fleet


@pytest.fixture
def sent() -> Iterator[list[tuple[str, str]]]:
    """Every operation any client of this process sends from now on (botocore's before-send)."""
    calls: list[tuple[str, str]] = []

    def record(event_name: str, **_: Any) -> None:
        # before-send.<service id>.<Operation>, e.g. before-send.cloudhsm-v2.DescribeBackups
        _, service_id, operation = event_name.split(".")
        calls.append((SERVICE_IDS.get(service_id, service_id), operation))

    session = boto3.DEFAULT_SESSION or boto3.setup_default_session() or boto3.DEFAULT_SESSION
    assert session is not None
    handler_id = "test-plan-record"
    session.events.register("before-send", record, unique_id=handler_id)
    yield calls
    session.events.unregister("before-send", unique_id=handler_id)


def run_plan(*flags: str) -> tuple[int, str, str]:
    return run_plan_in("us-east-1", *flags)


def run_plan_in(region: str | None, *flags: str) -> tuple[int, str, str]:
    """`steward plan` at AT in `region` (None: no --region); exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = plan_cli.main([*(["--region", region] if region else []), "--at", AT, *flags])
    return code, out.getvalue(), err.getvalue()


def plan_decisions(*flags: str) -> list[dict[str, Any]]:
    code, out, _ = run_plan("--format", "json", *flags)
    assert code in (0, 3)
    return list(json.loads(out)["decisions"])


def test_the_plan_is_what_the_sweeps_then_do_item_for_item(demo_fleet: Fleet) -> None:
    code, planned = plan_demo.plan_json(AT)
    # The sweeps are given the stack's table and topic by the demo itself, as make plan runs them.
    with patch.dict(os.environ):  # undone after (invoke sets the handlers' environment)
        for name in ("STATE_TABLE", "NOTIFICATIONS_TOPIC_ARN"):
            os.environ.pop(name, None)
        done = plan_demo.sweep_live(sample_event("retention-schedule.json"))

    assert code == plan_cli.WOULD_DELETE
    assert plan_demo.items(planned["decisions"], planned=True) == plan_demo.items(done)
    would = {d["resource_id"] for d in planned["decisions"] if d["action"] == "would-delete"}
    assert would == {d["resource_id"] for d in done if d["action"] == "deleted"}
    # Backups and decommissions both: the plan covers the two sweeps.
    assert {"cache-staging-60d", "analytics-70d", "analytics-2019", "cache-legacy"} <= would
    assert {d["reason"] for d in planned["decisions"] if d["resource_id"] in ("billing-dw", "my-redis")} == {
        "guarded"
    }


def test_make_plan_runs_as_make_runs_it_and_the_sweeps_do_what_it_said() -> None:
    # Given the command of the Makefile's plan target, run from the checkout with only PATH and HOME
    # (none of the test run's AWS settings; the demo sets up its own fake AWS)
    command = make_recipe("plan").replace("$(BIN)", ".venv/bin").split()
    home = {"PATH": os.environ["PATH"], "HOME": str(ROOT / "nonexistent-home")}

    # When it runs
    run = subprocess.run(
        command, check=False, cwd=ROOT, env=home, capture_output=True, text=True, timeout=300
    )

    # Then the plan is printed and the sweeps, run for real, did what it said
    assert run.returncode == 0, run.stdout + run.stderr
    assert "exit code 3" in run.stdout
    assert "they did what the plan said, item for item" in run.stdout
    assert "Traceback" not in run.stderr


def test_the_region_is_the_aws_configs_when_the_environment_names_none(
    demo_fleet: Fleet, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given no region in the environment, eu-west-1 in the AWS config file, and backups in both regions
    eu = Fleet(region="eu-west-1", now=datetime.fromisoformat(AT))
    eu.redshift_cluster("warehouse")
    for age in (10, 50):
        eu.redshift_snapshot("warehouse", f"warehouse-{age}d", age_days=age)
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # a fresh session reads the config

    # When the operator plans without --region, Then the config's region is planned
    code, out, err = run_plan_in(None, "--format", "json", "--retention-days-default", "30")
    assert (code, err) == (plan_cli.WOULD_DELETE, "")
    assert {(d["region"], d["resource_id"]) for d in json.loads(out)["decisions"]} == {
        ("eu-west-1", "warehouse-10d"),
        ("eu-west-1", "warehouse-50d"),
    }

    # And --region wins over the config
    code, out, err = run_plan_in("us-east-1", "--format", "json", "--retention-days-default", "30")
    assert (code, err) == (plan_cli.WOULD_DELETE, "")
    assert {d["region"] for d in json.loads(out)["decisions"]} == {"us-east-1"}


def test_no_region_anywhere_is_a_bad_flag_naming_where_a_region_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    code, out, err = run_plan_in(None)

    assert (code, out) == (plan_cli.BAD_FLAG, "")
    assert "--region: none given and no region in your AWS config: expected --region" in err
    assert "AWS_REGION <absent>" not in err


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--region", "mars-1"], "--region 'mars-1': expected a region botocore "),
        (["--region", "us-east-1", "--region", "mars-1"], "--region 'mars-1': expected a region botocore "),
        (
            ["--region", "ap-east-2"],
            "--region 'ap-east-2': cloudhsmv2 is not offered there",
        ),
    ],
)
def test_a_region_botocore_does_not_know_is_refused_before_anything_is_sent(
    aws: None, sent: list[tuple[str, str]], flags: list[str], named: str
) -> None:
    code, out, err = run_plan_in(None, *flags)

    assert (code, out) == (plan_cli.BAD_FLAG, "")
    assert named in err
    assert "us-west-2" in err  # what is accepted is listed
    assert sent == []


def test_a_region_without_cloudhsm_is_planned_when_cloudhsm_is_left_out(aws: None) -> None:
    code, _, err = run_plan_in("ap-east-2", "--service", "redshift")
    assert (code, err) == (plan_cli.NOTHING, "")


def test_every_call_a_plan_sends_is_a_read_the_shipped_policy_allows(
    demo_fleet: Fleet, sent: list[tuple[str, str]]
) -> None:
    stack_with_parameters({"DefaultRetentionDays": "30"})
    sent.clear()

    code, _, _ = run_plan("--stack", "steward", "--quiet")

    assert code == plan_cli.WOULD_DELETE
    assert sent, "the plan sent nothing"
    operations = set(sent)
    assert ("dynamodb", "GetItem") in operations  # who set delete-after, from the stack's StateTable
    allowed = policy_actions()
    for service, operation in operations:
        assert operation in read_only.READS[service], (service, operation)
        assert (service, operation) in NEEDS_NO_PERMISSION or (
            f"{IAM_PREFIX[service]}:{operation}" in allowed
        ), (service, operation)
    # The allow-list and the policy say the same thing.
    assert {
        f"{IAM_PREFIX[s]}:{op}"
        for s, ops in read_only.READS.items()
        for op in ops
        if (s, op) not in NEEDS_NO_PERMISSION
    } == allowed


def test_plan_mode_refuses_every_delete_before_it_is_sent(
    demo_fleet: Fleet, sent: list[tuple[str, str]]
) -> None:
    before = {s["SnapshotName"] for s in demo_fleet.elasticache.describe_snapshots()["Snapshots"]}
    read_only.enable()
    sent.clear()

    with pytest.raises(read_only.WriteRefused, match="elasticache:DeleteSnapshot is not a read"):
        client("elasticache", "us-east-1").delete_snapshot(SnapshotName="cache-staging-60d")
    # The deployed sweep itself, told to delete (DRY_RUN=false), deletes nothing in plan mode.
    live = RetentionSettings.model_validate(
        {"DRY_RUN": False, "DEFAULT_RETENTION_DAYS": 30, "STATE_TABLE": "steward-StateTable"}
    )
    event = parse_schedule(sample_event("retention-schedule.json"))
    with pytest.raises(SweepFailed, match="failed:WriteRefused"):
        retention.run(event, live, Home(demo_fleet.account, "us-east-1"), seconds_left=lambda: 900.0)

    read_only.disable()
    assert {op for _, op in sent} <= set().union(*read_only.READS.values())
    assert {s["SnapshotName"] for s in demo_fleet.elasticache.describe_snapshots()["Snapshots"]} == before


def test_settings_come_from_the_stack_and_flags_win(aws: None) -> None:
    fleet = Fleet(now=datetime.fromisoformat(AT))
    fleet.redshift_cluster("warehouse")
    for age in (10, 50, 90):
        fleet.redshift_snapshot("warehouse", f"warehouse-{age}d", age_days=age)
    stack_with_parameters({"DefaultRetentionDays": "30", "MinKeep": "1"})

    def would_delete(*flags: str) -> set[str]:
        return {d["resource_id"] for d in plan_decisions(*flags) if d["action"] == "would-delete"}

    assert would_delete() == set()  # the template's default: DefaultRetentionDays 0, nothing managed
    assert would_delete("--stack", "steward") == {"warehouse-50d", "warehouse-90d"}
    assert would_delete("--stack", "steward", "--retention-days-default", "60") == {"warehouse-90d"}
    assert would_delete("--stack", "steward", "--service", "elasticache") == set()


def test_a_refusal_the_sweep_would_alert_is_shown_not_sent(
    demo_fleet: Fleet, sent: list[tuple[str, str]]
) -> None:
    stack_with_parameters({"DecommissionPrincipals": "arn:aws:iam::123456789012:role/platform-admin"})
    sent.clear()

    code, out, _ = run_plan("--stack", "steward", "--format", "json", "--quiet")

    planned = json.loads(out)
    refused = {d["resource_id"] for d in planned["decisions"] if d["reason"] == "tagger-not-allowed"}
    assert refused == {"cache-legacy", "analytics-2019"}  # no tag event recorded who set delete-after
    assert len(planned["wouldAlert"]) == 2
    assert all("refused to delete" in subject for subject in planned["wouldAlert"])
    assert code == plan_cli.WOULD_DELETE  # expired backups still would be deleted
    assert {op for service, op in sent if service in ("sns", "events")} == set()


def test_defaults_are_the_templates(aws: None) -> None:
    parameters = template_defaults()
    settings = plan_settings({}, {}, {}, region="us-east-1")
    seen = {
        "DefaultRetentionDays": str(settings.retention.DEFAULT_RETENTION_DAYS),
        "MinKeep": str(settings.retention.MIN_KEEP),
        "RevokeSharedSnapshots": str(settings.retention.REVOKE_SHARED_SNAPSHOTS).lower(),
        "Services": ",".join(settings.retention.SERVICES),
        "FinalSnapshotRetentionDays": str(settings.final_snapshot.FINAL_SNAPSHOT_RETENTION_DAYS),
        "MinFinalSnapshotRetentionDays": str(settings.final_snapshot.MIN_FINAL_SNAPSHOT_RETENTION_DAYS),
        "DecommissionPrincipals": ",".join(settings.final_snapshot.DECOMMISSION_PRINCIPALS),
    }
    assert seen == {name: parameters[name] for name in PARAMETERS}
    assert settings.retention.DRY_RUN and settings.final_snapshot.DRY_RUN


def test_exit_code_0_when_nothing_would_be_deleted(aws: None) -> None:
    Fleet().redshift_cluster("warehouse")
    code, out, _ = run_plan()
    assert code == plan_cli.NOTHING
    assert "0 items" in out


def test_exit_code_1_names_each_failure_and_still_shows_the_rest(demo_fleet: Fleet) -> None:
    fakeaws.faults.inject("redshift", "DescribeClusterSnapshots", "AccessDenied")

    code, out, err = run_plan("--retention-days-default", "30", "--quiet")

    assert code == plan_cli.FAILED
    assert "failed: redshift/* failed:AccessDenied (listing failed)" in err
    assert "cache-staging-60d" in out  # the other services are still planned and shown


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--min-keep", "-3"], "--min-keep '-3': expected a whole number"),
        (["--retention-days-default", "ten"], "--retention-days-default 'ten'"),
        (
            ["--revoke-shared-snapshots", "yes"],
            "--revoke-shared-snapshots 'yes': expected accepted values: true, false",
        ),
        (["--at", "2026-11-21"], "--at '2026-11-21': expected an ISO-8601 time with a zone"),
        (["--stack", "nope"], "--stack 'nope': no such stack in us-east-1"),
    ],
)
def test_a_bad_flag_is_named_with_what_is_accepted(aws: None, flags: list[str], named: str) -> None:
    code, out, err = run_plan(*flags)
    assert code == plan_cli.BAD_FLAG
    assert named in err
    assert out == ""


def test_csv_and_table_carry_every_decision(demo_fleet: Fleet) -> None:
    decisions = plan_decisions("--retention-days-default", "30")
    _, csv_text, _ = run_plan("--format", "csv", "--retention-days-default", "30")
    _, table, _ = run_plan("--retention-days-default", "30")
    rows = csv_text.splitlines()
    assert rows[0] == ",".join(plan_cli.COLUMNS)
    assert len(rows) == len(decisions) + 1
    assert all(d["resource_id"] in table for d in decisions)
    # Serverless snapshots and caches are planned too, and the kind tells them apart.
    kinds = {d["resource_id"]: d["kind"] for d in decisions}
    assert kinds["carts-serverless-day-16"] == "serverless-snapshot"
    assert kinds["carts-cache"] == "elasticache-serverless"
    assert "serverless-snapshot" in table


def test_progress_shows_pages_on_a_terminal_and_is_quiet_otherwise() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown, piped = Terminal(), io.StringIO()
    for stream in (shown, piped):
        progress = plan_cli.Progress(stream, quiet=False)
        progress.call("redshift", "DescribeClusterSnapshots", "us-east-1")
        progress.call("redshift", "DescribeClusterSnapshots", "us-east-1")
        progress.service_done("us-east-1", "redshift", 120)
    assert "DescribeClusterSnapshots: page 2" in shown.getvalue()
    assert "us-east-1 redshift: listed; 120 items decided so far" in shown.getvalue()
    assert piped.getvalue() == ""
    quiet = Terminal()
    plan_cli.Progress(quiet, quiet=True).call("redshift", "DescribeClusters", "us-east-1")
    assert quiet.getvalue() == ""


# --- helpers -----------------------------------------------------------------------------------
def stack_with_parameters(values: dict[str, str]) -> None:
    """A stack named steward with Steward's parameters and its StateTable (moto's CloudFormation)."""
    template = {
        "Parameters": {name: {"Type": "String"} for name in values},
        "Resources": {
            # The StateTable's key schema (template.yaml): the plan reads who set a tag from it.
            "StateTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ],
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                },
            }
        },
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="steward",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
    )


def make_recipe(target: str) -> str:
    """The one command of a Makefile target's recipe, as make would run it."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    (recipe,) = [line.strip() for line in lines[start + 1 :][:1] if line.startswith("\t")]
    return recipe


def template_defaults() -> dict[str, str]:
    from samcli.yamlhelper import yaml_parse

    template = yaml_parse((POLICY.parents[1] / "template.yaml").read_text())
    return {name: str(p["Default"]) for name, p in template["Parameters"].items() if "Default" in p}


def policy_actions() -> set[str]:
    actions: set[str] = set()
    for statement in json.loads(POLICY.read_text())["Statement"]:
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions
