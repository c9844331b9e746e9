"""boto3 clients, created once per process and region, with the retry configuration in one place."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.utils import parse_timestamp

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

# botocore's standard mode waits at most 2**(n-1) seconds (capped at 20) after the n-th failed attempt.
MAX_BACKOFF = 20
# A call, retries included, may use this much of the safety margin; the rest is for reporting.
CALL_SHARE_OF_MARGIN = 0.8
# As many attempts (up to 8) as leave each this long (control-plane calls answer in well under 1 s).
MIN_ATTEMPT_SECONDS = 3.0


@dataclass(frozen=True)
class CallLimits:
    """How many attempts a call gets and how long each may wait, all derived from the safety
    margin, so that no call started before the margin, retries and their waits included, is
    still running when the Lambda timeout comes."""

    attempts: int
    connect_timeout: float
    read_timeout: float

    @classmethod
    def within(cls, safety_margin_seconds: float) -> CallLimits:
        budget = safety_margin_seconds * CALL_SHARE_OF_MARGIN

        def per_attempt(attempts: int) -> float:
            return (budget - _waits(attempts)) / attempts

        attempts = max([n for n in range(2, 9) if per_attempt(n) >= MIN_ATTEMPT_SECONDS], default=2)
        connect = min(5.0, per_attempt(attempts) / 3)
        return cls(attempts, connect, per_attempt(attempts) - connect)

    @property
    def longest_call(self) -> float:
        """Every attempt timing out, every wait between them at its longest."""
        return self.attempts * (self.connect_timeout + self.read_timeout) + _waits(self.attempts)

    def config(self, connections: int) -> Config:
        # Adaptive mode: botocore's standard retries (Throttling, ThrottlingException, 5xx) with
        # a client-side rate limiter, one per client, so threads sharing a client slow down together.
        return Config(
            retries={"mode": "adaptive", "total_max_attempts": self.attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_pool_connections=max(10, connections),
            user_agent_extra="steward",
        )


def _waits(attempts: int) -> float:
    return float(sum(min(2**n, MAX_BACKOFF) for n in range(attempts - 1)))


# What the clients are made under: the function's safety margin and how many threads share one.
_limits = {"safety_margin_seconds": 30.0, "connections": 10.0}

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
    return _client(service, region, _limits["safety_margin_seconds"], int(_limits["connections"]))


def configure(*, safety_margin_seconds: float, connections: int = 10) -> None:
    """Make clients from now on under limits derived from the function's safety margin, with a
    connection pool for as many threads as will share one."""
    _limits.update(safety_margin_seconds=safety_margin_seconds, connections=connections)


@cache
def _client(service: str, region: str, safety_margin_seconds: float, connections: int) -> Any:
    config = CallLimits.within(safety_margin_seconds).config(connections)
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    assert session is not None
    # botocore's documented hook for the parser its clients read timestamps with.
    parsers = session._session.get_component("response_parser_factory")
    parsers.set_parser_defaults(timestamp_parser=read_timestamp)
    # Every client passes the plan-mode check: there is no other way to get one.
    return read_only.guard(session.client(service, region_name=region, config=config))  # type: ignore[call-overload]


def read_timestamp(value: Any) -> datetime:
    """botocore's timestamp parser (dateutil, ~100 us a value, two thirds of response parsing) for
    the standard library's C ISO 8601 parser (~0.5 us) where it applies; numbers, epoch strings and
    anything fromisoformat refuses still go to botocore's, so every value reads as botocore reads it."""
    if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
        with suppress(ValueError):
            return datetime.fromisoformat(value)
    return parse_timestamp(value)


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
