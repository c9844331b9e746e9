"""Redshift snapshot behaviour missing from moto 5.2.5.

Emulated (API 2012-12-01):
* Snapshot fields ``ManualSnapshotRetentionPeriod`` (-1 = indefinitely, the default),
  ``ManualSnapshotRemainingDays``, ``SnapshotRetentionStartTime``, ``AccountsWithRestoreAccess``
  (absent when nobody is authorised), ``OwnerAccount`` and inline ``Tags``. Manual-retention fields
  are only set on manual snapshots.
* CreateClusterSnapshot / CopyClusterSnapshot / DeleteCluster validate retention periods
  (-1 or 1..3653, else ``InvalidRetentionPeriodFault``).
* DescribeClusterSnapshots: ``MaxRecords`` 20..100 (default 100, else ``InvalidParameterValue``),
  opaque ``Marker``; filters ClusterIdentifier, SnapshotIdentifier, SnapshotType, OwnerAccount,
  TagKeys/TagValues, all applied together (fixes moto returning every snapshot for a cluster
  without snapshots, and ignoring SnapshotType without other filters).
* AuthorizeSnapshotAccess / RevokeSnapshotAccess (``AuthorizationAlreadyExists``,
  ``AuthorizationQuotaExceeded`` above 20 accounts, ``AuthorizationNotFound``).
* DeleteClusterSnapshot: ``InvalidClusterSnapshotState`` for automated or shared snapshots or a
  status other than available/failed/cancelled; returns status ``deleted``.
* BatchDeleteClusterSnapshots (<=100 identifiers, per-item ``Errors``; never raises per item).
* CopyClusterSnapshot: automated+available source only, result is a manual snapshot.
* The documented snapshot identifier rules (1-255 letters, digits, hyphens; a letter first; no
  trailing or double hyphen) for CopyClusterSnapshot TargetSnapshotIdentifier and DeleteCluster
  FinalClusterSnapshotIdentifier (``InvalidParameterValue``; the model has no pattern for them).
* DeleteCluster: ``SkipFinalClusterSnapshot`` defaults to false (``InvalidParameterCombination``
  without an identifier, or with skip=true plus an identifier), ``ClusterSnapshotAlreadyExists``
  before anything is deleted, ``FinalClusterSnapshotRetentionPeriod``; returns status ``deleting``;
  ``InvalidClusterState`` for a cluster that is not ``available``.
* DeleteCluster with ``SkipFinalClusterSnapshot=true`` is asynchronous, as in AWS: the cluster stays
  ``deleting`` with its automated snapshots (listable, copyable) until :func:`complete_deletions`
  finishes the deletion and removes both. That window is when the CloudTrail event arrives.

Simplified:
* Snapshots are ``available`` at once (AWS returns ``creating`` from Create/Copy); use
  :func:`set_snapshot_status` to model other states.
* A cluster deleted *with* a final snapshot is removed immediately (no ``final-snapshot`` status).
* ``ManualSnapshotRemainingDays`` is ``retention - whole days since SnapshotRetentionStartTime``
  (floored at 0) and -1 for indefinite retention (AWS's value for -1 is unverified).
* A copy keeps the source's ``SnapshotCreateTime`` (unverified) and starts a new retention period.
* StartTime/EndTime/ClusterExists/SortingEntities filters and ``SnapshotArn`` addressing are not
  emulated; snapshot pages are ordered by identifier.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.redshift.exceptions import (
    ClusterNotFoundError,
    ClusterSnapshotAlreadyExistsError,
    ClusterSnapshotNotFoundError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
)
from moto.redshift.models import Cluster, RedshiftBackend, Snapshot, redshift_backends
from moto.redshift.responses import RedshiftResponse
from sortedcontainers import SortedKeyList

from ._common import OrderedStore, graft, keep_in_order, naive_utc, now, original, page

DELETABLE_STATES = ("available", "failed", "cancelled")
MAX_AUTHORIZED_ACCOUNTS = 20
MAX_BATCH = 100
# Snapshot identifier rules the model does not carry (it says only "max 2147483647"). Redshift API
# reference, DeleteCluster FinalClusterSnapshotIdentifier and CopyClusterSnapshot
# TargetSnapshotIdentifier: "Must be 1 to 255 alphanumeric characters or hyphens. First character
# must be a letter. Cannot end with a hyphen or contain two consecutive hyphens."
SNAPSHOT_IDENTIFIER = re.compile(r"(?!.*--)[A-Za-z][A-Za-z0-9-]{0,254}(?<!-)")


class InvalidRetentionPeriod(ServiceException):
    code = "InvalidRetentionPeriodFault"


class InvalidClusterSnapshotState(ServiceException):
    code = "InvalidClusterSnapshotState"


class AuthorizationNotFound(ServiceException):
    code = "AuthorizationNotFound"


class AuthorizationAlreadyExists(ServiceException):
    code = "AuthorizationAlreadyExists"


class AuthorizationQuotaExceeded(ServiceException):
    code = "AuthorizationQuotaExceeded"


class InvalidClusterState(ServiceException):
    code = "InvalidClusterState"


class BatchDeleteRequestSizeExceeded(ServiceException):
    code = "BatchDeleteRequestSizeExceeded"


def _backend(account_id: str, region: str) -> RedshiftBackend:
    return redshift_backends[account_id][region]


def _validate_retention(period: int | None) -> int:
    if period is None:
        return -1
    if period != -1 and not 1 <= period <= 3653:
        raise InvalidRetentionPeriod(
            f"Invalid retention period {period}: the value must be either -1 or an integer "
            "between 1 and 3,653."
        )
    return period


def _order_key(snapshot: Snapshot) -> str:
    """DescribeClusterSnapshots pages are ordered by snapshot identifier (see Simplified)."""
    return str(snapshot.snapshot_identifier)


def _get_snapshot(
    backend: RedshiftBackend, snapshot_id: str, cluster_id: str | None = None
) -> Snapshot:
    snapshot = backend.snapshots.get(snapshot_id)
    if snapshot is None or (cluster_id and snapshot.cluster_identifier != cluster_id):
        raise ClusterSnapshotNotFoundError(snapshot_id)
    return snapshot


def _matching(
    backend: RedshiftBackend,
    *,
    cluster_identifier: str | None = None,
    snapshot_identifier: str | None = None,
    snapshot_type: str | None = None,
    owner_account: str | None = None,
    tag_keys: list[str] | None = None,
    tag_values: list[str] | None = None,
) -> tuple[SortedKeyList[Snapshot], Callable[[Snapshot], bool]]:
    """The snapshots to read, in page order, and the test each must pass: all filters together."""
    store: OrderedStore[str, Snapshot] = backend.snapshots  # type: ignore[assignment]
    ordered = store.ordered
    if snapshot_identifier:
        ordered = SortedKeyList([_get_snapshot(backend, snapshot_identifier)], key=_order_key)
    checks: list[Callable[[Snapshot], bool]] = []
    if cluster_identifier:
        checks.append(lambda s: s.cluster_identifier == cluster_identifier)
    if snapshot_type:
        checks.append(lambda s: s.snapshot_type == snapshot_type)
    if owner_account:
        checks.append(lambda s: s.account_id == owner_account)
    if tag_keys or tag_values:  # OR across keys and values, as documented
        keys, values = tag_keys or [], tag_values or []
        checks.append(lambda s: any(t["Key"] in keys or t["Value"] in values for t in s.tags))
    return ordered, lambda s: all(check(s) for check in checks)


def _check_snapshot_identifier(field: str, value: str) -> None:
    if not SNAPSHOT_IDENTIFIER.fullmatch(value):
        raise InvalidParameterValueError(
            f"Invalid {field} {value!r}: it must be 1 to 255 letters, digits or hyphens, start "
            "with a letter, and not end with a hyphen or contain two consecutive hyphens."
        )


def _init_manual(snapshot: Snapshot, retention: int) -> None:
    snapshot.manual_snapshot_retention_period = retention
    snapshot.snapshot_retention_start_time = now()


# Properties installed on moto's Snapshot class ------------------------------------------


def _owner_account(self: Snapshot) -> str:
    return self.account_id


def _restore_accounts(snapshot: Snapshot) -> list[str]:
    """Account ids authorised to restore the snapshot (stored per instance)."""
    accounts: list[str] = snapshot.__dict__.setdefault("restore_accounts", [])
    return accounts


def _accounts_with_restore_access(self: Snapshot) -> list[dict[str, str]] | None:
    return [{"AccountId": a} for a in _restore_accounts(self)] or None


def _manual_snapshot_remaining_days(self: Snapshot) -> int | None:
    period = self.manual_snapshot_retention_period
    if period is None or period == -1:
        return period
    elapsed = (now() - self.snapshot_retention_start_time).days
    return max(period - elapsed, 0)


# Backend ---------------------------------------------------------------------------------


class RedshiftBackendExtension(RedshiftBackend):
    """Backend methods grafted onto moto's RedshiftBackend."""

    def create_cluster_snapshot(
        self,
        cluster_identifier: str,
        snapshot_identifier: str,
        region_name: str,
        tags: list[dict[str, str]] | None,
        *,
        snapshot_type: str = "manual",
        manual_snapshot_retention_period: int | None = None,
    ) -> Snapshot:
        retention = _validate_retention(manual_snapshot_retention_period)
        snapshot: Snapshot = original(RedshiftBackend, "create_cluster_snapshot")(
            self, cluster_identifier, snapshot_identifier, region_name, tags, snapshot_type
        )
        if snapshot_type == "manual":
            _init_manual(snapshot, retention)
        return snapshot

    def describe_cluster_snapshots(self, **filters: Any) -> list[Snapshot]:  # type: ignore[override]
        """Every matching snapshot (moto's own callers use this, e.g. delete_automated_snapshots)."""
        ordered, keep = _matching(self, **filters)
        return [s for s in ordered if keep(s)]

    def page_cluster_snapshots(
        self, *, marker: str | None = None, max_records: int = 100, **filters: Any
    ) -> tuple[list[Snapshot], str | None]:
        """One DescribeClusterSnapshots page of the matching snapshots."""
        ordered, keep = _matching(self, **filters)
        return page(
            ordered,
            token=marker,
            limit=max_records,
            invalid_token=lambda: InvalidParameterValueError(f"Invalid marker: {marker}"),
            keep=keep,
        )

    def delete_cluster_snapshot(
        self, snapshot_identifier: str, snapshot_cluster_identifier: str | None = None
    ) -> Snapshot:
        snapshot = _get_snapshot(self, snapshot_identifier, snapshot_cluster_identifier)
        if snapshot.snapshot_type != "manual":
            reason = "only manual snapshots may be deleted"
        elif _restore_accounts(snapshot):
            reason = "other accounts are authorized to access the snapshot"
        elif snapshot.status not in DELETABLE_STATES:
            reason = f"it is in the {snapshot.status} state"
        else:
            del self.snapshots[snapshot_identifier]
            snapshot.status = "deleted"
            return snapshot
        raise InvalidClusterSnapshotState(
            f"Cannot delete the snapshot {snapshot_identifier}: {reason}."
        )

    def batch_delete_cluster_snapshots(
        self, identifiers: list[dict[str, str]]
    ) -> tuple[list[str], list[dict[str, str]]]:
        if len(identifiers) > MAX_BATCH:
            raise BatchDeleteRequestSizeExceeded(
                f"The maximum number of snapshots in a batch delete request is {MAX_BATCH}."
            )
        deleted: list[str] = []
        errors: list[dict[str, str]] = []
        for item in identifiers:
            snapshot_id = item.get("SnapshotIdentifier", "")
            cluster_id = item.get("SnapshotClusterIdentifier")
            try:
                self.delete_cluster_snapshot(snapshot_id, cluster_id)
            except ServiceException as err:
                error = {"SnapshotIdentifier": snapshot_id, "FailureCode": err.code}
                error["FailureReason"] = err.message
                if cluster_id:
                    error["SnapshotClusterIdentifier"] = cluster_id
                errors.append(error)
            else:
                deleted.append(snapshot_id)
        return deleted, errors

    def copy_cluster_snapshot(
        self,
        *,
        source_snapshot_identifier: str,
        source_snapshot_cluster_identifier: str | None,
        target_snapshot_identifier: str,
        manual_snapshot_retention_period: int | None = None,
    ) -> Snapshot:
        retention = _validate_retention(manual_snapshot_retention_period)
        _check_snapshot_identifier("TargetSnapshotIdentifier", target_snapshot_identifier)
        source = _get_snapshot(self, source_snapshot_identifier, source_snapshot_cluster_identifier)
        if target_snapshot_identifier in self.snapshots:
            raise ClusterSnapshotAlreadyExistsError(target_snapshot_identifier)
        if source.snapshot_type != "automated" or source.status != "available":
            raise InvalidClusterSnapshotState(
                f"Snapshot {source_snapshot_identifier} must be an automated snapshot in the "
                "available state to be copied."
            )
        target = copy.copy(source)
        target.__dict__.pop("restore_accounts", None)  # not shared with the source's list
        target.snapshot_identifier = target_snapshot_identifier
        target.snapshot_type = "manual"
        target.tags = list(source.tags)
        _init_manual(target, retention)
        self.snapshots[target_snapshot_identifier] = target
        return target

    def authorize_snapshot_access(
        self, snapshot_identifier: str, cluster_identifier: str | None, account: str
    ) -> Snapshot:
        snapshot = _get_snapshot(self, snapshot_identifier, cluster_identifier)
        accounts = _restore_accounts(snapshot)
        if account in accounts:
            raise AuthorizationAlreadyExists(
                f"Account {account} is already authorized to restore {snapshot_identifier}."
            )
        if len(accounts) >= MAX_AUTHORIZED_ACCOUNTS:
            raise AuthorizationQuotaExceeded(
                f"A snapshot can be shared with at most {MAX_AUTHORIZED_ACCOUNTS} accounts."
            )
        accounts.append(account)
        return snapshot

    def revoke_snapshot_access(
        self, snapshot_identifier: str, cluster_identifier: str | None, account: str
    ) -> Snapshot:
        snapshot = _get_snapshot(self, snapshot_identifier, cluster_identifier)
        if account not in _restore_accounts(snapshot):
            raise AuthorizationNotFound(
                f"Account {account} is not authorized to restore snapshot {snapshot_identifier}."
            )
        _restore_accounts(snapshot).remove(account)
        return snapshot

    def delete_cluster(self, **kwargs: Any) -> Cluster:
        cluster_id = kwargs["cluster_identifier"]
        skip = bool(kwargs.get("skip_final_snapshot"))
        final_id = kwargs.get("final_cluster_snapshot_identifier")
        retention = _validate_retention(kwargs.get("final_cluster_snapshot_retention_period"))
        if cluster_id not in self.clusters:
            raise ClusterNotFoundError(cluster_id)
        if skip == bool(final_id):
            raise InvalidParameterCombinationError(
                "FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is "
                "specified, and must not be given when it is."
            )
        if final_id:
            _check_snapshot_identifier("FinalClusterSnapshotIdentifier", final_id)
        if self.clusters[cluster_id].status != "available":
            raise InvalidClusterState(
                f"There is an operation running on the Cluster {cluster_id}. Please try to delete "
                "it at a later time."
            )
        if final_id and final_id in self.snapshots:
            raise ClusterSnapshotAlreadyExistsError(final_id)
        if skip:
            # Asynchronous in AWS: automated snapshots outlive the call until the deletion ends.
            self.clusters[cluster_id].status = "deleting"
            return self.clusters[cluster_id]
        cluster: Cluster = original(RedshiftBackend, "delete_cluster")(
            self,
            cluster_identifier=cluster_id,
            skip_final_snapshot=skip,
            final_cluster_snapshot_identifier=final_id,
        )
        if final_id:
            _init_manual(self.snapshots[final_id], retention)
        cluster.status = "deleting"
        return cluster


# Responses -------------------------------------------------------------------------------


class RedshiftResponseExtension(RedshiftResponse):
    """Response handlers grafted onto moto's RedshiftResponse."""

    def create_cluster_snapshot(self) -> ActionResult:
        snapshot = self.redshift_backend.create_cluster_snapshot(
            self._get_param("ClusterIdentifier"),
            self._get_param("SnapshotIdentifier"),
            self.region,
            self._get_param("Tags", []),
            manual_snapshot_retention_period=self._get_int_param("ManualSnapshotRetentionPeriod"),
        )
        return ActionResult({"Snapshot": snapshot})

    def describe_cluster_snapshots(self) -> ActionResult:
        limit = self._get_int_param("MaxRecords", 100)
        if not 20 <= limit <= 100:
            raise InvalidParameterValueError("MaxRecords must be between 20 and 100.")
        chunk, next_marker = self.redshift_backend.page_cluster_snapshots(
            cluster_identifier=self._get_param("ClusterIdentifier"),
            snapshot_identifier=self._get_param("SnapshotIdentifier"),
            snapshot_type=self._get_param("SnapshotType"),
            owner_account=self._get_param("OwnerAccount"),
            tag_keys=self._get_param("TagKeys"),
            tag_values=self._get_param("TagValues"),
            marker=self._get_param("Marker"),
            max_records=limit,
        )
        result: dict[str, Any] = {"Snapshots": chunk}
        if next_marker:
            result["Marker"] = next_marker
        return ActionResult(result)

    def delete_cluster_snapshot(self) -> ActionResult:
        snapshot = self.redshift_backend.delete_cluster_snapshot(
            self._get_param("SnapshotIdentifier"), self._get_param("SnapshotClusterIdentifier")
        )
        return ActionResult({"Snapshot": snapshot})

    def batch_delete_cluster_snapshots(self) -> ActionResult:
        deleted, errors = self.redshift_backend.batch_delete_cluster_snapshots(
            self._get_param("Identifiers", [])
        )
        return ActionResult({"Resources": deleted, "Errors": errors})

    def copy_cluster_snapshot(self) -> ActionResult:
        snapshot = self.redshift_backend.copy_cluster_snapshot(
            source_snapshot_identifier=self._get_param("SourceSnapshotIdentifier"),
            source_snapshot_cluster_identifier=self._get_param("SourceSnapshotClusterIdentifier"),
            target_snapshot_identifier=self._get_param("TargetSnapshotIdentifier"),
            manual_snapshot_retention_period=self._get_int_param("ManualSnapshotRetentionPeriod"),
        )
        return ActionResult({"Snapshot": snapshot})

    def authorize_snapshot_access(self) -> ActionResult:
        snapshot = self.redshift_backend.authorize_snapshot_access(
            self._get_param("SnapshotIdentifier"),
            self._get_param("SnapshotClusterIdentifier"),
            self._get_param("AccountWithRestoreAccess"),
        )
        return ActionResult({"Snapshot": snapshot})

    def revoke_snapshot_access(self) -> ActionResult:
        snapshot = self.redshift_backend.revoke_snapshot_access(
            self._get_param("SnapshotIdentifier"),
            self._get_param("SnapshotClusterIdentifier"),
            self._get_param("AccountWithRestoreAccess"),
        )
        return ActionResult({"Snapshot": snapshot})

    def delete_cluster(self) -> ActionResult:
        cluster = self.redshift_backend.delete_cluster(
            cluster_identifier=self._get_param("ClusterIdentifier"),
            final_cluster_snapshot_identifier=self._get_param("FinalClusterSnapshotIdentifier"),
            skip_final_snapshot=self._get_bool_param("SkipFinalClusterSnapshot", False),
            final_cluster_snapshot_retention_period=self._get_int_param(
                "FinalClusterSnapshotRetentionPeriod"
            ),
        )
        return ActionResult({"Cluster": cluster})


def install() -> None:
    Snapshot.manual_snapshot_retention_period = None
    Snapshot.snapshot_retention_start_time = None
    Snapshot.owner_account = property(_owner_account)
    Snapshot.accounts_with_restore_access = property(_accounts_with_restore_access)
    Snapshot.manual_snapshot_remaining_days = property(_manual_snapshot_remaining_days)
    graft(RedshiftBackend, RedshiftBackendExtension)
    keep_in_order(RedshiftBackend, "snapshots", _order_key)
    graft(RedshiftResponse, RedshiftResponseExtension)


# Seeding helpers -------------------------------------------------------------------------


def add_automated_snapshot(account_id: str, region: str, cluster_id: str, created: datetime) -> str:
    """Create an automated snapshot ``rs:<cluster>-YYYY-MM-DD-HH-MM-SS`` taken at ``created``."""
    backend = _backend(account_id, region)
    snapshot_id = f"rs:{cluster_id}-{naive_utc(created):%Y-%m-%d-%H-%M-%S}"
    backend.create_cluster_snapshot(
        cluster_id, snapshot_id, region, None, snapshot_type="automated"
    )
    set_snapshot_created(account_id, region, snapshot_id, created)
    return snapshot_id


def complete_deletions(account_id: str, region: str) -> list[str]:
    """Finish every pending deletion: remove ``deleting`` clusters and their automated snapshots,
    as Redshift does when a deletion ends. Returns the cluster ids removed."""
    backend = _backend(account_id, region)
    removed = [cid for cid, c in backend.clusters.items() if c.status == "deleting"]
    for cluster_id in removed:
        backend.delete_automated_snapshots(cluster_id)
        del backend.clusters[cluster_id]
    return removed


def set_snapshot_created(account_id: str, region: str, snapshot_id: str, created: datetime) -> None:
    """Backdate ``SnapshotCreateTime`` (and the retention start of manual snapshots)."""
    snapshot = _get_snapshot(_backend(account_id, region), snapshot_id)
    snapshot.create_time = naive_utc(created)
    if snapshot.snapshot_retention_start_time is not None:
        snapshot.snapshot_retention_start_time = naive_utc(created)


def set_snapshot_status(account_id: str, region: str, snapshot_id: str, status: str) -> None:
    """Force ``Status`` (``creating``, ``failed``, ``cancelled``, ``final snapshot`` ...)."""
    _get_snapshot(_backend(account_id, region), snapshot_id).status = status
