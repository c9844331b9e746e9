"""The organisation rollout: the three templates, read as CloudFormation reads them, and an org in moto."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from samcli.yamlhelper import yaml_parse

import fakeaws
from sandbox import org_template

fakeaws.install()

ROOT = Path(__file__).resolve().parents[2]
STACK_SET_TEMPLATE = ROOT / "org" / "stack-set.yaml"
CENTRAL_BUS_TEMPLATE = ROOT / "org" / "central-bus.yaml"
SAM_TEMPLATE = ROOT / "template.yaml"
BUCKET_PREFIX = "acme-steward"
REGIONS = ["eu-west-1", "us-east-1"]


def load(path: Path) -> dict[str, Any]:
    """A YAML or JSON template with intrinsics in their long form (Fn::If, Ref, ...)."""
    return dict(yaml_parse(path.read_text()))


def generate(output_dir: Path, *extra: str) -> int:
    """`make org-template`, on the source tree (its CodeUri directories are what sam build copies)."""
    return org_template.main(
        [
            "--bucket-prefix",
            BUCKET_PREFIX,
            "--regions",
            ",".join(REGIONS),
            "--built-template",
            str(SAM_TEMPLATE),
            "--output-dir",
            str(output_dir),
            *extra,
        ]
    )


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output_dir = tmp_path_factory.mktemp("org")
    generate(output_dir, "--no-upload")
    return output_dir


@pytest.fixture(scope="session")
def member(generated: Path) -> dict[str, Any]:
    return load(generated / org_template.MEMBER_TEMPLATE)


@pytest.fixture
def code_buckets(aws: None) -> None:
    """The code buckets <prefix>-<region> that docs/organisation.md step 2 creates."""
    for region in REGIONS:
        location = (
            {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        boto3.client("s3", region_name=region).create_bucket(Bucket=f"{BUCKET_PREFIX}-{region}", **location)


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def render(value: Any, parameters: dict[str, Any], conditions: dict[str, bool]) -> Any:
    """Resolves Ref and Fn::If as CloudFormation does, for templates that use nothing else."""
    if isinstance(value, list):
        return [render(v, parameters, conditions) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return parameters[value["Ref"]]
    if set(value) == {"Fn::If"}:
        condition, when_true, when_false = value["Fn::If"]
        return render(when_true if conditions[condition] else when_false, parameters, conditions)
    return {k: render(v, parameters, conditions) for k, v in value.items()}


def parameter_values(template: dict[str, Any], **given: Any) -> dict[str, Any]:
    """The template's defaults overridden by ``given``; every parameter without a default must be given."""
    values = {k: p["Default"] for k, p in template["Parameters"].items() if "Default" in p} | given
    missing = set(template["Parameters"]) - set(values)
    assert not missing, f"parameters without a value: {missing}"
    return values


def conditions_of(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, bool]:
    conditions = {}
    for name, condition in template.get("Conditions", {}).items():
        left, right = render(condition["Fn::Equals"], parameters, {})
        conditions[name] = left == right
    return conditions


@dataclass(frozen=True)
class Organisation:
    """An AWS Organization in moto: a management account, a central (tooling) account, members."""

    id: str
    root_id: str
    workloads_ou: str
    sandbox_ou: str
    central_account: str
    member_accounts: list[str]
    sandbox_account: str

    def session(self, account: str, region: str = "us-east-1") -> boto3.Session:
        """Credentials in another account, as OrganizationAccountAccessRole gives them."""
        credentials = boto3.client("sts", region_name=region).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="test"
        )["Credentials"]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )


def _account_in(organizations: Any, name: str, ou: str, root_id: str) -> str:
    status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)[
        "CreateAccountStatus"
    ]
    account = str(status["AccountId"])
    organizations.move_account(AccountId=account, SourceParentId=root_id, DestinationParentId=ou)
    return account


@pytest.fixture
def organisation(aws: None) -> Organisation:
    """Root > Workloads (two accounts), Sandbox (one account), Security (the central account)."""
    organizations = boto3.client("organizations", region_name="us-east-1")
    org_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]

    def ou(name: str) -> str:
        return str(
            organizations.create_organizational_unit(ParentId=root_id, Name=name)["OrganizationalUnit"]["Id"]
        )

    workloads, sandbox, security = ou("Workloads"), ou("Sandbox"), ou("Security")
    return Organisation(
        id=org_id,
        root_id=root_id,
        workloads_ou=workloads,
        sandbox_ou=sandbox,
        central_account=_account_in(organizations, "tooling", security, root_id),
        member_accounts=[_account_in(organizations, f"app{n}", workloads, root_id) for n in (1, 2)],
        sandbox_account=_account_in(organizations, "sandbox", sandbox, root_id),
    )


@pytest.fixture
def central(organisation: Organisation) -> dict[str, str]:
    """The central bus stack in the tooling account, and an SQS queue subscribed to its topic."""
    session = organisation.session(organisation.central_account)
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(
        StackName="steward-central",
        TemplateBody=CENTRAL_BUS_TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": "OrganizationId", "ParameterValue": organisation.id}],
    )
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cloudformation.describe_stacks(StackName="steward-central")["Stacks"][0]["Outputs"]
    }
    sqs = session.client("sqs")
    queue_url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    session.client("sns").subscribe(TopicArn=outputs["AlertsTopicArn"], Protocol="sqs", Endpoint=queue_arn)
    return outputs | {"QueueUrl": queue_url}


def alerts_received(organisation: Organisation, queue_url: str) -> list[dict[str, Any]]:
    sqs = organisation.session(organisation.central_account).client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
