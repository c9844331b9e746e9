"""CloudHSM v2 cluster backups, including copies in this region of backups from other regions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from steward.backups import Backup, DeleteOutcome
from steward.report import Service
from steward.services.clients import client
from steward.services.deletes import delete_each
from steward.tags import tags_from_list

if TYPE_CHECKING:
    from mypy_boto3_cloudhsmv2.type_defs import BackupTypeDef

GONE = {"CloudHsmResourceNotFoundException"}
LISTED_STATES = ["READY", "CREATE_IN_PROGRESS"]


class CloudHsmBackups:
    service = Service.CLOUDHSM
    batch_size = 1

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._cloudhsm = client("cloudhsmv2", region)

    def list_backups(self) -> list[Backup]:
        cluster_tags = {
            cluster["ClusterId"]: tags_from_list(cluster.get("TagList"))
            for page in self._cloudhsm.get_paginator("describe_clusters").paginate(
                PaginationConfig={"PageSize": 50}
            )
            for cluster in page.get("Clusters", [])
        }
        pages = self._cloudhsm.get_paginator("describe_backups").paginate(
            Filters={"states": LISTED_STATES}, PaginationConfig={"PageSize": 50}
        )
        return [self._backup(b, cluster_tags) for page in pages for b in page.get("Backups", [])]

    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]:
        def delete_backup(backup: Backup) -> str:
            # A deleted backup stays PENDING_DELETION, restorable, for 7 days: say until when.
            until = self._cloudhsm.delete_backup(BackupId=backup.id)["Backup"].get("DeleteTimestamp")
            return f"restorable until {until:%Y-%m-%d %H:%M} UTC" if until else ""

        return delete_each(backups, delete_backup, GONE)

    def _backup(self, backup: BackupTypeDef, cluster_tags: dict[str, dict[str, str]]) -> Backup:
        # A copy from another region has no ClusterId: it belongs to its source cluster.
        cluster = backup.get("ClusterId") or backup.get("SourceCluster")
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
