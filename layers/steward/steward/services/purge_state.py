"""DynamoDB (the template's StateTable): key purges and the KMS keys whose deletion is scheduled.

Items (pk / sk):

* `purge#<purge id>` / `purge`: one per removal, created with a conditional put
  (attribute_not_exists), so however many times and by however many triggers a removal is
  delivered, there is one purge. Updated with a version check, so two concurrent invocations
  cannot overwrite each other's report: a save that loses re-reads the record, re-applies its
  change and tries again (`update`). Before any DeleteBackup the purge writes the backups it is
  about to delete (`intended`), so an undo can restore them even if the invocation dies after
  deleting and before recording what it did. A dry run writes `purge#<purge id>` / `dry-run` instead,
  so a dry run never stands in for, or blocks, the real purge.
* `pending-purge` / `<purge id>`: purges the scheduled check must look at again (one Query).
* `key#<key ARN>` / `key`: a KMS key in a CloudHSM key store whose deletion is scheduled, with
  its cluster and creation date, because `KMS CMK Deletion` names only the key and DescribeKey
  fails once the key is gone. Expires (TTL) 30 days after the key's deletion date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from steward.services.clients import client, error_code
from steward.vocabulary.hsm import HELD

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PURGE = "purge"
DRY_RUN = "dry-run"
PENDING = "pending-purge"
CONDITION_FAILED = "ConditionalCheckFailedException"
# How many times `update` re-reads and re-applies a change that lost to a concurrent save.
SAVE_ATTEMPTS = 3

PurgeStatus = Literal["pending", "done", "undone", "dry-run"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PurgedBackup(_Record):
    backup_id: str
    region: str
    restorable_until: datetime | None = None
    never_expires_cleared: bool = False


class PendingBackup(_Record):
    backup_id: str
    region: str
    reason: str
    detail: str = ""


class FlaggedClusterRecord(_Record):
    cluster_id: str
    region: str
    from_backup: str


class PurgeRecord(_Record):
    """A purge: what was removed, what Steward has done about it, what is left."""

    purge_id: str
    removal_id: str
    cluster_id: str
    region: str
    trigger: str
    key: str | None = None
    removed_at: datetime
    key_created_at: datetime | None = None
    immediate: bool = False
    reason: str | None = None
    # The audit-log opcode that started the purge (audit-log removals only).
    opcode: str | None = None
    dry_run: bool
    status: PurgeStatus
    opened_at: datetime
    updated_at: datetime
    source_event_id: str
    # Operator removals: who sent the event (bin/steward puts its STS identity in it).
    requested_by: str | None = None
    deliveries: int = 1
    # Why the purge went ahead (clean-restore-point, immediate, max-wait-elapsed), once it did.
    proceeded: str | None = None
    wait_until: datetime | None = None
    # Backups this purge was about to delete, written before DeleteBackup: an undo restores any
    # of these still PENDING_DELETION, whether or not `deleted` got to record it.
    intended: list[PurgedBackup] = []
    # Backups this purge deleted.
    deleted: list[PurgedBackup] = []
    # Key-bearing backups that were already pending deletion or deleted when the purge saw them.
    already_gone: list[PurgedBackup] = []
    pending: list[PendingBackup] = []
    flagged: list[FlaggedClusterRecord] = []
    restored: list[PurgedBackup] = []
    unrecoverable: list[PurgedBackup] = []
    version: int = 0
    expires_at: int | None = None

    def summary(self) -> dict[str, object]:
        """What a person needs to know about a purge; the notification's body."""
        purged: dict[str, list[dict[str, object]]] = {}
        for backup in self.deleted:
            purged.setdefault(backup.region, []).append(
                {
                    "backupId": backup.backup_id,
                    "restorableUntil": iso(backup.restorable_until),
                    "neverExpiresCleared": backup.never_expires_cleared,
                }
            )
        return {
            "purgeId": self.purge_id,
            "status": self.status,
            "dryRun": self.dry_run,
            "cluster": self.cluster_id,
            "region": self.region,
            "trigger": self.trigger,
            "key": self.key,
            "removedAt": iso(self.removed_at),
            "keyCreatedAt": iso(self.key_created_at),
            "reason": self.reason,
            "requestedBy": self.requested_by,
            "opcode": self.opcode,
            "proceeded": self.proceeded,
            "waitUntil": iso(self.wait_until),
            "purgedBackups": purged,
            "alreadyPendingDeletion": [
                {"backupId": b.backup_id, "region": b.region, "restorableUntil": iso(b.restorable_until)}
                for b in self.already_gone
            ],
            # Under steward:hold, so never deleted: the key is still in them; the purge stays pending.
            "heldBackups": [
                {"backupId": p.backup_id, "region": p.region, "detail": p.detail}
                for p in self.pending
                if p.reason == HELD
            ],
            "flaggedClusters": [f.model_dump() for f in self.flagged],
            "pending": [p.model_dump() for p in self.pending],
            "restored": [{"backupId": b.backup_id, "region": b.region} for b in self.restored],
            "unrecoverable": [{"backupId": b.backup_id, "region": b.region} for b in self.unrecoverable],
            "deliveries": self.deliveries,
        }


def iso(moment: datetime | None) -> str | None:
    """A moment as Steward writes it in JSON (records, notifications): 2026-11-02T09:30:00Z."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class KeyRecord(_Record):
    key_arn: str
    key_id: str
    cluster_id: str
    key_store_id: str
    key_created_at: datetime | None = None
    region: str
    deletion_date: datetime | None = None
    scheduled_by_event: str
    expires_at: int | None = None


class RecordConflict(Exception):
    """A purge record kept changing under us (or vanished) while we tried to save our change."""


class PurgeState:
    def __init__(self, table: str, region: str) -> None:
        self.table = table
        self._dynamodb = client("dynamodb", region)

    # --- purges ---------------------------------------------------------------------------------

    def open(self, record: PurgeRecord) -> bool:
        """Create the purge; False if a purge for this removal already exists (nothing written)."""
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item=_item(_purge_key(record.purge_id, record.dry_run), record),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return False
            raise
        return True

    def get(self, purge_id: str, *, dry_run: bool = False) -> PurgeRecord | None:
        item = self._dynamodb.get_item(
            TableName=self.table, Key=_key(*_purge_key(purge_id, dry_run)), ConsistentRead=True
        ).get("Item")
        return None if item is None else PurgeRecord.model_validate(_plain(item))

    def save(self, record: PurgeRecord) -> PurgeRecord | None:
        """Write `record` if nobody saved it since it was read; the saved record, or None if lost."""
        saved = record.model_copy(update={"version": record.version + 1})
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item=_item(_purge_key(record.purge_id, record.dry_run), saved),
                ConditionExpression="version = :read",
                ExpressionAttributeValues={":read": {"N": str(record.version)}},
            )
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                return None
            raise
        return saved

    def update(self, record: PurgeRecord, change: Callable[[PurgeRecord], PurgeRecord]) -> PurgeRecord:
        """Save `change(record)`; if someone saved since `record` was read, apply `change` to a
        fresh read and try again. Never writes over a newer record; RecordConflict if it cannot."""
        current = record
        for _ in range(SAVE_ATTEMPTS):
            saved = self.save(change(current))
            if saved is not None:
                return saved
            fresh = self.get(record.purge_id, dry_run=record.dry_run)
            if fresh is None:
                raise RecordConflict(f"purge {record.purge_id} disappeared while being saved")
            current = fresh
        raise RecordConflict(
            f"purge {record.purge_id} changed concurrently {SAVE_ATTEMPTS} times while being saved"
        )

    def count_delivery(self, purge_id: str, *, dry_run: bool = False) -> None:
        self._dynamodb.update_item(
            TableName=self.table,
            Key=_key(*_purge_key(purge_id, dry_run)),
            # A new version too, so a save based on an older read re-reads instead of undoing this.
            UpdateExpression="ADD deliveries :one, version :one",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def mark_pending(self, purge_id: str) -> None:
        self._dynamodb.put_item(TableName=self.table, Item=_key(PENDING, purge_id))

    def clear_pending(self, purge_id: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key=_key(PENDING, purge_id))

    def pending_ids(self) -> list[str]:
        pages = self._dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pending",
            ExpressionAttributeValues={":pending": {"S": PENDING}},
            ConsistentRead=True,
        )
        return [item["sk"]["S"] for page in pages for item in page.get("Items", []) if "S" in item["sk"]]

    # --- keys whose deletion is scheduled ---------------------------------------------------------

    def record_key(self, record: KeyRecord) -> None:
        self._dynamodb.put_item(TableName=self.table, Item=_item((f"key#{record.key_arn}", "key"), record))

    def key(self, key_arn: str) -> KeyRecord | None:
        item = self._dynamodb.get_item(
            TableName=self.table, Key=_key(f"key#{key_arn}", "key"), ConsistentRead=True
        ).get("Item")
        return None if item is None else KeyRecord.model_validate(_plain(item))

    def forget_key(self, key_arn: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key=_key(f"key#{key_arn}", "key"))


def _purge_key(purge_id: str, dry_run: bool) -> tuple[str, str]:
    return f"purge#{purge_id}", DRY_RUN if dry_run else PURGE


def _key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _item(key: tuple[str, str], record: BaseModel) -> dict[str, AttributeValueTypeDef]:
    fields = record.model_dump(mode="json", exclude_none=True)
    item: dict[str, AttributeValueTypeDef] = {
        name: _SERIALIZER.serialize(value) for name, value in fields.items()
    }
    return {**item, **_key(*key)}


def _plain(item: dict[str, Any]) -> dict[str, object]:
    return {name: _number(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


def _number(value: object) -> object:
    # DynamoDB numbers come back as Decimal; every number Steward stores is an integer.
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    return value
