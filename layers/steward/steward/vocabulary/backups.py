"""What Steward knows of one snapshot or backup, whatever service it lives in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from steward.vocabulary.service import Service

# ElastiCache keeps serverless snapshots apart from node-based ones (their own names, calls, ARNs).
SERVERLESS_SNAPSHOT: Final = "serverless-snapshot"


@dataclass(frozen=True)
class Backup:
    """A manual snapshot (ElastiCache, Redshift) or a cluster backup (CloudHSM), as listed."""

    service: Service
    region: str
    id: str
    source_cluster: str | None
    created: datetime | None
    ready: bool
    state: str
    manual: bool = True
    owned: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    # Why the backup's own tags could not be read; such a backup is never deleted.
    tags_unreadable: str = ""
    # The tags of what it was taken from (cluster and replication group, merged protection-first),
    # and where they were read: "cluster", or the gone cluster's last-known tags.
    source_tags: dict[str, str] = field(default_factory=dict)
    source_tags_from: str = "cluster"
    # Every cluster whose tags apply (an ElastiCache snapshot: its cluster and its group).
    source_ids: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()
    never_expires: bool = False
    # Redshift's own ManualSnapshotRetentionPeriod; -1 (or None) means the service keeps it forever.
    service_retention_days: int | None = None
    # Where a batch or follow-up call needs more than the id (Redshift's cluster, for instance).
    arn: str | None = None
    # Which of a service's kinds of backup this is, where it has more than one (SERVERLESS_SNAPSHOT).
    kind: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        if self.source_ids:
            return self.source_ids
        return (self.source_cluster,) if self.source_cluster else ()


@dataclass(frozen=True)
class DeleteOutcome:
    """What a delete call did to one backup. `gone` counts an item that had already gone as done."""

    backup: Backup
    deleted: bool
    error_code: str | None = None
    detail: str = ""
