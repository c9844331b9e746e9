"""How tags from several places merge (protection wins), and how each service compares ids."""

from __future__ import annotations

import pytest
from steward.vocabulary.service import Service, canonical_id
from steward.vocabulary.tags import merge_protecting, steward_tags


@pytest.mark.parametrize(
    ("cluster", "group", "hold"),
    [
        ({"steward:hold": "INC-1"}, {"steward:hold": "false"}, "INC-1"),
        ({"steward:hold": "false"}, {"steward:hold": "INC-2"}, "INC-2"),
        ({"steward:hold": "false"}, {}, "false"),
        ({"steward:hold": ""}, {"steward:hold": "false"}, ""),
    ],
)
def test_any_hold_holds_whichever_place_says_false(
    cluster: dict[str, str], group: dict[str, str], hold: str
) -> None:
    assert merge_protecting(cluster, group)["steward:hold"] == hold
    assert merge_protecting(group, cluster)["steward:hold"] == hold


@pytest.mark.parametrize(
    ("values", "wins"),
    [
        (["7", "365"], "365"),
        (["365", "-1"], "-1"),
        (["-1", "abc"], "abc"),
        (["0", "30"], "0"),  # 0 is not accepted: unreadable, so the backup is kept
        (["30"], "30"),
    ],
)
def test_the_most_protective_retention_wins_and_unreadable_keeps(values: list[str], wins: str) -> None:
    sets = [{"steward:retention-days": v} for v in values]
    assert merge_protecting(*sets)["steward:retention-days"] == wins
    assert merge_protecting(*reversed(sets))["steward:retention-days"] == wins


def test_other_keys_come_from_the_first_place_that_has_them() -> None:
    merged = merge_protecting({"team": "a"}, {"team": "b", "owner": "c"})
    assert merged == {"team": "a", "owner": "c"}
    assert merge_protecting() == {}


def test_only_steward_tags_are_remembered() -> None:
    assert steward_tags({"steward:hold": "x", "team": "a", "Steward:hold": "y"}) == {"steward:hold": "x"}


@pytest.mark.parametrize(
    ("service", "typed", "compared"),
    [
        (Service.ELASTICACHE, "Redis-Production", "redis-production"),
        (Service.REDSHIFT, "Billing-DW", "billing-dw"),
        (Service.CLOUDHSM, "cluster-AbCdEfGhIjK", "cluster-AbCdEfGhIjK"),
    ],
)
def test_ids_are_compared_as_each_service_compares_them(service: Service, typed: str, compared: str) -> None:
    assert canonical_id(service, typed) == compared
