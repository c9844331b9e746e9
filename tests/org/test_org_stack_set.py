"""org/stack-set.yaml: what it asks of StackSets, and those calls made to moto's StackSets in an org.

moto's CloudFormation cannot create an AWS::CloudFormation::StackSet resource, so the resource's
properties, rendered with the template's parameters, are sent through the StackSets API instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.cloudformation.parsing import get_model_map

from tests.org.conftest import (
    BUCKET_PREFIX,
    REGIONS,
    STACK_SET_TEMPLATE,
    Organisation,
    conditions_of,
    generate,
    load,
    parameter_values,
    render,
)

# moto parses the member template for the stack instances and warns about each type it skips.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
TEMPLATE_URL = f"https://{BUCKET_PREFIX}-eu-west-1.s3.eu-west-1.amazonaws.com/steward/steward-member-x.json"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load(STACK_SET_TEMPLATE)


def stack_set(template: dict[str, Any], **given: Any) -> dict[str, Any]:
    """The StackSet resource's properties as CloudFormation would send them."""
    parameters = (
        parameter_values(
            template,
            MemberTemplateUrl=TEMPLATE_URL,
            OrganizationalUnitIds=["ou-abcd-11111111"],
            Regions=REGIONS,
        )
        | given
    )
    properties = template["Resources"]["StewardStackSet"]["Properties"]
    return dict(render(properties, parameters, conditions_of(template, parameters)))


def test_it_uses_service_managed_permissions_and_deploys_to_new_accounts(template: dict[str, Any]) -> None:
    properties = stack_set(template)

    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert properties["ManagedExecution"] == {"Active": True}
    assert "CAPABILITY_IAM" in properties["Capabilities"]


def test_stacks_of_accounts_leaving_the_ous_are_kept_only_when_asked(template: dict[str, Any]) -> None:
    properties = stack_set(template, RetainStacksOnAccountRemoval="true")

    assert properties["AutoDeployment"]["RetainStacksOnAccountRemoval"] is True


def test_ous_regions_and_operation_preferences_come_from_the_parameters(template: dict[str, Any]) -> None:
    properties = stack_set(
        template,
        OrganizationalUnitIds=["ou-abcd-11111111", "ou-abcd-22222222"],
        FailureTolerancePercentage=10,
        MaxConcurrentPercentage=50,
        RegionConcurrencyType="PARALLEL",
        ConcurrencyMode="SOFT_FAILURE_TOLERANCE",
        CallAs="SELF",
    )

    assert properties["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {"OrganizationalUnitIds": ["ou-abcd-11111111", "ou-abcd-22222222"]},
            "Regions": REGIONS,
        }
    ]
    assert properties["OperationPreferences"] == {
        "FailureTolerancePercentage": 10,
        "MaxConcurrentPercentage": 50,
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        "RegionConcurrencyType": "PARALLEL",
    }
    assert properties["CallAs"] == "SELF"


def test_by_default_a_delegated_administrator_rolls_out_region_by_region_within_the_tolerance(
    template: dict[str, Any],
) -> None:
    properties = stack_set(template)

    assert properties["CallAs"] == "DELEGATED_ADMIN"
    assert properties["OperationPreferences"] == {
        "FailureTolerancePercentage": 10,
        "MaxConcurrentPercentage": 25,
        "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
        "RegionConcurrencyType": "SEQUENTIAL",
    }


def test_every_setting_it_passes_is_a_member_template_parameter(
    template: dict[str, Any], member: dict[str, Any]
) -> None:
    properties = stack_set(template)
    passed = {p["ParameterKey"] for p in properties["Parameters"]}

    assert passed <= set(member["Parameters"])
    assert {"DryRun", "CentralEventBusArn"} <= passed
    assert {p["ParameterKey"]: p["ParameterValue"] for p in properties["Parameters"]}["DryRun"] == "true"


def test_moto_cannot_create_the_stack_set_resource_itself() -> None:
    # If this starts failing, deploy org/stack-set.yaml into moto directly instead of the API calls below.
    assert "AWS::CloudFormation::StackSet" not in get_model_map()


def test_the_stack_set_reaches_every_account_of_the_target_ou_in_every_region_and_no_other(
    code_buckets: None, organisation: Organisation, template: dict[str, Any], tmp_path: Path
) -> None:
    generate(tmp_path)
    key = next(
        o["Key"]
        for o in boto3.client("s3", region_name="eu-west-1").list_objects_v2(
            Bucket=f"{BUCKET_PREFIX}-eu-west-1"
        )["Contents"]
        if o["Key"].endswith(".json")
    )
    properties = stack_set(
        template,
        OrganizationalUnitIds=[organisation.workloads_ou],
        MemberTemplateUrl=f"https://{BUCKET_PREFIX}-eu-west-1.s3.eu-west-1.amazonaws.com/{key}",
        CallAs="SELF",
    )
    (group,) = properties["StackInstancesGroup"]
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")

    # CloudFormation passes a Number parameter's Ref on as text.
    member_parameters = [{**p, "ParameterValue": str(p["ParameterValue"])} for p in properties["Parameters"]]

    cloudformation.create_stack_set(
        Parameters=member_parameters,
        **{
            k: properties[k]
            for k in (
                "StackSetName",
                "Description",
                "TemplateURL",
                "Capabilities",
                "PermissionModel",
                "AutoDeployment",
                "CallAs",
                "ManagedExecution",
            )
        },
    )
    cloudformation.create_stack_instances(
        StackSetName=properties["StackSetName"],
        DeploymentTargets=group["DeploymentTargets"],
        Regions=group["Regions"],
        OperationPreferences=properties["OperationPreferences"],
        CallAs=properties["CallAs"],
    )

    described = cloudformation.describe_stack_set(StackSetName="steward", CallAs="SELF")["StackSet"]
    instances = cloudformation.list_stack_instances(StackSetName="steward", CallAs="SELF")["Summaries"]
    assert described["PermissionModel"] == "SERVICE_MANAGED"
    assert {(i["Account"], i["Region"]) for i in instances} == {
        (account, region) for account in organisation.member_accounts for region in REGIONS
    }
    assert '"AWS::Lambda::Function"' in described["TemplateBody"]
