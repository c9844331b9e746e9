"""Snapshot names Steward creates obey every service's rules, carry the cluster and are unique."""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from datetime import UTC, datetime, timedelta, timezone
from typing import get_args

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from steward.vocabulary.naming import (
    MAX_SNAPSHOT_NAME_LENGTH,
    SnapshotService,
    cluster_label,
    final_snapshot_name,
    is_stewards_snapshot_name,
    partition,
    rescue_snapshot_name,
    steward_snapshot_marker,
    timestamp,
    validate_snapshot_name,
)

AT = datetime(2026, 11, 21, 9, 30, 0, tzinfo=UTC)
SERVICES: tuple[SnapshotService, ...] = get_args(SnapshotService)
Namer = Callable[[SnapshotService, str, datetime, Container[str]], str]
NAMERS: tuple[Namer, ...] = (final_snapshot_name, rescue_snapshot_name)

services = st.sampled_from(SERVICES)
namers = st.sampled_from(NAMERS)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.timezones()
)
valid_ids = st.from_regex(r"[A-Za-z0-9-]{1,63}", fullmatch=True)
junk_ids = st.text(min_size=0, max_size=300)
cluster_ids = st.one_of(
    valid_ids, junk_ids, st.from_regex(r"[a-z][a-z0-9-]{200,400}", fullmatch=True)
)


def obeys_every_rule(service: SnapshotService, name: str) -> bool:
    return (
        1 <= len(name) <= MAX_SNAPSHOT_NAME_LENGTH[service]
        and re.fullmatch(r"[a-z][a-z0-9-]*", name) is not None
        and not name.endswith("-")
        and "--" not in name
    )


# --- the format -----------------------------------------------------------------------------


def test_final_name_is_cluster_marker_and_utc_timestamp() -> None:
    assert final_snapshot_name("redshift", "analytics", AT) == "analytics-final-20261121t093000z"


def test_rescue_name_uses_its_own_marker() -> None:
    assert rescue_snapshot_name("elasticache", "my-redis", AT) == "my-redis-rescue-20261121t093000z"


def test_timestamp_is_converted_to_utc() -> None:
    paris = datetime(2026, 11, 21, 10, 30, 0, tzinfo=timezone(timedelta(hours=1)))

    assert final_snapshot_name("redshift", "analytics", paris).endswith("-20261121t093000z")


def test_naive_time_is_rejected_as_ambiguous() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        final_snapshot_name("redshift", "analytics", datetime(2026, 11, 21, 9, 30))


def test_cluster_id_is_lower_cased() -> None:
    assert final_snapshot_name("elasticache", "MyRedis", AT).startswith("myredis-final-")


def test_id_not_starting_with_a_letter_gets_a_prefix() -> None:
    assert final_snapshot_name("elasticache-serverless", "42cache", AT).startswith(
        "cluster-42cache-final-"
    )


def test_unusable_characters_become_single_hyphens() -> None:
    assert cluster_label("__my..redis__cache--1") == "my-redis-cache-1"


def test_accents_are_dropped_not_replaced() -> None:
    assert cluster_label("Café") == "cafe"


def test_id_with_nothing_usable_becomes_cluster() -> None:
    assert final_snapshot_name("redshift", "日本", AT) == "cluster-final-20261121t093000z"


# --- length ---------------------------------------------------------------------------------


def test_long_id_is_shortened_but_timestamp_kept() -> None:
    name = final_snapshot_name("redshift", "a" * 300, AT)

    assert len(name) == 255
    assert name.endswith("-final-20261121t093000z")


def test_shortening_never_leaves_a_hyphen_before_the_marker() -> None:
    suffix = "-final-20261121t093000z"
    # The cut falls right after a hyphen in the id.
    cluster_id = "a" * (255 - len(suffix) - 1) + "-bbbb"

    name = final_snapshot_name("redshift", cluster_id, AT)

    assert "--" not in name
    assert name == "a" * (255 - len(suffix) - 1) + suffix


def test_counter_is_kept_when_a_long_name_is_taken() -> None:
    first = final_snapshot_name("elasticache", "a" * 300, AT)

    second = final_snapshot_name("elasticache", "a" * 300, AT, taken={first})

    assert len(second) == 255
    assert second.endswith("-final-20261121t093000z-2")


# --- uniqueness -----------------------------------------------------------------------------


def test_taken_name_gets_counter_2() -> None:
    taken = {"analytics-final-20261121t093000z"}

    assert final_snapshot_name("redshift", "analytics", AT, taken) == (
        "analytics-final-20261121t093000z-2"
    )


def test_counter_skips_every_taken_number() -> None:
    taken = {
        "analytics-final-20261121t093000z",
        "analytics-final-20261121t093000z-2",
        "analytics-final-20261121t093000z-3",
    }

    assert final_snapshot_name("redshift", "analytics", AT, taken).endswith("-4")


def test_taken_names_compare_case_insensitively() -> None:
    taken = ["ANALYTICS-Final-20261121T093000Z"]

    assert final_snapshot_name("redshift", "analytics", AT, taken).endswith("-2")


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "is empty"),
        ("a" * 256, "more than 255"),
        ("Analytics", "upper-case"),
        ("automatic.my-redis-2014-03-27-03-15", "characters other than"),
        ("1analytics", "does not start with a letter"),
        ("analytics-", "ends with a hyphen"),
        ("analytics--final", "two consecutive hyphens"),
    ],
)
def test_validation_names_the_rule_broken(name: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        validate_snapshot_name("redshift", name)


@given(
    service=services,
    cluster_id=cluster_ids,
    at=times,
    taken_count=st.integers(min_value=0, max_value=3),
)
def test_validation_accepts_every_final_snapshot_name_generated(
    service: SnapshotService, cluster_id: str, at: datetime, taken_count: int
) -> None:
    taken: list[str] = []
    for _ in range(taken_count):  # so that -2, -3, ... counters are generated too
        taken.append(final_snapshot_name(service, cluster_id, at, taken))

    name = final_snapshot_name(service, cluster_id, at, taken)

    assert validate_snapshot_name(service, name) is None
    counter = "" if taken_count == 0 else f"-{taken_count + 1}"
    assert name.endswith(f"-final-{timestamp(at)}{counter}")


# --- properties -----------------------------------------------------------------------------


@given(namer=namers, service=services, cluster_id=cluster_ids, at=times)
def test_every_name_obeys_every_rule(
    namer: Namer, service: SnapshotService, cluster_id: str, at: datetime
) -> None:
    name = namer(service, cluster_id, at, frozenset())

    assert obeys_every_rule(service, name)
    validate_snapshot_name(service, name)


@given(namer=namers, service=services, cluster_id=cluster_ids, at=times)
def test_every_name_carries_the_possibly_shortened_id(
    namer: Namer, service: SnapshotService, cluster_id: str, at: datetime
) -> None:
    name = namer(service, cluster_id, at, frozenset())
    label = cluster_label(cluster_id)
    id_part = name.rsplit("-", 2)[0]

    assert label.startswith(id_part)
    # Shortened only to fit, and at most one trailing hyphen dropped after the cut.
    assert id_part == label or len(name) >= MAX_SNAPSHOT_NAME_LENGTH[service] - 1


@given(service=services, cluster_id=valid_ids.filter(lambda i: i[0].isalpha()), at=times)
def test_valid_cluster_ids_are_never_shortened(
    service: SnapshotService, cluster_id: str, at: datetime
) -> None:
    name = final_snapshot_name(service, cluster_id, at)

    assert name.startswith(cluster_label(cluster_id) + "-final-")


@given(
    namer=namers,
    service=services,
    cluster_id=cluster_ids,
    at=times,
    taken_count=st.integers(min_value=0, max_value=5),
    extra_taken=st.lists(st.text(max_size=30), max_size=5),
)
def test_name_differs_from_every_taken_name(
    *,
    namer: Namer,
    service: SnapshotService,
    cluster_id: str,
    at: datetime,
    taken_count: int,
    extra_taken: list[str],
) -> None:
    taken: list[str] = list(extra_taken)
    for _ in range(taken_count):  # take the name and its next counters, in upper case
        taken.append(namer(service, cluster_id, at, taken).upper())

    name = namer(service, cluster_id, at, taken)

    assert name.lower() not in {t.lower() for t in taken}
    assert obeys_every_rule(service, name)


@pytest.mark.parametrize(
    ("region", "expected"),
    [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("us-east-1", "aws"), ("eu-west-1", "aws")],
)
def test_the_arn_partition_follows_the_region(region: str, expected: str) -> None:
    assert partition(region) == expected


# --- recognising Steward's own names (deferred tagging, the retention floor) ---------------------


@given(
    namer=namers,
    service=services,
    cluster_id=cluster_ids,
    at=times,
    taken_count=st.integers(min_value=0, max_value=2),
)
def test_every_name_steward_generates_is_recognised_as_its_clusters(
    namer: Namer, service: SnapshotService, cluster_id: str, at: datetime, taken_count: int
) -> None:
    taken: list[str] = []
    for _ in range(taken_count):
        taken.append(namer(service, cluster_id, at, taken))
    name = namer(service, cluster_id, at, taken)

    assert is_stewards_snapshot_name(service, cluster_id, name)
    assert steward_snapshot_marker(name) in {"final", "rescue"}
    assume(cluster_label(cluster_id) != "another-cluster")
    assert not is_stewards_snapshot_name(service, "another-cluster", name)


@pytest.mark.parametrize(
    ("cluster_id", "name"),
    [
        ("billing", "billing-nightly"),  # not Steward's shape
        ("billing", "billing-final-20261121t093000z-1"),  # counters start at 2
        ("billing", "billing-final-2026-11-21"),  # not Steward's timestamp
        ("billing", "other-final-20261121t093000z"),  # another cluster's
        ("billing", "xbilling-final-20261121t093000z"),  # a longer label is another cluster
        ("billing", "billing-backup-20261121t093000z"),  # neither final nor rescue
    ],
)
def test_other_names_are_not_recognised(cluster_id: str, name: str) -> None:
    assert not is_stewards_snapshot_name("elasticache", cluster_id, name)
