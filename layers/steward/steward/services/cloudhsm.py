"""CloudHSM v2 cluster backups, including copies in this region of backups from other regions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from steward.services.clients import client, error_code
from steward.services.deletes import delete_each
from steward.services.listing import Listing, Pages, never
from steward.vocabulary.backups import Backup, DeleteOutcome
from steward.vocabulary.hsm import HsmBackup, HsmCluster
from steward.vocabulary.service import Service
from steward.vocabulary.tags import tags_from_list

if TYPE_CHECKING:
    from mypy_boto3_cloudhsmv2 import CloudHSMV2Client
    from mypy_boto3_cloudhsmv2.type_defs import BackupTypeDef, ClusterTypeDef

GONE = {"CloudHsmResourceNotFoundException"}
LISTED_STATES = ["READY", "CREATE_IN_PROGRESS"]
EVERY_STATE = ["READY", "CREATE_IN_PROGRESS", "PENDING_DELETION", "DELETED"]
# DescribeBackups takes at most this many values in one filter list (AWS does not document a
# limit per list; 30 keeps each request small and is what Steward needs per purge).
FILTER_CHUNK = 30


def describe_backups(cloudhsm: CloudHSMV2Client, filters: dict[str, list[str]]) -> Iterator[BackupTypeDef]:
    """Every backup matching `filters` (string lists, e.g. {"states": ["READY"]}), all pages."""
    for page in backup_pages(cloudhsm, filters):
        yield from page.get("Backups", [])


def backup_pages(
    cloudhsm: CloudHSMV2Client, filters: dict[str, list[str]], stop: Callable[[], bool] = never
) -> Pages:
    pages = cloudhsm.get_paginator("describe_backups").paginate(
        Filters=filters, PaginationConfig={"PageSize": 50}
    )
    return Pages(pages, stop)


def describe_clusters(cloudhsm: CloudHSMV2Client) -> Iterator[ClusterTypeDef]:
    """Every cluster of the region, all pages."""
    for page in cluster_pages(cloudhsm):
        yield from page.get("Clusters", [])


def cluster_pages(cloudhsm: CloudHSMV2Client, stop: Callable[[], bool] = never) -> Pages:
    # 25: DescribeClusters' MaxResults maximum in the API model (DescribeBackups allows 50).
    pages = cloudhsm.get_paginator("describe_clusters").paginate(PaginationConfig={"PageSize": 25})
    return Pages(pages, stop)


class CloudHsmBackups:
    service = Service.CLOUDHSM
    batch_size = 1
    kind = None

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._cloudhsm = client("cloudhsmv2", region)
        self._live: dict[str, dict[str, str]] = {}

    def live_clusters(self) -> dict[str, dict[str, str]]:
        """The clusters the last listing found (id -> tags)."""
        return self._live

    def list_backups(self, stop: Callable[[], bool] = never) -> Listing[Backup]:
        """Every ready or in-progress backup, page by page until `stop()`; none until every
        cluster's tags are read, since a backup's hold may be on its cluster."""
        clusters = cluster_pages(self._cloudhsm, stop)
        pages = backup_pages(self._cloudhsm, {"states": LISTED_STATES}, stop)

        def backups() -> Iterator[Backup]:
            self._live = cluster_tags = {
                cluster["ClusterId"]: tags_from_list(cluster.get("TagList"))
                for page in clusters
                for cluster in page.get("Clusters", [])
            }
            if not clusters.complete:
                return
            for page in pages:
                yield from (self._backup(b, cluster_tags) for b in page.get("Backups", []))

        return Listing(backups, clusters, pages)

    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]:
        def delete_backup(backup: Backup) -> str:
            # A deleted backup stays PENDING_DELETION, restorable, for 7 days: say until when.
            until = self._cloudhsm.delete_backup(BackupId=backup.id)["Backup"].get("DeleteTimestamp")
            return f"restorable until {until:%Y-%m-%d %H:%M} UTC" if until else ""

        return delete_each(backups, delete_backup, GONE)

    def _backup(self, backup: BackupTypeDef, cluster_tags: dict[str, dict[str, str]]) -> Backup:
        # A copy from another region belongs to its source cluster, whatever ClusterId says.
        cluster = backup.get("SourceCluster") or backup.get("ClusterId")
        state = backup.get("BackupState", "unknown")
        return Backup(
            service=self.service,
            region=self.region,
            id=backup["BackupId"],
            source_cluster=cluster,
            created=backup.get("CreateTimestamp"),
            ready=state == "READY",
            state=state,
            tags=tags_from_list(backup.get("TagList")),
            source_tags=cluster_tags.get(cluster or "", {}),
            never_expires=bool(backup.get("NeverExpires")),
            arn=backup.get("BackupArn"),
        )


# --- key purge (part 2) -------------------------------------------------------------------------


class BackupGone(Exception):
    """The backup no longer exists in the region."""


@dataclass(frozen=True)
class PurgeDelete:
    """What DeleteBackup did to one key-bearing backup."""

    backup_id: str
    restorable_until: datetime | None
    already: bool = False
    never_expires_cleared: bool = False


class CloudHsmPurgeTarget:
    """The backups and clusters of one region, as the key purge needs them: every state, copies."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._cloudhsm = client("cloudhsmv2", region)

    def backups_of(self, cluster_id: str) -> list[HsmBackup]:
        filters = {"clusterIds": [cluster_id], "states": EVERY_STATE}
        return [self._hsm_backup(b) for b in describe_backups(self._cloudhsm, filters)]

    def copies(self) -> list[HsmBackup]:
        """Backups copied here from another region, found by their source (SourceBackup)."""
        listed = describe_backups(self._cloudhsm, {"states": EVERY_STATE})
        return [copy for copy in map(self._hsm_backup, listed) if copy.is_copy]

    def backups_by_id(
        self, backup_ids: Sequence[str], states: Sequence[str] | None = None
    ) -> list[HsmBackup]:
        found: list[HsmBackup] = []
        for start in range(0, len(backup_ids), FILTER_CHUNK):
            filters = {"backupIds": list(backup_ids[start : start + FILTER_CHUNK])}
            if states is not None:
                filters["states"] = list(states)
            found += [self._hsm_backup(b) for b in describe_backups(self._cloudhsm, filters)]
        return found

    def clusters(self) -> list[HsmCluster]:
        return [self._hsm_cluster(c) for c in describe_clusters(self._cloudhsm)]

    def delete(self, backup: HsmBackup) -> PurgeDelete:
        """DeleteBackup; a backup already pending deletion counts as done.

        NeverExpires only exempts a backup from the cluster's retention policy, and the API
        documents no refusal to delete one by hand; if the service refuses anyway, the flag is
        cleared (ModifyBackupAttributes) and the delete retried, and the report says so.
        """
        try:
            return self._delete(backup.id)
        except ClientError as error:
            if error_code(error) in GONE:
                raise BackupGone(backup.id) from None
            if error_code(error) != "CloudHsmInvalidRequestException":
                raise
            current = self.backups_by_id([backup.id])
            if current and current[0].state in ("PENDING_DELETION", "DELETED"):
                return PurgeDelete(backup.id, current[0].delete_at, already=True)
            if not (current and current[0].never_expires):
                raise
        self._cloudhsm.modify_backup_attributes(BackupId=backup.id, NeverExpires=False)
        deleted = self._delete(backup.id)
        return PurgeDelete(backup.id, deleted.restorable_until, never_expires_cleared=True)

    def restore(self, backup_id: str) -> None:
        self._cloudhsm.restore_backup(BackupId=backup_id)

    def _delete(self, backup_id: str) -> PurgeDelete:
        deleted = self._cloudhsm.delete_backup(BackupId=backup_id)["Backup"]
        return PurgeDelete(backup_id, deleted.get("DeleteTimestamp"))

    def _hsm_backup(self, backup: BackupTypeDef) -> HsmBackup:
        return HsmBackup(
            id=backup["BackupId"],
            region=self.region,
            cluster_id=backup.get("ClusterId") or None,
            created=backup.get("CreateTimestamp"),
            state=backup.get("BackupState", "unknown"),
            source_cluster=backup.get("SourceCluster"),
            source_backup=backup.get("SourceBackup"),
            source_region=backup.get("SourceRegion"),
            never_expires=bool(backup.get("NeverExpires")),
            delete_at=backup.get("DeleteTimestamp"),
            tags=tags_from_list(backup.get("TagList")),
        )

    def _hsm_cluster(self, cluster: ClusterTypeDef) -> HsmCluster:
        return HsmCluster(
            id=cluster["ClusterId"],
            region=self.region,
            state=cluster.get("State", "unknown"),
            source_backup_id=cluster.get("SourceBackupId"),
            tags=tags_from_list(cluster.get("TagList")),
            created=cluster.get("CreateTimestamp"),
            hsm_ids=tuple(hsm["HsmId"] for hsm in cluster.get("Hsms", [])),
        )
