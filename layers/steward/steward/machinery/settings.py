"""The function's configuration, read from its environment once, at cold start.

A bad value fails the cold start with a message that names the variable, the value seen
and what is accepted, before anything is listed or deleted.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from steward.machinery.validation import problems, worded
from steward.policy.retention import RetentionRules
from steward.vocabulary.hsm import KEY_DELETION_OPCODES
from steward.vocabulary.tags import MIN_FINAL_SNAPSHOT_DAYS

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


CENTRAL_BUS_PATTERN = worded(
    r"^(arn:aws[a-z-]*:events:[a-z]{2}(-[a-z]+)+-\d:\d{12}:event-bus/[A-Za-z0-9._-]+)?$",
    "an event bus ARN such as arn:aws:events:us-east-1:123456789012:event-bus/steward-central, or empty",
)
REGION_PATTERN = worded(r"^[a-z]{2}(-[a-z]+)+-\d$", "an AWS region name such as us-west-2")
AuditLogGroups = Annotated[
    list[
        Annotated[
            str,
            Field(
                pattern=worded(
                    r"^/aws/cloudhsm/cluster-[A-Za-z0-9]+$",
                    "a CloudHSM audit log group such as /aws/cloudhsm/cluster-likphkxygsn",
                )
            ),
        ]
    ],
    NoDecode,
    BeforeValidator(_comma_separated),
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
    # The organisation's central event bus (docs/organisation.md), read by services/central_bus.py; "" = none.
    CENTRAL_EVENT_BUS_ARN: Annotated[str, Field(pattern=CENTRAL_BUS_PATTERN)] = ""
    # The one region the function acts in (Lambda sets AWS_REGION), whatever an event names.
    AWS_REGION: Annotated[
        str,
        Field(
            pattern=REGION_PATTERN,
            validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"),
        ),
    ]


# Final and rescue snapshots are kept at least this long, whatever a tag says (only the operator lowers it).
MinFinalSnapshotRetention = Annotated[int, Field(ge=1, le=3653)]

# The template's StateTable (DynamoDB, pk/sk strings, TTL attribute `expires_at`).
StateTable = Annotated[
    str,
    Field(
        min_length=3,
        max_length=255,
        pattern=worded(r"^[A-Za-z0-9_.-]+$", "a DynamoDB table name (letters, digits, '_', '-', '.')"),
    ),
]


class RetentionSettings(StewardSettings):
    DEFAULT_RETENTION_DAYS: Annotated[int, Field(ge=0, le=3653)] = 0
    MIN_FINAL_SNAPSHOT_RETENTION_DAYS: MinFinalSnapshotRetention = MIN_FINAL_SNAPSHOT_DAYS
    MIN_KEEP: Annotated[int, Field(ge=0, le=1000)] = 1
    # A shared Redshift snapshot is kept unless the deployment opts in to revoking its shares first.
    REVOKE_SHARED_SNAPSHOTS: TrueOrFalse = False
    # Comma-separated, e.g. "elasticache,redshift".
    SERVICES: ServiceList = ["elasticache", "redshift", "cloudhsm"]
    # Where the sweep remembers the last steward:* tags of each cluster (its own last-known# items).
    STATE_TABLE: StateTable
    # Single-item deletes (ElastiCache, CloudHSM) in flight at once per service; Redshift batches.
    DELETE_CONCURRENCY: Annotated[int, Field(ge=1, le=32)] = 8

    @property
    def rules(self) -> RetentionRules:
        return RetentionRules(
            default_retention_days=self.DEFAULT_RETENTION_DAYS,
            min_keep=self.MIN_KEEP,
            revoke_shares=self.REVOKE_SHARED_SNAPSHOTS,
            min_final_snapshot_days=self.MIN_FINAL_SNAPSHOT_RETENTION_DAYS,
        )


TOPIC_ARN_PATTERN = worded(
    r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$",
    "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:steward-alerts",
)


class StateAndNotifications(StewardSettings):
    """For functions that keep state between invocations and notify people (parts 2 and 3)."""

    STATE_TABLE: StateTable
    # The template's AlertsTopic: purge reports, rescue alerts and refusals go there.
    NOTIFICATIONS_TOPIC_ARN: Annotated[str, Field(pattern=TOPIC_ARN_PATTERN)]


def _regions(value: object) -> object:
    regions = _comma_separated(value)
    if isinstance(regions, list):
        for region in regions:
            if not isinstance(region, str) or not re.fullmatch(REGION_PATTERN, region):
                raise ValueError(
                    f"comma-separated AWS region names such as us-west-2 ({region!r} is not one)"
                )
    return regions


RegionList = Annotated[list[str], NoDecode, BeforeValidator(_regions)]


def _opcodes(value: object) -> object:
    opcodes = _comma_separated(value)
    if isinstance(opcodes, list):
        unknown = [opcode for opcode in opcodes if opcode not in KEY_DELETION_OPCODES]
        if unknown or not opcodes:
            raise ValueError("a comma-separated list of one or more of " + ", ".join(KEY_DELETION_OPCODES))
    return opcodes


OpcodeList = Annotated[list[str], NoDecode, BeforeValidator(_opcodes)]


class KeyPurgeSettings(StateAndNotifications):
    """HsmPurgeFunction: where key-bearing backups can live, and how long a purge may wait."""

    # Regions this deployment copies CloudHSM backups to ("" = none); copies carry the key too.
    COPY_REGIONS: RegionList = []
    # Longest a purge waits for a backup taken after the removal before it proceeds and alerts.
    MAX_WAIT_HOURS: Annotated[int, Field(ge=0, le=24 * 30)] = 48
    # The CloudHSM audit log groups opted in (template AuditLogGroups): a line from any other is refused.
    AUDIT_LOG_GROUPS: AuditLogGroups = []
    # Audit-log opcodes that start a purge: both record a key deletion (docs/hsm-audit-log.md).
    PURGE_OPCODES: OpcodeList = list(KEY_DELETION_OPCODES)


def _final_snapshot_retention(value: object) -> object:
    # -1 keeps the final snapshot forever; 0 is not a Redshift retention period.
    days = int(value) if isinstance(value, str) and value.strip().lstrip("-").isdigit() else value
    if isinstance(days, int) and days != -1 and not 1 <= days <= 3653:
        raise ValueError("-1 (keep forever) or whole days 1..3653")
    return days


ArnList = Annotated[
    list[
        Annotated[
            str,
            Field(
                pattern=worded(
                    r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$",
                    "an IAM role ARN such as arn:aws:iam::123456789012:role/steward",
                )
            ),
        ]
    ],
    NoDecode,
    BeforeValidator(_comma_separated),
]


PrincipalList = Annotated[
    list[
        Annotated[
            str,
            Field(
                pattern=worded(
                    r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=.@_/*-]+$",
                    "an IAM or STS principal ARN such as arn:aws:iam::123456789012:role/ops "
                    "(* matches any run of characters)",
                )
            ),
        ]
    ],
    NoDecode,
    BeforeValidator(_comma_separated),
]


class FinalSnapshotSettings(StateAndNotifications):
    """FinalSnapshotFunction: how long Redshift keeps a final snapshot, and which roles are Steward's."""

    # Redshift FinalClusterSnapshotRetentionPeriod when the cluster has no steward:retention-days tag.
    FINAL_SNAPSHOT_RETENTION_DAYS: Annotated[int, BeforeValidator(_final_snapshot_retention)] = -1
    MIN_FINAL_SNAPSHOT_RETENTION_DAYS: MinFinalSnapshotRetention = MIN_FINAL_SNAPSHOT_DAYS
    # Comma-separated IAM role ARNs whose deletes are Steward's own (the function's role).
    STEWARD_ROLE_ARNS: ArnList = []
    # Comma-separated principal ARNs (iam or sts, `*` matches any run of characters) allowed to
    # decommission by tag; empty = anyone who may tag. Anyone else's steward:delete-after is refused.
    DECOMMISSION_PRINCIPALS: PrincipalList = []


def load[S: StewardSettings](settings_class: type[S]) -> S:
    """Read and validate the environment, or fail with an error an operator can act on."""
    try:
        return settings_class()
    except ValidationError as error:
        found = []
        for problem in problems(error):
            variable = problem.field.partition(".")[0] or "environment"
            if problem.missing:
                found.append(f"{variable} is not set")
                continue
            accepted = number_range(settings_class, variable) or problem.accepted
            if problem.field.partition(".")[2].isdigit():
                # One entry of a comma-separated list: the entry is shown, the list may be long.
                accepted = f"comma-separated entries, each {accepted}"
            found.append(f"{variable}={problem.seen!r} is not accepted: {accepted}")
        raise SettingsError("invalid configuration: " + "; ".join(found)) from None


def number_range(settings_class: type[StewardSettings], variable: str) -> str | None:
    """'a whole number from 0 to 1000' for a number field with bounds (pydantic names only one)."""
    field = settings_class.model_fields.get(variable)
    if field is None or field.annotation is not int:
        return None
    bounds = {type(m).__name__: getattr(m, type(m).__name__.lower(), None) for m in field.metadata}
    if bounds.get("Ge") is None or bounds.get("Le") is None:
        return None
    return f"a whole number from {bounds['Ge']} to {bounds['Le']}"
