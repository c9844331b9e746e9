"""When a cluster tagged steward:delete-after is deleted; never without a final snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from steward.policy.decommission import (
    Action,
    DecommissionPlan,
    TaggedBy,
    decide_decommission,
    parse_delete_after,
    tagger_refusal,
)
from steward.vocabulary.naming import ResourceKind
from steward.vocabulary.tags import (
    DELETE_AFTER,
    HOLD,
    KEEP_FOREVER,
    MIN_FINAL_SNAPSHOT_DAYS,
    RETENTION_DAYS,
    RETENTION_DAYS_ACCEPTED,
    read_retention_days,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
KINDS: tuple[ResourceKind, ...] = get_args(ResourceKind)


def decide(
    tags: dict[str, str],
    *,
    status: str = "available",
    engine: str | None = "redis",
    kind: ResourceKind = "elasticache-replication-group",
    now: datetime = NOW,
    default_retention_days: int = -1,
) -> DecommissionPlan:
    return decide_decommission(tags, status, engine, kind, now, default_retention_days)


def redshift(tags: dict[str, str], default_retention_days: int = -1) -> DecommissionPlan:
    return decide(
        tags, engine=None, kind="redshift-cluster", default_retention_days=default_retention_days
    )


# --- parse_delete_after ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["now", "NOW", " Now "])
def test_now_in_any_case_is_the_clock(value: str) -> None:
    assert parse_delete_after(value, NOW) == NOW


def test_date_is_the_start_of_that_day_utc() -> None:
    assert parse_delete_after("2026-12-01", NOW) == datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2026-12-01T10:00:00Z", "2026-12-01T10:00:00+00:00"])
def test_utc_date_time_is_taken_as_is(value: str) -> None:
    assert parse_delete_after(value, NOW) == datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_other_offset_is_converted_to_utc() -> None:
    assert parse_delete_after("2026-12-01T10:00:00+02:00", NOW) == datetime(
        2026, 12, 1, 8, tzinfo=UTC
    )


def test_result_is_always_utc() -> None:
    assert parse_delete_after("2026-12-01T10:00:00-05:00", NOW).tzinfo is UTC


def test_naive_date_time_is_rejected_as_ambiguous() -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_delete_after("2026-12-01T10:00:00", NOW)


@pytest.mark.parametrize(
    "value", ["", "tomorrow", "01/12/2026", "2026-13-01", "2026-12-01 10:00:00Z", "20261201", "-1"]
)
def test_anything_else_is_rejected_naming_tag_value_and_accepted_forms(value: str) -> None:
    with pytest.raises(ValueError, match=DELETE_AFTER) as raised:
        parse_delete_after(value, NOW)

    message = str(raised.value)
    assert repr(value) in message
    assert "'now'" in message
    assert "2026-12-01T10:00:00Z" in message


def test_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        parse_delete_after("now", datetime(2026, 11, 21))


# --- decide_decommission --------------------------------------------------------------------


def test_untagged_cluster_has_no_plan() -> None:
    plan = decide({"team": "payments"})

    assert plan.action is Action.NONE
    assert plan.reason == "not-tagged"


def test_invalid_delete_after_keeps_the_cluster_and_names_the_value() -> None:
    plan = decide({DELETE_AFTER: "soon"})

    assert plan.action is Action.KEEP
    assert plan.reason == "invalid-tag"
    assert "'soon'" in plan.detail


def test_not_yet_due_is_kept_with_its_due_time() -> None:
    plan = decide({DELETE_AFTER: "2026-12-01"})

    assert plan.reason == "not-due"
    assert plan.due_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert not plan.delete


def test_due_at_exactly_now_is_deleted() -> None:
    assert decide({DELETE_AFTER: "2026-11-21T09:30:00Z"}).delete


def test_due_but_not_available_is_retried_later() -> None:
    plan = decide({DELETE_AFTER: "now"}, status="modifying")

    assert plan.reason == "not-available"
    assert not plan.delete


def test_memcached_cluster_is_refused() -> None:
    plan = decide({DELETE_AFTER: "now"}, engine="memcached", kind="elasticache-cluster")

    assert plan.action is Action.KEEP
    assert plan.reason == "no-snapshot-support"


def test_cache_cluster_of_unknown_engine_is_refused() -> None:
    plan = decide({DELETE_AFTER: "now"}, engine=None, kind="elasticache-cluster")

    assert plan.reason == "no-snapshot-support"


def test_serverless_memcached_can_be_snapshotted_so_is_deleted() -> None:
    plan = decide({DELETE_AFTER: "now"}, engine="memcached", kind="elasticache-serverless")

    assert plan.delete


def test_held_cluster_is_kept() -> None:
    plan = decide({DELETE_AFTER: "now", HOLD: "legal"})

    assert plan.reason == "hold"


def test_due_and_available_is_deleted_with_a_final_snapshot() -> None:
    plan = decide({DELETE_AFTER: "now"})

    assert plan.action is Action.DELETE
    assert plan.reason == "due"
    assert plan.with_final_snapshot


def test_elasticache_plan_has_no_snapshot_retention() -> None:
    assert decide({DELETE_AFTER: "now"}).final_snapshot_retention_days is None


def test_redshift_retention_comes_from_the_tag() -> None:
    assert redshift({DELETE_AFTER: "now", RETENTION_DAYS: "30"}).final_snapshot_retention_days == 30


def test_redshift_retention_tag_minus_one_keeps_forever() -> None:
    assert redshift({DELETE_AFTER: "now", RETENTION_DAYS: "-1"}).final_snapshot_retention_days == -1


@pytest.mark.parametrize("value", ["0", "3654", "thirty", "-2", "1.5"])
def test_redshift_invalid_retention_tag_keeps_the_cluster(value: str) -> None:
    plan = redshift({DELETE_AFTER: "now", RETENTION_DAYS: value})

    assert plan.reason == "invalid-tag"
    assert RETENTION_DAYS in plan.detail


def test_redshift_retention_defaults_to_the_setting() -> None:
    assert (
        redshift({DELETE_AFTER: "now"}, default_retention_days=90).final_snapshot_retention_days
        == 90
    )


def test_redshift_default_retention_minus_one_keeps_forever() -> None:
    assert (
        redshift({DELETE_AFTER: "now"}, default_retention_days=-1).final_snapshot_retention_days
        == -1
    )


@pytest.mark.parametrize("days", [0, -2, 3654, 5000])
def test_a_default_retention_a_tag_could_not_carry_is_a_settings_error(days: int) -> None:
    # 0 is not "forever": -1 is, as in the tag and in FINAL_SNAPSHOT_RETENTION_DAYS.
    with pytest.raises(ValueError, match=rf"default retention {days} is not accepted: -1 \(keep forever\)"):
        redshift({DELETE_AFTER: "now"}, default_retention_days=days)


@given(value=st.one_of(st.integers(-5, 4000).map(str), st.text(max_size=6)))
def test_the_retention_tag_reads_as_everywhere_else(value: str) -> None:
    plan = redshift({DELETE_AFTER: "now", RETENTION_DAYS: value})

    days = read_retention_days(value)
    if days is None:
        assert (plan.reason, RETENTION_DAYS_ACCEPTED in plan.detail) == ("invalid-tag", True)
    else:
        # Kept forever, or at least the floor, whatever the tag says.
        floored = days if days == KEEP_FOREVER else max(days, MIN_FINAL_SNAPSHOT_DAYS)
        assert plan.final_snapshot_retention_days == floored


def test_plan_cannot_be_built_to_delete_without_a_final_snapshot() -> None:
    with pytest.raises(ValueError, match="final snapshot"):
        DecommissionPlan("redshift-cluster", Action.DELETE, "due", with_final_snapshot=False)


# --- safety properties ----------------------------------------------------------------------

clocks = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@st.composite
def delete_after_values(draw: st.DrawFn) -> str:
    moment = draw(clocks).astimezone(draw(offsets)).replace(microsecond=0)
    return draw(
        st.sampled_from(
            [
                "now",
                moment.date().isoformat(),
                moment.isoformat(),
                moment.isoformat().replace("+00:00", "Z"),
                moment.replace(tzinfo=None).isoformat(),  # naive: must be refused
            ]
        )
        | st.text(max_size=25)
    )


tag_sets = st.fixed_dictionaries(
    {},
    optional={
        DELETE_AFTER: delete_after_values(),
        RETENTION_DAYS: st.one_of(
            st.sampled_from(["-1", "1", "30", "3653"]),
            st.integers(-3, 4000).map(str),
            st.text(max_size=6),
        ),
        HOLD: st.sampled_from(["false", "", "true"]),
    },
)
statuses = st.sampled_from(["available", "Available", "modifying", "creating", "deleting", ""])
engines = st.sampled_from([None, "redis", "valkey", "memcached", "Memcached"])


@settings(max_examples=500)
@given(
    tags=tag_sets,
    status=statuses,
    engine=engines,
    kind=st.sampled_from(KINDS),
    now=clocks,
    default=st.sampled_from([-1, 1, 35, 3653]),
)
def test_delete_plans_are_always_safe(
    *,
    tags: dict[str, str],
    status: str,
    engine: str | None,
    kind: ResourceKind,
    now: datetime,
    default: int,
) -> None:
    plan = decide_decommission(tags, status, engine, kind, now, default)

    if plan.delete:
        assert plan.with_final_snapshot
        assert now >= parse_delete_after(tags[DELETE_AFTER], now)
        assert status.lower() == "available"
        assert not (
            kind == "elasticache-cluster" and (engine or "memcached").lower() == "memcached"
        )
        if kind == "redshift-cluster":
            retention = plan.final_snapshot_retention_days
            assert retention == -1 or (retention is not None and 1 <= retention <= 3653)


def parsed_or_refusal(value: str, now: datetime) -> datetime | str:
    try:
        return parse_delete_after(value, now)
    except ValueError as error:
        return str(error)


@given(value=delete_after_values(), now=clocks)
def test_parsed_delete_after_is_utc_or_refused_naming_the_tag(value: str, now: datetime) -> None:
    result = parsed_or_refusal(value, now)

    if isinstance(result, str):
        assert DELETE_AFTER in result
    else:
        assert result.utcoffset() == timedelta(0)


# --- a tag never keeps a final snapshot less than the operator's minimum -------------------------


@pytest.mark.parametrize(("tagged", "kept"), [("1", 7), ("6", 7), ("7", 7), ("30", 30), ("-1", -1)])
def test_redshift_retention_tag_is_raised_to_the_minimum(tagged: str, kept: int) -> None:
    plan = decide_decommission(
        {DELETE_AFTER: "now", RETENTION_DAYS: tagged}, "available", None, "redshift-cluster", NOW, -1, 7
    )
    assert plan.final_snapshot_retention_days == kept


def test_a_default_below_the_minimum_is_raised_too() -> None:
    plan = decide_decommission({DELETE_AFTER: "now"}, "available", None, "redshift-cluster", NOW, 3, 7)
    assert plan.final_snapshot_retention_days == 7


def test_the_operator_may_lower_the_minimum() -> None:
    plan = decide_decommission(
        {DELETE_AFTER: "now", RETENTION_DAYS: "1"}, "available", None, "redshift-cluster", NOW, -1, 1
    )
    assert plan.final_snapshot_retention_days == 1


# --- who may decommission by tag -------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/Decommissioner"
SESSION = "arn:aws:sts::123456789012:assumed-role/Decommissioner/pipeline"


def test_anyone_may_decommission_when_no_principals_are_named() -> None:
    assert tagger_refusal(TaggedBy(), []) is None
    assert tagger_refusal(TaggedBy("arn:aws:iam::123456789012:user/mallory"), []) is None


@pytest.mark.parametrize(
    ("tagged_by", "allowed"),
    [
        (TaggedBy(SESSION, ROLE), [ROLE]),  # a session of the named role
        (TaggedBy(SESSION, ROLE), [SESSION]),  # that very session
        (TaggedBy(SESSION, ROLE), ["arn:aws:sts::123456789012:assumed-role/Decommissioner/*"]),
        (TaggedBy("arn:aws:iam::123456789012:user/ops"), ["arn:aws:iam::123456789012:user/ops"]),
    ],
)
def test_a_named_principal_may_decommission(tagged_by: TaggedBy, allowed: list[str]) -> None:
    assert tagger_refusal(tagged_by, allowed) is None


def test_anyone_else_is_refused_naming_who() -> None:
    mallory = "arn:aws:sts::123456789012:assumed-role/Admin/mallory"
    refusal = tagger_refusal(TaggedBy(mallory, "arn:aws:iam::123456789012:role/Admin"), [ROLE])
    assert refusal == f"{DELETE_AFTER} set by {mallory}, who is not in DECOMMISSION_PRINCIPALS"


def test_an_unknown_tagger_is_refused_when_principals_are_named() -> None:
    refusal = tagger_refusal(TaggedBy(), [ROLE])
    assert refusal is not None
    assert "seen by the sweep; who set it is unknown" in refusal
    assert str(TaggedBy()) == f"{DELETE_AFTER} seen by the sweep; who set it is unknown"
