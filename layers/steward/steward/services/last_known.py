"""The retention sweep's StateTable records: the last `steward:*` tags it saw on each cluster.

pk ``last-known#<service>#<region>``, sk ``<cluster id>`` (as the service compares ids), read with
Query: the retention role reaches only these keys (dynamodb:LeadingKeys) and may not Scan.
No TTL: a hold must outlive any timeout. The sweep forgets a record only when the cluster lives
on without `steward:*` tags, or when it is gone and no backup of it is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from steward.services.clients import client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

LAST_KNOWN: Final = "last-known"


@dataclass(frozen=True)
class LastKnownTags:
    tags: dict[str, str]
    seen_at: str


def last_known_key(service: str, region: str) -> str:
    return f"{LAST_KNOWN}#{service}#{region}"


class LastKnownClusterTags:
    def __init__(self, table: str, region: str) -> None:
        self.table = table
        self._dynamodb = client("dynamodb", region)

    def recall(self, service: str, region: str) -> dict[str, LastKnownTags]:
        """Every cluster of `service` in `region` Steward knows tags for: cluster id -> tags."""
        pages = self._dynamodb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": last_known_key(service, region)}},
            ConsistentRead=True,
        )
        return {
            item["sk"]["S"]: LastKnownTags(
                tags={k: v.get("S", "") for k, v in item.get("tags", {}).get("M", {}).items()},
                seen_at=item.get("seen_at", {}).get("S", ""),
            )
            for page in pages
            for item in page.get("Items", [])
        }

    def remember(
        self, service: str, region: str, cluster_id: str, tags: Mapping[str, str], now: datetime
    ) -> None:
        self._dynamodb.put_item(
            TableName=self.table,
            Item={
                **_key(service, region, cluster_id),
                "tags": {"M": {k: {"S": v} for k, v in tags.items()}},
                "seen_at": {"S": now.isoformat()},
            },
        )

    def forget(self, service: str, region: str, cluster_id: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key=_key(service, region, cluster_id))


def _key(service: str, region: str, cluster_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": last_known_key(service, region)}, "sk": {"S": cluster_id}}
