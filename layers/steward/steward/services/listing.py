"""A listing the run can stop between pages, and that says whether it reached the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any


def never() -> bool:
    return False


# Where each listing Steward pages through puts its next page's token.
NEXT_PAGE = ("Marker", "NextToken", "PaginationToken")


class Pages(Iterable[Mapping[str, Any]]):
    """The pages of one paginated call; before each page, `stop()` may end it.

    `complete` says whether the last page was read, so that what was not listed is reported.
    """

    def __init__(self, pages: Iterable[Mapping[str, Any]], stop: Callable[[], bool] = never) -> None:
        self._pages = pages
        self._stop = stop
        self.complete = False

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        if self._stop():
            return
        for page in self._pages:
            yield page
            if not any(page.get(token) for token in NEXT_PAGE):
                self.complete = True
                return
            if self._stop():
                return
        self.complete = True


class Listing[T](Iterable[T]):
    """The backups of one service, read page by page as they are iterated."""

    def __init__(self, items: Callable[[], Iterator[T]], *pages: Pages) -> None:
        self._items = items
        self._pages = pages

    @property
    def complete(self) -> bool:
        return all(p.complete for p in self._pages)

    def __iter__(self) -> Iterator[T]:
        return self._items()
