"""The guard's pure decisions: who needs a rescue, which snapshot is copied, what a snapshot is tagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from steward.events.cluster_changes.parser import parse_cluster_event
from steward.policy.rescue import (
    copy_retention_days,
    decide_rescue,
    final_snapshot_tag_problem,
    is_guarded,
    needs_no_rescue,
    newest_automatic,
    requires_final_snapshot,
    snapshot_tags,
)
from steward.vocabulary.clusters import AutomaticSnapshot

from tests.conftest import load_event

T0 = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
STEWARD_ROLE = "arn:aws:iam::123456789012:role/steward-FinalSnapshotFunctionRole-1A2B3C4D5E6F"


def snapshot(name: str, hours: float | None, status: str = "available") -> AutomaticSnapshot:
    created = None if hours is None else T0 + timedelta(hours=hours)
    return AutomaticSnapshot(name=name, cluster_id="c", created=created, status=status)


def test_only_the_value_required_guards_a_cluster_in_any_case() -> None:
    assert requires_final_snapshot({"steward:final-snapshot": " Required "})
    assert not requires_final_snapshot({"steward:final-snapshot": "yes"})
    assert not requires_final_snapshot({})
    assert not requires_final_snapshot(None)


def test_the_newest_available_automatic_snapshot_is_copied() -> None:
    snapshots = [
        snapshot("old", 1),
        snapshot("new", 5),
        snapshot("creating", 9, "creating"),
        snapshot("x", None),
    ]
    assert newest_automatic(snapshots) == snapshots[1]


def test_no_copyable_automatic_snapshot_is_none() -> None:
    assert newest_automatic([snapshot("creating", 9, "creating")]) is None
    assert newest_automatic([]) is None


def test_snapshot_tags_carry_the_clusters_tags_but_not_aws_or_cluster_only_ones() -> None:
    tags = snapshot_tags(
        {
            "team": "bi",
            "aws:cloudformation:stack-name": "s",
            "steward:delete-after": "now",
            "steward:final-snapshot": "required",
            "steward:hold": "INC-1",
        },
        "dw",
        "rescue",
    )
    assert tags == {
        "team": "bi",
        "steward:hold": "INC-1",
        "steward:created-by": "steward",
        "steward:source": "dw",
        "steward:reason": "rescue",
    }


def test_snapshot_tags_never_exceed_fifty_and_always_say_where_they_came_from() -> None:
    tags = snapshot_tags({f"k{i}": "v" for i in range(60)}, "dw", "final-snapshot")
    assert len(tags) == 50
    assert tags["steward:reason"] == "final-snapshot"


def test_a_delete_with_a_final_snapshot_needs_no_rescue() -> None:
    deleted = parse_cluster_event(load_event("redshift-deletecluster-with-final.json"))
    verdict = needs_no_rescue(deleted, [])  # type: ignore[arg-type]
    assert verdict is not None and verdict.reason == "has-final-snapshot"


def test_stewards_own_delete_is_recognised_by_its_role() -> None:
    deleted = parse_cluster_event(load_event("redshift-deletecluster-with-final.json"))
    verdict = needs_no_rescue(deleted, [STEWARD_ROLE])  # type: ignore[arg-type]
    assert verdict is not None and verdict.reason == "stewards-own-delete"


def test_a_skipped_final_snapshot_is_decided_by_the_tags() -> None:
    deleted = parse_cluster_event(load_event("redshift-deletecluster-skip-final.json"))
    assert needs_no_rescue(deleted, [STEWARD_ROLE]) is None  # type: ignore[arg-type]
    assert decide_rescue({"steward:final-snapshot": "required"}, "inventory").rescue
    assert decide_rescue(None, "unreadable").reason == "not-required"


def test_rescue_copies_keep_the_clusters_retention_or_forever_if_unreadable() -> None:
    assert copy_retention_days({"steward:retention-days": "30"}, -1) == 30
    assert copy_retention_days({"steward:retention-days": "soon"}, 7) == -1
    assert copy_retention_days({"steward:retention-days": "0"}, 7) == -1
    assert copy_retention_days({}, 7) == 7


@pytest.mark.parametrize("days", [0, -2, 3654])
def test_a_default_retention_a_tag_could_not_carry_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match=f"default retention {days} is not accepted"):
        copy_retention_days({}, days)


@pytest.mark.parametrize("value", ["true", "yes", "", "no"])
def test_any_other_value_of_the_guard_tag_is_a_problem_naming_the_value_and_what_is_accepted(
    value: str,
) -> None:
    tags = {"steward:final-snapshot": value}

    assert is_guarded(tags)
    assert final_snapshot_tag_problem(tags) == (
        f"steward:final-snapshot={value!r} is not understood; accepted: required"
    )


def test_the_guard_tag_required_or_absent_is_no_problem() -> None:
    assert final_snapshot_tag_problem({"steward:final-snapshot": " Required "}) is None
    assert final_snapshot_tag_problem({"team": "bi"}) is None
    assert not is_guarded({"team": "bi"})


def test_an_unreadable_guard_tag_is_rescued_anyway_and_says_why() -> None:
    verdict = decide_rescue({"steward:final-snapshot": "yes"}, "inventory")

    assert (verdict.rescue, verdict.reason) == (True, "invalid-tag")
    assert verdict.detail == (
        "steward:final-snapshot='yes' is not understood; accepted: required (from inventory); rescued anyway"
    )


def test_a_rescue_copy_is_kept_at_least_the_minimum_whatever_the_tag() -> None:
    assert copy_retention_days({"steward:retention-days": "1"}, -1, 7) == 7
    assert copy_retention_days({}, 3, 7) == 7
    assert copy_retention_days({"steward:retention-days": "-1"}, 3, 7) == -1
    assert copy_retention_days({"steward:retention-days": "1"}, -1, 1) == 1  # the operator lowered it
