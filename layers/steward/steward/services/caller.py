"""STS: whose account the operator's credentials are (the stores name backups by account)."""

from __future__ import annotations

from steward.services.clients import client


def account_id(region: str) -> str:
    return client("sts", region).get_caller_identity()["Account"]
