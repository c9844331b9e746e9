"""What a decommission run reads and tells, for a plan: the stack's inventory read, nothing written,
alerts kept for the plan's output instead of sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from steward.services.cluster_state import ClusterState, InventoryRecord
from steward.services.last_known import LastKnownClusterTags, LastKnownTags


class PlannedAlerts:
    """The alerts the sweep would send now; a plan shows them and sends nothing."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    def notify(self, subject: str, message: Mapping[str, object]) -> str:
        self.subjects.append(subject)
        return "not-sent"


class StackInventory(ClusterState):
    """The deployed stack's StateTable, read for who set a tag; without a stack, an empty inventory
    (what a newly deployed stack has). What a sweep would record is not recorded."""

    def __init__(self, table: str | None, region: str) -> None:
        super().__init__(table or "", region)

    def recall(self, service: str, region: str, cluster_id: str) -> InventoryRecord | None:
        return super().recall(service, region, cluster_id) if self.table else None

    def refusal_alerted(self, service: str, region: str, cluster_id: str, delete_after: str) -> None:
        return None


class StackMemory(LastKnownClusterTags):
    """The deployed stack's last-known cluster tags, read so a gone cluster's hold shows in the plan;
    without a stack, nothing is known. What a sweep would remember is not written."""

    def __init__(self, table: str | None, region: str) -> None:
        super().__init__(table or "", region)

    def recall(self, service: str, region: str) -> dict[str, LastKnownTags]:
        return super().recall(service, region) if self.table else {}

    def remember(
        self, service: str, region: str, cluster_id: str, tags: Mapping[str, str], now: datetime
    ) -> None:
        return None

    def forget(self, service: str, region: str, cluster_id: str) -> None:
        return None
