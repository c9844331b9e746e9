"""The StateTable records of the final-snapshot capability (DynamoDB, pk/sk strings, TTL `expires_at`).

* Inventory: pk ``cluster#<service>#<region>#<id>``, sk ``inventory``: a cluster tagged
  ``steward:final-snapshot=required`` and its tags, so that a delete event can be judged after the
  cluster (and, for ElastiCache, the ability to read its tags) is gone.
* Rescues: same pk, sk ``rescue#<CloudTrail eventID>``: written before the copy with a conditional
  put, so a replayed delete event never copies twice.
* Tags still to write: pk ``snapshot#<service>#<region>#<name>``, sk ``tags-pending``: a final or
  rescue snapshot whose tagging failed (an ElastiCache final snapshot may not exist yet right
  after the delete call); every sweep tries again until it succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from steward.services.clients import client, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

INVENTORY: Final = "inventory"
TAGS_PENDING: Final = "tags-pending"
# A record the sweep has not refreshed for this long is dropped by DynamoDB's TTL.
INVENTORY_TTL: Final = timedelta(days=30)
RESCUE_TTL: Final = timedelta(days=90)
# Tags the sweeps could not write in this long are given up (each failed try fails its run).
TAGS_PENDING_TTL: Final = timedelta(days=30)
# A claim whose copy never finished (the invocation died) may be taken over after this.
STALE_CLAIM: Final = timedelta(minutes=15)

RescueStatus = Literal["copying", "copied", "data-lost"]


@dataclass(frozen=True)
class InventoryRecord:
    tags: dict[str, str]
    seen_at: str


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a rescue: ours to do, already done, or someone else is on it."""

    ours: bool
    status: str = ""
    snapshot: str = ""


@dataclass(frozen=True)
class PendingTags:
    """Tags to write on a snapshot Steward made (its name, and the cluster it came from)."""

    key: str
    snapshot: str
    cluster_id: str
    tags: dict[str, str]


def cluster_key(service: str, region: str, cluster_id: str) -> str:
    return f"cluster#{service}#{region}#{cluster_id}"


def snapshot_key(service: str, region: str, snapshot: str) -> str:
    return f"snapshot#{service}#{region}#{snapshot}"


class ClusterState:
    def __init__(self, table: str, region: str) -> None:
        self.table = table
        self._dynamodb = client("dynamodb", region)

    # --- inventory --------------------------------------------------------------------------
    def recall(self, key: str) -> InventoryRecord | None:
        item = self._dynamodb.get_item(
            TableName=self.table, Key=_key(key, INVENTORY), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        tags = {k: v.get("S", "") for k, v in item.get("tags", {}).get("M", {}).items()}
        return InventoryRecord(tags=tags, seen_at=item.get("seen_at", {}).get("S", ""))

    def remember(self, key: str, tags: Mapping[str, str], now: datetime) -> None:
        self._dynamodb.put_item(
            TableName=self.table,
            Item={
                **_key(key, INVENTORY),
                "tags": {"M": {k: {"S": v} for k, v in tags.items()}},
                "seen_at": {"S": now.isoformat()},
                "expires_at": {"N": str(int((now + INVENTORY_TTL).timestamp()))},
            },
        )

    def forget(self, key: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key=_key(key, INVENTORY))

    def inventoried(self, key_prefix: str) -> list[str]:
        """The inventory keys that start with `key_prefix` (e.g. one service in one region)."""
        paginator = self._dynamodb.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self.table,
            FilterExpression="begins_with(pk, :prefix) AND sk = :inventory",
            ExpressionAttributeValues={":prefix": {"S": key_prefix}, ":inventory": {"S": INVENTORY}},
            ProjectionExpression="pk",
        )
        return [item["pk"]["S"] for page in pages for item in page.get("Items", [])]

    def sync(self, key_prefix: str, required: Mapping[str, Mapping[str, str]], now: datetime) -> None:
        """Make the inventory under `key_prefix` exactly `required` (key -> tags)."""
        for key, tags in required.items():
            self.remember(key, tags, now)
        for key in set(self.inventoried(key_prefix)) - set(required):
            self.forget(key)

    # --- tags still to write --------------------------------------------------------------
    def remember_tags(
        self, key: str, snapshot: str, cluster_id: str, tags: Mapping[str, str], now: datetime
    ) -> None:
        self._dynamodb.put_item(
            TableName=self.table,
            Item={
                **_key(key, TAGS_PENDING),
                "snapshot": {"S": snapshot},
                "cluster_id": {"S": cluster_id},
                "tags": {"M": {k: {"S": v} for k, v in tags.items()}},
                "recorded_at": {"S": now.isoformat()},
                "expires_at": {"N": str(int((now + TAGS_PENDING_TTL).timestamp()))},
            },
        )

    def pending_tags(self, key_prefix: str) -> list[PendingTags]:
        """The snapshots under `key_prefix` (one service in one region) still to be tagged."""
        pages = self._dynamodb.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(pk, :prefix) AND sk = :pending",
            ExpressionAttributeValues={":prefix": {"S": key_prefix}, ":pending": {"S": TAGS_PENDING}},
        )
        return [
            PendingTags(
                key=item["pk"]["S"],
                snapshot=item.get("snapshot", {}).get("S", ""),
                cluster_id=item.get("cluster_id", {}).get("S", ""),
                tags={k: v.get("S", "") for k, v in item.get("tags", {}).get("M", {}).items()},
            )
            for page in pages
            for item in page.get("Items", [])
        ]

    def tags_written(self, key: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key=_key(key, TAGS_PENDING))

    # --- rescues ----------------------------------------------------------------------------
    def claim_rescue(self, key: str, event_id: str, now: datetime) -> Claim:
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item={
                    **_key(key, f"rescue#{event_id}"),
                    "status": {"S": "copying"},
                    "claimed_at": {"S": now.isoformat()},
                    "expires_at": {"N": str(int((now + RESCUE_TTL).timestamp()))},
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
