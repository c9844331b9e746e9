"""The retention policy: which backups have expired, and why every other one is kept.

A pure function of the listed backups, the settings and the clock, so that its safety
invariants can be checked for any fleet (tests/properties).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from steward.vocabulary.backups import Backup
from steward.vocabulary.naming import steward_snapshot_marker
from steward.vocabulary.service import Service
from steward.vocabulary.tags import (
    KEEP_FOREVER,
    MIN_FINAL_SNAPSHOT_DAYS,
    RETENTION_DAYS,
    RETENTION_DAYS_ACCEPTED,
    is_held,
    read_retention_days,
)


@dataclass(frozen=True)
class RetentionRules:
    default_retention_days: int
    min_keep: int
    revoke_shares: bool
    # Steward's own final and rescue snapshots are kept at least this long, whatever a tag says.
    min_final_snapshot_days: int = MIN_FINAL_SNAPSHOT_DAYS


@dataclass(frozen=True)
class Verdict:
    backup: Backup
    expired: bool
    reason: str
    detail: str = ""
    age_days: int | None = None
    retention_days: int | None = None

    @property
    def needs_revoke(self) -> bool:
        return self.expired and bool(self.backup.shared_with)


@dataclass(frozen=True)
class _Retention:
    days: int | None
    source: str
    invalid_value: str | None = None


def plan_retention(backups: Iterable[Backup], rules: RetentionRules, now: datetime) -> list[Verdict]:
    """One verdict per backup, in the order given; only `expired` verdicts may be deleted."""
    backups = list(backups)
    protected = _newest_per_cluster(backups, rules.min_keep)
    return [_judge(backup, rules, now, _key(backup) in protected) for backup in backups]


def _judge(backup: Backup, rules: RetentionRules, now: datetime, newest: bool) -> Verdict:
    age = _age_days(backup, now)

    def keep(reason: str, detail: str = "", retention: int | None = None) -> Verdict:
        return Verdict(backup, False, reason, detail, age, retention)

    if not backup.owned:
        return keep("not-owned", "owned by another account or by AWS Backup")
    if not backup.manual:
        return keep("automated", "automatic backups follow the service's own retention")
    if backup.tags_unreadable:
        return keep("tags-unreadable", backup.tags_unreadable)
    if is_held(backup.tags) or is_held(backup.source_tags):
        where = "backup" if is_held(backup.tags) else backup.source_tags_from
        return keep("hold", f"steward:hold on the {where}")
    if backup.never_expires:
        return keep("never-expires", "NeverExpires is set on the backup")

    retention = _at_least_the_final_minimum(
        backup, _effective_retention(backup, rules.default_retention_days), rules.min_final_snapshot_days
    )
    if retention.invalid_value is not None:
        return keep(
            "invalid-tag",
            f"{RETENTION_DAYS}={retention.invalid_value!r} on the {retention.source}: "
            f"expected {RETENTION_DAYS_ACCEPTED}",
        )
    if retention.days is None:
        return keep("unmanaged", "no retention tag and DEFAULT_RETENTION_DAYS is 0")
    if retention.days == KEEP_FOREVER:
        return keep("keep-forever", f"{RETENTION_DAYS}=-1 ({retention.source})")
    if not backup.ready:
        return keep("not-ready", f"state {backup.state}", retention.days)
    if backup.created is None or age is None:
        return keep("not-ready", "no creation time reported yet", retention.days)
    if backup.service_retention_days not in (None, -1):
        return keep(
            "service-retention",
            f"the service itself deletes it after {backup.service_retention_days} days",
            retention.days,
        )
    if now - backup.created <= timedelta(days=retention.days):
        return keep(
            "within-retention",
            f"age {age}d, retention {retention.days}d ({retention.source})",
            retention.days,
        )
    if newest:
        count = _keep_count(backup, rules.min_keep)
        return keep("min-keep", f"among the newest {count} of {backup.source_cluster}", retention.days)
    if backup.shared_with and not rules.revoke_shares:
        return keep(
            "shared",
            "shared with " + ", ".join(backup.shared_with) + "; revoking shares is not enabled",
            retention.days,
        )
    detail = f"age {age}d > retention {retention.days}d ({retention.source})"
    if backup.shared_with:
        detail += "; shares with " + ", ".join(backup.shared_with) + " revoked first"
    return Verdict(backup, True, "expired", detail, age, retention.days)


def _effective_retention(backup: Backup, default_days: int) -> _Retention:
    # The backup's own tag wins over its cluster's, the cluster's over the default.
    for tags, source in ((backup.tags, "backup"), (backup.source_tags, backup.source_tags_from)):
        if RETENTION_DAYS in tags:
            value = tags[RETENTION_DAYS]
            days = read_retention_days(value)
            if days is None:
                return _Retention(None, source, invalid_value=value)
            return _Retention(days, f"{source} tag")
    return _Retention(default_days or None, "default")


def _at_least_the_final_minimum(backup: Backup, retention: _Retention, min_days: int) -> _Retention:
    # A tag on the cluster carries over to its final snapshot: it must not shorten the operator's minimum.
    marker = steward_snapshot_marker(backup.id)
    if (
        marker is None
        or retention.days is None
        or retention.days == KEEP_FOREVER
        or retention.days >= min_days
    ):
        return retention
    source = f"{retention.source} said {retention.days}d; a {marker} snapshot is kept at least {min_days}d"
    return _Retention(min_days, source)


def _keep_count(backup: Backup, min_keep: int) -> int:
    # CloudHSM: never delete a cluster's newest READY backup, whatever MIN_KEEP says.
    return max(min_keep, 1) if backup.service is Service.CLOUDHSM else min_keep


def _key(backup: Backup) -> tuple[Service, str | None, str, str]:
    # Serverless and node-based ElastiCache snapshots are named apart: the kind is part of the id.
    return (backup.service, backup.kind, backup.region, backup.id)


def _newest_per_cluster(
    backups: Sequence[Backup], min_keep: int
) -> set[tuple[Service, str | None, str, str]]:
    """The newest ready manual backups of each source cluster, which min-keep protects."""
    by_cluster: dict[tuple[Service, str | None, str, str | None], list[Backup]] = defaultdict(list)
    for backup in backups:
        if backup.ready and backup.manual and backup.owned and backup.created is not None:
            by_cluster[(backup.service, backup.kind, backup.region, backup.source_cluster)].append(backup)
    protected: set[tuple[Service, str | None, str, str]] = set()
    for members in by_cluster.values():
        members.sort(key=lambda b: (b.created, b.id), reverse=True)
        protected.update(_key(b) for b in members[: _keep_count(members[0], min_keep)])
    return protected


def _age_days(backup: Backup, now: datetime) -> int | None:
    return None if backup.created is None else max((now - backup.created).days, 0)
