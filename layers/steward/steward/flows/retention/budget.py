"""How one run's time is shared between services, so that no service starves another."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass


def never() -> bool:
    return False


@dataclass
class Share:
    """One service's part of the run: when its listing and its deleting must end.

    A service always gets its first page and its first delete (`listed`, `deleted` say whether it
    had them), and nothing, first or not, is started once `out_of_time()`: inside the margin.
    """

    out_of_time: Callable[[], bool]
    listing_spent: Callable[[], bool] = never
    deleting_spent: Callable[[], bool] = never
    listed: bool = False
    deleted: bool = False

    def listing_over(self) -> bool:
        return self.out_of_time() or (self.listed and self.listing_spent())

    def deleting_over(self) -> bool:
        return self.out_of_time() or (self.deleted and self.deleting_spent())


def shares[T](
    items: Sequence[T], seconds_left: Callable[[], float], margin: float
) -> Iterator[tuple[T, Share]]:
    """Each item with an equal part of the time left above the margin when its turn comes (time
    one service does not use goes to those after it): listing may use half of it, deleting the rest."""

    def below(seconds: float) -> Callable[[], bool]:
        return lambda: seconds_left() < seconds

    for index, item in enumerate(items):
        later = len(items) - index - 1
        length = max(0.0, seconds_left() - margin) / (later + 1)
        # What must be left when this service is done: the margin and the later services' parts.
        after = margin + length * later
        yield item, Share(below(margin), below(after + length / 2), below(after))


def rotated[T](items: Sequence[T], run_id: str) -> list[T]:
    """The items starting at a place the run's id picks, so that which service gets the time the
    others leave changes from run to run (and a replayed event runs in the same order)."""
    start = zlib.crc32(run_id.encode()) % len(items) if items else 0
    return [*items[start:], *items[:start]]
