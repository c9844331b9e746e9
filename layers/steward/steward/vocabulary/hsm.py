"""CloudHSM backups and clusters as Steward sees them, and the backup states AWS reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from steward.vocabulary.tags import is_held

# The CloudHSM API's pattern, enforced on ids people type. Ids AWS writes are taken as written,
# as long as they look like a cluster id: AWS's own documentation samples break the pattern.
CLUSTER_ID_PATTERN = re.compile(r"cluster-[2-7a-zA-Z]{11,16}")
AWS_CLUSTER_ID_PATTERN = re.compile(r"cluster-[0-9a-zA-Z]{1,32}")

# Audit-log opcodes that record a key deleted from an HSM, with what the sources call them
# (docs/hsm-audit-log.md weighs them). PURGE_OPCODES chooses which start a purge.
KEY_DELETION_OPCODES: Mapping[str, str] = {
    "CN_DESTROY_OBJECT": "deletion of a key (the user guide's and Knowledge Center's key deletion)",
    "CN_TOMBSTONE_OBJECT": "deletion of a token key",
}

READY = "READY"
CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
PENDING_DELETION = "PENDING_DELETION"
DELETED = "DELETED"
# The reason given for a key-bearing backup kept because of steward:hold.
HELD = "hold"


@dataclass(frozen=True)
class HsmBackup:
    """A CloudHSM backup as DescribeBackups lists it, in any region and any state."""

    id: str
    region: str
    # As DescribeBackups reports it (a copy may carry one too: it is found by its source).
    cluster_id: str | None
    created: datetime | None
    state: str
    source_cluster: str | None = None
    source_backup: str | None = None
    source_region: str | None = None
    never_expires: bool = False
    # When a PENDING_DELETION backup stops being restorable.
    delete_at: datetime | None = None
    # The backup's TagList, and the tags of the cluster it belongs to (or was copied from).
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    cluster_tags: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_copy(self) -> bool:
        """Copied from another region: SourceBackup says so, whatever ClusterId says."""
        return self.source_backup is not None

    @property
    def held(self) -> bool:
        """`steward:hold` on the backup or its cluster: Steward never deletes it."""
        return is_held(self.tags) or is_held(self.cluster_tags)


@dataclass(frozen=True)
class HsmCluster:
    id: str
    region: str
    state: str
    # The backup the cluster was initialised from, if any.
    source_backup_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    # CreateTimestamp, and the HSMs it has now (each one's audit log stream is named by its id).
    created: datetime | None = None
    hsm_ids: tuple[str, ...] = ()
