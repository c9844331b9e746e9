"""The function's configuration, read from its environment once, at cold start.

A bad value fails the cold start with a message that names the variable, the value seen
and what is accepted, before anything is listed or deleted.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from steward.policy.retention import RetentionRules

_TRUE_FALSE = {"true": True, "false": False}


def _true_or_false(value: object) -> object:
    # Only the two spellings operators type in a template; "yes", "1" or "" are mistakes, not booleans.
    if isinstance(value, str):
        if value.strip().lower() not in _TRUE_FALSE:
            raise ValueError("accepted values: true, false")
        return _TRUE_FALSE[value.strip().lower()]
    return value


def _comma_separated(value: object) -> object:
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


TrueOrFalse = Annotated[bool, BeforeValidator(_true_or_false)]
ServiceList = Annotated[
    list[Literal["elasticache", "redshift", "cloudhsm"]],
    NoDecode,
    BeforeValidator(_comma_separated),
    Field(min_length=1),
]


class SettingsError(ValueError):
    """The environment holds a value Steward does not accept."""


class StewardSettings(BaseSettings):
    """Shared by every function: dry-run and how close to the Lambda timeout a run may go."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    # Until told otherwise, Steward only reports what it would delete.
    DRY_RUN: TrueOrFalse = True
    # Stop starting new deletes when less than this is left before the Lambda timeout.
    SAFETY_MARGIN_SECONDS: Annotated[int, Field(ge=5, le=600)] = 30


class RetentionSettings(StewardSettings):
    DEFAULT_RETENTION_DAYS: Annotated[int, Field(ge=0, le=3653)] = 0
    MIN_KEEP: Annotated[int, Field(ge=0, le=1000)] = 1
    # A shared Redshift snapshot is kept unless the deployment opts in to revoking its shares first.
    REVOKE_SHARED_SNAPSHOTS: TrueOrFalse = False
    # Comma-separated, e.g. "elasticache,redshift".
    SERVICES: ServiceList = ["elasticache", "redshift", "cloudhsm"]

    @property
    def rules(self) -> RetentionRules:
        return RetentionRules(
            default_retention_days=self.DEFAULT_RETENTION_DAYS,
            min_keep=self.MIN_KEEP,
            revoke_shares=self.REVOKE_SHARED_SNAPSHOTS,
        )


TOPIC_ARN_PATTERN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$"


class StateAndNotifications(StewardSettings):
    """For functions that keep state between invocations and notify people (parts 2 and 3)."""

    # The template's StateTable (DynamoDB, pk/sk strings, TTL attribute `expires_at`).
    STATE_TABLE: Annotated[str, Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$")]
    # The template's AlertsTopic: purge reports, rescue alerts and refusals go there.
    NOTIFICATIONS_TOPIC_ARN: Annotated[str, Field(pattern=TOPIC_ARN_PATTERN)]


def load[S: StewardSettings](settings_class: type[S]) -> S:
    """Read and validate the environment, or fail with an error an operator can act on."""
    try:
        return settings_class()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            variable = str(item["loc"][0]) if item["loc"] else "environment"
            accepted = item["msg"].removeprefix("Value error, ")
            problems.append(f"{variable}={item.get('input')!r} is not accepted: {accepted}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
