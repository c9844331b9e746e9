"""The decommission policy: whether a cluster tagged `steward:delete-after` is deleted now.

A pure function of the cluster's tags, status and engine, the clock and the settings. A plan
to delete always carries a final snapshot (the plan cannot be built without one), is never
made before the due time, and never for a cluster whose engine cannot be snapshotted.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Final, Literal

from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.tags import (
    DELETE_AFTER,
    KEEP_FOREVER,
    MIN_FINAL_SNAPSHOT_DAYS,
    RETENTION_DAYS,
    RETENTION_DAYS_ACCEPTED,
    is_held,
    read_retention_days,
)

ACCEPTED_DELETE_AFTER: Final = (
    "'now', a date such as 2026-12-01 (the start of that day, UTC), or a date-time with a "
    "UTC offset such as 2026-12-01T10:00:00Z or 2026-12-01T10:00:00+00:00"
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?P<offset>Z|[+-]\d{2}:\d{2})?"
)


# Said in every decision and alert when no tagging event named who set steward:delete-after.
TAGGER_UNKNOWN: Final = "seen by the sweep; who set it is unknown"


@dataclass(frozen=True)
class TaggedBy:
    """Who set `steward:delete-after`: the tagging CloudTrail event's userIdentity.arn (and, for a
    role session, the role behind it); both None when only the sweep saw the tag."""

    arn: str | None = None
    role_arn: str | None = None

    def __str__(self) -> str:
        return f"{DELETE_AFTER} set by {self.arn}" if self.arn else f"{DELETE_AFTER} {TAGGER_UNKNOWN}"


def tagger_refusal(tagged_by: TaggedBy, allowed: Collection[str]) -> str | None:
    """Why a decommission by this tagger is refused (`allowed` lists principal ARNs, `*` a
    wildcard; empty allows anyone who may tag); None when it may go ahead."""
    if not allowed:
        return None
    if tagged_by.arn is None:
        return f"{DELETE_AFTER} {TAGGER_UNKNOWN}, and only DECOMMISSION_PRINCIPALS may decommission"
    candidates = [arn for arn in (tagged_by.arn, tagged_by.role_arn) if arn]
    if any(fnmatchcase(arn, pattern) for arn in candidates for pattern in allowed):
        return None
    return f"{DELETE_AFTER} set by {tagged_by.arn}, who is not in DECOMMISSION_PRINCIPALS"


class Action(StrEnum):
    NONE = "none"  # not tagged: nothing for Steward to decide
    KEEP = "keep"
    DELETE = "delete"


Reason = Literal[
    "not-tagged",
    "invalid-tag",
    "hold",
    "no-snapshot-support",
    "not-due",
    "not-available",
    "due",
]


@dataclass(frozen=True)
class DecommissionPlan:
    """What to do with one cluster and why; only `Action.DELETE` plans may be acted on."""

    kind: ResourceKind
    action: Action
    reason: Reason
    detail: str = ""
    due_at: datetime | None = None
    with_final_snapshot: bool = False
    # Redshift only: the final snapshot's ManualSnapshotRetentionPeriod (-1 = forever).
    final_snapshot_retention_days: int | None = None

    def __post_init__(self) -> None:
        if self.action is Action.DELETE and not self.with_final_snapshot:
            raise ValueError("a decommission plan may only delete with a final snapshot")

    @property
    def delete(self) -> bool:
        return self.action is Action.DELETE


def parse_delete_after(value: str, now: datetime) -> datetime:
    """The UTC time a `steward:delete-after` value names; ValueError for anything else."""
    _require_aware(now)
    text = value.strip().upper()
    if text == "NOW":
        return now.astimezone(UTC)
    date_time = _DATE_TIME.fullmatch(text)
    if date_time is not None and date_time["offset"] is None:
        raise ValueError(
            f"{DELETE_AFTER}={value!r} has no UTC offset, so the time is ambiguous; "
            f"accepted: {ACCEPTED_DELETE_AFTER}"
        )
    if date_time is None and _DATE.fullmatch(text) is None:
        raise ValueError(
            f"{DELETE_AFTER}={value!r} is not understood; accepted: {ACCEPTED_DELETE_AFTER}"
        )
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(
            f"{DELETE_AFTER}={value!r} is not a real date or time ({error}); "
            f"accepted: {ACCEPTED_DELETE_AFTER}"
        ) from error
    # A bare date has no offset and means the start of that day in UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_final_snapshot_retention(value: str) -> int:
    """A `steward:retention-days` value as Redshift's retention period; ValueError otherwise."""
    days = read_retention_days(value)
    if days is None:
        raise ValueError(f"{RETENTION_DAYS}={value!r} is not accepted: {RETENTION_DAYS_ACCEPTED}")
    return days


def require_default_retention(days: int) -> None:
    """The deployment's default retention must read as a tag would; a settings error otherwise."""
    # Raised rather than turned into a per-cluster "invalid-tag": the setting is wrong, not the tag.
    if read_retention_days(str(days)) != days:
        raise ValueError(f"default retention {days} is not accepted: {RETENTION_DAYS_ACCEPTED}")


def decide_decommission(
    tags: Mapping[str, str],
    status: str,
    engine: str | None,
    kind: ResourceKind,
    now: datetime,
    default_retention_days: int,
    min_retention_days: int = MIN_FINAL_SNAPSHOT_DAYS,
) -> DecommissionPlan:
    """Whether the cluster is deleted now (always with a final snapshot), and why or why not.
    A final snapshot is kept forever or at least `min_retention_days`, whatever the tag says."""
    _require_aware(now)
    require_default_retention(default_retention_days)
    if DELETE_AFTER not in tags:
        return DecommissionPlan(kind, Action.NONE, "not-tagged", f"no {DELETE_AFTER} tag")
    try:
        due_at = parse_delete_after(tags[DELETE_AFTER], now)
        retention = _final_snapshot_retention(tags, kind, default_retention_days, min_retention_days)
    except ValueError as error:
        return DecommissionPlan(kind, Action.KEEP, "invalid-tag", str(error))

    def keep(reason: Reason, detail: str) -> DecommissionPlan:
        return DecommissionPlan(kind, Action.KEEP, reason, detail, due_at)

    if is_held(tags):
        return keep("hold", "steward:hold on the cluster")
    if not _supports_snapshots(kind, engine):
        return keep(
            "no-snapshot-support",
            f"engine {engine or 'not reported'}: no snapshots, so no final snapshot can be "
            "taken; Steward will not delete it",
        )
    if now < due_at:
        return keep("not-due", f"due at {due_at.isoformat()}")
    if status.strip().lower() != "available":
        return keep("not-available", f"status {status!r}; retried on the next sweep")
    return DecommissionPlan(
        kind,
        Action.DELETE,
        "due",
        f"due since {due_at.isoformat()}",
        due_at,
        with_final_snapshot=True,
        final_snapshot_retention_days=retention,
    )


def _final_snapshot_retention(
    tags: Mapping[str, str], kind: ResourceKind, default_days: int, min_days: int
) -> int | None:
    if kind != "redshift-cluster":
        return None  # ElastiCache manual snapshots never expire; the retention sweep sees them
    if RETENTION_DAYS in tags:
        return at_least(parse_final_snapshot_retention(tags[RETENTION_DAYS]), min_days)
    return at_least(default_days, min_days)


def at_least(days: int, min_days: int) -> int:
    """A snapshot retention raised to `min_days`; forever (-1) stays forever."""
    return days if days == KEEP_FOREVER else max(days, min_days)


def _supports_snapshots(kind: ResourceKind, engine: str | None) -> bool:
    # Provisioned Memcached has no snapshots (serverless Memcached does); a cache cluster
    # whose engine was not reported might be Memcached, so it is treated as one.
    if kind != "elasticache-cluster":
        return True
    return engine is not None and engine.strip().lower() != "memcached"


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"the clock gave a naive time {now.isoformat()}; pass an aware datetime")
