"""The AWS services whose backups Steward looks after."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    ELASTICACHE = "elasticache"
    REDSHIFT = "redshift"
    CLOUDHSM = "cloudhsm"


# ElastiCache stores its ids lower-case and Redshift's must be lower-case (API model), so both
# compare without case; CloudHSM's ids are compared exactly.
CASE_INSENSITIVE_IDS = frozenset({Service.ELASTICACHE, Service.REDSHIFT})


def canonical_id(service: Service, identifier: str) -> str:
    """A cluster id as the service compares it: what inventories and lookups are keyed on."""
    return identifier.lower() if service in CASE_INSENSITIVE_IDS else identifier
