"""Redshift manual cluster snapshots owned by this account."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from steward.services.clients import AwsError, client, error_code
from steward.services.listing import Listing, Pages, never
from steward.vocabulary.backups import Backup, DeleteOutcome
from steward.vocabulary.service import Service, canonical_id
from steward.vocabulary.tags import tags_from_list

if TYPE_CHECKING:
    from mypy_boto3_redshift.type_defs import SnapshotTypeDef

BATCH_LIMIT = 100  # BatchDeleteClusterSnapshots takes at most 100 identifiers.
GONE = {"ClusterSnapshotNotFound"}


class RedshiftSnapshots:
    service = Service.REDSHIFT
    batch_size = BATCH_LIMIT
    kind = None

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self._redshift = client("redshift", region)
        self._live: dict[str, dict[str, str]] = {}

    def live_clusters(self) -> dict[str, dict[str, str]]:
        """The clusters the last listing found (lower-case id -> tags)."""
        return self._live

    def list_backups(self, stop: Callable[[], bool] = never) -> Listing[Backup]:
        """Every manual snapshot this account owns, page by page until `stop()`; none until every
        cluster's tags are read, since a snapshot's hold may be on its cluster."""
        clusters = Pages(
            self._redshift.get_paginator("describe_clusters").paginate(PaginationConfig={"PageSize": 100}),
            stop,
        )
        pages = Pages(
            self._redshift.get_paginator("describe_cluster_snapshots").paginate(
                SnapshotType="manual",
                OwnerAccount=self.account,
                PaginationConfig={"PageSize": 100},
            ),
            stop,
        )

        def backups() -> Iterator[Backup]:
            self._live = cluster_tags = {
                canonical_id(self.service, cluster["ClusterIdentifier"]): tags_from_list(cluster.get("Tags"))
                for page in clusters
                for cluster in page.get("Clusters", [])
            }
            if not clusters.complete:
                return
            for page in pages:
                yield from (self._backup(snapshot, cluster_tags) for snapshot in page.get("Snapshots", []))

        return Listing(backups, clusters, pages)

    def delete(self, backups: Sequence[Backup]) -> list[DeleteOutcome]:
        """Revoke the shares of any shared snapshot, then delete the batch in one call."""
        outcomes: list[DeleteOutcome] = []
        ready: list[Backup] = []
        for backup in backups:
            failure = self._revoke_shares(backup)
            if failure:
                outcomes.append(DeleteOutcome(backup, False, failure, "revoking shares failed"))
            else:
                ready.append(backup)
        if not ready:
            return outcomes
        try:
            response = self._redshift.batch_delete_cluster_snapshots(
                Identifiers=[
                    {"SnapshotIdentifier": b.id, "SnapshotClusterIdentifier": b.source_cluster or ""}
                    for b in ready
                ]
            )
        except AwsError as error:
            return outcomes + [DeleteOutcome(b, False, error_code(error)) for b in ready]
        # Per-item failures do not raise: they come back in Errors and must be read.
        failures = {
            e.get("SnapshotIdentifier", ""): e.get("FailureCode", "Unknown")
            for e in response.get("Errors", [])
        }
        for backup in ready:
            code = failures.get(backup.id)
            if code is None:
                outcomes.append(DeleteOutcome(backup, True))
            elif code in GONE:
                outcomes.append(DeleteOutcome(backup, True, None, "already gone"))
            else:
                outcomes.append(DeleteOutcome(backup, False, code))
        return outcomes

    def _revoke_shares(self, backup: Backup) -> str | None:
        for account in backup.shared_with:
            try:
                self._redshift.revoke_snapshot_access(
                    SnapshotIdentifier=backup.id,
                    SnapshotClusterIdentifier=backup.source_cluster or "",
                    AccountWithRestoreAccess=account,
                )
            except AwsError as error:
                if error_code(error) != "AuthorizationNotFound":
                    return error_code(error)
        return None

    def _backup(self, snapshot: SnapshotTypeDef, cluster_tags: dict[str, dict[str, str]]) -> Backup:
        tags = tags_from_list(snapshot.get("Tags"))
        identifier = snapshot["SnapshotIdentifier"]
        status = snapshot.get("Status", "unknown")
        cluster = canonical_id(self.service, snapshot.get("ClusterIdentifier", ""))
        # Snapshots made by AWS Backup can only be deleted through AWS Backup.
        by_aws_backup = identifier.startswith("awsbackup:") or any(
            key.startswith("aws:backup:") for key in tags
        )
        return Backup(
            service=self.service,
            region=self.region,
            id=identifier,
            source_cluster=snapshot.get("ClusterIdentifier"),
            created=snapshot.get("SnapshotCreateTime"),
            ready=status == "available",
            state=status,
            manual=snapshot.get("SnapshotType") == "manual",
            owned=snapshot.get("OwnerAccount", self.account) == self.account and not by_aws_backup,
            tags=tags,
            source_tags=cluster_tags.get(cluster, {}),
            source_ids=(cluster,) if cluster else (),
            shared_with=tuple(
                a["AccountId"] for a in snapshot.get("AccountsWithRestoreAccess") or [] if "AccountId" in a
            ),
            service_retention_days=snapshot.get("ManualSnapshotRetentionPeriod"),
            arn=snapshot.get("SnapshotArn"),
        )
