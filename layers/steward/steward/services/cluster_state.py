"""The StateTable records of the final-snapshot capability (DynamoDB, pk/sk strings, TTL `expires_at`).

Every partition key starts with one of the function's own prefixes (`cluster#`, `inventory#`,
`tags-pending#`): its role reaches only those (dynamodb:LeadingKeys), and never Scans.

* Inventory: pk ``inventory#<service>#<region>``, sk ``<cluster id>``: a cluster tagged
  ``steward:final-snapshot`` or ``steward:delete-after`` and its tags, so that a delete event can be
  judged after the cluster (and, for ElastiCache, the ability to read its tags) is gone; and who
  set ``steward:delete-after`` (the tagging event's principal, with the value it set).
* Rescues: pk ``cluster#<service>#<region>#<id>``, sk ``rescue#<CloudTrail eventID>``: written
  before the copy with a conditional put, so a replayed delete event never copies twice.
* Tags still to write: pk ``tags-pending#<service>#<region>``, sk ``<snapshot name>``: a final or
  rescue snapshot whose tagging failed (an ElastiCache final snapshot may not exist yet right
  after the delete call); every sweep tries again until it succeeds.

Records of the earlier layout (pk ``cluster#...`` sk ``inventory``, pk ``snapshot#...`` sk
``tags-pending``) are never read again: they expire by TTL, and the sweep rebuilds the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from steward.services.clients import client, error_code
from steward.vocabulary.tags import DELETE_AFTER

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

INVENTORY: Final = "inventory"
TAGS_PENDING: Final = "tags-pending"
_ATTRIBUTES: Final = {"#tags": "tags", "#seen": "seen_at", "#expires": "expires_at"}
# A record the sweep has not refreshed for this long is dropped by DynamoDB's TTL.
INVENTORY_TTL: Final = timedelta(days=30)
RESCUE_TTL: Final = timedelta(days=90)
# A tag shows on the cluster within this long of its call; a sweep that then sees another value
# knows the recorded tagger's value was changed or removed (by a call no rule sees).
TAG_VISIBLE_WITHIN: Final = timedelta(minutes=15)
# Tags the sweeps could not write in this long are given up (each failed try fails its run).
TAGS_PENDING_TTL: Final = timedelta(days=30)
# A claim whose copy never finished (the invocation died) may be taken over after this.
STALE_CLAIM: Final = timedelta(minutes=15)

RescueStatus = Literal["copying", "copied", "data-lost"]


@dataclass(frozen=True)
class InventoryRecord:
    """A cluster's inventory item: its tags when a sweep or tag event saw it guarded (None when
    only its tagger is recorded), and who set `steward:delete-after` to which value."""

    tags: dict[str, str] | None
    seen_at: str
    delete_after: str | None = None
    set_by: str | None = None
    set_by_role: str | None = None
    refusal_alerted: str | None = None


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a rescue: ours to do, already done, or someone else is on it."""

    ours: bool
    status: str = ""
    snapshot: str = ""


@dataclass(frozen=True)
class PendingTags:
    """Tags to write on a snapshot Steward made (its name, and the cluster it came from)."""

    snapshot: str
    cluster_id: str
    tags: dict[str, str]


def cluster_key(service: str, region: str, cluster_id: str) -> str:
    """The partition of a cluster's rescue claims."""
    return f"cluster#{service}#{region}#{cluster_id}"


def inventory_key(service: str, region: str) -> str:
    return f"{INVENTORY}#{service}#{region}"


def tags_pending_key(service: str, region: str) -> str:
    return f"{TAGS_PENDING}#{service}#{region}"


class ClusterState:
    def __init__(self, table: str, region: str) -> None:
        self.table = table
        self._dynamodb = client("dynamodb", region)

    # --- inventory --------------------------------------------------------------------------
    def recall(self, service: str, region: str, cluster_id: str) -> InventoryRecord | None:
        item = self._dynamodb.get_item(
            TableName=self.table, Key=_key(inventory_key(service, region), cluster_id), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return InventoryRecord(
            tags=_tags(item["tags"]) if "tags" in item else None,
            seen_at=_text(item, "seen_at") or "",
            delete_after=_text(item, "delete_after"),
            set_by=_text(item, "set_by"),
            set_by_role=_text(item, "set_by_role"),
            refusal_alerted=_text(item, "refusal_alerted"),
        )

    def remember(
        self, service: str, region: str, cluster_id: str, tags: Mapping[str, str], now: datetime
    ) -> None:
        # An update, not a put: who set steward:delete-after stays recorded.
        self._dynamodb.update_item(
            TableName=self.table,
            Key=_key(inventory_key(service, region), cluster_id),
            UpdateExpression="SET #tags = :tags, #seen = :seen, #expires = :expires",
            ExpressionAttributeNames=_ATTRIBUTES,
            ExpressionAttributeValues={
                ":tags": {"M": {k: {"S": v} for k, v in tags.items()}},
                ":seen": {"S": now.isoformat()},
                ":expires": _expires(now + INVENTORY_TTL),
            },
        )

    def remember_tagger(
        self,
        service: str,
        region: str,
        cluster_id: str,
        delete_after: str,
        set_by: str,
        set_by_role: str | None,
        tagged_at: datetime,
        now: datetime,
    ) -> bool:
        """Who set steward:delete-after to `delete_after` at `tagged_at`, from the tagging event;
        False (nothing written) when a later tagging is recorded: an older event, replayed or late,
        never takes the tag from whoever set it since."""
        try:
            self._dynamodb.update_item(
                TableName=self.table,
                Key=_key(inventory_key(service, region), cluster_id),
                UpdateExpression=(
                    "SET delete_after = :value, set_by = :by, set_by_role = :role, set_at = :at,"
                    " #expires = :expires REMOVE refusal_alerted"
                ),
                ConditionExpression="attribute_not_exists(set_at) OR set_at <= :at",
                ExpressionAttributeNames={"#expires": "expires_at"},
                ExpressionAttributeValues={
                    ":value": {"S": delete_after},
                    ":by": {"S": set_by},
                    ":role": {"S": set_by_role or ""},
                    ":at": {"S": _utc(tagged_at)},
                    ":expires": _expires(now + INVENTORY_TTL),
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def forget_stale_tagger(
        self, service: str, region: str, cluster_id: str, live: str | None, now: datetime
    ) -> None:
        """Forget who set steward:delete-after once the live value is another (or none) and the
        tag had time to show: the same value set again later is then nobody's the sweep knows."""
        try:
            self._dynamodb.update_item(
                TableName=self.table,
                Key=_key(inventory_key(service, region), cluster_id),
                UpdateExpression="REMOVE delete_after, set_by, set_by_role, set_at",
                ConditionExpression=(
                    "attribute_exists(set_by) AND delete_after <> :live"
                    " AND (attribute_not_exists(set_at) OR set_at < :visible)"
                ),
                ExpressionAttributeValues={
                    ":live": {"S": live or ""},
                    ":visible": {"S": _utc(now - TAG_VISIBLE_WITHIN)},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def refusal_alerted(self, service: str, region: str, cluster_id: str, delete_after: str) -> None:
        """The refusal of this steward:delete-after value was alerted: the sweep does not repeat it."""
        self._dynamodb.update_item(
            TableName=self.table,
            Key=_key(inventory_key(service, region), cluster_id),
            UpdateExpression="SET refusal_alerted = :value",
            ExpressionAttributeValues={":value": {"S": delete_after}},
        )

    def forget(self, service: str, region: str, cluster_id: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key=_key(inventory_key(service, region), cluster_id))

    def inventoried(self, service: str, region: str) -> list[str]:
        """The ids of the clusters in the inventory of one service in one region (one Query)."""
        pages = self._dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": inventory_key(service, region)}},
            ProjectionExpression="sk",
            ConsistentRead=True,
        )
        return [item["sk"]["S"] for page in pages for item in page.get("Items", [])]

    def sync(self, service: str, region: str, listed: Mapping[str, Mapping[str, str]], now: datetime) -> None:
        """Make the inventory of one service in one region exactly `listed` (cluster id -> tags)."""
        for cluster_id, tags in listed.items():
            self.remember(service, region, cluster_id, tags, now)
            self.forget_stale_tagger(service, region, cluster_id, tags.get(DELETE_AFTER), now)
        for cluster_id in set(self.inventoried(service, region)) - set(listed):
            self.forget(service, region, cluster_id)

    # --- tags still to write --------------------------------------------------------------
    def remember_tags(
        self,
        service: str,
        region: str,
        snapshot: str,
        cluster_id: str,
        tags: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._dynamodb.put_item(
            TableName=self.table,
            Item={
                **_key(tags_pending_key(service, region), snapshot),
                "snapshot": {"S": snapshot},
                "cluster_id": {"S": cluster_id},
                "tags": {"M": {k: {"S": v} for k, v in tags.items()}},
                "recorded_at": {"S": now.isoformat()},
                "expires_at": _expires(now + TAGS_PENDING_TTL),
            },
        )

    def pending_tags(self, service: str, region: str) -> list[PendingTags]:
        """The snapshots of one service in one region still to be tagged (one Query)."""
        pages = self._dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": tags_pending_key(service, region)}},
            ConsistentRead=True,
        )
        return [
            PendingTags(
                snapshot=item["sk"]["S"],
                cluster_id=_text(item, "cluster_id") or "",
                tags=_tags(item.get("tags", {})),
            )
            for page in pages
            for item in page.get("Items", [])
        ]

    def tags_written(self, service: str, region: str, snapshot: str) -> None:
        self._dynamodb.delete_item(
            TableName=self.table, Key=_key(tags_pending_key(service, region), snapshot)
        )

    # --- rescues ----------------------------------------------------------------------------
    def claim_rescue(self, key: str, event_id: str, now: datetime) -> Claim:
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item={
                    **_key(key, f"rescue#{event_id}"),
                    "status": {"S": "copying"},
                    "claimed_at": {"S": now.isoformat()},
                    "expires_at": _expires(now + RESCUE_TTL),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#status = :copying AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":copying": {"S": "copying"},
                    ":stale": {"S": (now - STALE_CLAIM).isoformat()},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            item = self._dynamodb.get_item(
                TableName=self.table, Key=_key(key, f"rescue#{event_id}"), ConsistentRead=True
            ).get("Item", {})
            return Claim(
                ours=False,
                status=item.get("status", {}).get("S", ""),
                snapshot=item.get("snapshot", {}).get("S", ""),
            )
        return Claim(ours=True)

    def finish_rescue(self, key: str, event_id: str, status: RescueStatus, snapshot: str = "") -> None:
        self._dynamodb.update_item(
            TableName=self.table,
            Key=_key(key, f"rescue#{event_id}"),
            UpdateExpression="SET #status = :status, #snapshot = :snapshot",
            ExpressionAttributeNames={"#status": "status", "#snapshot": "snapshot"},
            ExpressionAttributeValues={":status": {"S": status}, ":snapshot": {"S": snapshot}},
        )

    def release_rescue(self, key: str, event_id: str) -> None:
        """Give a claim back after a failed copy, so that a retry of the event may try again."""
        self._dynamodb.delete_item(TableName=self.table, Key=_key(key, f"rescue#{event_id}"))


def _key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _expires(at: datetime) -> AttributeValueTypeDef:
    return {"N": str(int(at.timestamp()))}


def _text(item: Mapping[str, AttributeValueTypeDef], name: str) -> str | None:
    # An empty string reads as absent (set_by_role of a caller that is not a role session).
    return item.get(name, {}).get("S") or None


def _tags(value: AttributeValueTypeDef) -> dict[str, str]:
    return {k: v.get("S", "") for k, v in value.get("M", {}).items()}
