"""Every decision Steward makes is one structured record; a run's records add up to its summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Service(StrEnum):
    ELASTICACHE = "elasticache"
    REDSHIFT = "redshift"
    CLOUDHSM = "cloudhsm"


class Action(StrEnum):
    DELETED = "deleted"
    WOULD_DELETE = "would-delete"
    KEPT = "kept"
    # A deleted CloudHSM backup brought back inside its 7-day window (key-purge undo).
    RESTORED = "restored"
    WOULD_RESTORE = "would-restore"
    # A snapshot copied to keep data that would otherwise be lost (final-snapshot rescue).
    COPIED = "copied"
    WOULD_COPY = "would-copy"
    # Waiting for a condition (a clean restore point, a cluster to become available).
    PENDING = "pending"


class Decision(BaseModel):
    """One resource, what Steward did with it, and why."""

    model_config = ConfigDict(frozen=True)

    service: Service
    region: str
    resource_id: str
    source_cluster: str | None
    age_days: int | None
    action: Action
    reason: str
    detail: str = ""


def summarise(decisions: Iterable[Decision]) -> dict[str, dict[str, int]]:
    """Counts per service and action, e.g. {"redshift": {"deleted": 3, "kept": 1}}."""
    counts: Counter[tuple[str, str]] = Counter((d.service.value, d.action.value) for d in decisions)
    summary: dict[str, dict[str, int]] = {}
    for (service, action), count in sorted(counts.items()):
        summary.setdefault(service, {})[action] = count
    return summary
