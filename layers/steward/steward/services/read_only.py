"""Plan mode: the AWS clients send only reads, whatever the code above them asks.

Every client is created in `clients.py`, which hands it to `guard()`; while plan mode is on, a botocore
`before-call` hook refuses any operation not on the allow-list below before it is signed or sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError

# The reads a plan makes, per botocore service name; docs/plan-policy.json grants the same, as IAM actions.
READS: dict[str, frozenset[str]] = {
    "elasticache": frozenset(
        {
            "DescribeSnapshots",
            "DescribeCacheClusters",
            "DescribeReplicationGroups",
            "DescribeServerlessCaches",
            "DescribeServerlessCacheSnapshots",
            "ListTagsForResource",
        }
    ),
    "redshift": frozenset({"DescribeClusters", "DescribeClusterSnapshots", "DescribeTags"}),
    "cloudhsmv2": frozenset({"DescribeBackups", "DescribeClusters"}),
    "resourcegroupstaggingapi": frozenset({"GetResources"}),
    "cloudformation": frozenset({"DescribeStacks", "DescribeStackResource"}),
    # The stack's StateTable: who set a steward:delete-after tag, as its tag event recorded it.
    "dynamodb": frozenset({"GetItem", "Query"}),
    "sts": frozenset({"GetCallerIdentity"}),
}

# Called with (service, operation, region) for every call a plan sends: progress, or a record of them.
CallObserver = Callable[[str, str, str], None]


class WriteRefused(BotoCoreError):
    """Plan mode stopped an operation that is not a read; it was never sent."""

    fmt = "plan mode is read-only: {service}:{operation} is not a read, not sent"


class _Mode:
    on = False
    observer: CallObserver | None = None


def enable(observer: CallObserver | None = None) -> None:
    """From now on, every client of this process refuses anything but READS."""
    _Mode.on, _Mode.observer = True, observer


def disable() -> None:
    _Mode.on, _Mode.observer = False, None


def guard(client: Any) -> Any:
    """Attach the check to a new client (clients.py does this for every client it creates)."""
    client.meta.events.register("before-call", _check)
    return client


def _check(model: Any, context: dict[str, Any], **_: Any) -> None:
    if not _Mode.on:
        return
    service, operation = model.service_model.service_name, model.name
    if operation not in READS.get(service, frozenset()):
        raise WriteRefused(service=service, operation=operation)
    if _Mode.observer is not None:
        _Mode.observer(service, operation, str(context.get("client_region", "")))
