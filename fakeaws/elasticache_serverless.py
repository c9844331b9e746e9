"""ElastiCache Serverless: moto 5.2.5 implements none of its operations.

Operations gained (API 2015-02-02, Query protocol; shapes, errors and HTTP status from botocore's
model ``elasticache/2015-02-02/service-2.json``; behaviour from the ElastiCache API Reference and
User Guide pages named in brackets):

* CreateServerlessCache [API_CreateServerlessCache]: name and snapshot names stored lower-case
  (model docs); Engine ``valkey|redis|memcached``; ``SnapshotRetentionLimit`` 0..35 ("The maximum
  value allowed is 35 days"); Description <= 255 chars; ``ServerlessCacheAlreadyExistsFault``;
  up to 50 tags (``TagQuotaPerResourceExceeded``). The response says ``creating`` [User Guide
  create-serverless-cache: "the value of the Status field is set to CREATING"]; states are the
  lower-case ``creating|available|modifying|deleting|create-failed`` (the model lists them in
  capitals; the API Reference's snapshot example and Terraform's AWS provider, which waits on
  serverless cache states, use lower case).
* DescribeServerlessCaches [API_DescribeServerlessCaches]: ``ServerlessCacheName`` filter
  (``ServerlessCacheNotFoundFault``), ``MaxResults`` (default 50, at least 1) / opaque ``NextToken``.
* ModifyServerlessCache [API_ModifyServerlessCache]: Description, CacheUsageLimits,
  SecurityGroupIds, UserGroupId / RemoveUserGroup, SnapshotRetentionLimit, DailySnapshotTime,
  Engine / MajorEngineVersion; only when ``available`` (``InvalidServerlessCacheStateFault``); the
  response says ``modifying``.
* DeleteServerlessCache [API_DeleteServerlessCache, User Guide backups-final]: only when
  ``available`` (``InvalidServerlessCacheStateFault``); ``FinalSnapshotName`` takes a manual
  snapshot first (``ServerlessCacheSnapshotAlreadyExistsFault`` -> nothing deleted); without it
  no snapshot is taken ("Default: NULL, i.e. a final snapshot is not taken"). The cache stays
  ``deleting`` until :func:`complete_deletions`; its automatic snapshots stay listable and
  copyable until then and go with it [User Guide backups-deleting: "If you delete a cluster, all
  of its automatic backups are also deleted", applied to serverless caches].
* CreateServerlessCacheSnapshot [API_CreateServerlessCacheSnapshot]: name 1..255 chars, unique
  (``ServerlessCacheSnapshotAlreadyExistsFault``), cache must exist and be ``available``; the
  response is ``SnapshotType: manual``, ``Status: creating`` (the API Reference example).
* DescribeServerlessCacheSnapshots [API_DescribeServerlessCacheSnapshots]: filters
  ServerlessCacheName, ServerlessCacheSnapshotName (``ServerlessCacheSnapshotNotFoundFault``),
  SnapshotType ``automated|manual``; ``MaxResults`` 1..50 ("The Validation Constraints are a
  maximum of 50", default 50) and opaque ``NextToken`` (absent on the last page); any other value
  is ``InvalidParameterValue``.
* DeleteServerlessCacheSnapshot [API_DeleteServerlessCacheSnapshot, backups-deleting]: manual or
  automatic, only when ``available`` (``InvalidServerlessCacheSnapshotStateFault``); the response
  says ``deleting``.
* CopyServerlessCacheSnapshot [API_CopyServerlessCacheSnapshot]: a manual copy (also of automatic
  snapshots) with the source's CreateTime and configuration, KmsKeyId and Tags of its own.
* ExportServerlessCacheSnapshot [API_ExportServerlessCacheSnapshot]: Valkey / Redis OSS only; the
  snapshot must be ``available``; the bucket must exist in moto's S3 in the snapshot's region
  ("The Amazon S3 bucket must also be in same region as the snapshot"), else
  ``InvalidParameterValue`` with the User Guide's backups-exporting messages.
* Snapshots carry ARN, KmsKeyId, SnapshotType, Status, CreateTime, ExpiryTime (automatic only:
  CreateTime + the cache's SnapshotRetentionLimit days; manual snapshots do not expire
  [backups-deleting: "manual backups don't have a retention limit"]), BytesUsedForCache and
  ServerlessCacheConfiguration. An automatic snapshot past its ExpiryTime is gone, as AWS deletes it.
* ARNs ``arn:<partition>:elasticache:<region>:<account>:serverlesscache:<name>`` and
  ``...:serverlesscachesnapshot:<name>`` (Service Authorization Reference, resource types
  ``serverlesscache`` / ``serverlesscachesnapshot``).
* Tags: ListTagsForResource / AddTagsToResource / RemoveTagsFromResource resolve these ARNs
  (``ServerlessCacheNotFoundFault`` / ``ServerlessCacheSnapshotNotFoundFault`` for unknown ones,
  50-tag quota ``TagQuotaPerResourceExceeded``, ``TagNotFound`` when removing a key the resource
  does not have); AddTagsToResource / RemoveTagsFromResource now answer ``TagList`` as the model
  says (for every ElastiCache ARN). Tags go when the resource goes.
* Resource Groups Tagging API GetResources: types ``elasticache:serverlesscache`` and
  ``elasticache:serverlesscachesnapshot`` (the ARN resource types), untagged resources included
  as for the other ElastiCache types.
* Seeding: :func:`take_daily_snapshot` (the daily automatic snapshot), :func:`set_cache_status`,
  :func:`set_snapshot_status`, :func:`set_snapshot_created`, :func:`complete_deletions`.

Simplified:
* Caches and snapshots are ``available`` right after the call that reports ``creating`` /
  ``modifying``; use the ``set_*_status`` helpers to model in-flight ones.
* No quotas (``ServerlessCacheQuotaForCustomerExceededFault``,
  ``ServerlessCacheSnapshotQuotaExceededFault``); SnapshotArnsToRestore, subnets, security groups
  and user groups are recorded, not checked; engine versions and endpoints are illustrative.
* Automatic snapshot names follow the node-based form ``automatic.<cache>-YYYY-MM-DD-HH-MM``
  (the serverless form is unverified). Export writes no object to the bucket.
* Tagging calls check that the resource exists, not its state. DescribeServerlessCaches has no
  documented maximum MaxResults, so none is enforced.
* The fake's own :func:`complete_deletions` finishes serverless deletions only
  (:func:`fakeaws.elasticache.complete_deletions` does clusters and replication groups).
"""

from __future__ import annotations

import copy
import random
import re
import string
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

from moto.core.exceptions import ServiceException
from moto.core.resource_tagging import TaggedResource
from moto.core.responses import ActionResult
from moto.elasticache.exceptions import InvalidParameterValueException
from moto.elasticache.models import ElastiCacheBackend, elasticache_backends
from moto.elasticache.responses import ElastiCacheResponse
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition
from sortedcontainers import SortedKeyList

from ._common import decode_token, graft, naive_utc, now, original, page
from .elasticache import ElastiCacheBackendExtension as NodeBasedBackend

# engine -> (default MajorEngineVersion, FullEngineVersion, port)
ENGINES = {
    "valkey": ("8", "8.0", 6379),
    "redis": ("7", "7.1", 6379),
    "memcached": ("1.6", "1.6.22", 11211),
}
EXPORTABLE_ENGINES = {"valkey", "redis"}
SNAPSHOT_TYPES = {"automated", "manual"}
MAX_RETENTION_DAYS = 35
MAX_DESCRIPTION = 255
MAX_SNAPSHOT_NAME = 255
MAX_SNAPSHOT_RESULTS = 50
DEFAULT_RESULTS = 50
MAX_TAGS = 50
# AWS::ElastiCache::ServerlessCacheSnapshot.ServerlessCacheName pattern (CloudFormation reference)
CACHE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
BYTES_USED_FOR_CACHE = "1048576"
CACHE_TYPE = "serverlesscache"
SNAPSHOT_TYPE = "serverlesscachesnapshot"


class ServerlessCacheNotFound(ServiceException):
    code = "ServerlessCacheNotFoundFault"


class ServerlessCacheAlreadyExists(ServiceException):
    code = "ServerlessCacheAlreadyExistsFault"


class InvalidServerlessCacheState(ServiceException):
    code = "InvalidServerlessCacheStateFault"


class ServerlessCacheSnapshotNotFound(ServiceException):
    code = "ServerlessCacheSnapshotNotFoundFault"


class ServerlessCacheSnapshotAlreadyExists(ServiceException):
    code = "ServerlessCacheSnapshotAlreadyExistsFault"


class InvalidServerlessCacheSnapshotState(ServiceException):
    code = "InvalidServerlessCacheSnapshotStateFault"


class TagQuotaPerResourceExceeded(ServiceException):
    code = "TagQuotaPerResourceExceeded"


class TagNotFound(ServiceException):
    code = "TagNotFound"


# --------------------------------------------------------------------------- models
# Attribute names are the model's member names in snake_case: moto's serialiser reads them so.


class ServerlessCache:
    def __init__(
        self,
        backend: ElastiCacheBackend,
        *,
        name: str,
        engine: str,
        major_engine_version: str | None,
        description: str | None,
        cache_usage_limits: dict[str, Any] | None,
        kms_key_id: str | None,
        security_group_ids: list[str] | None,
        subnet_ids: list[str] | None,
        user_group_id: str | None,
        snapshot_retention_limit: int | None,
        daily_snapshot_time: str | None,
        network_type: str | None,
        connection_type: str | None,
    ):
        default_major, _, port = ENGINES[engine]
        region = backend.region_name
        self.serverless_cache_name = name
        self.description = description or ""
        self.create_time = now()
        self.status = "available"
        self.engine = engine
        self.major_engine_version = major_engine_version or default_major
        self.full_engine_version = _full_version(engine, self.major_engine_version)
        self.cache_usage_limits = cache_usage_limits
        self.kms_key_id = kms_key_id
        self.storage_encryption_type = "sse-kms" if kms_key_id else "sse-elasticache"
        self.security_group_ids = security_group_ids
        self.subnet_ids = subnet_ids
        self.user_group_id = user_group_id
        self.snapshot_retention_limit = snapshot_retention_limit
        self.daily_snapshot_time = daily_snapshot_time
        self.network_type = network_type or "ipv4"
        self.connection_type = connection_type or "vpc"
        suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
        address = f"{name}-{suffix}.serverless.{_short_region(region)}.cache.amazonaws.com"
        self.endpoint = {"Address": address, "Port": port}
        self.reader_endpoint = {"Address": address, "Port": port + 1}
        self.arn = _arn(backend, CACHE_TYPE, name)


class ServerlessCacheSnapshot:
    def __init__(
        self,
        backend: ElastiCacheBackend,
        *,
        name: str,
        cache: ServerlessCache,
        snapshot_type: str,
        kms_key_id: str | None,
        created: datetime,
    ):
        self.serverless_cache_snapshot_name = name
        self.arn = _arn(backend, SNAPSHOT_TYPE, name)
        self.kms_key_id = kms_key_id or cache.kms_key_id
        self.snapshot_type = snapshot_type
        self.status = "available"
        self.create_time = created
        self.expiry_time: datetime | None = None
        self.retention_days = (
            cache.snapshot_retention_limit if snapshot_type == "automated" else None
        )
        self._set_expiry()
        self.bytes_used_for_cache = BYTES_USED_FOR_CACHE
        self.serverless_cache_configuration = {
            "ServerlessCacheName": cache.serverless_cache_name,
            "Engine": cache.engine,
            "MajorEngineVersion": cache.major_engine_version,
        }

    @property
    def cache_name(self) -> str:
        name: str = self.serverless_cache_configuration["ServerlessCacheName"]
        return name

    def _set_expiry(self) -> None:
        if self.retention_days:
            self.expiry_time = self.create_time + timedelta(days=self.retention_days)


def _full_version(engine: str, major_engine_version: str) -> str:
    default_major, full_version, _ = ENGINES[engine]
    return full_version if major_engine_version == default_major else major_engine_version


def _short_region(region: str) -> str:
    """us-east-1 -> use1, as in serverless endpoint names."""
    area, direction, number = region.split("-", 2)
    return f"{area}{direction[0]}{number}"


def _arn(backend: ElastiCacheBackend, resource_type: str, name: str) -> str:
    region = backend.region_name
    partition = get_partition(region)
    return f"arn:{partition}:elasticache:{region}:{backend.account_id}:{resource_type}:{name}"


def _reported(resource: Any, status: str) -> Any:
    """The resource as a response shows it while AWS is still working on it."""
    shown = copy.copy(resource)
    shown.status = status
    return shown


# --------------------------------------------------------------------------- storage


def _backend(account_id: str, region: str) -> ElastiCacheBackend:
    return elasticache_backends[account_id][region]


def _caches(backend: ElastiCacheBackend) -> dict[str, ServerlessCache]:
    caches: dict[str, ServerlessCache] = backend.__dict__.setdefault("serverless_caches", {})
    return caches


def _snapshots(backend: ElastiCacheBackend) -> dict[str, ServerlessCacheSnapshot]:
    """Every snapshot still kept: automatic ones past their ExpiryTime are deleted by AWS."""
    snapshots: dict[str, ServerlessCacheSnapshot] = backend.__dict__.setdefault(
        "serverless_snapshots", {}
    )
    moment = now()
    for name, snap in list(snapshots.items()):
        if snap.snapshot_type == "automated" and snap.expiry_time and snap.expiry_time <= moment:
            _forget_snapshot(backend, snapshots, name)
    return snapshots


def _forget_snapshot(
    backend: ElastiCacheBackend, snapshots: dict[str, ServerlessCacheSnapshot], name: str
) -> None:
    backend.tagging_service.delete_all_tags_for_resource(snapshots.pop(name).arn)


def _get_cache(backend: ElastiCacheBackend, name: str) -> ServerlessCache:
    cache = _caches(backend).get(name.lower())
    if cache is None:
        raise ServerlessCacheNotFound(f"Serverless cache {name} not found.")
    return cache


def _get_snapshot(backend: ElastiCacheBackend, name: str) -> ServerlessCacheSnapshot:
    snapshot = _snapshots(backend).get(name.lower())
    if snapshot is None:
        raise ServerlessCacheSnapshotNotFound(f"Serverless cache snapshot {name} not found.")
    return snapshot


def _require_available_cache(cache: ServerlessCache) -> None:
    if cache.status != "available":
        raise InvalidServerlessCacheState(
            f"Serverless cache {cache.serverless_cache_name} is in state {cache.status}; "
            "it must be available."
        )


def _require_available_snapshot(snapshot: ServerlessCacheSnapshot) -> None:
    if snapshot.status != "available":
        raise InvalidServerlessCacheSnapshotState(
            f"Serverless cache snapshot {snapshot.serverless_cache_snapshot_name} is in state "
            f"{snapshot.status}; it must be available."
        )


def _new_snapshot_name(backend: ElastiCacheBackend, name: str, field: str) -> str:
    if not 1 <= len(name) <= MAX_SNAPSHOT_NAME:
        raise InvalidParameterValueException(
            f"{field} {name!r} must be between 1 and {MAX_SNAPSHOT_NAME} characters."
        )
    if name.lower() in _snapshots(backend):
        raise ServerlessCacheSnapshotAlreadyExists(
            f"Serverless cache snapshot {name.lower()} already exists."
        )
    return name.lower()


def _check_retention(limit: int | None) -> None:
    if limit is not None and not 0 <= limit <= MAX_RETENTION_DAYS:
        raise InvalidParameterValueException(
            f"SnapshotRetentionLimit {limit} is invalid: it must be between 0 and "
            f"{MAX_RETENTION_DAYS} days."
        )


def _check_description(description: str | None) -> None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidParameterValueException(
            f"Description is {len(description)} characters long; the maximum is {MAX_DESCRIPTION}."
        )


def _check_engine(engine: str) -> str:
    if engine.lower() not in ENGINES:
        raise InvalidParameterValueException(
            f"Engine {engine!r} is invalid: valid values are {', '.join(sorted(ENGINES))}."
        )
    return engine.lower()


def _check_max_results(max_results: int | None, maximum: int | None) -> int:
    limit = DEFAULT_RESULTS if max_results is None else max_results
    if limit < 1 or (maximum is not None and limit > maximum):
        bound = f"between 1 and {maximum}" if maximum else "at least 1"
        raise InvalidParameterValueException(f"MaxResults {limit} is invalid: it must be {bound}.")
    return limit


def _check_token(token: str | None) -> None:
    if token and decode_token(token) is None:
        raise InvalidParameterValueException(f"Invalid NextToken: {token}")


def _tag(backend: ElastiCacheBackend, arn: str, tags: list[dict[str, str]] | None) -> None:
    if not tags:
        return
    keys = set(backend.tagging_service.get_tag_dict_for_resource(arn)) | {t["Key"] for t in tags}
    if len(keys) > MAX_TAGS:
        raise TagQuotaPerResourceExceeded(
            f"The resource {arn} would have {len(keys)} tags; at most {MAX_TAGS} are allowed."
        )
    backend.tagging_service.tag_resource(arn, tags)


def _serverless_resource(backend: ElastiCacheBackend, arn: str) -> bool:
    """True for a serverless cache / snapshot ARN; raises the service's NotFound if it is gone."""
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[5] not in (CACHE_TYPE, SNAPSHOT_TYPE):
        return False
    if parts[5] == CACHE_TYPE:
        found = _caches(backend).get(parts[6])
        if found is None or found.arn != arn:
            raise ServerlessCacheNotFound(f"Serverless cache {parts[6]} not found.")
    else:
        snapshot = _snapshots(backend).get(parts[6])
        if snapshot is None or snapshot.arn != arn:
            raise ServerlessCacheSnapshotNotFound(
                f"Serverless cache snapshot {parts[6]} not found."
            )
    return True


# --------------------------------------------------------------------------- backend


class ServerlessBackendExtension(ElastiCacheBackend):
    """Backend methods grafted onto moto's ElastiCacheBackend."""

    def create_serverless_cache(
        self,
        *,
        serverless_cache_name: str,
        engine: str,
        description: str | None = None,
        major_engine_version: str | None = None,
        cache_usage_limits: dict[str, Any] | None = None,
        kms_key_id: str | None = None,
        security_group_ids: list[str] | None = None,
        subnet_ids: list[str] | None = None,
        user_group_id: str | None = None,
        snapshot_retention_limit: int | None = None,
        daily_snapshot_time: str | None = None,
        network_type: str | None = None,
        connection_type: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> ServerlessCache:
        name = serverless_cache_name.lower()
        if not CACHE_NAME.match(name):
            raise InvalidParameterValueException(
                f"ServerlessCacheName {serverless_cache_name!r} is invalid: it must begin with a "
                "letter and contain only letters, digits and single hyphens, not ending in one."
            )
        if name in _caches(self):
            raise ServerlessCacheAlreadyExists(f"Serverless cache {name} already exists.")
        engine = _check_engine(engine)
        _check_description(description)
        _check_retention(snapshot_retention_limit)
        cache = ServerlessCache(
            self,
            name=name,
            engine=engine,
            major_engine_version=major_engine_version,
            description=description,
            cache_usage_limits=cache_usage_limits,
            kms_key_id=kms_key_id,
            security_group_ids=security_group_ids,
            subnet_ids=subnet_ids,
            user_group_id=user_group_id,
            snapshot_retention_limit=snapshot_retention_limit,
            daily_snapshot_time=daily_snapshot_time,
            network_type=network_type,
            connection_type=connection_type,
        )
        _tag(self, cache.arn, tags)
        _caches(self)[name] = cache
        reported: ServerlessCache = _reported(cache, "creating")
        return reported

    def describe_serverless_caches(
        self,
        *,
        serverless_cache_name: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[ServerlessCache], str | None]:
        limit = _check_max_results(max_results, maximum=None)
        _check_token(next_token)
        caches = list(_caches(self).values())
        if serverless_cache_name:
            caches = [_get_cache(self, serverless_cache_name)]
        # Serverless fleets are small: sorting the (filtered) list per page is cheap here.
        return page(
            SortedKeyList(caches, key=lambda c: c.serverless_cache_name),
            next_token,
            limit,
            invalid_token=lambda: InvalidParameterValueException(
                f"Invalid NextToken: {next_token}"
            ),
        )

    def modify_serverless_cache(
        self,
        *,
        serverless_cache_name: str,
        changes: dict[str, Any],
        remove_user_group: bool | None = None,
    ) -> ServerlessCache:
        cache = _get_cache(self, serverless_cache_name)
        _require_available_cache(cache)
        _check_description(changes.get("description"))
        _check_retention(changes.get("snapshot_retention_limit"))
        if changes.get("engine"):
            changes["engine"] = _check_engine(changes["engine"])
        for attribute, value in changes.items():
            if value is not None:  # "Default = NULL, i.e. the existing ... is not modified"
                setattr(cache, attribute, value)
        if remove_user_group:
            cache.user_group_id = None
        cache.full_engine_version = _full_version(cache.engine, cache.major_engine_version)
        reported: ServerlessCache = _reported(cache, "modifying")
        return reported

    def delete_serverless_cache(
        self, serverless_cache_name: str, final_snapshot_name: str | None = None
    ) -> ServerlessCache:
        cache = _get_cache(self, serverless_cache_name)
        _require_available_cache(cache)
        if final_snapshot_name:
            name = _new_snapshot_name(self, final_snapshot_name, "FinalSnapshotName")
            _snapshots(self)[name] = ServerlessCacheSnapshot(
                self, name=name, cache=cache, snapshot_type="manual", kms_key_id=None, created=now()
            )
        cache.status = "deleting"  # finished by complete_deletions(), see the module docstring
        return cache

    def create_serverless_cache_snapshot(
        self,
        *,
        serverless_cache_snapshot_name: str,
        serverless_cache_name: str,
        kms_key_id: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> ServerlessCacheSnapshot:
        cache = _get_cache(self, serverless_cache_name)
        name = _new_snapshot_name(
            self, serverless_cache_snapshot_name, "ServerlessCacheSnapshotName"
        )
        _require_available_cache(cache)
        snapshot = ServerlessCacheSnapshot(
            self,
            name=name,
            cache=cache,
            snapshot_type="manual",
            kms_key_id=kms_key_id,
            created=now(),
        )
        _tag(self, snapshot.arn, tags)
        _snapshots(self)[name] = snapshot
        reported: ServerlessCacheSnapshot = _reported(snapshot, "creating")
        return reported

    def describe_serverless_cache_snapshots(
        self,
        *,
        serverless_cache_name: str | None = None,
        serverless_cache_snapshot_name: str | None = None,
        snapshot_type: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> tuple[list[ServerlessCacheSnapshot], str | None]:
        limit = _check_max_results(max_results, maximum=MAX_SNAPSHOT_RESULTS)
        if snapshot_type is not None and snapshot_type not in SNAPSHOT_TYPES:
            raise InvalidParameterValueException(
                f"SnapshotType {snapshot_type!r} is invalid: valid values are automated, manual."
            )
        _check_token(next_token)
        snapshots = list(_snapshots(self).values())
        if serverless_cache_snapshot_name:
            snapshots = [_get_snapshot(self, serverless_cache_snapshot_name)]
        if serverless_cache_name:
            wanted = serverless_cache_name.lower()
            if wanted not in _caches(self) and not any(s.cache_name == wanted for s in snapshots):
                raise ServerlessCacheNotFound(
                    f"Serverless cache {serverless_cache_name} not found."
                )
            snapshots = [s for s in snapshots if s.cache_name == wanted]
        if snapshot_type:
            snapshots = [s for s in snapshots if s.snapshot_type == snapshot_type]
        # Serverless fleets are small: sorting the (filtered) list per page is cheap here.
        return page(
            SortedKeyList(snapshots, key=lambda s: s.serverless_cache_snapshot_name),
            next_token,
            limit,
            invalid_token=lambda: InvalidParameterValueException(
                f"Invalid NextToken: {next_token}"
            ),
        )

    def delete_serverless_cache_snapshot(
        self, serverless_cache_snapshot_name: str
    ) -> ServerlessCacheSnapshot:
        snapshot = _get_snapshot(self, serverless_cache_snapshot_name)
        _require_available_snapshot(snapshot)
        _forget_snapshot(self, _snapshots(self), snapshot.serverless_cache_snapshot_name)
        reported: ServerlessCacheSnapshot = _reported(snapshot, "deleting")
        return reported

    def copy_serverless_cache_snapshot(
        self,
        *,
        source_serverless_cache_snapshot_name: str,
        target_serverless_cache_snapshot_name: str,
        kms_key_id: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> ServerlessCacheSnapshot:
        source = _get_snapshot(self, source_serverless_cache_snapshot_name)
        name = _new_snapshot_name(
            self, target_serverless_cache_snapshot_name, "TargetServerlessCacheSnapshotName"
        )
        _require_available_snapshot(source)
        target = copy.copy(source)
        target.serverless_cache_snapshot_name = name
        target.arn = _arn(self, SNAPSHOT_TYPE, name)
        target.snapshot_type = "manual"
        target.expiry_time = None
        target.retention_days = None
        target.kms_key_id = kms_key_id or source.kms_key_id
        target.serverless_cache_configuration = dict(source.serverless_cache_configuration)
        _tag(self, target.arn, tags)
        _snapshots(self)[name] = target
        reported: ServerlessCacheSnapshot = _reported(target, "creating")
        return reported

    def export_serverless_cache_snapshot(
        self, serverless_cache_snapshot_name: str, s3_bucket_name: str
    ) -> ServerlessCacheSnapshot:
        snapshot = _get_snapshot(self, serverless_cache_snapshot_name)
        engine = snapshot.serverless_cache_configuration["Engine"]
        if engine not in EXPORTABLE_ENGINES:
            raise InvalidParameterValueException(
                f"Snapshot {snapshot.serverless_cache_snapshot_name} is a {engine} snapshot; "
                "export is available for Valkey and Redis OSS only."
            )
        _require_available_snapshot(snapshot)
        buckets = s3_backends[self.account_id][get_partition(self.region_name)].buckets
        if s3_bucket_name not in buckets:
            raise InvalidParameterValueException(f"The S3 bucket {s3_bucket_name} does not exist.")
        if buckets[s3_bucket_name].region_name != self.region_name:
            raise InvalidParameterValueException(
                f"The S3 bucket {s3_bucket_name} is outside of the region."
            )
        return snapshot

    def list_tags_for_resource(self, arn: str) -> dict[str, list[dict[str, str]]]:
        if _serverless_resource(self, arn):
            return self.tagging_service.list_tags_for_resource(arn)
        tags: dict[str, list[dict[str, str]]] = original(
            ElastiCacheBackend, "list_tags_for_resource"
        )(self, arn)
        return tags

    def add_tags_to_resource(self, arn: str, tags: list[dict[str, str]]) -> None:
        if _serverless_resource(self, arn):
            _tag(self, arn, tags)
            return
        original(ElastiCacheBackend, "add_tags_to_resource")(self, arn, tags)

    def remove_tags_from_resource(self, arn: str, tags: list[str]) -> None:
        if _serverless_resource(self, arn):
            missing = set(tags) - set(self.tagging_service.get_tag_dict_for_resource(arn))
            if missing:
                raise TagNotFound(f"Tag(s) {', '.join(sorted(missing))} not found on {arn}.")
        original(ElastiCacheBackend, "remove_tags_from_resource")(self, arn, tags)

    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        yield from NodeBasedBackend.iter_tagged_resources(cast(NodeBasedBackend, self))
        for resource_type, resources in (
            (CACHE_TYPE, _caches(self).values()),
            (SNAPSHOT_TYPE, _snapshots(self).values()),
        ):
            for resource in resources:
                yield TaggedResource(
                    arn=resource.arn,
                    tags=self.tagging_service.get_tag_dict_for_resource(resource.arn),
                    resource_type=f"elasticache:{resource_type}",
                    extra={"include_untagged": True},
                )


# --------------------------------------------------------------------------- responses


class ServerlessResponseExtension(ElastiCacheResponse):
    """Response handlers grafted onto moto's ElastiCacheResponse."""

    @property
    def serverless_backend(self) -> ServerlessBackendExtension:
        return cast(ServerlessBackendExtension, self.elasticache_backend)

    def create_serverless_cache(self) -> ActionResult:
        cache = self.serverless_backend.create_serverless_cache(
            serverless_cache_name=self._get_param("ServerlessCacheName"),
            engine=self._get_param("Engine"),
            description=self._get_param("Description"),
            major_engine_version=self._get_param("MajorEngineVersion"),
            cache_usage_limits=self._get_param("CacheUsageLimits"),
            kms_key_id=self._get_param("KmsKeyId"),
            security_group_ids=self._get_param("SecurityGroupIds"),
            subnet_ids=self._get_param("SubnetIds"),
            user_group_id=self._get_param("UserGroupId"),
            snapshot_retention_limit=self._get_int_param("SnapshotRetentionLimit"),
            daily_snapshot_time=self._get_param("DailySnapshotTime"),
            network_type=self._get_param("NetworkType"),
            connection_type=self._get_param("ConnectionType"),
            tags=self._get_param("Tags", []),
        )
        return ActionResult({"ServerlessCache": cache})

    def describe_serverless_caches(self) -> ActionResult:
        caches, token = self.serverless_backend.describe_serverless_caches(
            serverless_cache_name=self._get_param("ServerlessCacheName"),
            max_results=self._get_int_param("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
        return ActionResult(_with_token({"ServerlessCaches": caches}, token))

    def modify_serverless_cache(self) -> ActionResult:
        cache = self.serverless_backend.modify_serverless_cache(
            serverless_cache_name=self._get_param("ServerlessCacheName"),
            changes={
                "description": self._get_param("Description"),
                "cache_usage_limits": self._get_param("CacheUsageLimits"),
                "security_group_ids": self._get_param("SecurityGroupIds"),
                "user_group_id": self._get_param("UserGroupId"),
                "snapshot_retention_limit": self._get_int_param("SnapshotRetentionLimit"),
                "daily_snapshot_time": self._get_param("DailySnapshotTime"),
                "engine": self._get_param("Engine"),
                "major_engine_version": self._get_param("MajorEngineVersion"),
            },
            remove_user_group=self._get_bool_param("RemoveUserGroup"),
        )
        return ActionResult({"ServerlessCache": cache})

    def delete_serverless_cache(self) -> ActionResult:
        cache = self.serverless_backend.delete_serverless_cache(
            self._get_param("ServerlessCacheName"), self._get_param("FinalSnapshotName")
        )
        return ActionResult({"ServerlessCache": cache})

    def create_serverless_cache_snapshot(self) -> ActionResult:
        snapshot = self.serverless_backend.create_serverless_cache_snapshot(
            serverless_cache_snapshot_name=self._get_param("ServerlessCacheSnapshotName"),
            serverless_cache_name=self._get_param("ServerlessCacheName"),
            kms_key_id=self._get_param("KmsKeyId"),
            tags=self._get_param("Tags", []),
        )
        return ActionResult({"ServerlessCacheSnapshot": snapshot})

    def describe_serverless_cache_snapshots(self) -> ActionResult:
        snapshots, token = self.serverless_backend.describe_serverless_cache_snapshots(
            serverless_cache_name=self._get_param("ServerlessCacheName"),
            serverless_cache_snapshot_name=self._get_param("ServerlessCacheSnapshotName"),
            snapshot_type=self._get_param("SnapshotType"),
            next_token=self._get_param("NextToken"),
            max_results=self._get_int_param("MaxResults"),
        )
        return ActionResult(_with_token({"ServerlessCacheSnapshots": snapshots}, token))

    def delete_serverless_cache_snapshot(self) -> ActionResult:
        snapshot = self.serverless_backend.delete_serverless_cache_snapshot(
            self._get_param("ServerlessCacheSnapshotName")
        )
        return ActionResult({"ServerlessCacheSnapshot": snapshot})

    def copy_serverless_cache_snapshot(self) -> ActionResult:
        snapshot = self.serverless_backend.copy_serverless_cache_snapshot(
            source_serverless_cache_snapshot_name=self._get_param(
                "SourceServerlessCacheSnapshotName"
            ),
            target_serverless_cache_snapshot_name=self._get_param(
                "TargetServerlessCacheSnapshotName"
            ),
            kms_key_id=self._get_param("KmsKeyId"),
            tags=self._get_param("Tags", []),
        )
        return ActionResult({"ServerlessCacheSnapshot": snapshot})

    def export_serverless_cache_snapshot(self) -> ActionResult:
        snapshot = self.serverless_backend.export_serverless_cache_snapshot(
            self._get_param("ServerlessCacheSnapshotName"), self._get_param("S3BucketName")
        )
        return ActionResult({"ServerlessCacheSnapshot": snapshot})

    def add_tags_to_resource(self) -> ActionResult:
        arn = self._get_param("ResourceName")
        self.elasticache_backend.add_tags_to_resource(arn, self._get_param("Tags", []))
        return self._tag_list(arn)

    def remove_tags_from_resource(self) -> ActionResult:
        arn = self._get_param("ResourceName")
        self.elasticache_backend.remove_tags_from_resource(arn, self._get_param("TagKeys", []))
        return self._tag_list(arn)

    def _tag_list(self, arn: str) -> ActionResult:
        """AddTagsToResource / RemoveTagsFromResource answer the resource's tags (TagListMessage)."""
        tags = self.elasticache_backend.tagging_service.list_tags_for_resource(arn)["Tags"]
        return ActionResult({"TagList": tags})


def _with_token(result: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        result["NextToken"] = token
    return result


def install() -> None:
    """Graft onto moto's ElastiCache classes; run after :func:`fakeaws.elasticache.install`."""
    graft(ElastiCacheBackend, ServerlessBackendExtension)
    graft(ElastiCacheResponse, ServerlessResponseExtension)


# --------------------------------------------------------------------------- seeding helpers


def take_daily_snapshot(
    account_id: str, region: str, serverless_cache_name: str, *, created: datetime | None = None
) -> str:
    """Take the cache's daily automatic snapshot (``SnapshotType=automated``), as ElastiCache does
    at ``DailySnapshotTime``; ExpiryTime = CreateTime + SnapshotRetentionLimit days. Returns its
    name. A snapshot created longer ago than the retention limit is already expired (gone)."""
    backend = _backend(account_id, region)
    cache = _get_cache(backend, serverless_cache_name)
    _require_available_cache(cache)
    if not cache.snapshot_retention_limit:
        raise ValueError(
            f"Serverless cache {cache.serverless_cache_name} has SnapshotRetentionLimit "
            f"{cache.snapshot_retention_limit}: automatic snapshots are off (set 1..35)."
        )
    taken = naive_utc(created) if created else now()
    name = f"automatic.{cache.serverless_cache_name}-{taken:%Y-%m-%d-%H-%M}"
    _snapshots(backend)[name] = ServerlessCacheSnapshot(
        backend, name=name, cache=cache, snapshot_type="automated", kms_key_id=None, created=taken
    )
    return name


def set_cache_status(account_id: str, region: str, serverless_cache_name: str, status: str) -> None:
    """Force ``Status`` (e.g. ``creating``, ``modifying``) to model a cache AWS is working on."""
    _get_cache(_backend(account_id, region), serverless_cache_name).status = status


def set_snapshot_status(account_id: str, region: str, snapshot_name: str, status: str) -> None:
    """Force ``Status`` (e.g. ``creating``) to model an in-flight snapshot."""
    _get_snapshot(_backend(account_id, region), snapshot_name).status = status


def set_snapshot_created(
    account_id: str, region: str, snapshot_name: str, created: datetime
) -> None:
    """Backdate ``CreateTime`` (an automatic snapshot's ExpiryTime moves with it)."""
    snapshot = _get_snapshot(_backend(account_id, region), snapshot_name)
    snapshot.create_time = naive_utc(created)
    snapshot._set_expiry()


def complete_deletions(account_id: str, region: str) -> list[str]:
    """Finish every pending deletion: remove ``deleting`` serverless caches with their automatic
    snapshots and tags, as AWS does when a deletion ends. Returns the names removed."""
    backend = _backend(account_id, region)
    caches = _caches(backend)
    snapshots = _snapshots(backend)
    removed = [name for name, cache in caches.items() if cache.status == "deleting"]
    for name in removed:
        backend.tagging_service.delete_all_tags_for_resource(caches.pop(name).arn)
        for snap_name, snap in list(snapshots.items()):
            if snap.snapshot_type == "automated" and snap.cache_name == name:
                _forget_snapshot(backend, snapshots, snap_name)
    return removed
