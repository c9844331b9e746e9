"""KMS: where a key in an AWS CloudHSM key store keeps its material, asked while the key exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import ClientError

from steward.services.clients import client, error_code

NOT_FOUND = {"NotFoundException"}


class KeyNotFound(Exception):
    """KMS does not know the key (deleted, or never existed in this account and region)."""


@dataclass(frozen=True)
class HsmKey:
    """A KMS key whose material lives in a CloudHSM cluster (DescribeKey's CloudHsmClusterId)."""

    arn: str
    key_id: str
    cluster_id: str
    key_store_id: str
    created: datetime | None
    state: str


@dataclass(frozen=True)
class OtherKey:
    """A KMS key outside any CloudHSM key store: no CloudHSM backup holds its material."""

    arn: str
    origin: str


class KmsKeys:
    def __init__(self, region: str) -> None:
        self.region = region
        self._kms = client("kms", region)

    def describe(self, key: str) -> HsmKey | OtherKey:
        """`key` is an id or ARN; raises KeyNotFound when KMS no longer knows it."""
        try:
            metadata = self._kms.describe_key(KeyId=key)["KeyMetadata"]
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                raise KeyNotFound(key) from None
            raise
        cluster_id = metadata.get("CloudHsmClusterId")
        store_id = metadata.get("CustomKeyStoreId")
        if not cluster_id or not store_id:
            return OtherKey(arn=metadata.get("Arn", key), origin=metadata.get("Origin", "unknown"))
        return HsmKey(
            arn=metadata.get("Arn", key),
            key_id=metadata["KeyId"],
            cluster_id=cluster_id,
            key_store_id=store_id,
            created=metadata.get("CreationDate"),
            state=metadata.get("KeyState", "unknown"),
        )
