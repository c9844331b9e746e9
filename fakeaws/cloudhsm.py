"""CloudHSM v2 backup behaviour missing from moto 5.2.5.

Emulated (API 2017-04-28, JSON protocol):
* Real ID shapes: ``cluster-`` / ``backup-`` + 11 chars of ``[2-7a-z]``; backup ARNs carry the
  caller's account and region (moto hard-codes 123456789012 and uses UUIDs).
* Backup fields BackupId, BackupArn, BackupState, ClusterId, CreateTimestamp, CopyTimestamp,
  NeverExpires, SourceRegion, SourceBackup, SourceCluster, DeleteTimestamp, TagList, HsmType, Mode
  (absent fields are omitted). Every backup carries ClusterId, a cross-region copy too: the API
  reference's Backup shape says each backup object contains it (the cluster that was backed up,
  for a copy its source cluster).
* DescribeBackups: ``MaxResults`` 1..50 (the model's range, checked by :mod:`fakeaws.model_check`),
  opaque ``NextToken``, filters backupIds /
  sourceBackupIds / clusterIds / states / neverExpires (string lists), SortAscending (default
  newest first, as moto).
* DeleteBackup: READY -> PENDING_DELETION with DeleteTimestamp = now + 7 days. A PENDING_DELETION
  backup whose DeleteTimestamp has passed reads as ``DELETED`` (computed lazily).
  NeverExpires only exempts a backup from the cluster's retention policy: the API reference and
  user guide (manage-backup-retention, delete-restore-backup) document no restriction on deleting
  such a backup by hand, so DeleteBackup accepts it.
* RestoreBackup: PENDING_DELETION within the 7-day window -> READY (DeleteTimestamp cleared).
* CopyBackupToRegion: new backup in the destination region (SourceRegion/SourceBackup/
  SourceCluster set, ClusterId = the source cluster, same CreateTimestamp, CopyTimestamp = now,
  source tags unless TagList is given); the response is ``DestinationBackup`` only, without the
  new id, as in AWS.
* ModifyBackupAttributes(NeverExpires) (refused for DELETED backups).
* CreateCluster(SourceBackupId) records ``SourceBackupId`` (moto already did) and now checks the
  backup exists (``CloudHsmResourceNotFoundException``) and is READY
  (``CloudHsmInvalidRequestException``).
* CreateHsm(ClusterId, AvailabilityZone[, IpAddress]): an HSM ``hsm-`` + 11 chars of ``[2-7a-z]``
  (the model's HsmId pattern) appended to the cluster's ``Hsms``, ACTIVE at once; an unknown
  cluster is ``CloudHsmResourceNotFoundException``. DescribeClusters sends each cluster's
  CreateTimestamp as epoch seconds, as the JSON protocol does.
* Error codes ``CloudHsmResourceNotFoundException`` / ``CloudHsmInvalidRequestException`` (moto used
  ``ResourceNotFoundException``).

Simplified:
* Copies are READY at once (AWS shows CREATE_IN_PROGRESS first, DELETED if the copy fails).
* No automatic retention purge and no "last backup is never deleted" rule.
* Default page size is 50; unknown filter keys raise ``CloudHsmInvalidRequestException`` (AWS's
  exact error for these is unverified).
* Equal CreateTimestamps are ordered by BackupId (reversed with the rest when newest first).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import moto.cloudhsmv2.models as hsm_models
from moto.cloudhsmv2.exceptions import CloudHSMv2ClientError
from moto.cloudhsmv2.models import Backup, CloudHSMV2Backend, Cluster, cloudhsmv2_backends
from moto.cloudhsmv2.responses import CloudHSMV2Response
from moto.utilities.utils import get_partition
from sortedcontainers import SortedKeyList

from ._common import OrderedStore, epoch, graft, keep_in_order, naive_utc, now, original, page

ID_ALPHABET = "234567" + string.ascii_lowercase
RESTORE_WINDOW = timedelta(days=7)
FILTER_KEYS = {"backupIds", "sourceBackupIds", "clusterIds", "states", "neverExpires"}


class CloudHsmResourceNotFound(CloudHSMv2ClientError):
    def __init__(self, message: str):
        super().__init__("CloudHsmResourceNotFoundException", message)


class CloudHsmInvalidRequest(CloudHSMv2ClientError):
    def __init__(self, message: str):
        super().__init__("CloudHsmInvalidRequestException", message)


def _new_id(prefix: str) -> str:
    return prefix + "".join(random.choices(ID_ALPHABET, k=11))


def _backend(account_id: str, region: str) -> CloudHSMV2Backend:
    return cloudhsmv2_backends[account_id][region]


def _new_backup(
    backend: CloudHSMV2Backend,
    *,
    cluster_id: str | None,
    hsm_type: str,
    mode: str,
    tags: list[dict[str, str]] | None,
    created: datetime | None = None,
) -> Backup:
    backup = Backup(cluster_id=cluster_id, hsm_type=hsm_type, mode=mode, tag_list=tags)
    backup.backup_id = _new_id("backup-")
    region = backend.region_name
    partition = get_partition(region)
    backup.backup_arn = (
        f"arn:{partition}:cloudhsm:{region}:{backend.account_id}:backup/{backup.backup_id}"
    )
    if created is not None:
        backup.create_timestamp = naive_utc(created)
    backend.backups[backup.backup_id] = backup
    return backup


def _order_key(backup: Backup) -> str:
    """Creation time, then id: DescribeBackups' order (reversed unless SortAscending)."""
    return f"{backup.create_timestamp:%Y-%m-%dT%H:%M:%S.%f}|{backup.backup_id}"


def _get_backup(backend: CloudHSMV2Backend, backup_id: str) -> Backup:
    if backup_id not in backend.backups:
        raise CloudHsmResourceNotFound(f"Backup {backup_id} not found.")
    return backend.backups[backup_id]


# Backup model: lazily computed state, wire-format dict ------------------------------------


def _get_state(self: Backup) -> str:
    state: str = self.__dict__.get("_state", "READY")
    if state == "PENDING_DELETION" and self.delete_timestamp and self.delete_timestamp <= now():
        return "DELETED"
    return state


def _set_state(self: Backup, value: str) -> None:
    self.__dict__["_state"] = value


def _backup_to_dict(self: Backup) -> dict[str, Any]:
    fields = {
        "BackupId": self.backup_id,
        "BackupArn": self.backup_arn,
        "BackupState": self.backup_state,
        "ClusterId": self.cluster_id,
        "CreateTimestamp": epoch(self.create_timestamp),
        "CopyTimestamp": epoch(self.copy_timestamp),
        "NeverExpires": self.never_expires,
        "SourceRegion": self.source_region,
        "SourceBackup": self.source_backup,
        "SourceCluster": self.source_cluster,
        "DeleteTimestamp": epoch(self.delete_timestamp),
        "TagList": self.tag_list,
        "HsmType": self.hsm_type,
        "Mode": self.mode,
    }
    return {k: v for k, v in fields.items() if v is not None}


# Backend ---------------------------------------------------------------------------------


class CloudHSMV2BackendExtension(CloudHSMV2Backend):
    """Backend methods grafted onto moto's CloudHSMV2Backend."""

    def create_cluster(
        self,
        *,
        backup_retention_policy: dict[str, str] | None,
        hsm_type: str,
        source_backup_id: str | None,
        subnet_ids: list[str],
        network_type: str | None,
        tag_list: list[dict[str, str]] | None,
        mode: str | None,
    ) -> dict[str, Any]:
        if source_backup_id and _get_backup(self, source_backup_id).backup_state != "READY":
            raise CloudHsmInvalidRequest(f"Backup {source_backup_id} is not in the READY state.")
        cluster = Cluster(
            backup_retention_policy=backup_retention_policy,
            hsm_type=hsm_type,
            source_backup_id=source_backup_id,
            subnet_ids=subnet_ids,
            network_type=network_type or "IPV4",
            tag_list=tag_list,
            mode=mode or "DEFAULT",
            region_name=self.region_name,
        )
        cluster.cluster_id = _new_id("cluster-")
        self.clusters[cluster.cluster_id] = cluster
        _new_backup(
            self, cluster_id=cluster.cluster_id, hsm_type=hsm_type, mode=cluster.mode, tags=tag_list
        )
        return cluster.to_dict()

    def describe_backups(  # type: ignore[override]
        self,
        *,
        filters: dict[str, list[str]] | None,
        sort_ascending: bool | None,
        next_token: str | None,
        max_results: int | None,
    ) -> tuple[list[Backup], str | None]:
        limit = 50 if max_results is None else max_results  # 1..50: fakeaws.model_check
        filters = filters or {}
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise CloudHsmInvalidRequest(f"Invalid filter key(s): {', '.join(sorted(unknown))}")
        store: OrderedStore[str, Backup] = self.backups  # type: ignore[assignment]
        ordered = store.ordered
        if "backupIds" in filters:  # a handful of ids: order just those, not the fleet
            wanted = [
                self.backups[i] for i in dict.fromkeys(filters["backupIds"]) if i in self.backups
            ]
            ordered = SortedKeyList(wanted, key=_order_key)
        checks: list[Callable[[Backup], bool]] = []
        if "sourceBackupIds" in filters:
            checks.append(lambda b: b.source_backup in filters["sourceBackupIds"])
        if "clusterIds" in filters:
            checks.append(lambda b: b.cluster_id in filters["clusterIds"])
        if "states" in filters:
            checks.append(lambda b: b.backup_state in filters["states"])
        if "neverExpires" in filters:
            never_expires = {v.lower() == "true" for v in filters["neverExpires"]}
            checks.append(lambda b: b.never_expires in never_expires)
        return page(
            ordered,
            token=next_token,
            limit=limit,
            invalid_token=lambda: CloudHsmInvalidRequest(f"Invalid NextToken: {next_token}"),
            keep=lambda b: all(check(b) for check in checks),
            descending=not sort_ascending,
        )

    def delete_backup(self, backup_id: str) -> Backup:
        backup = _get_backup(self, backup_id)
        if backup.backup_state != "READY":
            raise CloudHsmInvalidRequest(
                f"Backup {backup_id} is in state {backup.backup_state}; "
                "only READY backups can be deleted."
            )
        backup.backup_state = "PENDING_DELETION"
        backup.delete_timestamp = now() + RESTORE_WINDOW
        return backup

    def restore_backup(self, backup_id: str) -> Backup:
        backup = _get_backup(self, backup_id)
        if backup.backup_state != "PENDING_DELETION":
            raise CloudHsmInvalidRequest(
                f"Backup {backup_id} is in state {backup.backup_state}; only backups pending "
                "deletion can be restored."
            )
        backup.backup_state = "READY"
        backup.delete_timestamp = None
        return backup

    def copy_backup_to_region(
        self,
        destination_region: str,
        backup_id: str,
        tag_list: list[dict[str, str]] | None,
    ) -> dict[str, Any]:
        source = _get_backup(self, backup_id)
        if destination_region == self.region_name:
            raise CloudHsmInvalidRequest("DestinationRegion must differ from the source region.")
        if source.backup_state != "READY":
            raise CloudHsmInvalidRequest(f"Backup {backup_id} is not in the READY state.")
        target = _new_backup(
            _backend(self.account_id, destination_region),
            # The API reference: every backup object contains ClusterId, a copy's is its source's.
            cluster_id=source.cluster_id or source.source_cluster,
            hsm_type=source.hsm_type,
            mode=source.mode,
            tags=[dict(t) for t in (tag_list if tag_list else source.tag_list)],
            created=source.create_timestamp,
        )
        target.copy_timestamp = now()
        target.source_region = self.region_name
        target.source_backup = source.backup_id
        target.source_cluster = source.cluster_id or source.source_cluster
        return {
            "CreateTimestamp": epoch(target.create_timestamp),
            "SourceRegion": target.source_region,
            "SourceBackup": target.source_backup,
            "SourceCluster": target.source_cluster,
        }

    def modify_backup_attributes(self, backup_id: str, never_expires: bool) -> Backup:
        backup = _get_backup(self, backup_id)
        if backup.backup_state == "DELETED":
            raise CloudHsmInvalidRequest(f"Backup {backup_id} has been deleted.")
        backup.never_expires = bool(never_expires)
        return backup

    def create_hsm(
        self, cluster_id: str, availability_zone: str, ip_address: str | None
    ) -> dict[str, Any]:
        cluster = self.clusters.get(cluster_id)
        if cluster is None:
            raise CloudHsmResourceNotFound(f"The cluster {cluster_id} does not exist.")
        hsm = {
            "AvailabilityZone": availability_zone,
            "ClusterId": cluster_id,
            "SubnetId": next(iter(cluster.subnet_mapping.values()), "subnet-00000001"),
            "EniId": "eni-" + "".join(random.choices("0123456789abcdef", k=17)),
            "EniIp": ip_address or f"10.0.{random.randint(0, 255)}.{random.randint(4, 254)}",
            "HsmId": _new_id("hsm-"),
            "HsmType": cluster.hsm_type,
            "State": "ACTIVE",
        }
        cluster.hsms.append(hsm)
        return hsm

    def tag_resource(self, resource_id: str, tag_list: list[dict[str, str]]) -> dict[str, Any]:
        if resource_id in self.backups:  # keep the backup's TagList and ListTags in step
            self.tags.setdefault(resource_id, [dict(t) for t in self.backups[resource_id].tag_list])
        result = original(CloudHSMV2Backend, "tag_resource")(self, resource_id, tag_list)
        if resource_id in self.backups:
            self.backups[resource_id].tag_list = [dict(t) for t in self.tags[resource_id]]
        return result

    def untag_resource(self, resource_id: str, tag_key_list: list[str]) -> dict[str, Any]:
        if resource_id in self.backups:
            backup = self.backups[resource_id]
            self.tags.setdefault(resource_id, [dict(t) for t in backup.tag_list])
            backup.tag_list = [t for t in backup.tag_list if t["Key"] not in tag_key_list]
        return original(CloudHSMV2Backend, "untag_resource")(self, resource_id, tag_key_list)


# Responses -------------------------------------------------------------------------------


def _body(response: CloudHSMV2Response) -> dict[str, Any]:
    return json.loads(response.body or "{}")


class CloudHSMV2ResponseExtension(CloudHSMV2Response):
    """Response handlers grafted onto moto's CloudHSMV2Response."""

    def describe_backups(self) -> str:
        params = _body(self)
        backups, token = self.cloudhsmv2_backend.describe_backups(
            filters=params.get("Filters"),
            sort_ascending=params.get("SortAscending"),
            next_token=params.get("NextToken"),
            max_results=params.get("MaxResults"),
        )
        result: dict[str, Any] = {"Backups": [b.to_dict() for b in backups]}
        if token:
            result["NextToken"] = token
        return json.dumps(result)

    def delete_backup(self) -> str:
        backup = self.cloudhsmv2_backend.delete_backup(_body(self)["BackupId"])
        return json.dumps({"Backup": backup.to_dict()})

    def restore_backup(self) -> str:
        backup = self.cloudhsmv2_backend.restore_backup(_body(self)["BackupId"])
        return json.dumps({"Backup": backup.to_dict()})

    def copy_backup_to_region(self) -> str:
        params = _body(self)
        destination = self.cloudhsmv2_backend.copy_backup_to_region(
            destination_region=params["DestinationRegion"],
            backup_id=params["BackupId"],
            tag_list=params.get("TagList"),
        )
        return json.dumps({"DestinationBackup": destination})

    def describe_clusters(self) -> str:
        # moto writes CreateTimestamp as an ISO string without a zone; AWS sends epoch seconds.
        result = json.loads(original(CloudHSMV2Response, "describe_clusters")(self))
        for cluster in result["Clusters"]:
            created = self.cloudhsmv2_backend.clusters[cluster["ClusterId"]].create_timestamp
            cluster["CreateTimestamp"] = epoch(created)
        return json.dumps(result)

    def create_hsm(self) -> str:
        params = _body(self)
        hsm = self.cloudhsmv2_backend.create_hsm(
            params["ClusterId"], params["AvailabilityZone"], params.get("IpAddress")
        )
        return json.dumps({"Hsm": hsm})

    def modify_backup_attributes(self) -> str:
        params = _body(self)
        backup = self.cloudhsmv2_backend.modify_backup_attributes(
            params["BackupId"], params["NeverExpires"]
        )
        return json.dumps({"Backup": backup.to_dict()})


def install() -> None:
    Backup.backup_state = property(_get_state, _set_state)
    Backup.to_dict = _backup_to_dict
    hsm_models.ResourceNotFoundException = CloudHsmResourceNotFound  # raised by DeleteCluster
    graft(CloudHSMV2Backend, CloudHSMV2BackendExtension)
    keep_in_order(CloudHSMV2Backend, "backups", _order_key)
    graft(CloudHSMV2Response, CloudHSMV2ResponseExtension)


# Seeding helpers -------------------------------------------------------------------------


def add_backup(
    account_id: str,
    region: str,
    cluster_id: str,
    created: datetime,
    *,
    state: str = "READY",
    never_expires: bool = False,
    tags: dict[str, str] | None = None,
    source_backup_id: str | None = None,
) -> str:
    """Add a backup of ``cluster_id`` taken at ``created``; returns its BackupId."""
    backend = _backend(account_id, region)
    cluster = backend.clusters.get(cluster_id)
    backup = _new_backup(
        backend,
        cluster_id=cluster_id,
        hsm_type=cluster.hsm_type if cluster else "hsm2m.medium",
        mode=cluster.mode if cluster else "FIPS",
        tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        created=created,
    )
    backup.backup_state = state
    backup.never_expires = never_expires
    backup.source_backup = source_backup_id
    return str(backup.backup_id)


def set_backup_state(
    account_id: str,
    region: str,
    backup_id: str,
    state: str,
    delete_timestamp: datetime | None = None,
) -> None:
    """Force a backup's state (e.g. PENDING_DELETION with a past ``delete_timestamp``)."""
    backup = _get_backup(_backend(account_id, region), backup_id)
    backup.backup_state = state
    backup.delete_timestamp = naive_utc(delete_timestamp) if delete_timestamp else None


def create_cluster_from_backup(
    account_id: str,
    region: str,
    backup_id: str,
    *,
    subnet_ids: list[str] | None = None,
    hsm_type: str | None = None,
) -> str:
    """Create a cluster restored from ``backup_id`` (records SourceBackupId); returns ClusterId."""
    backend = _backend(account_id, region)
    backup = _get_backup(backend, backup_id)
    cluster = backend.create_cluster(
        backup_retention_policy=None,
        hsm_type=hsm_type or backup.hsm_type,
        source_backup_id=backup_id,
        subnet_ids=subnet_ids or ["subnet-00000001"],
        network_type=None,
        tag_list=None,
        mode=backup.mode,
    )
    return str(cluster["ClusterId"])


def set_cluster_created(account_id: str, region: str, cluster_id: str, created: datetime) -> None:
    """Date a cluster's CreateTimestamp (a fleet seeded with old backups had an older cluster)."""
    _backend(account_id, region).clusters[cluster_id].create_timestamp = naive_utc(created)
