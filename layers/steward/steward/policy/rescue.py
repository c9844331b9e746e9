"""The guard's pure decisions: whether a delete needs a rescue, which automatic snapshot to copy,
and the tags a final or rescue snapshot carries."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from steward.policy.decommission import at_least, require_default_retention
from steward.vocabulary.clusters import AutomaticSnapshot
from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.tags import (
    CREATED_BY,
    DELETE_AFTER,
    FINAL_SNAPSHOT,
    KEEP_FOREVER,
    MIN_FINAL_SNAPSHOT_DAYS,
    REASON,
    RETENTION_DAYS,
    SOURCE,
    read_retention_days,
)

REQUIRED: Final = "required"
MAX_TAGS: Final = 50  # ElastiCache and Redshift both allow 50 tags per resource
# Tags that steer what Steward does to a *cluster*; on a snapshot they would only mislead.
CLUSTER_ONLY_TAGS: Final = frozenset({DELETE_AFTER, FINAL_SNAPSHOT})

SnapshotReason = Literal["final-snapshot", "rescue"]
SkipReason = Literal["stewards-own-delete", "has-final-snapshot", "primary-retained", "not-required"]


@dataclass(frozen=True)
class RescueVerdict:
    """Whether the data of a deleted cluster must be rescued, and why (or why not)."""

    rescue: bool
    reason: SkipReason | Literal["required", "invalid-tag"]
    detail: str


class ClusterDeleted(Protocol):
    """What the policy reads of a delete call (`events.cluster_changes.parser.ClusterDeleted`)."""

    @property
    def kind(self) -> ResourceKind: ...
    @property
    def actor_role_arn(self) -> str | None: ...
    @property
    def final_snapshot_name(self) -> str | None: ...
    @property
    def skipped_final_snapshot(self) -> bool: ...
    @property
    def primary_retained(self) -> bool: ...


def is_stewards_own(deleted: ClusterDeleted, steward_role_arns: Collection[str]) -> bool:
    """True for a delete Steward itself made: one of its roles called, and with a final snapshot."""
    return (
        deleted.actor_role_arn is not None
        and deleted.actor_role_arn in steward_role_arns
        and deleted.final_snapshot_name is not None
    )


def requires_final_snapshot(tags: Mapping[str, str] | None) -> bool:
    """`steward:final-snapshot=required` (any case, surrounding spaces ignored)."""
    return tags is not None and tags.get(FINAL_SNAPSHOT, "").strip().lower() == REQUIRED


def is_guarded(tags: Mapping[str, str] | None) -> bool:
    """Carries `steward:final-snapshot` with any value: what the shipped deny policy guards, and
    what the inventory keeps, so that a delete can be rescued even when the value is unreadable."""
    return tags is not None and FINAL_SNAPSHOT in tags


def is_inventoried(tags: Mapping[str, str]) -> bool:
    """Guarded, or tagged `steward:delete-after`: what the inventory keeps (with who set the tag)."""
    return is_guarded(tags) or DELETE_AFTER in tags


def final_snapshot_tag_problem(tags: Mapping[str, str] | None) -> str | None:
    """What is wrong with a `steward:final-snapshot` value other than `required`; None if fine."""
    if not is_guarded(tags) or requires_final_snapshot(tags):
        return None
    assert tags is not None
    return f"{FINAL_SNAPSHOT}={tags[FINAL_SNAPSHOT]!r} is not understood; accepted: {REQUIRED}"


def needs_no_rescue(deleted: ClusterDeleted, steward_role_arns: Collection[str]) -> RescueVerdict | None:
    """The reasons a delete is safe that the event alone shows; None when the tags must decide."""
    if is_stewards_own(deleted, steward_role_arns):
        return RescueVerdict(False, "stewards-own-delete", f"final snapshot {deleted.final_snapshot_name}")
    if not deleted.skipped_final_snapshot:
        return RescueVerdict(
            False, "has-final-snapshot", f"deleted with final snapshot {deleted.final_snapshot_name}"
        )
    if deleted.primary_retained:
        return RescueVerdict(False, "primary-retained", "the primary node lives on as a cluster")
    return None


def decide_rescue(tags: Mapping[str, str] | None, tags_source: str) -> RescueVerdict:
    """Rescue clusters tagged `steward:final-snapshot=required` (tags from `tags_source`), and those
    whose value is unreadable: when in doubt, the data is kept."""
    if requires_final_snapshot(tags):
        return RescueVerdict(True, "required", f"{FINAL_SNAPSHOT}={REQUIRED} (from {tags_source})")
    problem = final_snapshot_tag_problem(tags)
    if problem is not None:
        return RescueVerdict(True, "invalid-tag", f"{problem} (from {tags_source}); rescued anyway")
    if tags is None:
        return RescueVerdict(False, "not-required", f"tags unknown: {tags_source}")
    return RescueVerdict(False, "not-required", f"no {FINAL_SNAPSHOT}={REQUIRED} (from {tags_source})")


def newest_automatic(snapshots: Sequence[AutomaticSnapshot]) -> AutomaticSnapshot | None:
    """The newest automatic snapshot that can be copied (available, with a known time), if any."""
    ready = [s for s in snapshots if s.status == "available" and s.created is not None]
    return max(ready, key=lambda s: (s.created, s.name), default=None)


def snapshot_tags(cluster_tags: Mapping[str, str], cluster_id: str, reason: SnapshotReason) -> dict[str, str]:
    """The cluster's tags that may carry over (no `aws:` keys, no cluster-only steward tags),
    plus where the snapshot came from; at most 50, Steward's own tags always included."""
    own = {CREATED_BY: "steward", SOURCE: cluster_id, REASON: reason}
    carried = [
        (key, value)
        for key, value in cluster_tags.items()
        if not key.lower().startswith("aws:") and key not in CLUSTER_ONLY_TAGS and key not in own
    ]
    return dict(carried[: MAX_TAGS - len(own)]) | own


def copy_retention_days(
    tags: Mapping[str, str] | None, default_days: int, min_days: int = MIN_FINAL_SNAPSHOT_DAYS
) -> int:
    """Redshift retention of a rescue copy: the cluster's `steward:retention-days`, else the
    default; forever or at least `min_days` either way."""
    require_default_retention(default_days)
    if tags and RETENTION_DAYS in tags:
        days = read_retention_days(tags[RETENTION_DAYS])
        # An unreadable tag must not shorten how long rescued data is kept.
        return KEEP_FOREVER if days is None else at_least(days, min_days)
    return at_least(default_days, min_days)
