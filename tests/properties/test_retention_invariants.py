"""Safety invariants of the retention policy, for any fleet and any settings.

Each expired verdict is checked against the rules restated here independently of the planner:
nothing held, within retention, among the newest MIN_KEEP of its cluster (serverless and node-based
ElastiCache snapshots counted apart), not ready, shared, automated or not owned is ever planned for
deletion.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from steward.policy.retention import RetentionRules, plan_retention
from steward.vocabulary.backups import SERVERLESS_SNAPSHOT, Backup
from steward.vocabulary.service import Service

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
