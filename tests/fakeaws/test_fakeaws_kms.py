"""fakeaws.kms through real boto3 calls against moto."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REGION


def store(kms: Any, name: str = "ks") -> tuple[str, str]:
    hsm = boto3.client("cloudhsmv2", region_name=REGION)
    cluster_id = hsm.create_cluster(HsmType="hsm2m.medium", SubnetIds=["subnet-0a1b2c3d"])[
        "Cluster"
    ]["ClusterId"]
    store_id = kms.create_custom_key_store(
        CustomKeyStoreName=name,
        CloudHsmClusterId=cluster_id,
        TrustAnchorCertificate="-----BEGIN CERTIFICATE-----",
        KeyStorePassword="kmsuser-password",
    )["CustomKeyStoreId"]
    return store_id, cluster_id


def test_create_and_describe_custom_key_store(kms: Any) -> None:
    store_id, cluster_id = store(kms)
    assert re.fullmatch(r"cks-[0-9a-f]{17}", store_id)
    [entry] = kms.describe_custom_key_stores(CustomKeyStoreName="ks")["CustomKeyStores"]
    assert entry["CustomKeyStoreId"] == store_id
    assert entry["CloudHsmClusterId"] == cluster_id
    assert entry["CustomKeyStoreType"] == "AWS_CLOUDHSM"
    assert entry["ConnectionState"] == "CONNECTED"
    assert "CreationDate" in entry


def test_describe_custom_key_stores_pages(kms: Any) -> None:
    for i in range(3):
        store(kms, f"ks{i}")
    first = kms.describe_custom_key_stores(Limit=2)
    second = kms.describe_custom_key_stores(Limit=2, Marker=first["NextMarker"])
    assert (len(first["CustomKeyStores"]), first["Truncated"]) == (2, True)
    assert (len(second["CustomKeyStores"]), second["Truncated"]) == (1, False)
    assert "NextMarker" not in second


def test_describe_unknown_custom_key_store_is_not_found(kms: Any) -> None:
    with pytest.raises(kms.exceptions.CustomKeyStoreNotFoundException):
        kms.describe_custom_key_stores(CustomKeyStoreId="cks-00000000000000000")


def test_key_in_custom_key_store_names_store_and_cluster(kms: Any) -> None:
    store_id, cluster_id = store(kms)
    key = kms.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")["KeyMetadata"]
    described = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    for meta in (key, described):
        assert meta["CustomKeyStoreId"] == store_id
        assert meta["CloudHsmClusterId"] == cluster_id
        assert meta["Origin"] == "AWS_CLOUDHSM"


def test_key_in_custom_key_store_can_be_scheduled_for_deletion(kms: Any) -> None:
    store_id, cluster_id = store(kms)
    key_id = kms.create_key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")["KeyMetadata"][
        "KeyId"
    ]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (meta["KeyState"], meta["CloudHsmClusterId"]) == ("PendingDeletion", cluster_id)
    kms.cancel_key_deletion(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


def test_create_key_in_unknown_store_is_not_found(kms: Any) -> None:
    with pytest.raises(ClientError) as exc:
        kms.create_key(CustomKeyStoreId="cks-00000000000000000", Origin="AWS_CLOUDHSM")
    assert exc.value.response["Error"]["Code"] == "CustomKeyStoreNotFoundException"
