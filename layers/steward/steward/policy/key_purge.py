"""The key-purge policy: which backups may still hold removed key material, and what to do now.

Every CloudHSM backup is a whole-cluster image, so a backup taken at or before the removal (and
not before the key existed, when that is known) may bring the key back; so may its copies in
other regions and any cluster initialised from it. Deleting those backups also deletes restore
points for every other key of the cluster, so by default the purge waits until the cluster has a
READY backup taken after the removal (CloudHSM takes one at least daily), unless the operator
said `immediate` or the configured maximum wait has passed.

A pure function of the listed backups and clusters, the removal, the clock and the rules, so its
safety invariants can be checked for any fleet (tests/properties/test_key_purge_invariants.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from steward.vocabulary.hsm import (
    CREATE_IN_PROGRESS,
    DELETED,
    HELD,
    PENDING_DELETION,
    READY,
    HsmBackup,
    HsmCluster,
)
from steward.vocabulary.tags import HOLD, is_held


@dataclass(frozen=True)
class PurgeTarget:
    """The removal, as the policy needs it: which cluster, when, and since when the key existed."""

    cluster_id: str
    region: str
    removed_at: datetime
    key_created_at: datetime | None = None
    immediate: bool = False


@dataclass(frozen=True)
class PurgeRules:
    max_wait: timedelta


class Step(StrEnum):
    DELETE = "delete"  # key-bearing and READY: DeleteBackup now
    WAIT = "wait"  # may hold the key, not now: no clean restore point, being created, no timestamp
    DONE = "done"  # key-bearing and already PENDING_DELETION or DELETED
    HOLD = "hold"  # key-bearing but under steward:hold: never deleted, so the purge cannot finish
    KEEP = "keep"  # does not hold the key


@dataclass(frozen=True)
class BackupVerdict:
    backup: HsmBackup
    key_bearing: bool
    step: Step
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class FlaggedCluster:
    """A cluster initialised from a key-bearing backup: it may hold the key itself."""

    cluster: HsmCluster
    from_backup: str


class Go(StrEnum):
    CLEAN_RESTORE_POINT = "clean-restore-point"
    IMMEDIATE = "immediate"
    MAX_WAIT_ELAPSED = "max-wait-elapsed"
    WAITING = "waiting-for-clean-backup"


@dataclass(frozen=True)
class PurgePlan:
    target: PurgeTarget
    go: Go
    detail: str
    verdicts: tuple[BackupVerdict, ...]
    flagged: tuple[FlaggedCluster, ...]
    clean_restore_point: HsmBackup | None
    wait_until: datetime

    @property
    def proceeds(self) -> bool:
        return self.go is not Go.WAITING

    @property
    def to_delete(self) -> list[BackupVerdict]:
        return [v for v in self.verdicts if v.step is Step.DELETE]

    @property
    def waiting(self) -> list[BackupVerdict]:
        return [v for v in self.verdicts if v.step is Step.WAIT]

    @property
    def key_bearing(self) -> list[BackupVerdict]:
        return [v for v in self.verdicts if v.key_bearing]

    @property
    def held(self) -> list[BackupVerdict]:
        return [v for v in self.verdicts if v.step is Step.HOLD]


def plan_key_purge(
    target: PurgeTarget,
    backups: Sequence[HsmBackup],
    clusters: Iterable[HsmCluster],
    clock: datetime,
    rules: PurgeRules,
) -> PurgePlan:
    """Decide, for every backup of the target cluster and every copy of one, what to do now."""
    family = _family(target.cluster_id, backups)
    holds_key = {b.id: _holds_key(b, target) for b in family}
    clean = _clean_restore_point(target, family)
    wait_until = target.removed_at + rules.max_wait
    go, why = _go(target, clean, clock, wait_until)
    verdicts = tuple(
        _verdict(b, target, go) if holds_key[b.id] else _kept(b, target)
        for b in sorted(family, key=lambda b: (b.region, b.created or target.removed_at, b.id))
    )
    key_bearing_ids = {b.id for b in family if holds_key[b.id]}
    flagged = tuple(
        FlaggedCluster(cluster, cluster.source_backup_id)
        for cluster in sorted(clusters, key=lambda c: (c.region, c.id))
        if cluster.source_backup_id in key_bearing_ids and cluster.id != target.cluster_id
    )
    return PurgePlan(target, go, why, verdicts, flagged, clean, wait_until)


def _family(cluster_id: str, backups: Sequence[HsmBackup]) -> list[HsmBackup]:
    """The cluster's own backups, and copies of them in any region (copies of copies too)."""
    # Copies are found by their source, whatever their ClusterId says.
    members = {b.id: b for b in backups if not b.is_copy and b.cluster_id == cluster_id}
    grew = True
    while grew:
        grew = False
        for backup in backups:
            if backup.id in members or not backup.is_copy:
                continue
            if backup.source_cluster == cluster_id or backup.source_backup in members:
                members[backup.id] = backup
                grew = True
    return list(members.values())


def _holds_key(backup: HsmBackup, target: PurgeTarget) -> bool:
    if backup.created is None:
        return True  # unknown: it may hold the key, so it is never taken as clean
    if backup.created > target.removed_at:
        return False
    return target.key_created_at is None or backup.created >= target.key_created_at


def _clean_restore_point(target: PurgeTarget, family: Sequence[HsmBackup]) -> HsmBackup | None:
    clean = [
        b
        for b in family
        if not b.is_copy
        and b.cluster_id == target.cluster_id
        and b.region == target.region
        and b.state == READY
        and b.created is not None
        and b.created > target.removed_at
    ]
    return min(clean, key=lambda b: (b.created, b.id)) if clean else None


def _go(
    target: PurgeTarget, clean: HsmBackup | None, clock: datetime, wait_until: datetime
) -> tuple[Go, str]:
    if clean is not None:
        return Go.CLEAN_RESTORE_POINT, (
            f"{clean.id} (READY, taken {at(clean.created)}) is a restore point without the key"
        )
    if target.immediate:
        return Go.IMMEDIATE, (
            "immediate purge requested: the cluster has no READY backup taken after the removal "
            "until CloudHSM takes its next one"
        )
    if clock >= wait_until:
        return Go.MAX_WAIT_ELAPSED, (
            f"no READY backup of {target.cluster_id} taken after the removal by {at(wait_until)} "
            "(maximum wait): purging anyway; the cluster has no restore point until its next backup"
        )
    return Go.WAITING, (
        f"waiting for a READY backup of {target.cluster_id} taken after {at(target.removed_at)} "
        f"(CloudHSM takes one at least daily); proceeds anyway at {at(wait_until)}"
    )


def _verdict(backup: HsmBackup, target: PurgeTarget, go: Go) -> BackupVerdict:
    where = _where(backup)
    if backup.state == PENDING_DELETION:
        return BackupVerdict(
            backup,
            True,
            Step.DONE,
            "already-pending-deletion",
            f"{where}; restorable until {at(backup.delete_at)}" if backup.delete_at else where,
        )
    if backup.state == DELETED:
        return BackupVerdict(backup, True, Step.DONE, "already-deleted", where)
    if backup.held:
        on = "the backup" if is_held(backup.tags) else "its cluster"
        return BackupVerdict(
            backup,
            True,
            Step.HOLD,
            HELD,
            f"{where}; {HOLD} on {on}: never deleted, so it still holds the key; remove the tag "
            "to let the purge finish",
        )
    if backup.created is None:
        return BackupVerdict(
            backup,
            True,
            Step.WAIT,
            "unknown-creation-time",
            f"{where}; no CreateTimestamp, so it may hold the key: retried on the next check",
        )
    if backup.state == CREATE_IN_PROGRESS:
        return BackupVerdict(
            backup,
            True,
            Step.WAIT,
            "create-in-progress",
            f"{where}; taken {at(backup.created)}, before the removal: deleted once READY",
        )
    if backup.state != READY:
        return BackupVerdict(backup, True, Step.WAIT, "unknown-state", f"{where}; state {backup.state}")
    if go is Go.WAITING:
        return BackupVerdict(
            backup,
            True,
            Step.WAIT,
            "waiting-for-clean-backup",
            f"{where}; taken {at(backup.created)}, holds the key",
        )
    pinned = "; NeverExpires=true exempts it from retention, not from a purge" if backup.never_expires else ""
    return BackupVerdict(
        backup,
        True,
        Step.DELETE,
        "key-bearing",
        f"{where}; taken {at(backup.created)}, at or before the removal ({at(target.removed_at)}){pinned}",
    )


def _kept(backup: HsmBackup, target: PurgeTarget) -> BackupVerdict:
    where = _where(backup)
    if backup.created is not None and backup.created > target.removed_at:
        return BackupVerdict(
            backup,
            False,
            Step.KEEP,
            "created-after-removal",
            f"{where}; taken {at(backup.created)}, after the removal ({at(target.removed_at)})",
        )
    return BackupVerdict(
        backup,
        False,
        Step.KEEP,
        "before-key-created",
        f"{where}; taken {at(backup.created)}, before the key was created ({at(target.key_created_at)})",
    )


def _where(backup: HsmBackup) -> str:
    if not backup.is_copy:
        return f"backup of {backup.cluster_id} in {backup.region}"
    source = f"{backup.source_backup} ({backup.source_region}, {backup.source_cluster})"
    return f"copy in {backup.region} of {source}"


def at(moment: datetime | None) -> str:
    """A moment as Steward writes it in decision details: 2026-11-02 09:30 UTC."""
    return "unknown" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
