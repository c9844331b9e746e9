"""fakeaws.elasticache_serverless through real boto3 calls against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from conftest import ACCOUNT, OTHER_REGION, REGION

from fakeaws import elasticache_serverless as fs

CACHE_ARN = f"arn:aws:elasticache:{REGION}:{ACCOUNT}:serverlesscache:sessions"
EVENTS = Path(__file__).resolve().parents[2] / "events"


def cache(ec: Any, name: str = "sessions", engine: str = "valkey", **kwargs: Any) -> str:
    kwargs.setdefault("SnapshotRetentionLimit", 7)
    ec.create_serverless_cache(ServerlessCacheName=name, Engine=engine, **kwargs)
    return name


def snapshot(ec: Any, name: str, cache_name: str = "sessions", **kwargs: Any) -> dict[str, Any]:
    created: dict[str, Any] = ec.create_serverless_cache_snapshot(
        ServerlessCacheName=cache_name, ServerlessCacheSnapshotName=name, **kwargs
    )["ServerlessCacheSnapshot"]
    return created


def names(ec: Any, **kwargs: Any) -> list[str]:
    pages = ec.get_paginator("describe_serverless_cache_snapshots").paginate(**kwargs)
    return sorted(
        s["ServerlessCacheSnapshotName"] for p in pages for s in p["ServerlessCacheSnapshots"]
    )


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def describe(ec: Any, name: str = "sessions") -> dict[str, Any]:
    [found] = ec.describe_serverless_caches(ServerlessCacheName=name)["ServerlessCaches"]
    return dict(found)


# --------------------------------------------------------------------------- caches


def test_create_reports_creating_then_cache_is_available(ec: Any) -> None:
    created = ec.create_serverless_cache(ServerlessCacheName="Sessions", Engine="valkey")
    shown = created["ServerlessCache"]
    assert shown["Status"] == "creating"
    assert shown["ServerlessCacheName"] == "sessions"
    assert shown["ARN"] == CACHE_ARN
    assert shown["Endpoint"]["Port"] == 6379
    assert shown["ReaderEndpoint"]["Port"] == 6380
    assert describe(ec)["Status"] == "available"


def test_create_existing_cache_is_already_exists(ec: Any) -> None:
    cache(ec)
    with pytest.raises(ec.exceptions.ServerlessCacheAlreadyExistsFault) as exc:
        cache(ec, "SESSIONS")
    assert error(exc) == ("ServerlessCacheAlreadyExistsFault", 400)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("SnapshotRetentionLimit", 36),
        ("SnapshotRetentionLimit", -1),
        ("Engine", "mysql"),
        ("ServerlessCacheName", "bad--name"),
        ("Description", "x" * 256),
    ],
)
def test_create_rejects_values_the_service_refuses(ec: Any, field: str, value: Any) -> None:
    params: dict[str, Any] = {"ServerlessCacheName": "sessions", "Engine": "valkey"}
    params[field] = value
    with pytest.raises(ClientError) as exc:
        ec.create_serverless_cache(**params)
    assert error(exc) == ("InvalidParameterValue", 400)
    assert field in exc.value.response["Error"]["Message"]


def test_describe_unknown_cache_is_not_found(ec: Any) -> None:
    with pytest.raises(ec.exceptions.ServerlessCacheNotFoundFault) as exc:
        ec.describe_serverless_caches(ServerlessCacheName="nope")
    assert error(exc) == ("ServerlessCacheNotFoundFault", 404)


def test_describe_caches_pages_with_next_token(ec: Any) -> None:
    for i in range(5):
        cache(ec, f"cache-{i}")
    pages = list(
        ec.get_paginator("describe_serverless_caches").paginate(PaginationConfig={"PageSize": 2})
    )
    assert [len(p["ServerlessCaches"]) for p in pages] == [2, 2, 1]
    assert "NextToken" not in pages[-1]


def test_modify_changes_what_is_given_and_reports_modifying(ec: Any) -> None:
    cache(ec, Description="before")
    shown = ec.modify_serverless_cache(ServerlessCacheName="sessions", SnapshotRetentionLimit=3)
    assert shown["ServerlessCache"]["Status"] == "modifying"
    after = describe(ec)
    assert (after["SnapshotRetentionLimit"], after["Description"]) == (3, "before")


def test_modify_cache_not_available_is_invalid_state(ec: Any) -> None:
    cache(ec)
    fs.set_cache_status(ACCOUNT, REGION, "sessions", "creating")
    with pytest.raises(ec.exceptions.InvalidServerlessCacheStateFault):
        ec.modify_serverless_cache(ServerlessCacheName="sessions", Description="x")


# --------------------------------------------------------------------------- deletion


def test_delete_without_final_snapshot_leaves_cache_deleting_with_its_automatic_snapshots(
    ec: Any,
) -> None:
    cache(ec)
    auto = fs.take_daily_snapshot(ACCOUNT, REGION, "sessions")
    shown = ec.delete_serverless_cache(ServerlessCacheName="sessions")["ServerlessCache"]
    assert shown["Status"] == "deleting"
    assert describe(ec)["Status"] == "deleting"
    assert names(ec) == [auto]
    ec.copy_serverless_cache_snapshot(
        SourceServerlessCacheSnapshotName=auto, TargetServerlessCacheSnapshotName="rescued"
    )

    assert fs.complete_deletions(ACCOUNT, REGION) == ["sessions"]

    assert ec.describe_serverless_caches()["ServerlessCaches"] == []
    assert names(ec) == ["rescued"]


def test_delete_with_final_snapshot_takes_a_manual_snapshot(ec: Any) -> None:
    cache(ec)
    ec.delete_serverless_cache(ServerlessCacheName="sessions", FinalSnapshotName="Final-1")
    [final] = ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="final-1")[
        "ServerlessCacheSnapshots"
    ]
    assert (final["SnapshotType"], final["Status"]) == ("manual", "available")
    assert "ExpiryTime" not in final
    assert final["ServerlessCacheConfiguration"]["ServerlessCacheName"] == "sessions"
    fs.complete_deletions(ACCOUNT, REGION)
    assert names(ec) == ["final-1"]


def test_delete_with_taken_final_name_deletes_nothing(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "taken")
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotAlreadyExistsFault) as exc:
        ec.delete_serverless_cache(ServerlessCacheName="sessions", FinalSnapshotName="taken")
    assert error(exc) == ("ServerlessCacheSnapshotAlreadyExistsFault", 400)
    assert describe(ec)["Status"] == "available"


@pytest.mark.parametrize("status", ["creating", "deleting", "modifying"])
def test_delete_cache_not_available_is_invalid_state(ec: Any, status: str) -> None:
    cache(ec)
    fs.set_cache_status(ACCOUNT, REGION, "sessions", status)
    with pytest.raises(ec.exceptions.InvalidServerlessCacheStateFault) as exc:
        ec.delete_serverless_cache(ServerlessCacheName="sessions", FinalSnapshotName="f")
    assert error(exc) == ("InvalidServerlessCacheStateFault", 400)
    assert names(ec) == []


def test_delete_unknown_cache_is_not_found(ec: Any) -> None:
    with pytest.raises(ec.exceptions.ServerlessCacheNotFoundFault) as exc:
        ec.delete_serverless_cache(ServerlessCacheName="nope")
    assert error(exc) == ("ServerlessCacheNotFoundFault", 404)


# --------------------------------------------------------------------------- snapshots


def test_create_snapshot_reports_creating_and_carries_the_cache_configuration(ec: Any) -> None:
    cache(ec)
    before = datetime.now(UTC) - timedelta(seconds=5)
    shown = snapshot(ec, "Manual-1")
    assert (shown["Status"], shown["SnapshotType"]) == ("creating", "manual")
    assert (
        shown["ARN"] == f"arn:aws:elasticache:{REGION}:{ACCOUNT}:serverlesscachesnapshot:manual-1"
    )
    assert shown["ServerlessCacheConfiguration"] == {
        "ServerlessCacheName": "sessions",
        "Engine": "valkey",
        "MajorEngineVersion": "8",
    }
    [stored] = ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="manual-1")[
        "ServerlessCacheSnapshots"
    ]
    assert stored["Status"] == "available"
    assert stored["CreateTime"] >= before
    assert int(stored["BytesUsedForCache"]) > 0


def test_create_snapshot_of_unknown_cache_is_not_found(ec: Any) -> None:
    with pytest.raises(ec.exceptions.ServerlessCacheNotFoundFault):
        snapshot(ec, "s1", cache_name="nope")


def test_create_snapshot_with_taken_name_is_already_exists(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "s1")
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotAlreadyExistsFault):
        snapshot(ec, "S1")


def test_create_snapshot_of_cache_not_available_is_invalid_state(ec: Any) -> None:
    cache(ec)
    fs.set_cache_status(ACCOUNT, REGION, "sessions", "modifying")
    with pytest.raises(ec.exceptions.InvalidServerlessCacheStateFault):
        snapshot(ec, "s1")


def test_daily_snapshot_is_automated_and_expires_after_the_retention_limit(ec: Any) -> None:
    cache(ec, SnapshotRetentionLimit=3)
    taken = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    name = fs.take_daily_snapshot(ACCOUNT, REGION, "sessions", created=taken)
    assert name == f"automatic.sessions-{taken:%Y-%m-%d-%H-%M}"
    [auto] = ec.describe_serverless_cache_snapshots(SnapshotType="automated")[
        "ServerlessCacheSnapshots"
    ]
    assert auto["SnapshotType"] == "automated"
    assert (auto["CreateTime"], auto["ExpiryTime"]) == (taken, taken + timedelta(days=3))

    fs.set_snapshot_created(ACCOUNT, REGION, name, taken - timedelta(days=3))

    assert names(ec) == []


def test_daily_snapshot_needs_a_retention_limit(ec: Any) -> None:
    cache(ec, SnapshotRetentionLimit=0)
    with pytest.raises(ValueError, match="SnapshotRetentionLimit"):
        fs.take_daily_snapshot(ACCOUNT, REGION, "sessions")


def test_describe_snapshots_filters_by_cache_name_and_type(ec: Any) -> None:
    cache(ec, "a")
    cache(ec, "b")
    snapshot(ec, "a-manual", cache_name="a")
    snapshot(ec, "b-manual", cache_name="b")
    auto = fs.take_daily_snapshot(ACCOUNT, REGION, "a")
    assert names(ec, ServerlessCacheName="a") == sorted(["a-manual", auto])
    assert names(ec, ServerlessCacheName="a", SnapshotType="manual") == ["a-manual"]
    assert names(ec, SnapshotType="automated") == [auto]
    assert names(ec, ServerlessCacheSnapshotName="b-manual") == ["b-manual"]


def test_describe_snapshots_of_a_removed_cache_still_lists_its_manual_ones(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "kept")
    ec.delete_serverless_cache(ServerlessCacheName="sessions")
    fs.complete_deletions(ACCOUNT, REGION)
    assert names(ec, ServerlessCacheName="sessions") == ["kept"]
    with pytest.raises(ec.exceptions.ServerlessCacheNotFoundFault):
        ec.describe_serverless_cache_snapshots(ServerlessCacheName="never-existed")


def test_describe_unknown_snapshot_is_not_found(ec: Any) -> None:
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotNotFoundFault) as exc:
        ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="nope")
    assert error(exc) == ("ServerlessCacheSnapshotNotFoundFault", 404)


def test_describe_snapshots_pages_with_opaque_next_token(ec: Any) -> None:
    cache(ec)
    for i in range(45):
        snapshot(ec, f"s{i:02d}")
    first = ec.describe_serverless_cache_snapshots(MaxResults=20)
    second = ec.describe_serverless_cache_snapshots(MaxResults=20, NextToken=first["NextToken"])
    third = ec.describe_serverless_cache_snapshots(MaxResults=20, NextToken=second["NextToken"])
    assert [len(p["ServerlessCacheSnapshots"]) for p in (first, second, third)] == [20, 20, 5]
    assert "NextToken" not in third
    seen = [
        s["ServerlessCacheSnapshotName"]
        for p in (first, second, third)
        for s in p["ServerlessCacheSnapshots"]
    ]
    assert seen == [f"s{i:02d}" for i in range(45)]


def test_describe_snapshots_paginator_defaults_to_50(ec: Any) -> None:
    cache(ec)
    for i in range(51):
        snapshot(ec, f"s{i:02d}")
    pages = list(ec.get_paginator("describe_serverless_cache_snapshots").paginate())
    assert [len(p["ServerlessCacheSnapshots"]) for p in pages] == [50, 1]


@pytest.mark.parametrize(
    "params",
    [{"MaxResults": 51}, {"MaxResults": 0}, {"SnapshotType": "user"}, {"NextToken": "garbage"}],
)
def test_describe_snapshots_rejects_invalid_values(ec: Any, params: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        ec.describe_serverless_cache_snapshots(**params)
    assert error(exc) == ("InvalidParameterValue", 400)


def test_delete_snapshot_reports_deleting_and_removes_it(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "s1")
    shown = ec.delete_serverless_cache_snapshot(ServerlessCacheSnapshotName="s1")
    assert shown["ServerlessCacheSnapshot"]["Status"] == "deleting"
    assert names(ec) == []


def test_delete_automatic_snapshot_is_allowed(ec: Any) -> None:
    cache(ec)
    auto = fs.take_daily_snapshot(ACCOUNT, REGION, "sessions")
    ec.delete_serverless_cache_snapshot(ServerlessCacheSnapshotName=auto)
    assert names(ec) == []


def test_delete_snapshot_not_available_is_invalid_state(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "s1")
    fs.set_snapshot_status(ACCOUNT, REGION, "s1", "creating")
    with pytest.raises(ec.exceptions.InvalidServerlessCacheSnapshotStateFault) as exc:
        ec.delete_serverless_cache_snapshot(ServerlessCacheSnapshotName="s1")
    assert error(exc) == ("InvalidServerlessCacheSnapshotStateFault", 400)
    assert names(ec) == ["s1"]


def test_delete_unknown_snapshot_is_not_found(ec: Any) -> None:
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotNotFoundFault):
        ec.delete_serverless_cache_snapshot(ServerlessCacheSnapshotName="nope")


def test_copy_of_automatic_snapshot_is_a_tagged_manual_snapshot_without_expiry(ec: Any) -> None:
    cache(ec)
    auto = fs.take_daily_snapshot(ACCOUNT, REGION, "sessions")
    shown = ec.copy_serverless_cache_snapshot(
        SourceServerlessCacheSnapshotName=auto,
        TargetServerlessCacheSnapshotName="Keep",
        Tags=[{"Key": "k", "Value": "v"}],
    )["ServerlessCacheSnapshot"]
    assert shown["Status"] == "creating"
    [copy] = ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName="keep")[
        "ServerlessCacheSnapshots"
    ]
    [source] = ec.describe_serverless_cache_snapshots(ServerlessCacheSnapshotName=auto)[
        "ServerlessCacheSnapshots"
    ]
    assert (copy["SnapshotType"], copy["Status"]) == ("manual", "available")
    assert "ExpiryTime" not in copy
    assert copy["CreateTime"] == source["CreateTime"]
    tags = ec.list_tags_for_resource(ResourceName=copy["ARN"])["TagList"]
    assert tags == [{"Key": "k", "Value": "v"}]


def test_copy_to_taken_name_is_already_exists(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "a")
    snapshot(ec, "b")
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotAlreadyExistsFault):
        ec.copy_serverless_cache_snapshot(
            SourceServerlessCacheSnapshotName="a", TargetServerlessCacheSnapshotName="b"
        )


def test_copy_of_snapshot_not_available_is_invalid_state(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "a")
    fs.set_snapshot_status(ACCOUNT, REGION, "a", "creating")
    with pytest.raises(ec.exceptions.InvalidServerlessCacheSnapshotStateFault):
        ec.copy_serverless_cache_snapshot(
            SourceServerlessCacheSnapshotName="a", TargetServerlessCacheSnapshotName="b"
        )


def test_copy_of_unknown_snapshot_is_not_found(ec: Any) -> None:
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotNotFoundFault):
        ec.copy_serverless_cache_snapshot(
            SourceServerlessCacheSnapshotName="nope", TargetServerlessCacheSnapshotName="b"
        )


def test_export_needs_a_bucket_in_the_snapshot_region(ec: Any) -> None:
    cache(ec)
    snapshot(ec, "s1")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="exports-here")
    s3.create_bucket(
        Bucket="exports-there", CreateBucketConfiguration={"LocationConstraint": OTHER_REGION}
    )
    shown = ec.export_serverless_cache_snapshot(
        ServerlessCacheSnapshotName="s1", S3BucketName="exports-here"
    )
    assert shown["ServerlessCacheSnapshot"]["ServerlessCacheSnapshotName"] == "s1"
    for bucket, message in (
        ("exports-there", "outside of the region"),
        ("absent", "does not exist"),
    ):
        with pytest.raises(ClientError) as exc:
            ec.export_serverless_cache_snapshot(
                ServerlessCacheSnapshotName="s1", S3BucketName=bucket
            )
        assert error(exc) == ("InvalidParameterValue", 400)
        assert message in exc.value.response["Error"]["Message"]


def test_export_of_memcached_snapshot_is_refused(ec: Any) -> None:
    cache(ec, engine="memcached")
    snapshot(ec, "s1")
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="exports")
    with pytest.raises(ClientError) as exc:
        ec.export_serverless_cache_snapshot(
            ServerlessCacheSnapshotName="s1", S3BucketName="exports"
        )
    assert error(exc) == ("InvalidParameterValue", 400)


# --------------------------------------------------------------------------- tags


def test_tags_on_a_serverless_cache_through_the_elasticache_tagging_calls(ec: Any) -> None:
    cache(ec, Tags=[{"Key": "team", "Value": "payments"}])
    added = ec.add_tags_to_resource(
        ResourceName=CACHE_ARN, Tags=[{"Key": "steward:delete-after", "Value": "now"}]
    )
    assert added["TagList"] == [
        {"Key": "team", "Value": "payments"},
        {"Key": "steward:delete-after", "Value": "now"},
    ]
    removed = ec.remove_tags_from_resource(ResourceName=CACHE_ARN, TagKeys=["team"])
    assert removed["TagList"] == [{"Key": "steward:delete-after", "Value": "now"}]
    assert ec.list_tags_for_resource(ResourceName=CACHE_ARN)["TagList"] == removed["TagList"]


def test_tagging_unknown_serverless_resources_is_not_found(ec: Any) -> None:
    snapshot_arn = f"arn:aws:elasticache:{REGION}:{ACCOUNT}:serverlesscachesnapshot:nope"
    with pytest.raises(ec.exceptions.ServerlessCacheNotFoundFault):
        ec.list_tags_for_resource(ResourceName=CACHE_ARN)
    with pytest.raises(ec.exceptions.ServerlessCacheSnapshotNotFoundFault):
        ec.add_tags_to_resource(ResourceName=snapshot_arn, Tags=[{"Key": "k", "Value": "v"}])


def test_removing_a_tag_the_serverless_cache_lacks_is_tag_not_found(ec: Any) -> None:
    cache(ec, Tags=[{"Key": "team", "Value": "payments"}])
    with pytest.raises(ec.exceptions.TagNotFoundFault) as exc:
        ec.remove_tags_from_resource(ResourceName=CACHE_ARN, TagKeys=["team", "absent"])
    assert error(exc) == ("TagNotFound", 404)
    assert ec.list_tags_for_resource(ResourceName=CACHE_ARN)["TagList"] == [
        {"Key": "team", "Value": "payments"}
    ]


def test_more_than_50_tags_is_tag_quota_exceeded(ec: Any) -> None:
    cache(ec, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ec.exceptions.TagQuotaPerResourceExceeded):
        ec.add_tags_to_resource(ResourceName=CACHE_ARN, Tags=[{"Key": "one-more", "Value": "v"}])


def test_tags_go_with_the_deleted_cache(ec: Any) -> None:
    cache(ec, Tags=[{"Key": "team", "Value": "payments"}])
    ec.delete_serverless_cache(ServerlessCacheName="sessions")
    assert ec.list_tags_for_resource(ResourceName=CACHE_ARN)["TagList"] == [
        {"Key": "team", "Value": "payments"}
    ]
    fs.complete_deletions(ACCOUNT, REGION)
    cache(ec)
    assert ec.list_tags_for_resource(ResourceName=CACHE_ARN)["TagList"] == []


def test_tagging_api_lists_serverless_caches_and_snapshots_by_their_types(ec: Any) -> None:
    cache(ec, Tags=[{"Key": "steward:delete-after", "Value": "now"}])
    snapshot(ec, "s1")
    ec.create_cache_cluster(
        CacheClusterId="redis-a", Engine="redis", CacheNodeType="cache.t4g.small", NumCacheNodes=1
    )
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    def arns(**kwargs: Any) -> list[str]:
        pages = tagging.get_paginator("get_resources").paginate(**kwargs)
        return sorted(r["ResourceARN"] for p in pages for r in p["ResourceTagMappingList"])

    assert arns(ResourceTypeFilters=["elasticache:serverlesscache"]) == [CACHE_ARN]
    assert [
        a.split(":")[5:] for a in arns(ResourceTypeFilters=["elasticache:serverlesscachesnapshot"])
    ] == [["serverlesscachesnapshot", "s1"]]
    assert len(arns(ResourceTypeFilters=["elasticache"])) == 3
    assert arns(TagFilters=[{"Key": "steward:delete-after"}]) == [CACHE_ARN]


# --------------------------------------------------------------------------- sample events


def api_names(value: Any) -> Any:
    """CloudTrail writes member names with the first letter lower-cased; undo that."""
    if isinstance(value, dict):
        return {key[0].upper() + key[1:]: api_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [api_names(item) for item in value]
    return value


def replay(ec: Any, sample: str) -> dict[str, Any]:
    """Make the call a sample CloudTrail event records, with its own request parameters."""
    detail = json.loads((EVENTS / f"{sample}.json").read_text())["detail"]
    call = getattr(ec, xform_name(detail["eventName"]))
    result: dict[str, Any] = call(**api_names(detail["requestParameters"]))
    return result


@pytest.mark.parametrize(
    "sample",
    ["elasticache-deleteserverlesscache-no-final", "elasticache-deleteserverlesscache-with-final"],
)
def test_delete_samples_record_a_serverless_cache_in_the_response_shape(
    ec: Any, sample: str
) -> None:
    detail = json.loads((EVENTS / f"{sample}.json").read_text())["detail"]
    members = ec.meta.service_model.shape_for("ServerlessCache").members
    assert set(api_names(detail["responseElements"])) <= set(members)


def test_delete_samples_replay_against_the_fake(ec: Any) -> None:
    cache(ec, "sessions-cache")
    replay(ec, "elasticache-deleteserverlesscache-with-final")
    assert names(ec) == ["sessions-cache-before-decommission"]
    assert describe(ec, "sessions-cache")["Status"] == "deleting"
    fs.complete_deletions(ACCOUNT, REGION)
    cache(ec, "sessions-cache")

    replay(ec, "elasticache-deleteserverlesscache-no-final")

    assert names(ec) == ["sessions-cache-before-decommission"]


def test_tag_sample_replays_against_the_fake(ec: Any) -> None:
    cache(ec, "sessions-cache", Tags=[{"Key": "team", "Value": "web"}])
    tags = replay(ec, "elasticache-addtags-serverless-delete-after")["TagList"]
    assert {"Key": "steward:delete-after", "Value": "2026-11-22"} in tags
