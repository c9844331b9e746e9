"""A run's time shared between services: each gets its first page and delete, none starves another."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from steward.flows.retention.budget import rotated, shares


class Clock:
    """seconds_left() for a run whose time passes only when the test says so."""

    def __init__(self, left: float) -> None:
        self.left = left

    def __call__(self) -> float:
        return self.left


def test_each_service_gets_an_equal_part_of_what_is_left_when_its_turn_comes() -> None:
    clock = Clock(30 + 90)
    parts = shares(["elasticache", "redshift", "cloudhsm"], clock, margin=30)

    _, first = next(parts)  # 30 s of the 90: listing until 105 s are left, deleting until 90
    first.listed = first.deleted = True
    clock.left = 105.5
    assert not first.listing_over()
    clock.left = 104.5
    assert first.listing_over() and not first.deleting_over()
    clock.left = 89.5
    assert first.deleting_over()

    clock.left = 30 + 80  # the first service used 10 s of its 30: the next two share 80
    _, second = next(parts)
    second.listed = second.deleted = True
    clock.left = 70.5
    assert not second.deleting_over()
    clock.left = 69.5
    assert second.deleting_over()

    clock.left = 30 + 40  # the last one gets everything above the margin
    _, last = next(parts)
    last.listed = last.deleted = True
    clock.left = 30.5
    assert not last.deleting_over()
    clock.left = 29.5
    assert last.deleting_over()


def test_a_spent_share_still_gets_its_first_page_and_its_first_delete_but_never_inside_the_margin() -> None:
    clock = Clock(30 + 3)
    _, share = next(shares(["elasticache", "redshift", "cloudhsm"], clock, margin=30))
    clock.left = 30 + 0.5  # the share (1 s) is spent before anything was listed or deleted

    assert not share.listing_over() and not share.deleting_over()
    share.listed = share.deleted = True
    assert share.listing_over() and share.deleting_over()

    clock.left = 29
    share.listed = share.deleted = False
    assert share.out_of_time() and share.listing_over() and share.deleting_over()


@given(st.text(max_size=40))
def test_rotation_keeps_every_service_once_and_in_cyclic_order(run_id: str) -> None:
    services = ["elasticache", "redshift", "cloudhsm"]
    order = rotated(services, run_id)
    start = services.index(order[0])
    assert order == services[start:] + services[:start]
    assert rotated(services, run_id) == order  # a replayed event runs in the same order


def test_the_starting_service_changes_from_run_to_run() -> None:
    starts = {rotated(["elasticache", "redshift", "cloudhsm"], f"event-{n}")[0] for n in range(30)}
    assert starts == {"elasticache", "redshift", "cloudhsm"}
