"""The translated member template deployed into moto's CloudFormation, from the uploaded code.

moto's CloudFormation creates most of the member stack's resource types; the rest it skips, and what
they promise is checked on the translated template here (docs/organisation.md lists them).
"""

from __future__ import annotations

import base64
from hashlib import sha256
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.cloudformation.parsing import get_model_map

from sandbox import org_template
from tests.org.conftest import BUCKET_PREFIX, generate, load, resources_of

# Resource types moto cannot create, and the test that checks each on the template instead.
NOT_IN_MOTO = {
    "AWS::SQS::QueuePolicy": "tests/template (the failed-invocations queue's policy, on main)",
    "AWS::Lambda::EventInvokeConfig": "test_failed_invocations_go_to_the_queue",
    "AWS::CloudWatch::Alarm": "test_error_alarms_notify_the_alerts_topic",
    "AWS::SNS::Subscription": "test_the_email_subscription_exists_only_with_an_address",
}
# moto warns about each skipped type; NOT_IN_MOTO is the list.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
CENTRAL_BUS = "arn:aws:events:us-east-1:210987654321:event-bus/steward-central"


def deploy(output_dir: Path, **parameters: str) -> dict[str, Any]:
    """The member stack as a stack set instance creates it: from the template URL, code from S3."""
    generate(output_dir)
    s3 = boto3.client("s3", region_name="us-east-1")
    objects = s3.list_objects_v2(Bucket=f"{BUCKET_PREFIX}-us-east-1")["Contents"]
    key = next(o["Key"] for o in objects if o["Key"].endswith(".json"))
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="StackSet-steward-1234",
        TemplateURL=f"https://{BUCKET_PREFIX}-us-east-1.s3.amazonaws.com/{key}",
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    return load(output_dir / org_template.MEMBER_TEMPLATE)


@pytest.fixture
def deployed(code_buckets: None, tmp_path: Path) -> dict[str, Any]:
    return deploy(tmp_path, CentralEventBusArn=CENTRAL_BUS)


def stack_resources() -> dict[str, dict[str, Any]]:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    listed = cloudformation.list_stack_resources(StackName="StackSet-steward-1234")["StackResourceSummaries"]
    # moto also lists one nameless, typeless entry for the resources it skipped.
    return {r["LogicalResourceId"]: r for r in listed if r["LogicalResourceId"]}


def test_every_resource_type_is_created_by_moto_or_checked_on_the_template(member: dict[str, Any]) -> None:
    types = {r["Type"] for r in member["Resources"].values()}

    assert types - set(get_model_map()) <= set(NOT_IN_MOTO)


def test_the_stack_is_created_with_every_resource_moto_supports(deployed: dict[str, Any]) -> None:
    stack = boto3.client("cloudformation", region_name="us-east-1").describe_stacks(
        StackName="StackSet-steward-1234"
    )["Stacks"][0]
    supported = {k: r for k, r in deployed["Resources"].items() if r["Type"] not in NOT_IN_MOTO}
    unconditional = {k for k, r in supported.items() if "Condition" not in r}
    created = set(stack_resources())

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert unconditional <= created <= set(supported)
    assert "CentralEventBusPolicy" in created


def test_the_functions_run_the_uploaded_code_with_the_central_bus(
    deployed: dict[str, Any], tmp_path: Path
) -> None:
    awslambda = boto3.client("lambda", region_name="us-east-1")
    resources = stack_resources()

    for name, function in resources_of(deployed, "AWS::Lambda::Function").items():
        configuration = awslambda.get_function(FunctionName=resources[name]["PhysicalResourceId"])[
            "Configuration"
        ]
        archive = tmp_path / Path(function["Properties"]["Code"]["S3Key"]).name
        assert configuration["CodeSha256"] == base64.b64encode(sha256(archive.read_bytes()).digest()).decode()
        assert configuration["Runtime"] == "python3.13", name
        assert configuration["Environment"]["Variables"]["CENTRAL_EVENT_BUS_ARN"] == CENTRAL_BUS, name


def test_the_layer_is_created_from_the_uploaded_archive(deployed: dict[str, Any], tmp_path: Path) -> None:
    (layer,) = resources_of(deployed, "AWS::Lambda::LayerVersion").values()
    archive = tmp_path / Path(layer["Properties"]["Content"]["S3Key"]).name

    awslambda = boto3.client("lambda", region_name="us-east-1")
    # moto names the layer after the stack, not LayerName, and drops CompatibleArchitectures.
    (created,) = awslambda.list_layers()["Layers"]
    content = awslambda.get_layer_version(LayerName=created["LayerName"], VersionNumber=1)["Content"]
    assert content["CodeSha256"] == base64.b64encode(sha256(archive.read_bytes()).digest()).decode()


def test_with_a_central_bus_each_role_may_put_events_on_that_bus_only(deployed: dict[str, Any]) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    resources = stack_resources()

    for name in resources_of(deployed, "AWS::IAM::Role"):
        role = resources[name]["PhysicalResourceId"]
        policies = iam.list_role_policies(RoleName=role)["PolicyNames"]
        assert "steward-central-event-bus" in policies, name
        document = iam.get_role_policy(RoleName=role, PolicyName="steward-central-event-bus")[
            "PolicyDocument"
        ]
        assert document["Statement"] == [
            {
                "Sid": "SendAlertsAndRecordsToCentralBus",
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": CENTRAL_BUS,
            }
        ]


def test_the_schedules_and_event_rules_exist(deployed: dict[str, Any]) -> None:
    events = boto3.client("events", region_name="us-east-1")
    resources = stack_resources()

    for name, rule in resources_of(deployed, "AWS::Events::Rule").items():
        if name not in resources:
            continue  # a rule whose condition is false
        bus = rule["Properties"].get("EventBusName", "default")
        bus = resources[bus["Ref"]]["PhysicalResourceId"] if isinstance(bus, dict) else bus
        rule_name = resources[name]["PhysicalResourceId"]
        described = events.describe_rule(Name=rule_name, EventBusName=bus)
        targets = events.list_targets_by_rule(Rule=rule_name, EventBusName=bus)["Targets"]
        assert described["State"] == "ENABLED", name
        assert described.get("ScheduleExpression") or described.get("EventPattern"), name
        assert len(targets) == len(rule["Properties"]["Targets"]) == 1, name


def test_without_a_central_bus_no_role_may_put_events(code_buckets: None, tmp_path: Path) -> None:
    deploy(tmp_path)
    iam = boto3.client("iam", region_name="us-east-1")
    resources = stack_resources()

    assert "CentralEventBusPolicy" not in resources
    for name in ("RetentionFunctionRole", "FinalSnapshotFunctionRole", "HsmPurgeFunctionRole"):
        policies = iam.list_role_policies(RoleName=resources[name]["PhysicalResourceId"])["PolicyNames"]
        assert policies, name
        assert "steward-central-event-bus" not in policies, name


# --- what moto skips, checked on the translated template ---


def test_functions_run_on_arm64_with_the_layer_and_tracing(member: dict[str, Any]) -> None:
    # moto's AWS::Lambda::Function ignores Architectures, Layers and TracingConfig, and its
    # AWS::Lambda::LayerVersion ignores LayerName and CompatibleArchitectures.
    ((layer, layer_version),) = resources_of(member, "AWS::Lambda::LayerVersion").items()
    assert layer_version["Properties"]["LayerName"] == "StewardLayer"
    assert layer_version["Properties"]["CompatibleArchitectures"] == ["arm64"]

    for name, function in resources_of(member, "AWS::Lambda::Function").items():
        assert function["Properties"]["Architectures"] == ["arm64"], name
        assert function["Properties"]["Layers"] == [{"Ref": layer}], name
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, name


def test_failed_invocations_go_to_the_queue(member: dict[str, Any]) -> None:
    configs = resources_of(member, "AWS::Lambda::EventInvokeConfig")

    assert len(configs) == len(resources_of(member, "AWS::Lambda::Function"))
    for name, config in configs.items():
        on_failure = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        assert on_failure == {"Fn::GetAtt": ["FailedInvocationsQueue", "Arn"]}, name


def test_error_alarms_notify_the_alerts_topic(member: dict[str, Any]) -> None:
    alarms = resources_of(member, "AWS::CloudWatch::Alarm")

    assert len(alarms) >= len(resources_of(member, "AWS::Lambda::Function"))
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlertsTopic"}], name


def test_the_email_subscription_exists_only_with_an_address(member: dict[str, Any]) -> None:
    subscription = member["Resources"]["AlertsEmailSubscription"]

    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlertsTopic"}
