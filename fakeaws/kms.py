"""KMS CloudHSM custom key stores, missing from moto 5.2.5.

Emulated (API 2014-11-01, JSON protocol):
* CreateCustomKeyStore (AWS_CLOUDHSM type): id ``cks-`` + 17 hex digits; the CloudHSM cluster must
  exist in the same account/region (``CloudHsmClusterNotFoundException``) and not back another
  store (``CloudHsmClusterInUseException``); names are unique
  (``CustomKeyStoreNameInUseException``).
* DescribeCustomKeyStores by id or name (``CustomKeyStoreNotFoundException``), ``Limit`` 1..1000,
  ``Marker`` -> ``NextMarker`` / ``Truncated`` (``InvalidMarkerException`` for foreign markers).
* CreateKey(CustomKeyStoreId, Origin=AWS_CLOUDHSM): KeyMetadata (and DescribeKey) carry
  ``CustomKeyStoreId``, ``CloudHsmClusterId`` and ``Origin`` AWS_CLOUDHSM; unknown store ->
  ``CustomKeyStoreNotFoundException``. Schedule/CancelKeyDeletion are moto's own.

Simplified:
* Stores are created ``CONNECTED`` (AWS creates them DISCONNECTED until ConnectCustomKeyStore);
  Connect/Disconnect/Update/DeleteCustomKeyStore and EXTERNAL_KEY_STORE are not emulated.
* The trust-anchor certificate and kmsuser password are stored/ignored, not validated.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudhsmv2.models import cloudhsmv2_backends
from moto.core.exceptions import JsonRESTError
from moto.kms.models import Key, KmsBackend
from moto.kms.responses import KmsResponse
from moto.moto_api._internal import mock_random
from sortedcontainers import SortedKeyList

from ._common import epoch, graft, now, original, page


class KmsError(JsonRESTError):
    code = 400

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)


def _stores(backend: KmsBackend) -> dict[str, dict[str, Any]]:
    """Custom key stores of one account/region, kept on the moto backend instance."""
    stores: dict[str, dict[str, Any]] = backend.__dict__.setdefault("custom_key_stores", {})
    return stores


def _get_store(backend: KmsBackend, store_id: str) -> dict[str, Any]:
    store = _stores(backend).get(store_id)
    if store is None:
        raise KmsError(
            "CustomKeyStoreNotFoundException", f"Custom key store {store_id} does not exist."
        )
    return store


class KeyExtension(Key):
    """KeyMetadata of keys in a CloudHSM key store names the store and its cluster."""

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = original(Key, "to_dict")(self)
        store_id = self.__dict__.get("custom_key_store_id")
        if store_id:
            result["KeyMetadata"]["CustomKeyStoreId"] = store_id
            result["KeyMetadata"]["CloudHsmClusterId"] = self.__dict__["cloud_hsm_cluster_id"]
        return result


class KmsBackendExtension(KmsBackend):
    """Backend methods grafted onto moto's KmsBackend."""

    def create_custom_key_store(
        self,
        *,
        name: str,
        cluster_id: str | None,
        trust_anchor_certificate: str | None,
        store_type: str,
    ) -> str:
        if store_type != "AWS_CLOUDHSM":
            raise KmsError(
                "UnsupportedOperationException", f"{store_type} key stores are not emulated."
            )
        stores = _stores(self)
        if any(s["CustomKeyStoreName"] == name for s in stores.values()):
            raise KmsError(
                "CustomKeyStoreNameInUseException", f"Custom key store name {name} is in use."
            )
        if cluster_id not in cloudhsmv2_backends[self.account_id][self.region_name].clusters:
            raise KmsError(
                "CloudHsmClusterNotFoundException", f"CloudHSM cluster {cluster_id} not found."
            )
        if any(s["CloudHsmClusterId"] == cluster_id for s in stores.values()):
            raise KmsError(
                "CloudHsmClusterInUseException",
                f"CloudHSM cluster {cluster_id} is already associated with a custom key store.",
            )
        store_id = "cks-" + mock_random.get_random_hex(length=17)
        stores[store_id] = {
            "CustomKeyStoreId": store_id,
            "CustomKeyStoreName": name,
            "CloudHsmClusterId": cluster_id,
            "TrustAnchorCertificate": trust_anchor_certificate,
            "ConnectionState": "CONNECTED",
            "CreationDate": now(),
            "CustomKeyStoreType": store_type,
        }
        return store_id

    def describe_custom_key_stores(
        self,
        *,
        store_id: str | None,
        name: str | None,
        limit: int | None,
        marker: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        if store_id and name:
            raise KmsError(
                "ValidationException", "Specify either CustomKeyStoreId or CustomKeyStoreName."
            )
        stores = list(_stores(self).values())
        if store_id:
            stores = [_get_store(self, store_id)]
        elif name:
            stores = [s for s in stores if s["CustomKeyStoreName"] == name]
            if not stores:
                raise KmsError(
                    "CustomKeyStoreNotFoundException", f"Custom key store {name} does not exist."
                )
        size = 1000 if limit is None else limit  # 1..1000: fakeaws.model_check
        # At most 10 stores per account and region (KMS quotas), so ordering them per call is cheap.
        return page(
            SortedKeyList(stores, key=lambda s: s["CustomKeyStoreId"]),
            token=marker,
            limit=size,
            invalid_token=lambda: KmsError("InvalidMarkerException", f"Invalid marker {marker}"),
        )


class KmsResponseExtension(KmsResponse):
    """Response handlers grafted onto moto's KmsResponse."""

    def create_custom_key_store(self) -> str:
        store_id = self.kms_backend.create_custom_key_store(
            name=self._get_param("CustomKeyStoreName"),
            cluster_id=self._get_param("CloudHsmClusterId"),
            trust_anchor_certificate=self._get_param("TrustAnchorCertificate"),
            store_type=self._get_param("CustomKeyStoreType") or "AWS_CLOUDHSM",
        )
        return json.dumps({"CustomKeyStoreId": store_id})

    def describe_custom_key_stores(self) -> str:
        stores, marker = self.kms_backend.describe_custom_key_stores(
            store_id=self._get_param("CustomKeyStoreId"),
            name=self._get_param("CustomKeyStoreName"),
            limit=self._get_param("Limit"),
            marker=self._get_param("Marker"),
        )
        result: dict[str, Any] = {
            "CustomKeyStores": [{**s, "CreationDate": epoch(s["CreationDate"])} for s in stores],
            "Truncated": marker is not None,
        }
        if marker:
            result["NextMarker"] = marker
        return json.dumps(result)

    def create_key(self) -> str:
        store_id = self._get_param("CustomKeyStoreId")
        if not store_id:
            return str(original(KmsResponse, "create_key")(self))
        store = _get_store(self.kms_backend, store_id)
        if self._get_param("Origin") != "AWS_CLOUDHSM":
            raise KmsError(
                "UnsupportedOperationException",
                "Keys in an AWS CloudHSM key store require Origin=AWS_CLOUDHSM.",
            )
        body = json.loads(original(KmsResponse, "create_key")(self))
        key = self.kms_backend.keys[body["KeyMetadata"]["KeyId"]]
        key.custom_key_store_id = store_id
        key.cloud_hsm_cluster_id = store["CloudHsmClusterId"]
        return json.dumps(key.to_dict())


def install() -> None:
    graft(Key, KeyExtension)
    graft(KmsBackend, KmsBackendExtension)
    graft(KmsResponse, KmsResponseExtension)
