"""fakeaws.model_check: requests the service model refuses get the service's validation error."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION

from fakeaws import model_check


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return status, response["Error"]["Code"], response["Error"]["Message"]


def test_cloudhsm_describe_clusters_refuses_more_than_25_results(hsm: Any) -> None:
    with pytest.raises(ClientError) as exc:
        hsm.describe_clusters(MaxResults=50)
    assert error(exc) == (
        400,
        "CloudHsmInvalidRequestException",
        "1 validation error detected: Value '50' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 25",
    )


def test_a_request_inside_the_model_passes(hsm: Any, ec: Any) -> None:
    assert hsm.describe_clusters(MaxResults=25)["Clusters"] == []
    cluster = ec.create_cache_cluster(
        CacheClusterId="redis-valid",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheNodes=1,
        AZMode="single-az",
    )["CacheCluster"]
    assert cluster["CacheClusterId"] == "redis-valid"


def test_tagging_refuses_a_tag_key_longer_than_128(mocked: None) -> None:
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    with pytest.raises(ClientError) as exc:
        tagging.get_resources(TagFilters=[{"Key": "k" * 129}])
    status, code, message = error(exc)
    assert (status, code) == (400, "InvalidParameterException")
    assert "at 'tagFilters.1.member.key'" in message
    assert "Member must have length less than or equal to 128" in message
    assert tagging.get_resources(TagFilters=[{"Key": "k" * 128}])["ResourceTagMappingList"] == []


def test_elasticache_refuses_a_value_outside_the_enum_in_a_query_request(ec: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ec.create_cache_cluster(
            CacheClusterId="redis-enum",
            Engine="redis",
            CacheNodeType="cache.t4g.small",
            NumCacheNodes=1,
            AZMode="single",
        )
    assert error(exc) == (
        400,
        "InvalidParameterValue",
        "1 validation error detected: Value 'single' at 'aZMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [single-az, cross-az]",
    )
    assert ec.describe_cache_clusters()["CacheClusters"] == []


def test_kms_refuses_an_alias_that_breaks_the_pattern(kms: Any) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as exc:
        kms.create_alias(AliasName="alias/with space", TargetKeyId=key_id)
    status, code, message = error(exc)
    assert (status, code) == (400, "ValidationException")
    assert "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$" in message
    kms.create_alias(AliasName="alias/steward-test", TargetKeyId=key_id)


def test_a_missing_required_member_is_refused_even_without_client_validation(
    mocked: None,
) -> None:
    raw = boto3.client("cloudhsmv2", region_name=REGION, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        raw.delete_backup()
    assert error(exc) == (
        400,
        "CloudHsmInvalidRequestException",
        "1 validation error detected: Value null at 'backupId' failed to satisfy constraint: "
        "Member must not be null",
    )


def test_every_violation_is_listed(mocked: None) -> None:
    raw = boto3.client("cloudhsmv2", region_name=REGION, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        raw.describe_backups(MaxResults=0, NextToken="t" * 257)
    _, _, message = error(exc)
    assert message.startswith("2 validation errors detected: ")
    assert "at 'maxResults'" in message and "at 'nextToken'" in message


def test_strings_are_measured_in_utf16_units_as_the_services_do(mocked: None) -> None:
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    with pytest.raises(ClientError):  # 65 emoji are 130 UTF-16 units, 65 code points
        tagging.get_resources(TagFilters=[{"Key": "\U0001f512" * 65}])
    tagging.get_resources(TagFilters=[{"Key": "\U0001f512" * 64}])


def test_java_patterns_compile_with_unicode_classes_and_surrogate_ranges() -> None:
    tag_key = model_check.compiled(r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$")
    assert tag_key is not None and tag_key.fullmatch("Équipe 7")
    assert not tag_key.fullmatch("a;b")
    xml_chars = model_check.compiled(
        r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*"
    )
    assert xml_chars is not None and xml_chars.fullmatch("key \U0001f512")
    assert not xml_chars.fullmatch("\x00")


@pytest.mark.parametrize("service", sorted(model_check.VALIDATION_ERRORS))
def test_every_pattern_of_a_checked_service_compiles(service: str) -> None:
    loader = botocore.session.get_session().get_component("data_loader")
    shapes = loader.load_service_model(service, "service-2")["shapes"].values()
    patterns = {shape["pattern"] for shape in shapes if "pattern" in shape}
    assert [p for p in sorted(patterns) if model_check.compiled(p) is None] == []
