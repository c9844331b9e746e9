"""What the key-removal triggers tell the purge, whichever of them delivered it.

Every older backup of a cluster still holds a key that was removed from it, so each trigger
(`events.kms_calls`, `events.kms_cmk_deletion`, `events.operator`, `events.hsm_audit_log`) reads
its event into these outcomes; `events.key_triggers.parse_key_event` picks the trigger:

* `KeyRemoval`: key material is gone; purge the backups that may hold it.
* `KeyDeletionScheduled` / `KeyDeletionCancelled`: a KMS key in a CloudHSM key store is
  pending deletion, or no longer is; the flow records key → cluster while DescribeKey still works.
* `PurgeUndo`: an operator asks to restore what a purge deleted.
* `NotApplicable` (`events.outcomes`): a well-formed event that must not start a purge.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from steward.events.dates import UtcDatetime
from steward.events.outcomes import InvalidField, NotApplicable
from steward.vocabulary.hsm import AWS_CLUSTER_ID_PATTERN

Trigger = Literal["kms-delete-key", "kms-cmk-deletion", "hsm-audit-log", "operator"]

ACCEPTED_KEY_ARN = "a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id>"
KEY_ARN = re.compile(
    r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/(?P<key_id>[A-Za-z0-9_-]+)"
)


def key_arn_for(region: str, account: str, key_id: str) -> str:
    """The ARN of a KMS key named only by its id, in the partition its region belongs to."""
    return f"arn:{partition_of(region)}:kms:{region}:{account}:key/{key_id}"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def arn_and_id(value: str, where: str) -> tuple[str | None, str]:
    """A key named by ARN or by id, as (ARN or None, id); InvalidField for a malformed ARN."""
    if not value.startswith("arn:"):
        return None, value
    match = KEY_ARN.fullmatch(value)
    if match is None:
        raise InvalidField(where, value, ACCEPTED_KEY_ARN)
    return value, match["key_id"]


def _key_arn(value: str) -> str:
    if not KEY_ARN.fullmatch(value):
        raise ValueError(f"expected {ACCEPTED_KEY_ARN}")
    return value


def _aws_cluster_id(value: str) -> str:
    if not AWS_CLUSTER_ID_PATTERN.fullmatch(value):
        raise ValueError("expected a CloudHSM cluster id, 'cluster-' then letters and digits")
    return value


KeyArn = Annotated[str, AfterValidator(_key_arn)]
# A cluster id AWS wrote: taken as written, as long as it looks like one.
AwsClusterId = Annotated[str, AfterValidator(_aws_cluster_id)]


class KeyRemoval(BaseModel):
    """Key material left a cluster at `removed_at`; every backup older than that may still hold it.

    `cluster_id` is None when the trigger does not say (KMS CMK Deletion): the flow finds the
    cluster recorded for the key when its deletion was scheduled.
    """

    model_config = ConfigDict(frozen=True)

    cluster_id: str | None
    key_arn: str | None
    key_id: str | None
    removed_at: UtcDatetime
    key_created_at: UtcDatetime | None = None
    immediate: bool = False
    reason: str | None = None
    trigger: Trigger
    region: str
    account: str
    source_event_id: str
    # Audit-log removals name the HSM key handle instead of a KMS key, where the line was, and
    # the opcode logged.
    key_handle: int | None = None
    log_group: str | None = None
    log_stream: str | None = None
    opcode: str | None = None
    # Operator removals: who sent it (bin/steward reads it from STS), if the event says.
    requested_by: str | None = None

    @model_validator(mode="after")
    def _names_a_key_or_a_cluster(self) -> KeyRemoval:
        if self.cluster_id is None and self.key_arn is None and self.key_id is None:
            raise ValueError("a key removal names a cluster, a key, or both")
        return self

    @property
    def removal_id(self) -> str:
        """The same for every delivery of one removal, whichever trigger delivered it.

        A KMS key is one removal however many events report it (DeleteKey, KMS CMK Deletion,
        retries): the id is the key's region, account and id. A removal reported for a cluster
        (operator, audit log) is the cluster, the instant and, from an audit log, the key handle.
        """
        if self.key_arn is not None or self.key_id is not None:
            region, account, key_id = self._key_parts()
            return f"kms-key/{region}/{account}/{key_id}"
        instant = self.removed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        removal_id = f"cluster/{self.cluster_id}/{instant}"
        if self.key_handle is not None:
            removal_id += f"/key-handle/{self.key_handle}"
        return removal_id

    def _key_parts(self) -> tuple[str, str, str]:
        # Taken from the ARN when there is one: it names the key's own region and account.
        match = KEY_ARN.fullmatch(self.key_arn or "")
        if match is not None:
            return match["region"], match["account"], match["key_id"]
        return self.region, self.account, self.key_id or ""


class KeyDeletionScheduled(BaseModel):
    """ScheduleKeyDeletion succeeded: the key is pending deletion; record its cluster now."""

    model_config = ConfigDict(frozen=True)

    key_arn: str | None
    key_id: str
    deletion_date: UtcDatetime | None
    pending_window_days: int | None
    key_state: str | None
    requested_at: UtcDatetime
    region: str
    account: str
    source_event_id: str


class KeyDeletionCancelled(BaseModel):
    """CancelKeyDeletion succeeded: the key stays (disabled); forget any pending purge for it."""

    model_config = ConfigDict(frozen=True)

    key_arn: str | None
    key_id: str
    requested_at: UtcDatetime
    region: str
    account: str
    source_event_id: str


class PurgeUndo(BaseModel):
    """An operator asks to restore the backups one purge deleted (possible for 7 days)."""

    model_config = ConfigDict(frozen=True)

    purge_id: str
    requested_at: UtcDatetime
    region: str
    account: str
    source_event_id: str
    requested_by: str | None = None


KeyEventOutcome = KeyRemoval | KeyDeletionScheduled | KeyDeletionCancelled | PurgeUndo | NotApplicable
