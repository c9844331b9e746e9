"""CloudFormation: a deployed Steward stack's parameters, so a plan judges with the stack's settings."""

from __future__ import annotations

from steward.services.clients import client


class StackNotFound(LookupError):
    """No stack of that name (or ARN) in the region."""


def stack_parameters(stack: str, region: str) -> dict[str, str]:
    """ParameterKey -> ParameterValue as the stack was last deployed (DescribeStacks)."""
    cloudformation = client("cloudformation", region)
    try:
        [found] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        # CloudFormation answers a missing stack with ValidationError "Stack with id X does not exist".
        if "does not exist" in str(error):
            raise StackNotFound(f"--stack {stack!r}: no such stack in {region}") from None
        raise
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}


def stack_resource(stack: str, logical_id: str, region: str) -> str | None:
    """The physical id of one of the stack's resources (e.g. its StateTable's name), None if absent."""
    cloudformation = client("cloudformation", region)
    try:
        detail = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=logical_id)
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return detail["StackResourceDetail"].get("PhysicalResourceId")
