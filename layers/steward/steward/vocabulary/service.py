"""The AWS services whose backups Steward looks after."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    ELASTICACHE = "elasticache"
    REDSHIFT = "redshift"
    CLOUDHSM = "cloudhsm"
