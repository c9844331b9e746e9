"""Safety invariants of the retention policy, for any fleet and any settings.

Each expired verdict is checked against the rules restated here independently of the planner:
nothing held, within retention, among the newest MIN_KEEP of its cluster (serverless and node-based
ElastiCache snapshots counted apart), not ready, shared, automated or not owned is ever planned for
deletion; nor anything held by its cluster, its replication group or the last-known tags of a
cluster that is gone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from steward.flows.retention.last_known import with_last_known
from steward.policy.retention import RetentionRules, plan_retention
from steward.services.last_known import LastKnownTags
from steward.vocabulary.backups import SERVERLESS_SNAPSHOT, Backup
from steward.vocabulary.service import Service
from steward.vocabulary.tags import merge_protecting

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)

tag_values = st.one_of(
    st.integers(-10, 4000).map(str), st.sampled_from(["abc", "", "7.5", " 30 ", "false"]), st.text(max_size=4)
)
tag_sets = st.dictionaries(
    st.sampled_from(["steward:retention-days", "steward:hold", "team"]), tag_values, max_size=3
)


@st.composite
def backups(draw: st.DrawFn, index: int) -> Backup:
    service = draw(st.sampled_from(list(Service)))
    # ElastiCache snapshots are node-based or serverless; a cache name may be either kind's.
    kinds = [None, SERVERLESS_SNAPSHOT] if service is Service.ELASTICACHE else [None]
    return Backup(
        service=service,
        region=draw(st.sampled_from(["us-east-1", "eu-west-1"])),
        id=f"backup-{index}",
        source_cluster=draw(st.sampled_from(["a", "b", "c"])),
        created=draw(st.one_of(st.none(), st.integers(0, 5000 * 24).map(lambda h: NOW - timedelta(hours=h)))),
        ready=draw(st.booleans()),
        state="whatever",
        manual=draw(st.booleans()),
        owned=draw(st.booleans()),
        tags=draw(tag_sets),
        source_tags=draw(tag_sets),
        shared_with=tuple(draw(st.lists(st.sampled_from(["111111111111", "222222222222"]), max_size=2))),
        never_expires=draw(st.booleans()),
        service_retention_days=draw(st.sampled_from([None, -1, 7, 3653])),
        kind=draw(st.sampled_from(kinds)),
    )


fleets = st.integers(0, 40).flatmap(lambda n: st.tuples(*(backups(i) for i in range(n))))
rules = st.builds(
    RetentionRules,
    default_retention_days=st.integers(0, 3653),
    min_keep=st.integers(0, 5),
    revoke_shares=st.booleans(),
)


def held(tags: dict[str, str]) -> bool:
    return "steward:hold" in tags and tags["steward:hold"].strip().lower() != "false"


def retention_days(item: Backup, default: int) -> int | None:
    for tags in (item.tags, item.source_tags):
        if "steward:retention-days" in tags:
            text = tags["steward:retention-days"].strip()
            ok = text.isascii() and text.isdigit() and 1 <= int(text) <= 3653
            return int(text) if ok else None  # -1 (forever) and junk: never expires
    return default or None


def newer_restore_points(item: Backup, fleet: tuple[Backup, ...]) -> int:
    assert item.created is not None
    return sum(
        1
        for other in fleet
        if other is not item
        and (other.service, other.kind, other.region, other.source_cluster)
        == (item.service, item.kind, item.region, item.source_cluster)
        and other.ready
        and other.manual
        and other.owned
        and other.created is not None
        and (other.created, other.id) > (item.created, item.id)
    )


@settings(max_examples=400, deadline=None)
@given(fleet=fleets, rule=rules)
def test_nothing_protected_is_ever_planned_for_deletion(
    fleet: tuple[Backup, ...], rule: RetentionRules
) -> None:
    verdicts = plan_retention(fleet, rule, NOW)
    assert [v.backup for v in verdicts] == list(fleet)
    for verdict in verdicts:
        item = verdict.backup
        if not verdict.expired:
            assert verdict.reason, "every kept backup carries a reason"
            continue
        assert item.manual and item.owned and item.ready and not item.never_expires
        assert not held(item.tags) and not held(item.source_tags)
        assert item.service_retention_days in (None, -1)
        assert rule.revoke_shares or not item.shared_with
        days = retention_days(item, rule.default_retention_days)
        assert days is not None and item.created is not None
        assert NOW - item.created > timedelta(days=days)
        keep = max(rule.min_keep, 1) if item.service is Service.CLOUDHSM else rule.min_keep
        assert newer_restore_points(item, fleet) >= keep


@settings(max_examples=200, deadline=None)
@given(fleet=fleets, rule=rules)
def test_the_plan_is_the_same_whatever_order_the_backups_are_listed_in(
    fleet: tuple[Backup, ...], rule: RetentionRules
) -> None:
    forward = {v.backup.id: (v.expired, v.reason) for v in plan_retention(fleet, rule, NOW)}
    backward = {v.backup.id: (v.expired, v.reason) for v in plan_retention(reversed(fleet), rule, NOW)}
    assert forward == backward


# --- a hold anywhere holds: backup, cluster, replication group, or a gone cluster's last tags -----

CLUSTERS = ["c0", "c1", "c2"]
GROUPS = ["g0", "g1"]


class Memory:
    """The last-known tags, as the state table would answer; writes are accepted and ignored."""

    def __init__(self, records: dict[str, dict[str, str]]) -> None:
        self.records = {
            k: LastKnownTags(tags=v, seen_at="2026-11-20T03:00:00+00:00") for k, v in records.items()
        }

    def recall(self, service: str, region: str) -> dict[str, LastKnownTags]:
        return dict(self.records)

    def remember(self, service: str, region: str, cluster_id: str, tags: Any, now: datetime) -> None:
        pass

    def forget(self, service: str, region: str, cluster_id: str) -> None:
        pass


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Backup], dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Backups of clusters and groups, some alive (with tags), some gone (perhaps remembered)."""
    names = CLUSTERS + GROUPS
    tags_of = {name: draw(tag_sets) for name in names}
    live = {name: tags_of[name] for name in names if draw(st.booleans())}
    records = {name: draw(tag_sets) for name in names if name not in live and draw(st.booleans())}
    fleet: list[Backup] = []
    for index in range(draw(st.integers(0, 25))):
        base = draw(backups(index))
        cluster = draw(st.sampled_from(CLUSTERS))
        group = draw(st.one_of(st.none(), st.sampled_from(GROUPS)))
        sources = (cluster, group) if group else (cluster,)
        # As the ElastiCache adapter lists it: the live tags of cluster and group, merged.
        fleet.append(
            replace(
                base,
                service=Service.ELASTICACHE,
                region="us-east-1",
                source_cluster=group or cluster,
                source_tags=merge_protecting(*(live.get(s, {}) for s in sources)),
                source_ids=sources,
            )
        )
    return fleet, live, records


def applying(
    item: Backup, live: dict[str, dict[str, str]], records: dict[str, dict[str, str]]
) -> list[dict[str, str]]:
    """Every tag set that applies to the backup besides its own, restated from the rule."""
    return [live[s] if s in live else records.get(s, {}) for s in item.sources]


@settings(max_examples=200, deadline=None)
@given(world=worlds(), rule=rules)
def test_held_anywhere_is_never_planned_for_deletion(
    world: tuple[list[Backup], dict[str, dict[str, str]], dict[str, dict[str, str]]], rule: RetentionRules
) -> None:
    fleet, live, records = world
    lent, problems = with_last_known(Service.ELASTICACHE, "us-east-1", fleet, live, Memory(records), NOW)
    assert problems == []
    for verdict in plan_retention(lent, rule, NOW):
        if not verdict.expired:
            continue
        item = next(b for b in fleet if b.id == verdict.backup.id)
        others = applying(item, live, records)
        assert not held(item.tags) and not any(held(tags) for tags in others)
        if "steward:retention-days" not in item.tags:
            # keep-forever or an unreadable value anywhere keeps it; else the longest applies
            values = [
                tags["steward:retention-days"].strip() for tags in others if "steward:retention-days" in tags
            ]
            assert all(v.isascii() and v.isdigit() and 1 <= int(v) <= 3653 for v in values)
            days = max(map(int, values), default=rule.default_retention_days)
            assert days and item.created is not None and NOW - item.created > timedelta(days=days)
