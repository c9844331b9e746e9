"""boto3 clients, created once per process and region, with the retry configuration in one place."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from steward.services import read_only

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudhsmv2 import CloudHSMV2Client
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_elasticache import ElastiCacheClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_redshift import RedshiftClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sts import STSClient

# Adaptive mode: botocore's standard retries (Throttling, ThrottlingException, 5xx) with a
# client-side rate limiter that slows a sweep down instead of failing it.
RETRIES = Config(
    retries={"mode": "adaptive", "total_max_attempts": 8},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="steward",
)

ServiceName = Literal[
    "elasticache",
    "redshift",
    "cloudhsmv2",
    "resourcegroupstaggingapi",
    "kms",
    "dynamodb",
    "sns",
    "events",
    "cloudformation",
    "sts",
]


class EventBridgeClient(Protocol):
    """The one EventBridge call Steward makes (no type stubs for events are installed)."""

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]: ...


@overload
def client(service: Literal["elasticache"], region: str) -> ElastiCacheClient: ...
@overload
def client(service: Literal["redshift"], region: str) -> RedshiftClient: ...
@overload
def client(service: Literal["cloudhsmv2"], region: str) -> CloudHSMV2Client: ...
@overload
def client(service: Literal["resourcegroupstaggingapi"], region: str) -> ResourceGroupsTaggingAPIClient: ...
@overload
def client(service: Literal["kms"], region: str) -> KMSClient: ...
@overload
def client(service: Literal["dynamodb"], region: str) -> DynamoDBClient: ...
@overload
def client(service: Literal["sns"], region: str) -> SNSClient: ...
@overload
def client(service: Literal["events"], region: str) -> EventBridgeClient: ...
@overload
def client(service: Literal["cloudformation"], region: str) -> CloudFormationClient: ...
@overload
def client(service: Literal["sts"], region: str) -> STSClient: ...
def client(service: ServiceName, region: str) -> Any:
    return _client(service, region)


@cache
def _client(service: str, region: str) -> Any:
    # Every client passes the plan-mode check: there is no other way to get one.
    return read_only.guard(boto3.client(service, region_name=region, config=RETRIES))  # type: ignore[call-overload]


def use_profile(profile: str) -> None:
    """Clients created from now on use this profile of the AWS config (`steward plan --profile`)."""
    boto3.setup_default_session(profile_name=profile)
    _client.cache_clear()


def configured_region() -> str | None:
    """The region of the operator's AWS config or environment, if any."""
    return (boto3.DEFAULT_SESSION or boto3.Session()).region_name


# What a call can raise once botocore's retries are spent: an AWS error, or no answer at all.
AwsError = (ClientError, BotoCoreError)


def error_code(error: ClientError | BotoCoreError) -> str:
    """The wire error code (not the boto3 exception class name, which often differs); for a call
    that got no answer (connection, timeout), botocore's exception name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__


def reset() -> None:
    """Forget cached clients and leave plan mode (tests start a fresh mock per test)."""
    _client.cache_clear()
    read_only.disable()
